"""黑猫投诉 end to end on real complaints: a real Scrapy crawl of the signed search API served by the
replay server, then the transform into risk information (5.2.2 a).

The saved real records (``heimao_tousu/heimao_data_2025-05-13.json``, 50 complaints found with the
keyword 帮宝适) were flattened by the scraper that saved them (PROVENANCE.md; its code is
``src/scrapers/heimao_scraper.py`` in bageyalu160/universal-scraper-auto). That code shows the renaming,
which :func:`_api_item` undoes to rebuild the API's own envelope: ``id`` ← ``main.sn``, ``company`` ←
``main.cotitle``, ``content`` ← ``main.summary``, ``url`` ← ``"https:" + main.url``, ``timestamp`` ←
``datetime.fromtimestamp(main.timestamp)`` (read back here as Beijing time, UTC+8), ``title``/``status``/
``issue``/``appeal``/``cost`` unchanged; ``crawled_at`` is the scraper's own. The scraper also removed the
search highlighting from titles, so the keyword is wrapped in ``<span class="code-red">`` again, as the
search API serves it. Pages of 10 with ``result.status.code`` / ``result.data.pager`` / ``result.data.lists``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from scrapy.http import Request, TextResponse
from scrapy.utils.test import get_crawler
from sqlalchemy import select

from crawlers.run import CrawlFailed, run_crawl
from crawlers.spiders.heimao_tousu import (
    KNOWN_SIGNATURE_CONSTANT,
    HeimaoTousuArgs,
    HeimaoTousuSpider,
    sign,
)
from ecmon.db import get_engine
from sql.models import CrawlFailure, RiskFact, RiskInformation, RiskParty, SourceWatermark
from tests.conftest import PROJECT_ROOT, count_rows, realdata_path
from transforms.risk_information.heimao_tousu import map_complaint, product_phrase
from transforms.risk_information.load import load_risk_information
from transforms.risk_information.mapping import MappingError

RUN_AT = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
KEYWORD = "帮宝适"
BEIJING = dt.timezone(dt.timedelta(hours=8))
PAGE_SIZE = 10


# -- the real records, back in the API's envelope ------------------------------------------------
def _real_complaints() -> list[dict[str, Any]]:
    path = realdata_path("heimao_tousu", "heimao_data_2025-05-13.json")
    return json.loads(path.read_text(encoding="utf-8"))["complaints"]


def _api_item(saved: dict[str, Any]) -> dict[str, Any]:
    moment = dt.datetime.fromisoformat(saved["timestamp"]).replace(tzinfo=BEIJING)
    return {
        "main": {
            "sn": saved["id"],
            "title": saved["title"].replace(KEYWORD, f'<span class="code-red">{KEYWORD}</span>'),
            "summary": saved["content"],
            "cotitle": saved["company"],
            "url": saved["url"].removeprefix("https:"),
            "timestamp": str(int(moment.timestamp())),
            "status": saved["status"],
            "issue": saved["issue"],
            "appeal": saved["appeal"],
            "cost": saved["cost"],
        }
    }


def _envelope(items: list[dict[str, Any]], page: int, page_amount: int, item_count: int) -> dict[str, Any]:
    pager = {"current": page, "page_amount": page_amount, "item_count": item_count}
    return {"result": {"status": {"code": 0}, "data": {"pager": pager, "lists": items}}}


def _real_snapshot(tmp_path: Path, empty_page: int | None = None) -> tuple[Path, list[dict[str, Any]]]:
    """Search pages of 10 real complaints; ``empty_page`` comes back empty (the site's risk control)."""
    complaints = _real_complaints()
    pages = [complaints[i : i + PAGE_SIZE] for i in range(0, len(complaints), PAGE_SIZE)]
    routes = []
    for number, page in enumerate(pages, start=1):
        items = [] if number == empty_page else [_api_item(c) for c in page]
        file = tmp_path / f"search_page{number}.json"
        body = _envelope(items, number, len(pages), len(complaints))
        file.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
        query = {"keywords": KEYWORD, "page": str(number)}
        routes.append(
            {
                "site": "heimao",
                "path": "/api/index/s",
                "query": query,
                "file": str(file),
                "content_type": "application/json;charset=UTF-8",
            }
        )
    (tmp_path / "manifest.json").write_text(json.dumps({"routes": routes}, ensure_ascii=False), encoding="utf-8")
    return tmp_path, complaints


def _crawl(snapshot: Path, crawl_id: str, since: dt.date, **args: str) -> dict[str, Any]:
    return run_crawl(
        "heimao_tousu",
        crawl_id,
        since=since,
        until=dt.date(2025, 5, 13),
        mode="replay",
        snapshot_dir=snapshot,
        extra_args={"keywords": KEYWORD, "feed": "false", **args},
    )


@pytest.mark.integration
@pytest.mark.warehouse
def test_every_real_complaint_becomes_one_document_and_one_risk_row(warehouse_url: str, tmp_path: Path) -> None:
    snapshot, complaints = _real_snapshot(tmp_path)
    summary = _crawl(snapshot, "test:heimao:all", dt.date(2023, 1, 1))
    assert summary["requests"] == 5  # five pages of 10, paging stopped by pager.page_amount
    assert summary["items"] == len(complaints) == 50
    assert count_rows(warehouse_url, "raw_document") == 50

    loaded = load_risk_information(RUN_AT, url=warehouse_url, sources=["heimao_tousu"])
    assert loaded["loaded"] == 50 and loaded["quarantined"] == 0
    assert count_rows(warehouse_url, "stg_risk_information") == 50
    assert count_rows(warehouse_url, "stg_risk_party") == 50  # one complainee each

    with get_engine(warehouse_url).connect() as conn:
        rows = {r["record_key"]: r for r in conn.execute(select(RiskInformation)).mappings()}
        assert set(rows) == {c["id"] for c in complaints}
        for saved in complaints:  # the day as the site shows it, the page without its tracking parameter
            row = rows[saved["id"]]
            assert row["published_date"] == dt.date.fromisoformat(saved["timestamp"][:10])
            assert row["source_url"] == saved["url"].split("?")[0]
            assert row["title"] == saved["title"] and "<span" not in row["title"]
            assert row["shop"] == saved["company"] and row["description"] == saved["content"].strip()
            assert row["channel"] == "a" and row["info_type"] == "complaint"
        row = rows["17382167486"]
        assert row["platform"] == "天猫"  # from cotitle 天猫超市官方客服
        assert row["product_name"].startswith("帮宝适一级帮")
        assert row["attributes"]["cost"] == "187.38"
        assert row["attributes"]["status"] == 6 and row["attributes"]["status_label"] == "已回复"
        assert row["attributes"]["appeal"] == "赔偿,作出处罚,道歉"
        party = conn.execute(select(RiskParty).where(RiskParty.risk_info_id == row["risk_info_id"])).mappings().one()
        assert (party["role"], party["name"]) == ("complainee", "天猫超市官方客服")
        facts = conn.execute(
            select(RiskFact.kind, RiskFact.text).where(RiskFact.risk_info_id == row["risk_info_id"])
        ).all()
        assert ("appeal", "道歉") in facts and ("issue", "产品质量问题") in facts
        named = sum(1 for r in rows.values() if r["product_name"])
        assert named >= 45, f"product words found in only {named} of 50 complaints"


@pytest.mark.integration
@pytest.mark.warehouse
def test_incremental_window_stops_paging_once_a_page_predates_it(warehouse_url: str, tmp_path: Path) -> None:
    snapshot, complaints = _real_snapshot(tmp_path)
    since = dt.date(2025, 1, 1)
    in_window = [c for c in complaints if c["timestamp"][:10] >= since.isoformat()]
    summary = _crawl(snapshot, "test:heimao:window", since)
    # page 4 (2024-04 .. 2024-10) lies wholly before the window: page 5 is never asked for
    assert summary["requests"] == 4
    assert summary["items"] == len(in_window) == count_rows(warehouse_url, "raw_document")
    newest = max(c["timestamp"][:10] for c in complaints)
    with get_engine(warehouse_url).connect() as conn:
        assert conn.execute(select(SourceWatermark.watermark)).scalar_one() == newest == "2025-05-08"


@pytest.mark.integration
@pytest.mark.warehouse
def test_rerun_adds_nothing(warehouse_url: str, tmp_path: Path) -> None:
    snapshot, complaints = _real_snapshot(tmp_path)
    _crawl(snapshot, "test:heimao:first", dt.date(2023, 1, 1))
    load_risk_information(RUN_AT, url=warehouse_url, sources=["heimao_tousu"])
    tables = ("raw_document", "stg_risk_information", "stg_risk_party", "stg_risk_fact", "stg_risk_product")
    counts = {t: count_rows(warehouse_url, t) for t in tables}
    second = _crawl(snapshot, "test:heimao:second", dt.date(2023, 1, 1))
    assert second["items"] == len(complaints) and second["documents_new"] == 0
    assert load_risk_information(RUN_AT, url=warehouse_url, sources=["heimao_tousu"])["loaded"] == 0
    assert {t: count_rows(warehouse_url, t) for t in tables} == counts


@pytest.mark.integration
@pytest.mark.warehouse
def test_empty_page_while_items_remain_is_recorded_as_risk_control(warehouse_url: str, tmp_path: Path) -> None:
    snapshot, _ = _real_snapshot(tmp_path, empty_page=3)
    with pytest.raises(CrawlFailed, match="risk_control"):
        _crawl(snapshot, "test:heimao:blocked", dt.date(2023, 1, 1))
    assert count_rows(warehouse_url, "raw_document") == 20  # pages 1 and 2 kept; paging stopped at page 3
    with get_engine(warehouse_url).connect() as conn:
        failure = conn.execute(select(CrawlFailure)).mappings().one()
    assert failure["reason"] == "risk_control" and "page=3" in failure["url"]
    assert "item_count is 50" in failure["detail"]


@pytest.mark.integration
@pytest.mark.warehouse
def test_demo_snapshot_feed_and_search(warehouse_url: str, tmp_path: Path) -> None:
    shutil.copytree(PROJECT_ROOT / "crawlers/snapshots/demo/heimao", tmp_path / "heimao")
    summary = run_crawl(
        "heimao_tousu",
        "test:heimao:demo",
        since=dt.date(2026, 1, 1),
        until=dt.date(2026, 11, 25),
        mode="replay",
        snapshot_dir=tmp_path,
        extra_args={"keywords": "婴儿"},
    )
    assert summary["requests"] == 3  # feed pages 1-2, one search page
    assert summary["items"] == 14  # the two search hits are already in the feed
    assert count_rows(warehouse_url, "raw_document") == 14
    loaded = load_risk_information(RUN_AT, url=warehouse_url, sources=["heimao_tousu"])
    assert loaded["loaded"] == 14 and count_rows(warehouse_url, "stg_risk_information") == 14


# -- unit: arguments, signing, failures, mapping -----------------------------------------------------
def _spider(**kwargs: Any) -> HeimaoTousuSpider:
    crawler = get_crawler(HeimaoTousuSpider, settings_dict=kwargs.pop("settings", None))
    return HeimaoTousuSpider.from_crawler(crawler, **kwargs)


def _response(url: str, body: bytes | str, content_type: str = "application/json") -> TextResponse:
    data = body.encode("utf-8") if isinstance(body, str) else body
    headers = {"Content-Type": content_type}
    return TextResponse(url=url, status=200, headers=headers, body=data, request=Request(url))


@pytest.mark.unit
def test_keywords_argument_accepts_comma_or_json_and_is_validated() -> None:
    assert HeimaoTousuArgs(keywords="帮宝适, 奶粉，帮宝适").keywords == ["帮宝适", "奶粉"]
    assert HeimaoTousuArgs(keywords='["婴儿 推车", "取暖器"]').keywords == ["婴儿 推车", "取暖器"]
    assert HeimaoTousuArgs(feed="false").feed is False
    with pytest.raises(ValueError, match="keywords"):
        HeimaoTousuSpider(keywords="x" * 51)
    with pytest.raises(ValueError, match="page_size"):
        HeimaoTousuSpider(page_size="500")


@pytest.mark.unit
def test_signature_is_sha256_of_sorted_strings_with_the_configured_constant() -> None:
    params = sign({"keywords": KEYWORD, "page_size": "10", "page": "2"}, "CONST%")
    assert len(params["ts"]) == 13 and params["ts"].isdigit()
    assert len(params["rs"]) == 16 and params["rs"].isalnum() and params["rs"].isascii()
    parts = sorted([params["ts"], params["rs"], "CONST%", KEYWORD, "10", "2"])
    assert params["signature"] == hashlib.sha256("".join(parts).encode()).hexdigest()

    assert _spider().signature_constant == KNOWN_SIGNATURE_CONSTANT
    assert _spider(settings={"HEIMAO_SIGNATURE_CONSTANT": "$rotated%"}).signature_constant == "$rotated%"
    assert _spider(signature_constant="$arg%").signature_constant == "$arg%"


@pytest.mark.unit
def test_next_page_is_signed_again_and_keeps_the_keyword() -> None:
    spider = _spider(signature_constant="K")
    body = _envelope([_api_item(_real_complaints()[0])], 1, 3, 30)
    url = "https://tousu.sina.com.cn/api/index/s?ts=1&rs=r&signature=s&keywords=%E5%B8%AE&page_size=10&page=1"
    out = list(spider.parse(_response(url, json.dumps(body, ensure_ascii=False))))
    assert len(out) == 2 and isinstance(out[1], Request)
    assert "keywords=%E5%B8%AE" in out[1].url and "page=2" in out[1].url and "ts=1&" not in out[1].url


@pytest.mark.unit
@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('{"result": {"status": {"code": 1}, "data": []}}', "api_status_1"),
        ("<!doctype html><html><a href='https://passport.sina.com.cn/'>登录</a></html>", "login_required"),
        ('{"result": {"status": {"code": 0}, "data": {"pager"', "invalid_json"),
        ('{"result": {"status": {"code": 0}, "data": {"pager": {}, "lists": [], "x": 1}}}', None),
    ],
)
def test_bad_answers_are_recorded_with_their_reason(body: str, reason: str | None) -> None:
    spider = _spider()
    url = "https://tousu.sina.com.cn/api/index/feed?ts=1&rs=r&signature=s&type=1&page_size=10&page=1"
    assert list(spider.parse(_response(url, body))) == []
    assert [f["reason"] for f in spider.crawl_failures] == ([reason] if reason else [])


@pytest.mark.unit
def test_jsonp_answer_is_unwrapped() -> None:
    spider = _spider()
    envelope = json.dumps(_envelope([_api_item(_real_complaints()[1])], 1, 1, 1), ensure_ascii=False)
    url = "https://tousu.sina.com.cn/api/index/s?keywords=x&page_size=10&page=1&callback=jQuery1"
    records = list(spider.parse(_response(url, f"try{{jQuery1({envelope});}}catch(e){{}};", "text/javascript")))
    assert [r.record_key for r in records] == [_real_complaints()[1]["id"]]


@pytest.mark.unit
@pytest.mark.parametrize(
    ("text", "product"),
    [
        ("我于2025年3月30日在淘宝天猫超市购买帮宝适一级帮纸尿裤，里面有活体虫", "帮宝适一级帮纸尿裤"),
        ('充值会员前商品"帮宝适一级帮尿不湿"显示原价109元', "帮宝适一级帮尿不湿"),
        ("在抖音平台帮宝适官方旗舰店购买56包尿不湿金额为4014元", "尿不湿"),
        ("用三个账号买了三单帮宝适一级帮拉拉裤xxl码，收到货后", "帮宝适一级帮拉拉裤xxl码"),
        ("在京东商城购买的帮宝适一级帮新生儿nb码纸尿裤发现内里夹层有虫子", "帮宝适一级帮新生儿nb码纸尿裤"),
        ("买过多平台、多版本的纸尿裤", None),
        ("客服态度差，不解决问题", None),
    ],
)
def test_product_words_from_real_complaint_sentences(text: str, product: str | None) -> None:
    assert product_phrase(text) == product


@pytest.mark.unit
def test_mapping_strips_highlight_and_finds_platform_in_text() -> None:
    saved = next(c for c in _real_complaints() if c["company"] == "帮宝适官方旗舰店")
    mapped = map_complaint(_api_item(saved))
    assert "<span" not in mapped.risk["title"] and mapped.risk["shop"] == "帮宝适官方旗舰店"
    assert mapped.risk["platform"] in {"淘宝", "抖音", "京东", "天猫"}  # named in the complaint text
    bad = _api_item(saved)
    bad["main"]["timestamp"] = "yesterday"
    with pytest.raises(MappingError, match=r"sn \d+: field main.timestamp"):
        map_complaint(bad)
