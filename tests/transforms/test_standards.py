"""``transforms/standards.py``: raw national-standard documents → ``stg_standard`` (5.4.1 d)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from ecmon.db import get_engine
from sql.models import Standard
from sql.raw import content_hash, document_id, insert_new_documents
from transforms.standards import load_standards, replaced_standards, standard_number, standard_row

RUN_AT = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)


def _body(number: str, state: str, *, replaces: str = "", successor: str = "", issue: str = "2020-01-02") -> dict:
    row = {
        "id": "AB12",
        "C_STD_CODE": f"<sacinfo>{number}</sacinfo>",
        "C_C_NAME": "<sacinfo>演示</sacinfo>标准（虚构）",
        "STD_NATURE": "推荐性",
        "STATE": state,
        "ISSUE_DATE": issue,
        "ACT_DATE": "2020-07-01",
        "PROJECT_ID": "",
    }
    detail = {
        "标准号": number,
        "中文标准名称": "演示标准（虚构）",
        "英文标准名称": "Demo standard (fictional)",
        "标准状态": state,
    }
    if replaces:
        detail["全部代替标准"] = replaces
    if successor:
        detail["被代替标准"] = successor
    return {"row": row, "detail": detail}


@pytest.mark.unit
def test_standard_numbers_are_canonical() -> None:
    assert standard_number("GB／T　1.1－2020") == "GB/T 1.1-2020"
    assert standard_number("<sacinfo>GB</sacinfo>  6675.1—2014") == "GB 6675.1-2014"
    assert standard_number("  ") is None


@pytest.mark.unit
def test_row_prefers_detail_and_normalises_status() -> None:
    row = standard_row(_body("GB/T 99010-2020", "被代替"), "https://std.samr.gov.cn/gb/search/gbDetailed?id=AB12")
    assert row == {
        "standard_no": "GB/T 99010-2020",
        "title_zh": "演示标准（虚构）",
        "title_en": "Demo standard (fictional)",
        "status": "废止",
        "issued_on": dt.date(2020, 1, 2),
        "implemented_on": dt.date(2020, 7, 1),
        "replaced_by": None,
        "source_url": "https://std.samr.gov.cn/gb/search/gbDetailed?id=AB12",
    }
    search_only = standard_row({"row": _body("GB 99011-2020", "现行")["row"], "detail": {}}, None)
    assert search_only["standard_no"] == "GB 99011-2020" and search_only["title_zh"] == "演示标准（虚构）"
    assert standard_row({"row": {}, "detail": {}}, None) is None


@pytest.mark.unit
def test_replaced_lists_are_split() -> None:
    body = _body("GB 99012-2026", "现行", replaces="GB 99012-2016、GB/T 99012.2-2016；GB 99012-2016")
    assert replaced_standards(body) == ["GB 99012-2016", "GB/T 99012.2-2016"]


def _store(url: str, bodies: list[dict], fetched_at: dt.datetime) -> None:
    rows = []
    for body in bodies:
        text = json.dumps(body, ensure_ascii=False, sort_keys=True)
        digest = content_hash(text)
        rows.append(
            {
                "document_id": document_id("national_standards", digest),
                "source": "national_standards",
                "channel": "e",
                "record_key": body["detail"]["标准号"],
                "url": "http://127.0.0.1/std/gb/search/gbDetailed?id=AB12",
                "record_url": "https://std.samr.gov.cn/gb/search/gbDetailed?id=AB12",
                "fetched_at": fetched_at,
                "http_status": 200,
                "content_type": "application/json",
                "content_hash": digest,
                "body": text,
                "published_at": body["row"]["ISSUE_DATE"],
                "crawl_id": "test",
            }
        )
    with get_engine(url).begin() as conn:
        insert_new_documents(conn, rows)


def _table(url: str) -> dict[str, dict]:
    with get_engine(url).connect() as conn:
        return {r["standard_no"]: dict(r) for r in conn.execute(select(Standard)).mappings()}


@pytest.mark.integration
@pytest.mark.warehouse
def test_newest_document_wins_and_successors_are_derived(warehouse_url: str) -> None:
    first = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    _store(warehouse_url, [_body("GB 99013-2016", "现行", issue="2016-03-01")], first)
    _store(
        warehouse_url,
        [_body("GB 99013-2026", "即将实施", replaces="GB 99013-2016、GB 99014-2010", issue="2026-03-01")],
        first,
    )
    summary = load_standards(RUN_AT, url=warehouse_url)
    assert summary == {"documents": 2, "standards": 2, "replaced_by_derived": 2, "replaced_only": 1, "unreadable": 0}
    table = _table(warehouse_url)
    assert table["GB 99013-2016"]["replaced_by"] == "GB 99013-2026" and table["GB 99013-2016"]["status"] == "现行"
    assert table["GB 99014-2010"]["replaced_by"] == "GB 99013-2026" and table["GB 99014-2010"]["title_zh"] is None

    # Later the old standard is abolished and says so itself; the stub gets its own document.
    later = first + dt.timedelta(days=200)
    _store(warehouse_url, [_body("GB 99013-2016", "废止", successor="GB 99013-2026", issue="2016-03-01")], later)
    _store(warehouse_url, [_body("GB 99014-2010", "废止", issue="2010-05-01")], later)
    load_standards(RUN_AT, url=warehouse_url)
    table = _table(warehouse_url)
    assert table["GB 99013-2016"]["status"] == "废止" and table["GB 99013-2016"]["replaced_by"] == "GB 99013-2026"
    assert table["GB 99014-2010"]["title_zh"] == "演示标准（虚构）"
    assert table["GB 99014-2010"]["replaced_by"] == "GB 99013-2026"

    again = load_standards(RUN_AT, url=warehouse_url)
    assert again["replaced_only"] == 0 and _table(warehouse_url) == table
