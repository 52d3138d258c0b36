"""CPSC Recalls API, end to end on real data: a real Scrapy crawl against the local replay
server serving ../shared/realdata files, then the transform into risk information."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from crawlers.run import run_crawl
from ecmon.db import get_engine
from sql.models import RiskFact, RiskInformation, RiskParty
from tests.conftest import count_rows, realdata_path
from transforms.risk_information.load import load_risk_information

pytestmark = [pytest.mark.integration, pytest.mark.warehouse]

RUN_AT = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)


def _real_snapshot(tmp_path: Path) -> tuple[Path, int]:
    dump = realdata_path("cpsc_recall_api_json", "cpsc_recalls_api_dump.json")
    fixture = realdata_path("cpsc_recall_api_json", "recall-radar_fixture_cpsc.json")
    route = {"site": "saferproducts", "path": "/RestWebServices/Recall", "content_type": "application/json"}
    manifest = {
        "routes": [
            {**route, "query": {"format": "json", "LastPublishDateStart": "2025-01-01"}, "file": str(fixture)},
            {**route, "query": {"format": "json", "LastPublishDateStart": "2026-01-02"}, "file": str(dump)},
        ]
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    ids = {r["RecallID"] for f in (dump, fixture) for r in json.loads(f.read_text(encoding="utf-8"))}
    return tmp_path, len(ids)


def _crawl(snapshot: Path, crawl_id: str) -> dict:
    return run_crawl(
        "cpsc_recalls",
        crawl_id,
        since=dt.date(2025, 1, 1),
        until=dt.date(2026, 11, 25),
        mode="replay",
        snapshot_dir=snapshot,
    )


def test_real_recalls_become_one_document_and_one_risk_row_each(warehouse_url: str, tmp_path: Path) -> None:
    snapshot, recall_count = _real_snapshot(tmp_path)
    summary = _crawl(snapshot, "test:1")
    assert summary["requests"] == 2
    assert summary["items"] == recall_count == 430
    assert count_rows(warehouse_url, "raw_document") == recall_count

    loaded = load_risk_information(RUN_AT, url=warehouse_url)
    assert loaded["loaded"] == recall_count and loaded["quarantined"] == 0
    assert count_rows(warehouse_url, "stg_risk_information") == recall_count

    with get_engine(warehouse_url).connect() as conn:
        row = conn.execute(select(RiskInformation).where(RiskInformation.record_key == "10880")).mappings().one()
        assert row["title"].startswith("Peony Design Recalls Personalized Baby Bibs")
        assert row["manufacturer"] == "Peony Design Co., of Howell, MI"
        assert row["published_date"] == dt.date(2026, 7, 23)
        assert row["channel"] == "e" and row["info_type"] == "recall"
        facts = conn.execute(
            select(RiskFact.kind, RiskFact.text).where(RiskFact.risk_info_id == row["risk_info_id"])
        ).all()
        assert ("country", "United States") in facts
        assert ("remedy_option", "Refund") in facts
        assert sum(1 for kind, _ in facts if kind == "image") == 10
        retailers = (
            conn.execute(
                select(RiskParty.name).where(
                    RiskParty.risk_info_id == row["risk_info_id"], RiskParty.role == "retailer"
                )
            )
            .scalars()
            .all()
        )
        assert retailers == ["Online at Etsy.com from October 2025 through July 2026 for between $15 and $45."]
    for table in ("stg_risk_product", "stg_risk_party", "stg_risk_fact", "stg_risk_identifier"):
        assert count_rows(warehouse_url, table) > 0, table


def test_rerun_adds_nothing(warehouse_url: str, tmp_path: Path) -> None:
    snapshot, recall_count = _real_snapshot(tmp_path)
    _crawl(snapshot, "test:first")
    load_risk_information(RUN_AT, url=warehouse_url)
    counts = {
        t: count_rows(warehouse_url, t)
        for t in ("raw_document", "stg_risk_information", "stg_risk_fact", "stg_risk_party", "stg_risk_product")
    }
    second = _crawl(snapshot, "test:second")
    assert second["items"] == recall_count and second["documents_new"] == 0
    assert load_risk_information(RUN_AT, url=warehouse_url)["loaded"] == 0
    assert {t: count_rows(warehouse_url, t) for t in counts} == counts


def test_watermark_advances_to_newest_publish_date(warehouse_url: str, tmp_path: Path) -> None:
    snapshot, _ = _real_snapshot(tmp_path)
    _crawl(snapshot, "test:wm")
    dump = json.loads(realdata_path("cpsc_recall_api_json", "cpsc_recalls_api_dump.json").read_text())
    fixture = json.loads(realdata_path("cpsc_recall_api_json", "recall-radar_fixture_cpsc.json").read_text())
    newest = max(r["LastPublishDate"] for r in dump + fixture)[:10]
    from sql.models import SourceWatermark

    with get_engine(warehouse_url).connect() as conn:
        assert conn.execute(select(SourceWatermark.watermark)).scalar_one() == newest
