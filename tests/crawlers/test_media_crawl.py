"""Media channel (5.2.2 d), end to end on the demo snapshots: news feeds and China Quality News lists →
articles, with the product-quality relevance test and the within-crawl repeats counted in the stats.

No real media feed or cqn page is held in ../shared/realdata, so these crawls run on the synthetic
demo folders (real formats; see their README files).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from crawlers.run import CrawlFailed, run_crawl
from ecmon.db import get_engine
from sql.models import CrawlRun, RawDocument, RiskInformation
from tests.conftest import PROJECT_ROOT, count_rows
from transforms.risk_information.load import load_risk_information

pytestmark = [pytest.mark.integration, pytest.mark.warehouse]

RUN_AT = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
WINDOW = (dt.date(2026, 1, 1), dt.date(2026, 11, 30))
DEMO = PROJECT_ROOT / "crawlers" / "snapshots" / "demo"


def _demo(tmp_path: Path, site: str) -> Path:
    shutil.copytree(DEMO / site, tmp_path / site)
    return tmp_path


def _crawl(source: str, snapshot: Path, crawl_id: str, **args: str) -> tuple[dict, dict]:
    summary = run_crawl(
        source,
        crawl_id,
        since=WINDOW[0],
        until=WINDOW[1],
        mode="replay",
        snapshot_dir=snapshot,
        extra_args=args or None,
    )
    with get_engine().connect() as conn:
        stats = conn.execute(select(CrawlRun.stats).where(CrawlRun.crawl_id == crawl_id)).scalar_one()
    return summary, stats


def test_news_feeds_keep_product_quality_articles_once(warehouse_url: str, tmp_path: Path) -> None:
    summary, stats = _crawl("media_news_feeds", _demo(tmp_path, "media"), "test:feeds")
    assert summary["requests"] == 4  # four configured feeds
    assert summary["items"] == 5 == stats["ecmon/media/kept"]
    assert stats["ecmon/media/not_relevant"] == 4
    assert stats["ecmon/media/duplicate_url"] == 1  # same article, utm_* parameters added
    assert stats["ecmon/media/duplicate_title"] == 1  # same title, reposted under another URL
    assert count_rows(warehouse_url, "raw_document") == 5
    loaded = load_risk_information(RUN_AT, url=warehouse_url)
    assert loaded["loaded"] == 5 and loaded["quarantined"] == 0
    assert count_rows(warehouse_url, "stg_risk_information") == 5

    with get_engine(warehouse_url).connect() as conn:
        rows = conn.execute(select(RiskInformation)).mappings().all()
    assert {r["info_type"] for r in rows} == {"news"} and {r["channel"] for r in rows} == {"d"}
    assert all("utm_" not in r["record_key"] and "utm_" not in r["source_url"] for r in rows)
    toys = next(r for r in rows if "儿童玩具" in r["title"])
    assert toys["record_key"] == "https://www.chinanews.com.cn/sh/2026/10-12/99000001.shtml"
    assert toys["attributes"]["language"] == "zh"
    assert "不合格" in toys["attributes"]["quality_words"] and "玩具" in toys["attributes"]["product_words"]
    berries = next(r for r in rows if "berries" in r["title"])
    assert berries["attributes"]["feed"] == "food_safety_news" and berries["published_date"] == dt.date(2026, 10, 19)
    assert berries["description"].startswith("A fictional company")  # summary HTML stripped


def test_feed_rerun_adds_nothing(warehouse_url: str, tmp_path: Path) -> None:
    snapshot = _demo(tmp_path, "media")
    _crawl("media_news_feeds", snapshot, "test:first")
    load_risk_information(RUN_AT, url=warehouse_url)
    second, _ = _crawl("media_news_feeds", snapshot, "test:second")
    assert second["items"] == 5 and second["documents_new"] == 0
    assert load_risk_information(RUN_AT, url=warehouse_url)["loaded"] == 0


def test_feed_list_is_data(warehouse_url: str, tmp_path: Path) -> None:
    snapshot = _demo(tmp_path, "media")
    feeds = {
        "feeds": [
            {
                "name": "fsn",
                "title": "Food Safety News",
                "url": "https://www.foodsafetynews.com/feed/",
                "language": "en",
            }
        ]
    }
    feeds_file = tmp_path / "feeds.json"
    feeds_file.write_text(json.dumps(feeds), encoding="utf-8")
    summary, stats = _crawl("media_news_feeds", snapshot, "test:one-feed", feeds_file=str(feeds_file))
    assert summary["requests"] == 1 and summary["items"] == 2 and stats["ecmon/media/not_relevant"] == 1


def test_cqn_lists_lead_to_relevant_articles_in_the_window(warehouse_url: str, tmp_path: Path) -> None:
    summary, stats = _crawl("cqn_news", _demo(tmp_path, "cqn"), "test:cqn")
    # 3 list pages (民生 pages 1-2, 家居建材) + 6 articles; the 2024 article and page 3 are never asked for.
    assert summary["requests"] == 9
    assert summary["items"] == 4 == stats["ecmon/media/kept"]
    assert stats["ecmon/media/not_relevant"] == 1  # 质量强国 / 高质量发展 forum report
    assert stats["ecmon/media/duplicate_title"] == 1  # the water-heater story reposted in 家居建材
    assert stats["ecmon/cqn/outside_window"] == 1
    assert count_rows(warehouse_url, "raw_document") == 4
    assert load_risk_information(RUN_AT, url=warehouse_url)["loaded"] == 4
    assert count_rows(warehouse_url, "stg_risk_information") == 4

    with get_engine(warehouse_url).connect() as conn:
        rows = conn.execute(select(RiskInformation)).mappings().all()
        documents = conn.execute(select(RawDocument.content_type, RawDocument.record_url)).all()
    assert {d.content_type for d in documents} == {"text/html; charset=utf-8"}
    # Keys and links name the real site, whatever port the replay server listened on.
    assert all(r["record_key"].startswith("https://www.cqn.com.cn/") for r in rows)
    assert all(d.record_url.startswith("https://www.cqn.com.cn/") for d in documents)
    helmets = next(r for r in rows if "头盔" in r["title"])
    assert helmets["published_date"] == dt.date(2026, 9, 10)  # "2026年9月10日 08:30" Beijing time
    assert helmets["attributes"]["breadcrumb"][3] == "地方抽查"
    assert "吸收碰撞能量" in helmets["description"]


def test_cqn_rerun_adds_nothing(warehouse_url: str, tmp_path: Path) -> None:
    snapshot = _demo(tmp_path, "cqn")
    first, _ = _crawl("cqn_news", snapshot, "test:cqn-1")
    second, _ = _crawl("cqn_news", snapshot, "test:cqn-2")
    assert first["documents_new"] == 4 and second["items"] == 4 and second["documents_new"] == 0


def test_cqn_max_pages_stops_at_the_first_list_page(warehouse_url: str, tmp_path: Path) -> None:
    summary, _ = _crawl("cqn_news", _demo(tmp_path, "cqn"), "test:cqn-pages", max_pages="1")
    assert summary["requests"] == 2 + 5  # page 1 of each channel, their 5 distinct in-window articles


def test_a_failing_feed_does_not_stop_the_others(warehouse_url: str, tmp_path: Path) -> None:
    snapshot = _demo(tmp_path, "media")
    manifest_path = snapshot / "media" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["routes"] = [r for r in manifest["routes"] if not r["path"].endswith("/finance.xml")]
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(CrawlFailed, match="http_404"):
        _crawl("media_news_feeds", snapshot, "test:one-feed-down")
    with get_engine(warehouse_url).connect() as conn:
        run = conn.execute(select(CrawlRun).where(CrawlRun.crawl_id == "test:one-feed-down")).mappings().one()
    # Feeds are read one after another: the three feeds after the missing one are still read.
    assert run["requests"] == 4 and run["items"] == 5  # the air-fryer story now kept from its repost
    assert count_rows(warehouse_url, "raw_document") == 5
