"""SAMR defective-product recalls (samrdprc.org.cn, 5.2.2 b): a real Scrapy crawl of the demo snapshot.

The shared real-data folder holds no samrdprc pages, so the crawl runs on the demo snapshot
(crawlers/snapshots/demo/samr_recalls: synthetic announcements in the site's documented format: TRS list
pages with ``var countPage``, ``div.boxl_ul`` items, ``div.show_tit`` / ``div.show_tit2`` / ``div.TRS_Editor``
detail pages, key/value tables in the two-, three- and four-cell row forms, and one announcement that
states its fields as paragraphs). One raw document and one risk-information row per announcement.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from crawlers.run import run_crawl
from ecmon.db import get_engine
from sql.models import RiskFact, RiskInformation, SourceWatermark
from tests.conftest import PROJECT_ROOT, count_rows
from transforms.risk_information.load import load_risk_information

pytestmark = [pytest.mark.integration, pytest.mark.warehouse]

DEMO = PROJECT_ROOT / "crawlers" / "snapshots" / "demo"
RUN_AT = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)


def _crawl(crawl_id: str, since: dt.date = dt.date(2026, 1, 1)) -> dict:
    return run_crawl(
        "samr_recalls", crawl_id, since=since, until=dt.date(2026, 11, 25), mode="replay", snapshot_dir=DEMO
    )


def test_each_announcement_in_the_window_is_one_document_and_one_recall(warehouse_url: str) -> None:
    summary = _crawl("test:recalls")
    # 2 list pages + 3 announcements in the window (the 2025 one is left out)
    assert summary["requests"] == 5
    assert summary["items"] == 3
    assert count_rows(warehouse_url, "raw_document") == 3
    loaded = load_risk_information(RUN_AT, url=warehouse_url, sources=["samr_recalls"])
    assert loaded["loaded"] == 3 and loaded["quarantined"] == 0
    assert count_rows(warehouse_url, "stg_risk_information") == 3

    with get_engine(warehouse_url).connect() as conn:
        rows = {r["record_key"]: dict(r) for r in conn.execute(select(RiskInformation)).mappings()}
        heater = rows["t20261015_990003"]
        facts = conn.execute(
            select(RiskFact.kind, RiskFact.text).where(RiskFact.risk_info_id == heater["risk_info_id"])
        ).all()
        watermark = conn.execute(select(SourceWatermark.watermark)).scalar_one()
    assert {r["info_type"] for r in rows.values()} == {"recall"}
    assert {r["country_code"] for r in rows.values()} == {"CN"}
    assert heater["manufacturer"] == "示例（虚构）电器有限公司"
    assert heater["product_name"] == "电暖器" and heater["brand"] == "示例"
    assert heater["model"] == "DEMO-NQ2000、DEMO-NQ2200"
    assert heater["units"] == "1,234台"
    assert heater["hazard_item"] == "可能导致触电，存在安全隐患。"
    assert heater["remedy"].startswith("示例（虚构）电器有限公司将为召回范围内的产品免费更换")
    assert heater["region_code"] == "440000" and heater["attributes"]["region_name"] == "广东"
    assert heater["published_date"] == dt.date(2026, 10, 15)
    assert heater["source_url"] == "https://www.samrdprc.org.cn/xfpzh/xfpzhgg/202610/t20261015_990003.html"
    assert heater["attributes"]["other_fields"] == {
        "联系方式-电话": "400-000-0000（虚构）",
        "联系方式-网址": "https://example.invalid/recall",
    }
    assert ("hazard", "可能导致触电，存在安全隐患。") in facts
    assert ("remedy_option", "召回实施前，请消费者立即停止使用召回范围内的产品。") in facts

    scooter = rows["t20260803_990002"]  # fields stated as paragraphs, no table
    assert scooter["manufacturer"] == "示例（虚构）童车有限公司"
    assert scooter["model"] == "DEMO-HB3" and scooter["units"] == "560辆"
    assert scooter["brand"] == "示例"  # from the title: 示例牌儿童滑板车

    brush = rows["t20260312_990001"]  # four-cell rows
    assert brush["manufacturer"] == "示例（虚构）牙刷制造公司（境外，虚构）"
    assert brush["attributes"]["recall_body"] == "示例（虚构）贸易有限公司"
    assert brush["remedy"] == "免费更换充电底座。"
    assert watermark == "2026-10-15"


def test_rerun_adds_nothing(warehouse_url: str) -> None:
    _crawl("test:first")
    load_risk_information(RUN_AT, url=warehouse_url, sources=["samr_recalls"])
    second = _crawl("test:second")
    assert second["items"] == 3 and second["documents_new"] == 0
    assert load_risk_information(RUN_AT, url=warehouse_url, sources=["samr_recalls"])["loaded"] == 0


def test_a_wider_window_reaches_the_older_announcement(warehouse_url: str) -> None:
    assert _crawl("test:wide", since=dt.date(2025, 1, 1))["items"] == 4
