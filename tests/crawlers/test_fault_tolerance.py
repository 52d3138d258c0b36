"""Fault test (5.2): the local server breaks ≥ 30 % of responses — HTTP 500, timeouts, truncated
bodies, wrong charset declarations, garbage — while the CPSC spider crawls real recalls cut into
the API's date windows. Every good record still lands, every failure is recorded with its URL
and reason, a rerun completes what failed, nothing is duplicated."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from crawlers.replay import FaultPlan, ReplayServer
from crawlers.run import CrawlFailed, run_crawl
from crawlers.spiders.cpsc_recalls import MAX_WINDOW_DAYS
from ecmon.db import get_engine
from sql.models import CrawlFailure, RawDocument
from tests.conftest import count_rows, realdata_path

pytestmark = [pytest.mark.integration, pytest.mark.warehouse]

SINCE, UNTIL = dt.date(1973, 1, 1), dt.date(2026, 11, 25)
FAST = {"DOWNLOAD_TIMEOUT": "2", "RETRY_TIMES": "2"}


def _windowed_snapshot(tmp_path: Path) -> tuple[Path, dict[str, set[str]]]:
    """One file per API window holding the real recalls whose LastPublishDate falls in it."""
    recalls = json.loads(realdata_path("cpsc_recall_api_json", "cpsc_recalls_api_dump.json").read_text())
    routes, ids_by_window = [], {}
    start = SINCE
    while start <= UNTIL:
        end = min(UNTIL, start + dt.timedelta(days=MAX_WINDOW_DAYS - 1))
        in_window = [r for r in recalls if start.isoformat() <= r["LastPublishDate"][:10] <= end.isoformat()]
        name = f"window_{start.isoformat()}.json"
        (tmp_path / name).write_text(json.dumps(in_window), encoding="utf-8")
        routes.append(
            {
                "site": "saferproducts",
                "path": "/RestWebServices/Recall",
                "file": name,
                "query": {"format": "json", "LastPublishDateStart": start.isoformat()},
                "content_type": "application/json; charset=utf-8",
            }
        )
        ids_by_window[start.isoformat()] = {str(r["RecallID"]) for r in in_window}
        start = end + dt.timedelta(days=1)
    (tmp_path / "manifest.json").write_text(json.dumps({"routes": routes}), encoding="utf-8")
    assert sum(len(v) for v in ids_by_window.values()) == len(recalls)
    return tmp_path, ids_by_window


def _window_of(url: str) -> str:
    return url.split("LastPublishDateStart=")[1][:10]


def test_faults_are_recorded_good_records_land_and_rerun_completes(warehouse_url: str, tmp_path: Path) -> None:
    snapshot, ids_by_window = _windowed_snapshot(tmp_path)
    # Four failing attempts per faulty URL outlast Scrapy's retries (RETRY_TIMES=2 → 3 attempts).
    plan = FaultPlan(rate=0.4, failures_per_url=4, seed="fault-test")
    with ReplayServer(snapshot, faults=plan, timeout_seconds=3) as server:
        with pytest.raises(CrawlFailed) as failed:
            run_crawl(
                "cpsc_recalls",
                "fault:1",
                since=SINCE,
                until=UNTIL,
                mode="replay",
                replay_root_url=server.root_url,
                extra_settings=FAST,
            )
        first_requests = server.httpd.request_count
        faulted_urls = {url for url, _ in plan.injected}
        assert len(plan.injected) / first_requests >= 0.30, (len(plan.injected), first_requests)
        assert {kind for _, kind in plan.injected} == {"http_500", "timeout", "truncated", "wrong_charset", "garbage"}
        assert "error(s)" in str(failed.value)

        engine = get_engine(warehouse_url)
        with engine.connect() as conn:
            failures = conn.execute(
                select(CrawlFailure.url, CrawlFailure.reason).where(CrawlFailure.crawl_id == "fault:1")
            ).all()
            stored = set(conn.execute(select(RawDocument.record_key)).scalars())
        # A wrong charset label on a UTF-8 body is survivable: it must NOT count as a failure.
        broken_windows = {_window_of(u) for u, kind in plan.injected if kind != "wrong_charset"}
        assert {_window_of(url) for url, _ in failures} == broken_windows
        assert all(reason for _, reason in failures)
        assert {reason for _, reason in failures} == {"http_500", "timeout", "truncated", "invalid_json"}
        good = set().union(*(ids for w, ids in ids_by_window.items() if w not in broken_windows))
        assert stored == good, "every record of an unbroken window lands, nothing else"
        assert faulted_urls

        plan.rate = 0.0  # the site has recovered; the rerun must fetch exactly what failed
        summary = run_crawl(
            "cpsc_recalls",
            "fault:2",
            since=SINCE,
            until=UNTIL,
            mode="replay",
            replay_root_url=server.root_url,
            extra_settings=FAST,
        )
    everything = set().union(*ids_by_window.values())
    assert summary["errors"] == 0
    assert count_rows(warehouse_url, "raw_document") == len(everything) == 428
    with get_engine(warehouse_url).connect() as conn:
        assert set(conn.execute(select(RawDocument.record_key)).scalars()) == everything
