"""The source_freshness view shows, in one query, which sources missed their freshness target."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from ecmon.db import get_engine, upsert
from sql.models import CrawlRun, Source

pytestmark = [pytest.mark.warehouse, pytest.mark.integration]


def test_late_and_fresh_sources(warehouse_url: str) -> None:
    now = dt.datetime.now(dt.UTC)
    engine = get_engine(warehouse_url)
    sources = [{"source": name, "channel": "b", "freshness_hours": 24, "live_base_url": None, "registered_at": now}
               for name in ("fresh", "stale", "failing", "never")]  # fmt: skip
    runs = [
        ("fresh", now - dt.timedelta(hours=2), 0, "finished"),
        ("stale", now - dt.timedelta(hours=30), 0, "finished"),
        ("failing", now - dt.timedelta(hours=1), 3, "finished"),
    ]
    with engine.begin() as conn:
        upsert(conn, Source.__table__, sources, ["source"])
        upsert(conn, CrawlRun.__table__, [
            {"crawl_id": f"run:{name}", "source": name, "channel": "b", "mode": "replay", "started_at": at,
             "finished_at": at, "finish_reason": reason, "errors": errors, "requests": 1, "responses": 1,
             "items": 1, "documents_new": 1, "items_dropped": 0, "stats": {}} for name, at, errors, reason in runs
        ], ["crawl_id"])  # fmt: skip
    with engine.connect() as conn:
        late = dict(conn.execute(text("select source, is_late from source_freshness")).all())
    assert late == {"fresh": 0, "stale": 1, "failing": 1, "never": 1}
