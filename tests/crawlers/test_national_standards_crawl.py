"""National standards (std.samr.gov.cn), end to end: a real Scrapy crawl of the search JSON and the
detail pages against the replay server, then the load into ``stg_standard``.

No real std.samr.gov.cn / openstd response is held in ../shared/realdata (PROVENANCE.md: crawler code
exists, no committed outputs), so these tests crawl the demo snapshot — fictional standards in the
site's format.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from crawlers.run import run_crawl
from ecmon.db import get_engine
from sql.models import Standard
from tests.conftest import PROJECT_ROOT, count_rows
from transforms.standards import load_standards

pytestmark = [pytest.mark.integration, pytest.mark.warehouse]

RUN_AT = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
DEMO = PROJECT_ROOT / "crawlers" / "snapshots" / "demo"
SINCE, UNTIL = dt.date(2025, 11, 26), dt.date(2026, 11, 26)


def _demo_rows() -> list[dict]:
    return json.loads((DEMO / "std" / "search_page1.json").read_text(encoding="utf-8"))["rows"]


def _in_window(row: dict) -> bool:
    return any(SINCE.isoformat() <= row[k] <= UNTIL.isoformat() for k in ("ISSUE_DATE", "ACT_DATE"))


def _standards(url: str) -> dict[str, dict]:
    with get_engine(url).connect() as conn:
        return {r["standard_no"]: dict(r) for r in conn.execute(select(Standard)).mappings()}


def test_window_crawl_loads_one_standard_per_record(warehouse_url: str) -> None:
    wanted = [r for r in _demo_rows() if _in_window(r)]
    summary = run_crawl("national_standards", "test:std", since=SINCE, until=UNTIL, mode="replay", snapshot_dir=DEMO)
    assert summary["requests"] == 1 + len(wanted)  # one search page, one detail page per standard in the window
    assert summary["items"] == len(wanted) == 4 == count_rows(warehouse_url, "raw_document")

    loaded = load_standards(RUN_AT, url=warehouse_url)
    assert loaded["documents"] == loaded["standards"] == len(wanted)
    assert loaded["unreadable"] == 0
    standards = _standards(warehouse_url)
    crawled = {k: v for k, v in standards.items() if v["title_zh"]}
    assert sorted(crawled) == sorted(r["C_STD_CODE"] for r in wanted)

    new = standards["GB 99001-2026"]
    assert new["status"] == "即将实施"
    assert new["title_zh"] == "儿童用品 演示水杯 安全技术要求（虚构）"
    assert new["title_en"].startswith("Children's products—Demo drinking cups")
    assert new["issued_on"] == dt.date(2026, 9, 10) and new["implemented_on"] == dt.date(2027, 4, 1)
    assert new["source_url"] == "https://std.samr.gov.cn/gb/search/gbDetailed?id=" + wanted[0]["id"]
    # Replaced standards not crawled in this window are known by number and successor only.
    assert standards["GB 99001-2016"]["replaced_by"] == "GB 99001-2026"
    assert standards["GB 99001-2016"]["title_zh"] is None
    assert standards["GB/T 99003.2-2009"]["replaced_by"] == "GB/T 99003-2025"
    assert loaded["replaced_only"] == 3 and count_rows(warehouse_url, "stg_standard") == 4 + 3


def test_full_sweep_and_reload_are_idempotent(warehouse_url: str) -> None:
    rows = _demo_rows()
    first = run_crawl(
        "national_standards", "test:full", since=SINCE, until=UNTIL, mode="replay", snapshot_dir=DEMO,
        extra_args={"full": "true"},
    )  # fmt: skip
    assert first["items"] == len(rows) == 5
    load_standards(RUN_AT, url=warehouse_url)
    before = _standards(warehouse_url)
    old = before["GB 99001-2016"]
    assert old["title_zh"] == "儿童用品 演示水杯 安全要求（虚构）" and old["replaced_by"] == "GB 99001-2026"
    assert old["status"] == "现行"  # still in force until its successor is implemented

    with get_engine(warehouse_url).begin() as conn:  # a person designates a test method (5.4.2)
        conn.execute(
            Standard.__table__.update().where(Standard.standard_no == "GB/T 99002-2026").values(is_test_method=True)
        )
    second = run_crawl(
        "national_standards", "test:full2", since=SINCE, until=UNTIL, mode="replay", snapshot_dir=DEMO,
        extra_args={"full": "true"},
    )  # fmt: skip
    assert second["documents_new"] == 0
    again = load_standards(RUN_AT, url=warehouse_url)
    assert again["standards"] == len(rows)
    after = _standards(warehouse_url)
    assert after.pop("GB/T 99002-2026")["is_test_method"] is True
    before.pop("GB/T 99002-2026")
    assert after == before
    assert count_rows(warehouse_url, "stg_standard") == 5 + 2
