"""News feeds (RSS 2.0 / Atom) of the media — channel 5.2.2 d.

The feeds are data, not code: ``media_feeds.json`` beside this module (or the file named by the
``feeds_file`` argument) lists each feed's ``name``, ``title``, live ``url`` and ``language``.
Feeds live on many hosts, so the base URL works differently from single-site spiders: in live mode
each feed is fetched from its own URL; a replay base URL re-roots every feed under
``<base_url>/<host><path>`` (the snapshot folder ``media/`` holds ``www.chinanews.com.cn/rss/…``).

Feeds are read one at a time in the configured order, entries in feed order, so the copy of a
repeated article that is kept does not depend on network timing. Only articles about product
quality or safety are kept: the title and summary must name a product
word and a quality/safety word (:func:`ecmon.formats.media_filter.assess`). Within a crawl, the same
article carried by two feeds, or reposted under another URL with the same title, is kept once
(:class:`ecmon.formats.media_filter.CrawlDeduper`). The counts land in the crawl stats:
``ecmon/media/kept``, ``ecmon/media/not_relevant``, ``ecmon/media/duplicate_url``,
``ecmon/media/duplicate_title``. The record key is the article's canonical URL (tracking parameters
removed), so the same article seen in later crawls updates one record.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, ValidationError
from scrapy.http import Request, Response
from w3lib.html import remove_tags, replace_entities

from crawlers.items import RawRecord
from crawlers.spiders._feeds import FeedSpider, InOrder, window_meta
from crawlers.spiders.base import SpiderArgs
from ecmon.formats.media_filter import CrawlDeduper, assess, canonical_url

FEEDS_FILE = Path(__file__).with_name("media_feeds.json")


class MediaFeed(BaseModel):
    name: str = Field(min_length=1, pattern=r"^[a-z0-9_]+$")
    title: str = ""
    url: str = Field(pattern=r"^https?://")
    language: str = Field(pattern=r"^(zh|en)$")


class MediaFeedsArgs(SpiderArgs):
    feeds_file: Path | None = Field(
        default=None, description="JSON file listing the feeds (default: crawlers/spiders/media_feeds.json)."
    )


def load_feeds(path: Path = FEEDS_FILE) -> list[MediaFeed]:
    """The feed list of ``path``; a malformed entry fails naming the file and the entry."""
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["feeds"]
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: cannot read the feed list ({exc})") from exc
    feeds = []
    for index, entry in enumerate(entries):
        try:
            feeds.append(MediaFeed(**entry))
        except (ValidationError, TypeError) as exc:
            raise ValueError(f"{path}: feed {index}: {exc}") from exc
    names = [f.name for f in feeds]
    if len(set(names)) != len(names):
        raise ValueError(f"{path}: feed names must be unique")
    return feeds


def summary_text(entry: dict[str, Any]) -> str:
    """Title plus summary as plain text, the text the relevance test reads."""
    summary = replace_entities(remove_tags(entry.get("summary") or ""))
    return f"{entry.get('title') or ''}\n{summary}"


class MediaNewsFeedsSpider(InOrder, FeedSpider):
    name = "media_news_feeds"
    channel = "d"
    site = "media"
    # Feeds have no common host; live mode uses each feed's own URL (see module docstring).
    live_base_url = "https://www.chinanews.com.cn"
    freshness_hours = 24
    args_model = MediaFeedsArgs

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.feeds = load_feeds(self.args.feeds_file or FEEDS_FILE)
        self.deduper = CrawlDeduper()

    def feed_url(self, feed: MediaFeed) -> str:
        if self.mode == "live":
            return feed.url
        parts = urlsplit(feed.url)
        return f"{self.base_url}/{parts.netloc}{parts.path}" + (f"?{parts.query}" if parts.query else "")

    def feed_requests(self, since: dt.date, until: dt.date) -> Iterable[Request]:
        # Feeds are read one after the other in the configured order: the first feed carrying an
        # article is the one its record names, whatever the network timing.
        requests = [
            self.request(self.feed_url(feed), self.parse, meta={**window_meta(since, until), "feed": feed.model_dump()})
            for feed in self.feeds
        ]
        yield from self.first_in_order(requests)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[RawRecord | Request]:
        yield from super().parse(response, **kwargs)
        yield from self.next_in_order()

    def keep_entry(self, response: Response, body: dict[str, Any]) -> bool:
        entry = body["entry"]
        feed = response.meta.get("feed") or {}
        # The configured name and language travel with the record: the mapper and analysts need them.
        body["feed"] = {**body["feed"], **{k: v for k, v in feed.items() if k in ("name", "language", "url")}}
        link = entry.get("link")
        if not link:
            self.crawler.stats.inc_value("ecmon/field/link/missing")
            return False
        if not assess(summary_text(entry)).relevant:
            self.crawler.stats.inc_value("ecmon/media/not_relevant")
            return False
        repeat = self.deduper.repeat_of(link, entry.get("title"))
        if repeat:
            self.crawler.stats.inc_value(f"ecmon/media/{repeat}")
            return False
        self.crawler.stats.inc_value("ecmon/media/kept")
        return True

    def record_key_for(self, body: dict[str, Any]) -> str:
        return canonical_url(body["entry"]["link"])

    def record_url_for(self, body: dict[str, Any]) -> str | None:
        # The article's address without the tracking parameters a feed appends (utm_*, spm …).
        return canonical_url(body["entry"]["link"])
