"""Writing raw documents (5.2.1) — shared by the crawl pipeline and the file importers.

``document_id`` = sha256(source, content_hash), so a record whose content is unchanged is never
stored twice, whichever way it arrived.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from ecmon.db import upsert
from sql.models import RawDocument


def content_hash(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def document_id(source: str, body_hash: str) -> str:
    return hashlib.sha256(f"{source}\x1f{body_hash}\x1f".encode()).hexdigest()


def insert_new_documents(conn: Connection, rows: Sequence[dict[str, Any]]) -> int:
    """Insert raw-document rows (dicts with every ``raw_document`` column) not stored yet.

    Returns how many were new. Rows whose ``document_id`` is already present are skipped.
    """
    table = RawDocument.__table__
    unique = {row["document_id"]: row for row in rows}
    if not unique:
        return 0
    known: set[str] = set()
    ids = list(unique)
    for start in range(0, len(ids), 5000):
        known.update(
            conn.execute(select(table.c.document_id).where(table.c.document_id.in_(ids[start : start + 5000])))
            .scalars()
            .all()
        )
    new_rows = [row for doc_id, row in unique.items() if doc_id not in known]
    upsert(conn, table, new_rows, ["document_id"], update_columns=())
    return len(new_rows)
