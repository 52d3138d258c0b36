"""Spot-check notices (SAMR jpaas columns, 广东 static columns), end to end on REAL result rows (5.2.2 b).

A real Scrapy crawl against the replay server: column page → list (jpaas CMS JSON / static index pages)
→ notice HTML → result table (xlsx attachment, zip of xlsx with GBK member names, HTML table in the
notice), then the transform into risk information. The result tables hold real rows from
../shared/realdata (see test_result_tables.py); list, notice pages and URLs are built in tmp_path in the
sites' formats (sources.md §2a, §2b). Rows in == raw documents == risk-information rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
from collections.abc import Iterable
from pathlib import Path

import pytest
from sqlalchemy import select

from crawlers.run import run_crawl
from ecmon.db import get_engine
from sql.models import RiskIdentifier, RiskInformation, RiskParty, SourceWatermark
from tests.conftest import PROJECT_ROOT, count_rows
from tests.crawlers.test_result_tables import (
    FOOD_HEADER_TWO_ROWS,
    food_rows,
    html_table,
    layout,
    national_2023_rows,
    xlsx_bytes,
    zip_bytes,
)
from transforms.risk_information.load import load_risk_information

pytestmark = [pytest.mark.integration, pytest.mark.warehouse]

RUN_AT = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UNIT_PATH = "/api-gateway/jpaas-publish-server/front/page/build/unit"
WEB_ID, TPL_SET_ID = "29e9522dc89d4e088a953d8cede72f4c", "5c30fb89ae5e48b9aefe3cdf49853830"  # sources.md §2a
SAMR_COLUMNS = {  # column page → pageId (spcjs/xxfb's is real, from sources.md §2a; zljds/jdcc's is made up)
    "/zljds/jdcc/index.html": "zljdsjdcc00000000000000000000001",
    "/spcjs/xxfb/index.html": "6695899db9f8455187259c43b72d2e1c",
}
NATIONAL_HEADER = [
    "序号",
    "产品种类",
    "标称生产单位",
    "产品名称",
    "规格型号",
    "生产日期/批号",
    "主要不合格项目",
    "备注",
]
FOOD_FAIL_HEADER = [
    "序号",
    "标称生产企业名称",
    "被抽样单位名称",
    "食品名称",
    "分类",
    "生产日期/批号",
    "不合格项目║检验结果║标准值",
    "任务来源/项目名称",
    "备注",
]


# -- site formats ----------------------------------------------------------------------------------------
class Snapshot:
    """Files and manifest routes of one replay snapshot folder."""

    def __init__(self, root: Path, site: str) -> None:
        self.root, self.site, self.routes = root, site, []

    def add(self, path: str, body: bytes | str, content_type: str, query: dict[str, str] | None = None) -> None:
        name = hashlib.sha1(f"{path}?{sorted((query or {}).items())}".encode()).hexdigest()[:16]
        data = body.encode("utf-8") if isinstance(body, str) else body
        (self.root / name).write_bytes(data)
        self.routes.append(
            {"site": self.site, "path": path, "query": query or {}, "file": name, "content_type": content_type}
        )

    def write(self) -> Path:
        (self.root / "manifest.json").write_text(json.dumps({"routes": self.routes}, ensure_ascii=False), "utf-8")
        return self.root


def jpaas_column_page(page_id: str, name: str) -> str:
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{name}</title></head><body>
<div class="Second_banner">首页 &gt; {name}</div><div id="ajax分页" class="content-3-left"></div>
<script>var queryData = {{'webId':'{WEB_ID}','pageId':'{page_id}','tplSetId':'{TPL_SET_ID}',
'pageType':'column','tagId':'ajax分页','editType':'null'}};</script></body></html>"""


def jpaas_unit_json(items: Iterable[tuple[str, str, str]], count: int, page: int, page_size: int = 20) -> str:
    lis = "".join(
        f'<li class="content-3-left-text imgContent01new"><a href="{html.escape(url)}" title="{html.escape(title)}"'
        f' target="_blank">{html.escape(title)}</a><div class="contentRight01time">{date}</div></li>'
        for url, title, date in items
    )
    fragment = (
        f'<div class="content-3-left"><ul>{lis}</ul></div><table class="pagination" count="{count}" '
        f'rows="{page_size}" pageno="{page}"></table>'
    )
    return json.dumps({"code": "200", "success": True, "data": {"html": fragment}}, ensure_ascii=False)


def unit_query(page_id: str, page: int, page_size: int = 20) -> dict[str, str]:
    return {"pageId": page_id, "paramJson": json.dumps({"pageNo": page, "pageSize": page_size}, separators=(",", ":"))}


def samr_notice(title: str, date: str, body: str) -> str:
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head><body>
<div class="Second_banner">首页 &gt; 政务公开</div><div class="zt_xilan_03"><h1>{title}</h1>
<ul><li class="zt_xilan_04">信息来源：市场监管总局</li><li>发布时间：{date}</li></ul></div>
<div class="TRS_Editor">{body}</div></body></html>"""


def gd_list_page(items: Iterable[tuple[str, str, str]], next_href: str | None) -> str:
    lis = "".join(
        f'<li><a href="{url}" title="{html.escape(title)}" target="_blank">{html.escape(title)}</a>'
        f'<span class="time">{date}</span></li>'
        for url, title, date in items
    )
    pager = f'<a href="{next_href}">下一页</a>' if next_href else "<span>下一页</span>"
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>食品抽检</title></head><body>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li></ul></div>
<ul class="news_list2">{lis}</ul><div class="page"><a href="index.html">首页</a>{pager}</div></body></html>"""


def gd_notice(title: str, published: str, body: str) -> str:
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<meta name="ArticleTitle" content="{html.escape(title)}"><meta name="PubDate" content="{published}">
<meta name="ContentSource" content="广东省市场监督管理局"><title>{html.escape(title)}</title></head><body>
<div class="article"><h3>{html.escape(title)}</h3><div class="article-content">{body}</div></div></body></html>"""


def art(seed: str) -> str:
    """A notice file name in SAMR's form (``art_<32hex>``); the hex is made up for the test."""
    return f"art_{hashlib.md5(seed.encode()).hexdigest()}.html"


# -- snapshots of real rows ---------------------------------------------------------------------------------
def samr_snapshot(tmp_path: Path) -> tuple[Path, int]:
    """zljds column: the 2023 national spot check (136 rows, xlsx); spcjs column: SAMR's own food
    results from the foodmate data (one notice per 发布日期, rows in an HTML table in the page)."""
    snap = Snapshot(tmp_path, "samr")
    html_type, json_type = "text/html; charset=utf-8", "application/json;charset=UTF-8"
    national = national_2023_rows()
    notice_path = f"/zw/zfxxgk/fdzdgknr/zljds/art/2023/{art('national-2023')}"
    attachment = "/cms_files/filemanager/1647978232/attach/202310/5ced0a8f7c9b4e2c8d1f3a6b7e9d0c21.xlsx"
    title = "市场监管总局关于2023年产品质量国家监督抽查情况的通告"
    body = (
        f'<p>附件：<a href="{attachment}">2023年产品质量国家监督抽查不合格产品名单.xlsx</a></p>'
        '<p><a href="/cms_files/filemanager/1647978232/attach/202310/a1.pdf">通告全文.pdf</a>'
        ' <a href="/cms_files/filemanager/1647978232/attach/202310/a2.doc">说明.doc</a></p>'
    )
    snap.add(notice_path, samr_notice(title, "2023-10-20", body), html_type)
    sheet = layout(
        "2023年产品质量国家监督抽查不合格产品名单",
        NATIONAL_HEADER,
        national,
        note="注：标注*的为关键项目。",
        merge_equal_in=("产品种类",),
    )
    snap.add(
        attachment, xlsx_bytes({"Sheet1": sheet}), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    zljds_page = SAMR_COLUMNS["/zljds/jdcc/index.html"]
    snap.add("/zljds/jdcc/index.html", jpaas_column_page(zljds_page, "监督抽查"), html_type)
    items = [(f"https://www.samr.gov.cn{notice_path}", title, "2023-10-20")]
    snap.add(UNIT_PATH, jpaas_unit_json(items, count=1, page=1), json_type, unit_query(zljds_page, 1))

    samr_food = [r for r in food_rows() if "国家市场监管总局" in r["任务来源/项目名称"]]
    food_items = []
    for date in sorted({r["公告日期"] for r in samr_food}, reverse=True):
        rows = [
            {**r, "不合格项目║检验结果║标准值": "║".join((r["不合格项目"], r["检验结果"], r["标准值"]))}
            for r in samr_food
            if r["公告日期"] == date
        ]
        path = f"/zw/zfxxgk/fdzdgknr/spcjs/art/2022/{art('food-' + date)}"
        food_title = f"市场监管总局关于{len(rows)}批次食品不合格情况的通告"
        table = html_table(layout("不合格产品信息", FOOD_FAIL_HEADER, rows, footer=None))
        snap.add(path, samr_notice(food_title, date, f"<p>一、不合格产品情况</p>{table}"), html_type)
        food_items.append((path, food_title, date))
    spcjs_page = SAMR_COLUMNS["/spcjs/xxfb/index.html"]
    snap.add("/spcjs/xxfb/index.html", jpaas_column_page(spcjs_page, "食品抽检信息发布"), html_type)
    snap.add(
        UNIT_PATH,
        jpaas_unit_json(food_items[:2], count=3, page=1, page_size=2),
        json_type,
        unit_query(spcjs_page, 1, 2),
    )
    snap.add(
        UNIT_PATH,
        jpaas_unit_json(food_items[2:], count=3, page=2, page_size=2),
        json_type,
        unit_query(spcjs_page, 2, 2),
    )
    # zljds is asked with the same page size
    snap.add(UNIT_PATH, jpaas_unit_json(items, count=1, page=1, page_size=2), json_type, unit_query(zljds_page, 1, 2))
    return snap.write(), len(national) + len(samr_food)


def gd_snapshot(tmp_path: Path) -> tuple[Path, dict[str, list[dict[str, str]]]]:
    """广东 food results from the foodmate data, one notice per 发布日期: the pass list as a zip of xlsx
    (GBK member names), the fail list as an xlsx; the list spans two pages."""
    snap = Snapshot(tmp_path, "gd")
    html_type = "text/html"
    rows = [r for r in food_rows() if "广东" in r["任务来源/项目名称"]]
    by_date: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        by_date.setdefault(r["公告日期"], []).append(r)
    column = "/zwgk/zdlyxxgk/cjjc/spcj/"
    list_items = []
    for number, (date, notice_rows) in enumerate(sorted(by_date.items(), reverse=True), start=1):
        post = f"{column}content/post_39{number:05d}.html"
        passed = [r for r in notice_rows if r["判定结论"] == "合格"]
        failed = [r for r in notice_rows if r["判定结论"] != "合格"]
        links = []
        if passed:
            book = xlsx_bytes({"Sheet1": layout("食品安全监督抽检合格产品信息", FOOD_HEADER_TWO_ROWS, passed)})
            archive = zip_bytes({"附件1：食品安全监督抽检合格产品信息.xlsx": book}, gbk_names=True)
            href = f"/attachment/0/48{number}/48{number}001/39{number:05d}.zip"
            snap.add(href, archive, "application/zip")
            links.append(f'<p>附件：<a href="https://amr.gd.gov.cn{href}">{len(passed)}批次合格产品信息.zip</a></p>')
        if failed:
            book = xlsx_bytes({"Sheet1": layout("食品安全监督抽检不合格产品信息", FOOD_HEADER_TWO_ROWS, failed)})
            href = f"/attachment/0/48{number}/48{number}002/39{number:05d}.xlsx"
            snap.add(href, book, "application/octet-stream")
            links.append(f'<p>附件：<a href="{href}">不合格产品信息.xlsx</a></p>')
        title = f"广东省市场监督管理局关于{len(notice_rows)}批次食品抽检情况的通告"
        snap.add(post, gd_notice(title, f"{date} 17:30", "<p>现将抽检结果通告如下。</p>" + "".join(links)), html_type)
        list_items.append((f"https://amr.gd.gov.cn{post}", title, date))
    training = (f"{column}content/post_3800001.html", "关于开展食品安全培训的通知", list_items[0][2])
    snap.add(f"{column}index.html", gd_list_page([list_items[0], training], "index_2.html"), html_type)
    snap.add(f"{column}index_2.html", gd_list_page(list_items[1:], None), html_type)
    return snap.write(), by_date


# -- tests ---------------------------------------------------------------------------------------------------
def _crawl(source: str, snapshot: Path, crawl_id: str, **kwargs: str) -> dict:
    return run_crawl(
        source,
        crawl_id,
        since=dt.date(2022, 1, 1),
        until=dt.date(2023, 12, 31),
        mode="replay",
        snapshot_dir=snapshot,
        extra_args=kwargs or None,
    )


def _risk_rows(url: str, source: str) -> list[dict]:
    with get_engine(url).connect() as conn:
        return [
            dict(r) for r in conn.execute(select(RiskInformation).where(RiskInformation.source == source)).mappings()
        ]


def test_samr_real_rows_one_document_and_one_risk_row_each(warehouse_url: str, tmp_path: Path) -> None:
    snapshot, row_count = samr_snapshot(tmp_path)
    summary = _crawl("samr_spot_checks", snapshot, "test:samr", page_size="2")
    # 2 column pages + 3 list pages + 4 notices + 1 attachment
    assert summary["requests"] == 10
    assert summary["items"] == row_count == 139
    assert count_rows(warehouse_url, "raw_document") == row_count
    loaded = load_risk_information(RUN_AT, url=warehouse_url)
    assert loaded["loaded"] == row_count and loaded["quarantined"] == 0
    assert count_rows(warehouse_url, "stg_risk_information") == row_count

    rows = _risk_rows(warehouse_url, "samr_spot_checks")
    assert {r["info_type"] for r in rows} == {"spot_check"} and {r["channel"] for r in rows} == {"b"}
    national = [r for r in rows if r["attributes"].get("table_format") == "xlsx"]
    assert len(national) == 136
    assert all(r["attributes"]["result"] == "不合格" for r in national)
    first = next(r for r in national if r["attributes"]["row_number"] == 4)
    want = national_2023_rows()[0]
    assert first["product_name"] == want["产品名称"]
    assert first["manufacturer"] == want["标称生产单位"]
    assert first["hazard_item"] == want["主要不合格项目"]
    assert first["model"] == want["规格型号"]
    assert first["subcategory_code"] == "VEHI.BRAKE_FLUID" and first["hazard_code"] == "PERFORMANCE"
    assert first["published_date"] == dt.date(2023, 10, 20)
    assert first["region_code"] is None and first["attributes"]["issuer"] == "国家市场监督管理总局"
    with get_engine(warehouse_url).connect() as conn:
        batches = (
            conn.execute(select(RiskIdentifier.value).where(RiskIdentifier.risk_info_id == first["risk_info_id"]))
            .scalars()
            .all()
        )
    assert batches == [want["生产日期/批号"]]

    tmall = next(r for r in rows if r["shop"] == "天猫棠品旗舰店")
    assert tmall["platform"] == "天猫"
    assert tmall["hazard_item"] == "N-二甲基亚硝胺"
    assert tmall["attributes"]["measured_value"] == "9.74μg/kg"
    assert tmall["attributes"]["standard_value"] == "≤4.0μg/kg"
    assert tmall["hazard_code"] == "CHEMICAL"
    assert tmall["subcategory_code"] == "FOOD.AQUATIC"
    assert tmall["published_date"] == dt.date(2022, 1, 15)


def test_samr_rerun_adds_nothing_and_watermark_is_newest_notice(warehouse_url: str, tmp_path: Path) -> None:
    snapshot, row_count = samr_snapshot(tmp_path)
    _crawl("samr_spot_checks", snapshot, "test:first", page_size="2")
    load_risk_information(RUN_AT, url=warehouse_url)
    second = _crawl("samr_spot_checks", snapshot, "test:second", page_size="2")
    assert second["items"] == row_count and second["documents_new"] == 0
    assert load_risk_information(RUN_AT, url=warehouse_url)["loaded"] == 0
    with get_engine(warehouse_url).connect() as conn:
        marks = conn.execute(select(SourceWatermark.watermark).where(SourceWatermark.source == "samr_spot_checks"))
        assert marks.scalar_one() == "2023-10-20"


def test_gd_real_rows_pass_and_fail_lists(warehouse_url: str, tmp_path: Path) -> None:
    snapshot, by_date = gd_snapshot(tmp_path)
    row_count = sum(len(v) for v in by_date.values())
    summary = _crawl("gd_spot_checks", snapshot, "test:gd")
    # 2 list pages + 2 notices (the training notice is not requested) + 2 attachments
    assert summary["requests"] == 6
    assert summary["items"] == row_count == 53
    assert count_rows(warehouse_url, "raw_document") == row_count
    loaded = load_risk_information(RUN_AT, url=warehouse_url)
    assert loaded["loaded"] == row_count and loaded["quarantined"] == 0
    assert count_rows(warehouse_url, "stg_risk_information") == row_count

    rows = _risk_rows(warehouse_url, "gd_spot_checks")
    results = sorted(r["attributes"]["result"] for r in rows)
    assert results.count("合格") == 51 and results.count("不合格") == 2
    assert {r["region_code"] for r in rows} == {"440000"}
    assert {r["attributes"]["region_name"] for r in rows} == {"广东省"}
    failed = [r for r in rows if r["attributes"]["result"] == "不合格"]
    assert {r["hazard_item"] for r in failed} == {"镉(以Cd计)"} and {r["hazard_code"] for r in failed} == {"CHEMICAL"}
    assert {r["shop"] for r in failed} == {"阳江市江城区大力牛水产品店", "阳江市江城区广众天然水产品店"}
    passed = next(r for r in rows if r["product_name"] == "黄豆腐竹")
    assert passed["manufacturer"] == "石屏县北门达和源豆制品有限责任公司"
    assert passed["shop"] == "东莞市嘉荣超市有限公司东城星河城店"
    assert passed["attributes"]["result_basis"] == "column"
    assert passed["attributes"]["sheet"] == "附件1：食品安全监督抽检合格产品信息.xlsx/Sheet1"
    assert passed["source_url"].endswith(".zip")
    with get_engine(warehouse_url).connect() as conn:
        roles = conn.execute(select(RiskParty.role).where(RiskParty.risk_info_id == passed["risk_info_id"])).all()
    assert sorted(r for (r,) in roles) == ["manufacturer", "shop"]


DEMO = PROJECT_ROOT / "crawlers" / "snapshots" / "demo"


@pytest.mark.parametrize(("source", "expected_rows"), [("samr_spot_checks", 7), ("gd_spot_checks", 6)])
def test_demo_snapshot_crawls(warehouse_url: str, source: str, expected_rows: int) -> None:
    summary = run_crawl(
        source,
        f"demo:{source}",
        since=dt.date(2026, 1, 1),
        until=dt.date(2026, 11, 25),
        mode="replay",
        snapshot_dir=DEMO,
    )
    assert summary["items"] == expected_rows
    assert count_rows(warehouse_url, "raw_document") == expected_rows
    loaded = load_risk_information(RUN_AT, url=warehouse_url, sources=[source])
    assert loaded["loaded"] == expected_rows and loaded["quarantined"] == 0
    rows = _risk_rows(warehouse_url, source)
    assert all(r["product_name"] and r["attributes"].get("result") for r in rows)


# -- the mapper on every real row (no crawl) ----------------------------------------------------------------
def _doc(row: dict[str, str], number: int, **notice: str) -> dict:
    body = {
        "row": row,
        "notice_title": "通告",
        "notice_url": "https://www.samr.gov.cn/zw/art_x.html",
        "published_date": row.get("公告日期") or "2023-10-20",
        "issuer": "国家市场监督管理总局",
    }
    body.update(notice)
    return {
        "document_id": f"doc{number}",
        "source": "samr_spot_checks",
        "record_key": f"art_x|html|table1|{number}",
        "channel": "b",
        "body": json.dumps(body, ensure_ascii=False),
    }


def test_every_real_food_row_maps_with_shop_platform_and_verdict() -> None:
    from transforms.risk_information.spot_checks import map_document

    rows = food_rows()
    mapped = [map_document(_doc(r, i)) for i, r in enumerate(rows)]
    assert len(mapped) == 4639
    verdicts = [m.risk["attributes"]["result"] for m in mapped]
    assert verdicts == [r["判定结论"] for r in rows]
    failed = [m for m in mapped if m.risk["attributes"]["result"] == "不合格"]
    assert len(failed) == 109 and all(m.risk["hazard_item"] for m in failed)
    assert sum(1 for m in failed if m.risk["hazard_code"]) >= 100

    by_shop_text = {m.risk["attributes"].get("shop_text"): m.risk for m in mapped}
    labelled = next(v for k, v in by_shop_text.items() if k and k.startswith("重庆韵创电子商务有限责任公司"))
    assert labelled["shop"] == "天猫韵创食品专营店" and labelled["platform"] == "天猫"
    delivery = next(m.risk for m in mapped if "饿了么" in (m.risk["attributes"].get("remark") or ""))
    assert delivery["platform"] == "饿了么" and delivery["shop"] == "菜老包(牡丹园菜市场店)"
    assert next(m.risk for m in mapped if m.risk["shop"] == "沃尔玛（广东）百货有限公司")["platform"] is None


def test_every_real_national_row_maps_and_bad_rows_are_named() -> None:
    from transforms.risk_information.mapping import MappingError
    from transforms.risk_information.spot_checks import map_document

    rows = national_2023_rows()
    mapped = [map_document(_doc(r, i)) for i, r in enumerate(rows)]
    assert [m.risk["manufacturer"] for m in mapped] == [r["标称生产单位"] or None for r in rows]
    assert all(m.risk["category_code"] == "VEHI" for m in mapped)
    assert [m.identifiers[0]["value"] if m.identifiers else "" for m in mapped] == [r["生产日期/批号"] for r in rows]
    assert sum(1 for m in mapped if m.risk["attributes"].get("remark") == "复检仍不合格") == 17

    suffixed = map_document(_doc({"产品名称": "充电器", "受检单位": "某某旗舰店（天猫）"}, 1)).risk
    assert (suffixed["shop"], suffixed["platform"]) == ("某某旗舰店", "天猫")
    with pytest.raises(MappingError, match=r"raw_document doc2 .*field product_name"):
        map_document(_doc({"序号": "1", "商标": "无"}, 2))
    with pytest.raises(MappingError, match=r"raw_document doc3 .*field published_date"):
        map_document(_doc({"产品名称": "x"}, 3, published_date="soon"))
