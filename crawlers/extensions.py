"""``CrawlRunRecorder``: one ``raw_crawl_run`` row per crawl, plus every failure (5.2.1).

Scrapy exits 0 even when downloads fail, so the run row (requests, items, errors, finish
reason) is what the DAG checks. Failures come from the spider's errback and from exceptions in
callbacks, each with the URL and a short reason (``http_500``, ``timeout``, ``parse_error`` …).
The source watermark advances only when a crawl finished without failures, so a rerun fetches
again what failed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from scrapy import signals
from twisted.python.failure import Failure


def _json_safe(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


class CrawlRunRecorder:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.failures: list[dict[str, Any]] = []

    @classmethod
    def from_crawler(cls, crawler: Any) -> CrawlRunRecorder:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.spider_error, signal=signals.spider_error)
        crawler.signals.connect(ext.item_error, signal=signals.item_error)
        return ext

    # -- signals ---------------------------------------------------------------------------
    def spider_opened(self, spider: Any) -> None:
        from sqlalchemy import delete

        from ecmon.db import upsert
        from sql.models import CrawlFailure, CrawlRun, Source

        spider.crawl_failures = self.failures
        with spider.warehouse_engine().begin() as conn:
            # A rerun of the same crawl id replaces its failure list, so reruns stay idempotent.
            conn.execute(delete(CrawlFailure.__table__).where(CrawlFailure.crawl_id == spider.crawl_id))
            upsert(
                conn,
                Source.__table__,
                [
                    {
                        "source": spider.name,
                        "channel": spider.channel,
                        "freshness_hours": spider.freshness_hours,
                        "live_base_url": spider.live_base_url,
                        "registered_at": dt.datetime.now(dt.UTC),
                    }
                ],
                ["source"],
            )
            upsert(
                conn,
                CrawlRun.__table__,
                [
                    {
                        "crawl_id": spider.crawl_id,
                        "source": spider.name,
                        "channel": spider.channel,
                        "mode": spider.mode,
                        "started_at": dt.datetime.now(dt.UTC),
                        "finished_at": None,
                        "finish_reason": None,
                        "stats": {},
                    }
                ],
                ["crawl_id"],
            )

    def spider_error(self, failure: Failure, response: Any, spider: Any) -> None:
        self.failures.append(
            {"url": response.url, "reason": "parse_error", "detail": f"{failure.type.__name__}: {failure.value}"}
        )

    def item_error(self, item: Any, response: Any, spider: Any, failure: Failure) -> None:
        self.failures.append(
            {
                "url": getattr(item, "url", None) or (response.url if response else ""),
                "reason": "item_error",
                "detail": f"{failure.type.__name__}: {failure.value}",
            }
        )

    def spider_closed(self, spider: Any, reason: str) -> None:
        from sqlalchemy import update

        from ecmon.db import upsert
        from sql.models import CrawlFailure, CrawlRun, SourceWatermark

        stats = {k: _json_safe(v) for k, v in self.crawler.stats.get_stats().items()}
        errors = int(stats.get("log_count/ERROR", 0)) + len(self.failures)
        values = {
            "finished_at": dt.datetime.now(dt.UTC),
            "finish_reason": reason,
            "requests": int(stats.get("downloader/request_count", 0)),
            "responses": int(stats.get("downloader/response_count", 0)),
            "items": int(stats.get("item_scraped_count", 0)),
            "documents_new": int(stats.get("ecmon/documents_new", 0)),
            "items_dropped": int(stats.get("item_dropped_count", 0)),
            "errors": errors,
            "stats": stats,
        }
        with spider.warehouse_engine().begin() as conn:
            conn.execute(update(CrawlRun.__table__).where(CrawlRun.crawl_id == spider.crawl_id).values(**values))
            if self.failures:
                conn.execute(
                    CrawlFailure.__table__.insert(),
                    [
                        {
                            "crawl_id": spider.crawl_id,
                            "source": spider.name,
                            "url": f["url"],
                            "reason": f["reason"][:200],
                            "detail": f.get("detail"),
                            "occurred_at": dt.datetime.now(dt.UTC),
                        }
                        for f in self.failures
                    ],
                )
            new_watermark = spider.next_watermark()
            if reason == "finished" and not self.failures and new_watermark:
                upsert(
                    conn,
                    SourceWatermark.__table__,
                    [
                        {
                            "source": spider.name,
                            "watermark": new_watermark,
                            "updated_at": dt.datetime.now(dt.UTC),
                            "crawl_id": spider.crawl_id,
                        }
                    ],
                    ["source"],
                )
