"""FDA Enforcement Report API (iRES), end to end on the real recorded response (STATUSCODE 400 with
MESSAGE "success", 168 product rows) served to the spider's form POST, then paged: the same real rows
cut into pages of 50, each route pinned to the exact ``payLoad`` (``start`` 1, 51, 101, 151) the spider
must send.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from scrapy.http import FormRequest, Request, TextResponse
from scrapy.utils.test import get_crawler
from sqlalchemy import select

from crawlers.run import run_crawl
from crawlers.spiders.fda_ires_enforcement import FdaIresEnforcementSpider
from ecmon.db import get_engine
from sql.models import RiskInformation, RiskParty, SourceWatermark
from tests.conftest import PROJECT_ROOT, count_rows, realdata_path
from transforms.risk_information.load import load_risk_information

RUN_AT = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
ROUTE = {
    "site": "fda_ires",
    "path": "/rest/iresapi/recalls/",
    "method": "POST",
    "content_type": "application/json;charset=UTF-8",
}
REAL_FILE = ("fda_ires_enforcement_api", "fda_ires_recalls_response_eventlmdfrom_2026-04-20.json")
WINDOW = (dt.date(2026, 4, 20), dt.date(2026, 4, 28))


def _real_snapshot(tmp_path: Path) -> tuple[Path, dict]:
    real = realdata_path(*REAL_FILE)
    manifest = {"routes": [{**ROUTE, "query": {}, "file": str(real)}]}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return tmp_path, json.loads(real.read_text("utf-8"))


def _paged_snapshot(tmp_path: Path, rows_per_page: int) -> tuple[Path, int]:
    """The real rows as the API pages them: RESULTCOUNT = all rows, RESULT = one page, start 1-based."""
    answer = json.loads(realdata_path(*REAL_FILE).read_text("utf-8"))
    rows = answer["RESULT"]
    spider = _spider(rows=str(rows_per_page))
    routes = []
    for start in range(1, len(rows) + 1, rows_per_page):
        page = {**answer, "RESULT": rows[start - 1 : start - 1 + rows_per_page]}
        name = f"recalls_start{start}.json"
        (tmp_path / name).write_text(json.dumps(page), encoding="utf-8")
        routes.append({**ROUTE, "query": {"payLoad": spider.payload(*WINDOW, start)}, "file": str(tmp_path / name)})
    (tmp_path / "manifest.json").write_text(json.dumps({"routes": routes}), encoding="utf-8")
    return tmp_path, len(routes)


def _crawl(snapshot: Path, crawl_id: str, since: dt.date, until: dt.date, **args: str) -> dict:
    return run_crawl(
        "fda_ires_enforcement",
        crawl_id,
        since=since,
        until=until,
        mode="replay",
        snapshot_dir=snapshot,
        extra_args=args or None,
    )


@pytest.mark.integration
@pytest.mark.warehouse
def test_real_response_becomes_one_document_and_one_row_per_product(warehouse_url: str, tmp_path: Path) -> None:
    snapshot, answer = _real_snapshot(tmp_path)
    assert answer["STATUSCODE"] == 400 and answer["MESSAGE"] == "success"  # the API's own success code
    rows = answer["RESULT"]
    assert len({r["PRODUCTID"] for r in rows}) == len(rows) == answer["RESULTCOUNT"] == 168

    summary = _crawl(snapshot, "test:ires", *WINDOW)
    assert summary["requests"] == 1  # 168 rows < 5000: a single page
    assert summary["items"] == 168 == summary["documents_new"]
    assert count_rows(warehouse_url, "raw_document") == 168
    loaded = load_risk_information(RUN_AT, url=warehouse_url)
    assert loaded["loaded"] == 168 and loaded["quarantined"] == 0
    assert count_rows(warehouse_url, "stg_risk_information") == 168

    with get_engine(warehouse_url).connect() as conn:
        row = conn.execute(select(RiskInformation).where(RiskInformation.record_key == "219865")).mappings().one()
        party = conn.execute(select(RiskParty).where(RiskParty.risk_info_id == row["risk_info_id"])).mappings().one()
        categories = conn.execute(select(RiskInformation.category_code)).scalars().all()
        without_number = conn.execute(select(RiskInformation.attributes)).scalars().all()
        watermark = conn.execute(select(SourceWatermark.watermark)).scalar_one()
    assert row["manufacturer"] == "Philips North America" and party["company_id"] == "3006648320"
    assert row["subcategory_code"] == "OTHER.MEDICAL_DEVICE"  # PRODUCTTYPESHORT "Devices"
    assert row["attributes"]["classification"] == "Class II"  # CENTERCLASSIFICATIONTYPETXT "2"
    assert row["published_date"] == dt.date(2026, 5, 6)  # ENFORCEMENTREPORTDT 05/06/2026
    assert row["product_name"].startswith("Philips SmartPath to dStream") and "\r" not in row["product_name"]
    assert categories.count("FOOD") == sum(r["PRODUCTTYPESHORT"] == "Food" for r in rows) == 56
    assert sum("RECALLNUM" not in a for a in without_number) == sum(r["RECALLNUM"] is None for r in rows) == 7
    newest = max(dt.datetime.strptime(r["EVENTLMD"], "%m/%d/%Y").date() for r in rows)
    assert watermark == newest.isoformat()


@pytest.mark.integration
@pytest.mark.warehouse
def test_real_rows_paged_by_start(warehouse_url: str, tmp_path: Path) -> None:
    snapshot, pages = _paged_snapshot(tmp_path, rows_per_page=50)
    summary = _crawl(snapshot, "test:ires-paged", *WINDOW, rows="50")
    assert pages == 4 and summary["requests"] == 4  # start 1, 51, 101, 151; the last page (18 rows) ends it
    assert summary["items"] == 168 == count_rows(warehouse_url, "raw_document")
    assert load_risk_information(RUN_AT, url=warehouse_url)["loaded"] == 168
    assert count_rows(warehouse_url, "stg_risk_information") == 168


@pytest.mark.integration
@pytest.mark.warehouse
def test_demo_snapshot(warehouse_url: str, tmp_path: Path) -> None:
    shutil.copytree(PROJECT_ROOT / "crawlers" / "snapshots" / "demo" / "fda_ires", tmp_path / "fda_ires")
    summary = _crawl(tmp_path, "test:demo", dt.date(2025, 11, 26), dt.date(2026, 11, 26))
    assert summary["items"] == 4
    assert load_risk_information(RUN_AT, url=warehouse_url)["loaded"] == 4
    assert count_rows(warehouse_url, "stg_risk_information") == 4


def _spider(**args: str) -> FdaIresEnforcementSpider:
    """A spider outside a crawl (no warehouse needed)."""
    crawler = get_crawler(FdaIresEnforcementSpider)
    return FdaIresEnforcementSpider.from_crawler(crawler, **args)


@pytest.mark.unit
def test_live_request_is_a_form_post_with_the_payload() -> None:
    spider = _spider()
    request = spider.page_request(dt.date(2026, 4, 20), dt.date(2026, 4, 26), 1, page_number=1)
    assert isinstance(request, FormRequest) and request.method == "POST"
    assert request.url.startswith("https://www.accessdata.fda.gov/rest/iresapi/recalls/?signature=")
    payload = json.loads(parse_qs(request.body.decode())["payLoad"][0])
    assert payload["filter"] == "[{'eventlmdfrom':'04/20/2026'},{'eventlmdto':'04/26/2026'}]"
    assert (payload["start"], payload["rows"], payload["sort"], payload["sortorder"]) == (1, 5000, "eventlmd", "desc")
    assert "eventlmd" in payload["displaycolumns"] and "codeinformation" not in payload["displaycolumns"]


@pytest.mark.unit
def test_full_page_asks_for_the_next_start() -> None:
    spider = _spider(rows="2")
    body = {
        "MESSAGE": "success",
        "RESULTCOUNT": 5,
        "STATUSCODE": 400,
        "RESULT": [{"PRODUCTID": "1"}, {"PRODUCTID": "2"}],
    }
    meta = {"window": ["2026-04-20", "2026-04-26"], "start": 1, "page_number": 1}
    url = "https://www.accessdata.fda.gov/rest/iresapi/recalls/?signature=1"
    response = TextResponse(url, body=json.dumps(body).encode(), request=Request(url, meta=meta))
    produced = list(spider.parse(response))
    follow = [p for p in produced if isinstance(p, Request)]
    assert [r.record_key for r in produced if not isinstance(r, Request)] == ["1", "2"]
    assert len(follow) == 1
    payload = json.loads(parse_qs(follow[0].body.decode())["payLoad"][0])
    assert payload["start"] == 3 and follow[0].meta["page_number"] == 2


@pytest.mark.unit
def test_api_error_code_is_recorded_as_a_failure() -> None:
    spider = _spider()
    url = "https://www.accessdata.fda.gov/rest/iresapi/recalls/?signature=2"
    body = b'{"MESSAGE":"Authorization denied","STATUSCODE":401}'
    assert list(spider.parse(TextResponse(url, body=body, request=Request(url)))) == []
    assert spider.crawl_failures == [{"url": url, "reason": "api_status_401", "detail": "Authorization denied"}]
