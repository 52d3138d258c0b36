"""FDA food safety recalls and USDA FSIS recalls RSS feeds, end to end on the real saved feeds: real
Scrapy crawls against the replay server serving ../shared/realdata files in place, then the transform.

The FDA folder holds two snapshots of the same feed taken weeks apart with no item in common, so
they are crawled one after the other, as two daily runs would see them.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections import Counter
from pathlib import Path

import feedparser
import pytest
from sqlalchemy import select

from crawlers.run import run_crawl
from ecmon.db import get_engine
from sql.models import CrawlRun, RiskInformation, SourceWatermark
from tests.conftest import PROJECT_ROOT, count_rows, realdata_path
from transforms.risk_information.load import load_risk_information

pytestmark = [pytest.mark.integration, pytest.mark.warehouse]

RUN_AT = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
FDA_PATH = "/about-fda/contact-fda/stay-informed/rss-feeds/food-safety-recalls/rss.xml"
FSIS_PATH = "/fsis-content/rss/recalls.xml"


def _snapshot(folder: Path, site: str, path: str, feed: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    route = {"site": site, "path": path, "query": {}, "file": str(feed), "content_type": "application/rss+xml"}
    (folder / "manifest.json").write_text(json.dumps({"routes": [route]}), encoding="utf-8")
    return folder


def _crawl(source: str, snapshot: Path, crawl_id: str, since: dt.date, until: dt.date) -> dict:
    return run_crawl(source, crawl_id, since=since, until=until, mode="replay", snapshot_dir=snapshot)


def _guids(feed: Path) -> set[str]:
    return {entry.id for entry in feedparser.parse(feed.read_bytes()).entries}


def test_two_real_fda_snapshots_become_one_document_and_one_row_per_item(warehouse_url: str, tmp_path: Path) -> None:
    october = realdata_path("fda_food_recalls_rss", "fda_food_safety_recalls_2025-10-18.xml")
    november = realdata_path("fda_food_recalls_rss", "fda_food_safety_recalls_2025-11-13.xml")
    items = _guids(october) | _guids(november)
    assert len(items) == 40  # 20 + 20, no item in common

    window = (dt.date(2025, 9, 1), dt.date(2025, 11, 30))
    first = _crawl("fda_food_recalls_rss", _snapshot(tmp_path / "a", "fda", FDA_PATH, october), "test:fda-1", *window)
    second = _crawl("fda_food_recalls_rss", _snapshot(tmp_path / "b", "fda", FDA_PATH, november), "test:fda-2", *window)
    assert first["items"] == 20 and second["items"] == 20
    assert count_rows(warehouse_url, "raw_document") == 40
    loaded = load_risk_information(RUN_AT, url=warehouse_url)
    assert loaded["loaded"] == 40 and loaded["quarantined"] == 0
    assert count_rows(warehouse_url, "stg_risk_information") == 40

    with get_engine(warehouse_url).connect() as conn:
        rows = conn.execute(select(RiskInformation)).mappings().all()
        watermark = conn.execute(select(SourceWatermark.watermark)).scalar_one()
    assert {r["record_key"] for r in rows} == items
    assert {r["info_type"] for r in rows} == {"recall"} and {r["category_code"] for r in rows} == {"FOOD"}
    moringa = next(r for r in rows if r["title"].startswith("Africa Imports Issues Voluntary Recall"))
    assert moringa["hazard_item"] == "Potential Salmonella Contamination"
    assert moringa["hazard_code"] == "MICROBIO"
    assert moringa["published_date"] == dt.date(2025, 11, 12)  # "Wed, 12 Nov 2025 00:00:00 EST" → 05:00 UTC
    assert moringa["description"].startswith("Africa Imports is voluntarily recalling")
    assert watermark == "2025-11-12"  # newest pubDate of the second snapshot, in UTC


def test_real_fsis_feed_recalls_and_public_health_alerts(warehouse_url: str, tmp_path: Path) -> None:
    feed = realdata_path("usda_fsis_recalls_rss", "usda_fsis_recalls_2025-11-04.xml")
    assert len(_guids(feed)) == 50
    snapshot = _snapshot(tmp_path, "fsis", FSIS_PATH, feed)
    summary = _crawl("usda_fsis_recalls_rss", snapshot, "test:fsis", dt.date(2024, 1, 1), dt.date(2025, 11, 30))
    assert summary["items"] == 50 == count_rows(warehouse_url, "raw_document")
    assert load_risk_information(RUN_AT, url=warehouse_url)["loaded"] == 50
    assert count_rows(warehouse_url, "stg_risk_information") == 50

    with get_engine(warehouse_url).connect() as conn:
        rows = conn.execute(select(RiskInformation)).mappings().all()
        attributes = conn.execute(select(RiskInformation.attributes)).scalars().first()
    # FSIS marks alerts with its PHA icon: 39 public health alerts, 11 recalls in this snapshot.
    assert Counter(r["info_type"] for r in rows) == {"alert": 39, "recall": 11}
    assert {r["subcategory_code"] for r in rows} == {"FOOD.MEAT"}
    assert all("<img" not in (r["description"] or "") for r in rows)  # CDATA HTML stripped to text
    soup = next(r for r in rows if "Soup" in r["title"] and "Bowl" in r["title"])
    assert "Soup & Bowl" in soup["title"]  # the feed double-escapes it: &amp;amp;
    croquettes = next(r for r in rows if r["title"].startswith("Brazilian Taste Recalls"))
    assert croquettes["hazard_item"] == "Misbranding and an Undeclared Allergen"
    assert croquettes["description"].startswith("WASHINGTON, Nov. 4, 2025 – Brazilian Taste")
    assert attributes["creator"] == "Food Safety and Inspection Service"


def test_window_skips_older_items_and_counts_them(warehouse_url: str, tmp_path: Path) -> None:
    feed = realdata_path("usda_fsis_recalls_rss", "usda_fsis_recalls_2025-11-04.xml")
    entries = feedparser.parse(feed.read_bytes()).entries
    in_window = sum(dt.date(*e.published_parsed[:3]) >= dt.date(2025, 1, 1) for e in entries)
    summary = _crawl(
        "usda_fsis_recalls_rss",
        _snapshot(tmp_path, "fsis", FSIS_PATH, feed),
        "test:fsis-window",
        dt.date(2025, 1, 1),
        dt.date(2025, 11, 30),
    )
    with get_engine(warehouse_url).connect() as conn:
        stats = conn.execute(select(CrawlRun.stats)).scalar_one()
    assert summary["items"] == in_window < 50
    assert stats["ecmon/feed/outside_window"] == 50 - in_window


@pytest.mark.parametrize(
    ("source", "site", "items"), [("fda_food_recalls_rss", "fda", 3), ("usda_fsis_recalls_rss", "fsis", 2)]
)
def test_demo_snapshot(warehouse_url: str, tmp_path: Path, source: str, site: str, items: int) -> None:
    shutil.copytree(PROJECT_ROOT / "crawlers" / "snapshots" / "demo" / site, tmp_path / site)
    summary = _crawl(source, tmp_path, f"test:demo-{site}", dt.date(2025, 11, 26), dt.date(2026, 11, 26))
    assert summary["items"] == items
    assert load_risk_information(RUN_AT, url=warehouse_url)["loaded"] == items
    assert count_rows(warehouse_url, "stg_risk_information") == items
