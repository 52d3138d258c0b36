"""bulk_upsert / bulk_update: the engine's own bulk paths, same result on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from ecmon.db import bulk_update, bulk_upsert, get_engine
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


def test_bulk_update_changes_only_the_named_columns_of_existing_rows(warehouse_url: str) -> None:
    engine = get_engine(warehouse_url)
    later = dt.datetime(2026, 11, 26, 8, 30, tzinfo=dt.UTC)
    with engine.begin() as conn:
        bulk_upsert(conn, Source.__table__, _sources(4, 24), ["source"])
        rows = [("s0", 1, "https://a.example", later), ("s2", 2, None, later), ("absent", 7, None, later)]
        columns = ["source", "freshness_hours", "live_base_url", "registered_at"]
        assert bulk_update(conn, Source.__table__, columns, rows, ["source"]) == 3
    with engine.connect() as conn:
        got = {r.source: (r.freshness_hours, r.live_base_url, r.channel) for r in conn.execute(select(Source))}
        when = conn.execute(select(Source.registered_at).where(Source.source == "s0")).scalar_one()
    assert got == {
        "s0": (1, "https://a.example", "a"),
        "s1": (24, None, "a"),
        "s2": (2, None, "a"),
        "s3": (24, None, "a"),
    }
    assert when.replace(tzinfo=dt.UTC) == later  # written in the form SQLAlchemy reads back


def test_bulk_update_refuses_rows_without_their_key(warehouse_url: str) -> None:
    with get_engine(warehouse_url).begin() as conn, pytest.raises(ValueError, match="key columns"):
        bulk_update(conn, Source.__table__, ["freshness_hours"], [(1,)], ["source"])
