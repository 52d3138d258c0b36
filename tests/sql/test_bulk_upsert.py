"""bulk_upsert: the engine's own bulk path with conflict handling, same result on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from ecmon.db import bulk_upsert, get_engine
from sql.models import RawDocument, Source
from tests.conftest import count_rows

pytestmark = [pytest.mark.warehouse, pytest.mark.integration]


def _sources(n: int, hours: int) -> list[dict]:
    at = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
    return [{"source": f"s{i}", "channel": "a", "freshness_hours": hours, "live_base_url": None, "registered_at": at}
            for i in range(n)]  # fmt: skip


def test_inserts_then_updates_on_conflict(warehouse_url: str) -> None:
    engine = get_engine(warehouse_url)
    with engine.begin() as conn:
        assert bulk_upsert(conn, Source.__table__, _sources(500, 24), ["source"]) == 500
    with engine.begin() as conn:
        bulk_upsert(conn, Source.__table__, _sources(600, 48), ["source"])
    assert count_rows(warehouse_url, "raw_source") == 600
    with engine.connect() as conn:
        assert set(conn.execute(select(Source.freshness_hours)).scalars()) == {48}


def test_do_nothing_keeps_existing_rows(warehouse_url: str) -> None:
    engine = get_engine(warehouse_url)
    with engine.begin() as conn:
        bulk_upsert(conn, Source.__table__, _sources(3, 24), ["source"])
        bulk_upsert(conn, Source.__table__, _sources(3, 99), ["source"], update_columns=())
    with engine.connect() as conn:
        assert set(conn.execute(select(Source.freshness_hours)).scalars()) == {24}
    assert count_rows(warehouse_url, "raw_document") == 0  # untouched
    assert RawDocument.__table__.name == "raw_document"
