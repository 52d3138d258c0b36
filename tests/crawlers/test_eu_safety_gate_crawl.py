"""EU Safety Gate, end to end: a real Scrapy crawl (POST search pages, GET alert details) against the
replay server, then the transform into risk information.

No real Safety Gate response is held in ../shared/realdata (PROVENANCE.md: only client code and
synthetic fixtures were found), so these tests crawl the demo snapshot — synthetic alerts in the API's
format — as served, and re-paged into pages of two alerts to exercise paging.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from crawlers.run import run_crawl
from ecmon.db import get_engine
from sql.models import RiskIdentifier, RiskInformation, RiskParty
from tests.conftest import PROJECT_ROOT, count_rows
from transforms.risk_information.load import load_risk_information

RUN_AT = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
DEMO = PROJECT_ROOT / "crawlers" / "snapshots" / "demo"
SITE = DEMO / "safety_gate"
SEARCH_PATH = "/safety-gate-alerts/public/api/search"


def _demo_alerts() -> list[dict]:
    return json.loads((SITE / "search_page0.json").read_text(encoding="utf-8"))["content"]


def _crawl(snapshot: Path, crawl_id: str, since: dt.date, until: dt.date, **args: str) -> dict:
    return run_crawl(
        "eu_safety_gate", crawl_id, since=since, until=until, mode="replay", snapshot_dir=snapshot, extra_args=args
    )


def _paged_snapshot(tmp_path: Path, page_size: int) -> Path:
    """The demo alerts served in search pages of ``page_size`` (details as recorded)."""
    site = tmp_path / "safety_gate"
    shutil.copytree(SITE, site)
    manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    routes = [r for r in manifest["routes"] if r["path"] != SEARCH_PATH]
    alerts = _demo_alerts()
    pages = [alerts[i : i + page_size] for i in range(0, len(alerts), page_size)]
    for number, content in enumerate(pages):
        name = f"search_page{number}_of_{page_size}.json"
        page = {
            "content": content,
            "totalElements": len(alerts),
            "totalPages": len(pages),
            "number": number,
            "size": page_size,
            "numberOfElements": len(content),
            "first": number == 0,
            "last": number == len(pages) - 1,
            "empty": False,
        }
        (site / name).write_text(json.dumps(page), encoding="utf-8")
        pagination = {
            "sortField": "PUBLICATION_DATE",
            "sortOrder": "DESC",
            "totalElements": 0,
            "numberElements": page_size,
            "page": number,
        }
        routes.append(
            {
                "site": "safety_gate",
                "method": "POST",
                "path": SEARCH_PATH,
                "query": {"pagination": json.dumps(pagination, separators=(",", ":"))},
                "file": name,
                "content_type": "application/json",
            }
        )
    (site / "manifest.json").write_text(json.dumps({"routes": routes}), encoding="utf-8")
    return tmp_path


@pytest.mark.integration
@pytest.mark.warehouse
def test_demo_alerts_become_one_document_and_one_risk_row_each(warehouse_url: str) -> None:
    expected = len(_demo_alerts())
    summary = _crawl(DEMO, "test:sg", dt.date(2025, 11, 26), dt.date(2026, 11, 26))
    assert summary["requests"] == 1 + expected  # one search page, one detail per alert
    assert summary["items"] == expected == count_rows(warehouse_url, "raw_document")

    loaded = load_risk_information(RUN_AT, url=warehouse_url, sources=["eu_safety_gate"])
    assert loaded["loaded"] == expected and loaded["quarantined"] == 0
    assert count_rows(warehouse_url, "stg_risk_information") == expected

    with get_engine(warehouse_url).connect() as conn:
        toy = conn.execute(select(RiskInformation).where(RiskInformation.record_key == "SR/09005/26")).mappings().one()
        assert toy["info_type"] == "alert" and toy["channel"] == "e"
        assert toy["category_code"] == "CHILD" and toy["subcategory_code"] == "CHILD.TOY"
        assert toy["for_children"] is True
        assert toy["hazard_code"] == "CHOKING"
        assert toy["country_code"] == "CN"
        assert toy["brand"] == "Hoppeldemo" and toy["model"] == "HD-25" and toy["barcode"] == "4006381333931"
        assert toy["platform"] == "DemoMarket Online (fictional)"
        assert toy["published_date"] == dt.date(2026, 11, 12)
        assert toy["remedy"] == "WITHDRAWAL_OF_THE_PRODUCT_FROM_THE_MARKET / VOLUNTARY"
        assert toy["attributes"]["notifying_country"] == "Germany"

        charger = (
            conn.execute(select(RiskInformation).where(RiskInformation.record_key == "SR/09004/26")).mappings().one()
        )
        assert charger["category_code"] == "ELEC"
        assert charger["hazard_code"] == "ELECTRIC"  # electric shock outranks fire (taxonomy precedence)
        assert charger["attributes"]["risk_types"] == ["ELECTRIC_SHOCK", "FIRE"]
        unknown_origin = conn.execute(
            select(RiskInformation.country_code).where(RiskInformation.record_key == "SR/09003/26")
        ).scalar_one()
        assert unknown_origin is None
        kinds = conn.execute(select(RiskIdentifier.kind, RiskIdentifier.value)).all()
        assert ("batch", "B2026-07") in kinds and ("gtin", "4006381333931") in kinds
        retailers = conn.execute(select(RiskParty.name).where(RiskParty.role == "retailer")).scalars().all()
        assert sorted(retailers) == ["Beispiel Shop Platform (fictional)", "DemoMarket Online (fictional)"]


@pytest.mark.integration
@pytest.mark.warehouse
def test_paging_follows_pages_and_rerun_adds_nothing(warehouse_url: str, tmp_path: Path) -> None:
    snapshot = _paged_snapshot(tmp_path, page_size=2)
    expected = len(_demo_alerts())
    first = _crawl(snapshot, "test:paged", dt.date(2025, 11, 26), dt.date(2026, 11, 26), page_size="2")
    assert first["requests"] == 3 + expected  # three search pages of two
    assert first["items"] == expected
    load_risk_information(RUN_AT, url=warehouse_url, sources=["eu_safety_gate"])
    second = _crawl(snapshot, "test:paged2", dt.date(2025, 11, 26), dt.date(2026, 11, 26), page_size="2")
    assert second["items"] == expected and second["documents_new"] == 0
    assert load_risk_information(RUN_AT, url=warehouse_url, sources=["eu_safety_gate"])["loaded"] == 0
    assert count_rows(warehouse_url, "stg_risk_information") == expected


@pytest.mark.integration
@pytest.mark.warehouse
def test_window_skips_older_alerts_and_stops_paging(warehouse_url: str, tmp_path: Path) -> None:
    snapshot = _paged_snapshot(tmp_path, page_size=2)
    since = dt.date(2026, 7, 1)
    wanted = [a for a in _demo_alerts() if a["publicationDate"][:10] >= since.isoformat()]
    summary = _crawl(snapshot, "test:window", since, dt.date(2026, 11, 26), page_size="2")
    assert summary["requests"] == 2 + len(wanted)  # page 2 reaches back to April: page 3 is not asked for
    assert summary["items"] == len(wanted) == 3 == count_rows(warehouse_url, "raw_document")


@pytest.mark.unit
def test_malformed_alert_is_refused_naming_document_and_field() -> None:
    from transforms.risk_information.eu_safety_gate import map_document
    from transforms.risk_information.mapping import MappingError

    alert = json.loads((SITE / "alert_10099005.json").read_text(encoding="utf-8"))
    alert["product"]["brands"] = "Hoppeldemo"  # a string where the API gives a list of objects
    with pytest.raises(MappingError, match=r"raw_document d1 \(Safety Gate alert SR/09005/26\): field brands"):
        map_document({"document_id": "d1", "body": json.dumps(alert)})
    with pytest.raises(MappingError, match="reference and id are missing"):
        map_document({"document_id": "d2", "body": "{}"})
