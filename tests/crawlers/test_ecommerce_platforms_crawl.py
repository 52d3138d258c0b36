"""E-commerce platforms (5.2.2 c), end to end: a real Scrapy crawl of every configured platform's
announcements and listings against the replay server, then the transform into risk information.

No real platform announcement or listing is held in ../shared/realdata (PROVENANCE.md: "e-commerce
platform spot-check results … no committed outputs"), so these tests crawl the demo snapshot, whose
fictional pages follow ``crawlers/platforms/*.json``. Expected counts are read from the snapshot's
own files, not typed in.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from parsel import Selector
from sqlalchemy import select

from crawlers.run import run_crawl
from crawlers.spiders.ecommerce_platforms import EcommercePlatformsSpider, available_platforms
from ecmon.db import get_engine
from sql.models import RiskIdentifier, RiskInformation, RiskParty
from tests.conftest import PROJECT_ROOT, count_rows
from transforms.risk_information.load import load_risk_information

RUN_AT = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
DEMO = PROJECT_ROOT / "crawlers" / "snapshots" / "demo"
SITE = DEMO / "platforms"
SINCE, UNTIL = dt.date(2025, 11, 26), dt.date(2026, 11, 26)


def _in_window(day: str) -> bool:
    return SINCE.isoformat() <= day[:10] <= UNTIL.isoformat()


def _expected() -> dict[str, int]:
    """Records the demo pages hold, counted from the files themselves."""
    jd_list = Selector(text=(SITE / "jd" / "announcement_list_p1.html").read_text(encoding="utf-8"))
    jd_rows = 0
    for li in jd_list.css("ul.announcement-list > li"):
        if _in_window(li.css("span.date::text").get()):
            notice_id = re.search(r"announcementId=(\d+)", li.css("a::attr(href)").get()).group(1)
            page = Selector(text=(SITE / "jd" / f"announcement_{notice_id}.html").read_text(encoding="utf-8"))
            jd_rows += sum(1 for tr in page.css("table tr")[1:] if len(tr.css("td")) == 7)
    jd_items = sum(
        len(Selector(text=p.read_text(encoding="utf-8")).css("li.gl-item")) for p in (SITE / "jd").glob("search_*.html")
    )
    tb_list = json.loads((SITE / "taobao" / "rule_search_p1.json").read_text(encoding="utf-8"))["data"]["list"]
    tb_rows = 0
    for notice in tb_list:
        if _in_window(notice["publishTime"]):
            detail = json.loads((SITE / "taobao" / f"rule_detail_{notice['ruleId']}.json").read_text(encoding="utf-8"))
            tb_rows += len(Selector(text=detail["data"]["content"]).css("tr")) - 1
    tb_items = 0
    for page in (SITE / "taobao").glob("search_*.html"):
        config = re.search(r"g_page_config\s*=\s*(\{.*?\});\s*\n", page.read_text(encoding="utf-8")).group(1)
        tb_items += len(json.loads(config)["mods"]["itemlist"]["data"]["auctions"])
    return {"jd_notice": jd_rows, "jd_listing": jd_items, "taobao_notice": tb_rows, "taobao_listing": tb_items}


@pytest.mark.unit
def test_every_config_validates_and_bad_platform_is_refused() -> None:
    assert available_platforms() == ["jd", "taobao"]
    spider = EcommercePlatformsSpider(platform="taobao", kinds="listings")
    assert [p.platform_id for p in spider.platforms] == ["taobao"] and spider.args.kinds == ["listings"]
    with pytest.raises(ValueError, match="platform"):
        EcommercePlatformsSpider(platform="amazon")
    with pytest.raises(ValueError, match="kinds"):
        EcommercePlatformsSpider(kinds="reviews")


@pytest.mark.integration
@pytest.mark.warehouse
def test_demo_platforms_become_one_document_and_one_risk_row_per_record(warehouse_url: str) -> None:
    expected = _expected()
    total = sum(expected.values())
    summary = run_crawl("ecommerce_platforms", "test:ec", since=SINCE, until=UNTIL, mode="replay", snapshot_dir=DEMO)
    assert summary["items"] == total == 22
    assert count_rows(warehouse_url, "raw_document") == total

    loaded = load_risk_information(RUN_AT, url=warehouse_url, sources=["ecommerce_platforms"])
    assert loaded["loaded"] == total and loaded["quarantined"] == 0
    assert count_rows(warehouse_url, "stg_risk_information") == total

    with get_engine(warehouse_url).connect() as conn:
        rows = conn.execute(select(RiskInformation)).mappings().all()
        by_kind: dict[str, int] = {}
        for row in rows:
            key = (
                f"{row['attributes']['platform_id']}_{'notice' if row['info_type'] == 'platform_notice' else 'listing'}"
            )
            by_kind[key] = by_kind.get(key, 0) + 1
        assert by_kind == expected
        assert {r["channel"] for r in rows} == {"c"}

        notice = (
            conn.execute(select(RiskInformation).where(RiskInformation.record_key == "jd:notice:20261015/1"))
            .mappings()
            .one()
        )
        assert notice["info_type"] == "platform_notice" and notice["platform"] == "京东"
        assert notice["shop"] == "演示宝贝母婴专营店（虚构）" and notice["product_name"] == "演示儿童吸管杯 350ml"
        assert notice["hazard_item"] == "邻苯二甲酸酯（DEHP）" and notice["remedy"] == "下架商品，扣除店铺分值6分"
        assert notice["published_date"] == dt.date(2026, 10, 15)
        assert notice["source_url"] == "https://rule.jd.com/rule/announcementDetail.action?announcementId=20261015"

        tb_notice = (
            conn.execute(select(RiskInformation).where(RiskInformation.record_key == "taobao:notice:1099002/3"))
            .mappings()
            .one()
        )
        assert tb_notice["platform"] == "淘宝" and tb_notice["model"] == "CD-20W"
        assert tb_notice["source_url"] == "https://rulechannel.taobao.com/#/rule/detail?ruleId=1099002&cId=27"

        listing = (
            conn.execute(select(RiskInformation).where(RiskInformation.record_key == "jd:listing:100099000101"))
            .mappings()
            .one()
        )
        assert listing["info_type"] == "listing" and listing["brand"] == "萌杯演示" and listing["model"] == "XG-350"
        assert listing["title"] == "萌杯演示 儿童吸管杯 350ml 儿童水杯 防漏"
        assert listing["attributes"]["price"] == 59.9 and listing["attributes"]["comment_count"] == 20000
        assert listing["source_url"] == "https://item.jd.com/100099000101.html"
        assert listing["barcode"] is not None

        tmall = (
            conn.execute(select(RiskInformation).where(RiskInformation.record_key == "taobao:listing:7990001001"))
            .mappings()
            .one()
        )  # item page served GBK-encoded
        assert tmall["brand"] == "萌杯演示" and tmall["model"] == "TB-350" and tmall["shop"] == "萌杯演示旗舰店（虚构）"
        assert tmall["attributes"]["sales_count"] == 12000 and tmall["attributes"]["location"] == "浙江 杭州"
        valid = conn.execute(
            select(RiskIdentifier.valid_check_digit).where(RiskIdentifier.risk_info_id == tmall["risk_info_id"])
        ).scalar_one()
        assert valid is True
        shops = conn.execute(select(RiskParty.name).where(RiskParty.role == "shop")).scalars().all()
        assert len(shops) == total


@pytest.mark.integration
@pytest.mark.warehouse
def test_one_platform_one_kind_and_rerun_adds_nothing(warehouse_url: str) -> None:
    expected = _expected()
    args = {"platform": "taobao", "kinds": "announcements"}
    first = run_crawl(
        "ecommerce_platforms", "test:tb", since=SINCE, until=UNTIL, mode="replay", snapshot_dir=DEMO, extra_args=args
    )
    assert first["items"] == expected["taobao_notice"] == count_rows(warehouse_url, "raw_document")
    assert first["requests"] == 1 + 2  # the list (its oldest notice ends paging) and two notices in the window
    load_risk_information(RUN_AT, url=warehouse_url, sources=["ecommerce_platforms"])
    second = run_crawl(
        "ecommerce_platforms", "test:tb2", since=SINCE, until=UNTIL, mode="replay", snapshot_dir=DEMO, extra_args=args
    )
    assert second["documents_new"] == 0
    assert load_risk_information(RUN_AT, url=warehouse_url, sources=["ecommerce_platforms"])["loaded"] == 0


@pytest.mark.unit
def test_platform_record_mapping_checks_kind_and_date() -> None:
    from transforms.risk_information.ecommerce_platforms import map_document, parse_count
    from transforms.risk_information.mapping import MappingError

    body = {"platform_id": "jd", "platform": "京东", "kind": "review", "fields": {}}
    doc = {"document_id": "d1", "record_key": "jd:x", "record_url": None, "body": json.dumps(body)}
    with pytest.raises(MappingError, match=r"raw_document d1 \(ecommerce_platforms jd:x\): field kind"):
        map_document(doc)
    body.update(kind="platform_notice", fields={"product": "演示杯", "date": "上周"})
    with pytest.raises(MappingError, match="field date: not a date"):
        map_document({**doc, "body": json.dumps(body, ensure_ascii=False)})
    assert [parse_count(t) for t in ("1.2万+人付款", "356人收货", "2万+", "5000+", None)] == [
        12000,
        356,
        20000,
        5000,
        None,
    ]
