"""China Quality News (中国质量新闻网, www.cqn.com.cn) channel lists → articles — channel 5.2.2 d (media).

The site is static HTML from a Founder/TRS-style CMS, served in UTF-8 (sources.md §7):

- channel list pages ``/<dir>/node_<id>.htm``, further pages ``node_<id>_<n>.htm``; the article links
  sit in ``dd.cont_l ul li a`` and are relative (``content/2026-03/05/content_123456.htm``);
- articles ``/<dir>/content/YYYY-MM/DD/content_<id>.htm``: title ``div.Detail_Title h1`` (often
  "来源：标题"), date in the first ``div.publish``, text in ``div.content``, breadcrumb in the first
  ``div.box``. The pre-2018 layout (``div.Index_ShowDetail_Title/Time/Content``) is read as a fallback.

All selectors are class-level configuration (:class:`CqnSelectors`), because they have changed before.
Pages are fetched one at a time, depth first (a list page, its articles, its next page, then the
next channel), so which copy of a repeated article is kept never depends on network timing.
The article date is in its URL, so list entries outside the window are skipped without fetching them,
and paging stops at the first page whose oldest article is older than ``since`` (or at ``max_pages``).
An article is kept when it names a product word and a quality/safety word
(:func:`ecmon.formats.media_filter.assess`); the same article listed in two channels, or the same title
under two URLs, is kept once. Counts: ``ecmon/media/kept``, ``ecmon/media/not_relevant``,
``ecmon/media/duplicate_url``, ``ecmon/media/duplicate_title``.

One record per kept article: the page HTML as served, keyed by its canonical URL.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from parsel import Selector
from scrapy.http import Request, Response

from crawlers.items import RawRecord
from crawlers.spiders._feeds import InOrder
from crawlers.spiders.base import RiskSourceSpider
from ecmon.formats.cqn_article import CqnArticle, CqnSelectors, beijing_datetime, read_article  # noqa: F401
from ecmon.formats.media_filter import CrawlDeduper, assess, canonical_url


@dataclass(frozen=True)
class CqnChannel:
    directory: str
    node_id: str
    label: str


class CqnNewsSpider(InOrder, RiskSourceSpider):
    name = "cqn_news"
    channel = "d"
    site = "cqn"
    live_base_url = "https://www.cqn.com.cn"
    freshness_hours = 48  # cqn publishes daily
    content_type = "text/html; charset=utf-8"

    channels: ClassVar[tuple[CqnChannel, ...]] = (
        CqnChannel("ms", "20334", "民生 · 抽查"),
        CqnChannel("jiajujiancai", "25713", "家居建材"),
    )
    selectors: ClassVar[CqnSelectors] = CqnSelectors()
    default_max_pages: ClassVar[int] = 20  # per channel, when the max_pages argument is not given

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deduper = CrawlDeduper()
        self.article_href = re.compile(self.selectors.article_href)

    def live_url(self, url: str) -> str:
        """The article's address on the real site (keys and links must not depend on the replay port)."""
        if self.base_url != self.live_base_url and url.startswith(self.base_url + "/"):
            return self.live_base_url + url[len(self.base_url) :]
        return url

    def list_url(self, channel: CqnChannel, page: int) -> str:
        suffix = "" if page == 1 else f"_{page}"
        return f"{self.base_url}/{channel.directory}/node_{channel.node_id}{suffix}.htm"

    def start_requests_for_window(self, since: dt.date, until: dt.date) -> Iterable[Request]:
        window = [since.isoformat(), until.isoformat()]
        requests = [
            self.request(self.list_url(c, 1), self.parse, meta={"window": window, "channel": c.__dict__, "page": 1})
            for c in self.channels
        ]
        yield from self.first_in_order(requests)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Request]:
        """A channel list page: its in-window articles, then the next page if it may hold more, go first."""
        self.queue_list_page(response)
        yield from self.next_in_order()

    def queue_list_page(self, response: Response) -> None:
        """Queue the page's new in-window articles and the next list page, ahead of other channels."""
        page = Selector(text=self.decode_body(response))
        hrefs = next((found for css in self.selectors.list_links if (found := page.css(css).getall())), [])
        if not hrefs:
            # The list block moved: fall back to any link shaped like an article, and say so.
            hrefs = [h for h in page.css("a::attr(href)").getall() if self.article_href.search(h)]
            self.crawler.stats.inc_value("ecmon/cqn/list_selector_fallback")
        articles = [(response.urljoin(h), m) for h in hrefs if (m := self.article_href.search(h))]
        if not articles:
            self.record_parse_problem(response, "no_articles", "channel list page without article links")
            return
        window = response.meta.get("window")
        since, until = (dt.date.fromisoformat(d) for d in window) if window else (None, None)
        oldest: dt.date | None = None
        follow: list[Request] = []
        for url, match in articles:
            try:
                listed = dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                self.crawler.stats.inc_value("ecmon/field/published_at/invalid")
                continue
            oldest = listed if oldest is None else min(oldest, listed)
            if since and until and not since <= listed <= until:
                self.crawler.stats.inc_value("ecmon/cqn/outside_window")
                continue
            if self.is_queued(url) or any(r.url == url for r in follow):
                self.crawler.stats.inc_value("ecmon/media/duplicate_url")  # listed in two channels or twice
                continue
            follow.append(self.request(url, self.parse_article, meta={"channel": response.meta.get("channel")}))
        follow += self._next_list_page(response, page, oldest, since)
        self.enqueue(follow, front=True)

    def _next_list_page(
        self, response: Response, page: Selector, oldest: dt.date | None, since: dt.date | None
    ) -> list[Request]:
        channel_meta = response.meta.get("channel")
        number = int(response.meta.get("page") or 1)
        limit = self.args.max_pages or self.default_max_pages
        if not channel_meta or number >= limit or (since and oldest and oldest < since):
            return []
        channel = CqnChannel(**channel_meta)
        next_name = f"node_{channel.node_id}_{number + 1}.htm"
        # Follow only a page the list itself links to: a guessed URL past the last page would 404.
        if not any(href.split("/")[-1] == next_name for href in page.css("a::attr(href)").getall()):
            return []
        meta = {k: response.meta[k] for k in ("window", "channel") if k in response.meta}
        return [self.request(self.list_url(channel, number + 1), self.parse, meta={**meta, "page": number + 1})]

    def parse_article(self, response: Response, **kwargs: Any) -> Iterator[RawRecord | Request]:
        """An article page: one record if it is about product quality and not a repeat; then the next request."""
        yield from self.read_article_page(response)
        yield from self.next_in_order()

    def read_article_page(self, response: Response) -> Iterator[RawRecord]:
        html = self.decode_body(response)
        article = read_article(html, self.selectors)
        if not article.title:
            self.record_parse_problem(response, "no_title", "article page without a title element")
            return
        if not article.published:
            self.crawler.stats.inc_value("ecmon/field/published_at/missing")
        if not assess(f"{article.title}\n{article.text or ''}").relevant:
            self.crawler.stats.inc_value("ecmon/media/not_relevant")
            return
        repeat = self.deduper.repeat_of(response.url, article.title)
        if repeat:
            self.crawler.stats.inc_value(f"ecmon/media/{repeat}")
            return
        self.crawler.stats.inc_value("ecmon/media/kept")
        article_url = self.live_url(response.url)
        yield self.make_record(
            response,
            record_key=canonical_url(article_url),
            body=html,
            record_url=article_url,
            published_at=article.published.astimezone(dt.UTC).isoformat() if article.published else None,
        )
