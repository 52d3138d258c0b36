"""partial index of risk rows pending enrichment

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 07:10:00

An incremental enrichment run (5.2.1 processing, transforms/enrich.py) reads the rows whose
``enriched_at`` is still null; without this index that read scans the whole table.
Landed migrations are never edited; change the schema with a new revision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_stg_risk_information_pending",
        "stg_risk_information",
        ["risk_info_id"],
        unique=False,
        sqlite_where=sa.text("enriched_at is null"),
        postgresql_where=sa.text("enriched_at is null"),
    )


def downgrade() -> None:
    op.drop_index("ix_stg_risk_information_pending", table_name="stg_risk_information")
