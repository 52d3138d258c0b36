"""openFDA food enforcement, end to end on real data: real Scrapy crawls against the replay server,
then the transform into risk information.

The ShelfCheck file holds 675 real openFDA records re-serialised as one JSON array (three repository
fields added, four openFDA fields dropped). The test strips the added fields and serves the records
back as real openFDA response pages (``meta.results.skip/limit/total`` + ``results``), 100 per page,
so the spider's paging runs for real. The recall-radar fixture is a real response, served as is.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from crawlers.run import run_crawl
from crawlers.spiders.openfda_food_enforcement import record_key
from ecmon.db import get_engine
from sql.models import CrawlRun, RiskIdentifier, RiskInformation, RiskParty, SourceWatermark
from tests.conftest import PROJECT_ROOT, count_rows, realdata_path
from transforms.risk_information.load import load_risk_information

pytestmark = [pytest.mark.integration, pytest.mark.warehouse]

RUN_AT = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
REPOSITORY_FIELDS = ("brand_slug", "severity_score", "collected_at")  # added by ShelfCheck, not openFDA's
PAGE_SIZE = 100
ROUTE = {"site": "openfda", "path": "/food/enforcement.json", "content_type": "application/json; charset=utf-8"}


def _shelfcheck_records() -> list[dict]:
    records = json.loads(
        realdata_path("openfda_food_enforcement", "shelfcheck_data_recalls_2026-05-03.json").read_text("utf-8")
    )
    return [{k: v for k, v in r.items() if k not in REPOSITORY_FIELDS} for r in records]


def _paged_snapshot(tmp_path: Path) -> tuple[Path, list[dict]]:
    """The real records as openFDA answers them: pages of PAGE_SIZE with meta.results."""
    records = _shelfcheck_records()
    routes = []
    for skip in range(0, len(records), PAGE_SIZE):
        page = {
            "meta": {"results": {"skip": skip, "limit": PAGE_SIZE, "total": len(records)}},
            "results": records[skip : skip + PAGE_SIZE],
        }
        name = f"enforcement_skip{skip}.json"
        (tmp_path / name).write_text(json.dumps(page, indent=2), encoding="utf-8")
        routes.append({**ROUTE, "query": {"limit": str(PAGE_SIZE), "skip": str(skip)}, "file": str(tmp_path / name)})
    (tmp_path / "manifest.json").write_text(json.dumps({"routes": routes}), encoding="utf-8")
    return tmp_path, records


def _fixture_snapshot(tmp_path: Path) -> tuple[Path, list[dict]]:
    fixture = realdata_path("openfda_food_enforcement", "recall-radar_fixture_fda_food.json")
    folder = tmp_path / "fixture"
    folder.mkdir()
    manifest = {"routes": [{**ROUTE, "query": {"skip": "0"}, "file": str(fixture)}]}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder, json.loads(fixture.read_text("utf-8"))["results"]


def _crawl(snapshot: Path, crawl_id: str, since: dt.date, until: dt.date, **args: str) -> dict:
    return run_crawl(
        "openfda_food_enforcement",
        crawl_id,
        since=since,
        until=until,
        mode="replay",
        snapshot_dir=snapshot,
        extra_args=args or None,
    )


def test_real_records_paged_like_openfda_become_one_document_and_one_row_each(
    warehouse_url: str, tmp_path: Path
) -> None:
    snapshot, records = _paged_snapshot(tmp_path)
    keys = {record_key(r) for r in records}
    assert len(records) == 675
    # Every real record has its own key (recall numbers are unique; one record says "N/A").
    assert len(keys) == len(records) == 675

    summary = _crawl(snapshot, "test:openfda", dt.date(2025, 10, 1), dt.date(2026, 4, 30), page_size=str(PAGE_SIZE))
    assert summary["requests"] == 7  # skip 0, 100, … 600
    assert summary["items"] == 675 == summary["documents_new"]
    assert count_rows(warehouse_url, "raw_document") == 675

    loaded = load_risk_information(RUN_AT, url=warehouse_url)
    assert loaded["loaded"] == 675 and loaded["quarantined"] == 0
    assert count_rows(warehouse_url, "stg_risk_information") == 675

    with get_engine(warehouse_url).connect() as conn:
        row = conn.execute(select(RiskInformation).where(RiskInformation.record_key.like("98718:%"))).mappings().one()
        assert row["info_type"] == "recall" and row["channel"] == "b"
        assert row["manufacturer"] == "PURE PALM C/O DVD"
        assert row["published_date"] == dt.date(2026, 4, 22)
        assert row["attributes"]["classification"] == "Not Yet Classified"
        assert row["barcode"] == "00852160007005"  # "UPC: 852160007005" in the description
        identifiers = conn.execute(
            select(RiskIdentifier.value).where(RiskIdentifier.risk_info_id == row["risk_info_id"])
        ).scalars()
        assert list(identifiers) == ["00852160007005"]
        party = conn.execute(select(RiskParty).where(RiskParty.risk_info_id == row["risk_info_id"])).mappings().one()
        assert party["role"] == "manufacturer" and party["country_code"] == "US"
        classes = conn.execute(select(RiskInformation.attributes)).scalars().all()
        assert sum(a["classification"] == "Class I" for a in classes) == sum(
            r["classification"] == "Class I" for r in records
        )
        # Reasons the openFDA crosswalk knows get a hazard code; the others wait for the classifier.
        hazards = conn.execute(select(RiskInformation.hazard_code)).scalars().all()
        assert sum(h is not None for h in hazards) > 600
        watermark = conn.execute(select(SourceWatermark.watermark)).scalar_one()
    assert watermark == max(f"{r['report_date'][:4]}-{r['report_date'][4:6]}-{r['report_date'][6:]}" for r in records)


def test_real_openfda_response_served_as_is(warehouse_url: str, tmp_path: Path) -> None:
    snapshot, results = _fixture_snapshot(tmp_path)
    summary = _crawl(snapshot, "test:openfda-fixture", dt.date(2026, 6, 1), dt.date(2026, 7, 31))
    assert summary["requests"] == 1
    assert summary["items"] == len(results) == 3
    assert count_rows(warehouse_url, "raw_document") == 3
    assert load_risk_information(RUN_AT, url=warehouse_url)["loaded"] == 3
    assert count_rows(warehouse_url, "stg_risk_information") == 3
    with get_engine(warehouse_url).connect() as conn:
        keys = set(conn.execute(select(RiskInformation.record_key)).scalars())
        row = (
            conn.execute(select(RiskInformation).where(RiskInformation.record_key == "99040:H-1166-2026"))
            .mappings()
            .one()
        )
    # The third record has recall_number "" (real openFDA data): keyed by its event and description.
    assert {k.split(":")[0] for k in keys} == {"99040", "99068"} and len(keys) == 3
    assert row["category_code"] == "FOOD"  # product_type "Food" through the openFDA crosswalk
    assert row["hazard_item"].startswith("May contain undeclared milk")
    assert row["barcode"] == "00827912008548"


def test_rerun_stores_nothing_new(warehouse_url: str, tmp_path: Path) -> None:
    snapshot, records = _paged_snapshot(tmp_path)
    window = (dt.date(2025, 10, 1), dt.date(2026, 4, 30))
    _crawl(snapshot, "test:first", *window, page_size=str(PAGE_SIZE))
    load_risk_information(RUN_AT, url=warehouse_url)
    second = _crawl(snapshot, "test:second", *window, page_size=str(PAGE_SIZE))
    assert second["items"] == len(records) and second["documents_new"] == 0
    assert load_risk_information(RUN_AT, url=warehouse_url)["loaded"] == 0
    assert count_rows(warehouse_url, "stg_risk_information") == len(records)


def test_max_pages_stops_paging(warehouse_url: str, tmp_path: Path) -> None:
    snapshot, _ = _paged_snapshot(tmp_path)
    summary = _crawl(
        snapshot, "test:max-pages", dt.date(2025, 10, 1), dt.date(2026, 4, 30), page_size=str(PAGE_SIZE), max_pages="2"
    )
    assert summary["requests"] == 2 and summary["items"] == 2 * PAGE_SIZE


def test_demo_snapshot(warehouse_url: str, tmp_path: Path) -> None:
    shutil.copytree(PROJECT_ROOT / "crawlers" / "snapshots" / "demo" / "openfda", tmp_path / "openfda")
    summary = _crawl(tmp_path, "test:demo", dt.date(2025, 11, 26), dt.date(2026, 11, 26))
    assert summary["items"] == 4
    assert load_risk_information(RUN_AT, url=warehouse_url)["loaded"] == 4
    with get_engine(warehouse_url).connect() as conn:
        rows = conn.execute(select(RiskInformation)).mappings().all()
        stats = conn.execute(select(CrawlRun.stats)).scalar_one()
    assert {r["country_code"] for r in rows} == {"US", "CN"}
    assert {r["hazard_code"] for r in rows} >= {"LABELLING", "MICROBIO"}
    assert stats["item_scraped_count"] == 4
