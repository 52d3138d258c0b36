"""Scrapy settings shared by every spider (5.2 information collection).

Politeness in live mode: robots.txt obeyed, AutoThrottle, per-domain concurrency, a real
User-Agent with a contact. Replay mode (recorded snapshot on 127.0.0.1) turns robots and
throttling off because the "site" is our own file server; parsing code is identical.
"""

from __future__ import annotations

import os

from ecmon import __version__

BOT_NAME = "ecmon"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

_CONTACT = os.environ.get("ECMON_USER_AGENT_CONTACT", "https://github.com/ecmon/ecmon")
USER_AGENT = f"ecmon/{__version__} (product-quality monitoring; +{_CONTACT})"

_LIVE = os.environ.get("ECMON_CRAWL_MODE", "replay") == "live"
ROBOTSTXT_OBEY = _LIVE
AUTOTHROTTLE_ENABLED = _LIVE
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 2 if _LIVE else 16
DOWNLOAD_DELAY = 1.0 if _LIVE else 0
DOWNLOAD_TIMEOUT = 30 if _LIVE else 10

# Retries with backoff on 5xx and timeouts (Scrapy 2.19 RetryMiddleware backs off exponentially).
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = os.environ.get("ECMON_CRAWL_LOG_LEVEL", "INFO")
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"

# Ordered item pipelines (documented in crawlers/README.md). Quality problems are counted in
# the crawl stats (``ecmon/field/<name>/missing`` …), never dropped silently.
ITEM_PIPELINES = {
    "crawlers.pipelines.CheckRecordProperties": 100,
    "crawlers.pipelines.HashContent": 200,
    "crawlers.pipelines.StoreRawDocuments": 300,
}

EXTENSIONS = {
    "crawlers.extensions.CrawlRunRecorder": 500,
}
