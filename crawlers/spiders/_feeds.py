"""``FeedSpider``: shared logic of the RSS 2.0 / Atom spiders (5.2.2 b regulator feeds, 5.2.2 d media).

A feed is one document listing its newest entries; every entry becomes one raw record (5.2.1).
Parsing is done by ``feedparser`` on the body decoded by :meth:`RiskSourceSpider.decode_body` (so a
wrong charset declaration cannot garble the text), with HTML sanitising and relative-URI rewriting
turned off: the description is kept exactly as served (for example the USDA FSIS CDATA HTML with its
``<img>`` icon), and mappers strip it to text.

The record body is a JSON object ``{"feed": {...}, "entry": {...}}`` holding the channel's title,
link and language and the entry's fields under feedparser's names, which are the same for RSS and
Atom: ``id`` (``guid`` / ``atom:id``), ``title``, ``link``, ``summary`` (``description``),
``content``, ``published`` (``pubDate``, the raw string), ``updated``, ``author`` (``dc:creator``)
and ``tags`` (``category``). The record key is the ``id``, else the ``link``.

Feeds cannot be asked for a date range, so the window is applied to the entries: an entry whose
publication date (in UTC) falls outside ``since`` … ``until`` is skipped and counted in
``ecmon/feed/outside_window``; an entry without a readable date is kept and counted in
``ecmon/feed/undated``. The window travels in the request's ``meta`` so that parsing a stored response
(offline fixtures) needs no warehouse.

:class:`InOrder` (also used by ``cqn_news``) fetches requests one at a time in a fixed order, for
spiders whose output depends on which copy of a repeated article comes first.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import deque
from collections.abc import Iterable, Iterator
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar

import feedparser
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from crawlers.items import RawRecord
from crawlers.spiders.base import RiskSourceSpider

ENTRY_FIELDS = ("id", "title", "link", "summary", "published", "updated", "author")
FEED_FIELDS = ("title", "link", "language", "subtitle")
# The XML declaration names the bytes' encoding; after decoding to text it would lie, so it goes.
_XML_DECLARATION_ENCODING = re.compile(r"""(<\?xml[^>]*?)\s+encoding=["'][^"']*["']""", re.IGNORECASE)


def parse_feed_date(raw: str | None) -> dt.datetime | None:
    """RFC 822 (``Wed, 12 Nov 2025 09:14:00 EST``) or ISO 8601 (Atom) → aware UTC datetime, else None.

    A date without zone is read as UTC, the convention of ``transforms.normalise.dates``.
    """
    if not raw or not raw.strip():
        return None
    text = raw.strip()
    moment: dt.datetime | None = None
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        try:
            moment = dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def window_meta(since: dt.date, until: dt.date) -> dict[str, Any]:
    return {"window": [since.isoformat(), until.isoformat()]}


class InOrder:
    """Mixin: fetch one request at a time, in a fixed order, for spiders whose result depends on order.

    The media spiders keep the first copy of a repeated article (5.2.2 d); with concurrent downloads
    "first" would be whichever response arrived first, so the stored record key could change from one
    crawl to the next. Queued requests are sent one by one: the spider starts with
    :meth:`first_in_order`, every callback ends with ``yield from self.next_in_order()`` and the
    errback does the same, so a failed request never stalls the queue. Requests put in front
    (``front=True``) run before those already waiting, which makes the walk depth-first (a list page's
    articles before the next channel). Each URL is queued once, and queued requests bypass Scrapy's
    duplicate filter, which would otherwise drop a request silently and end the chain.
    """

    def _pending(self) -> deque[Request]:
        if not hasattr(self, "_queue"):
            self._queue: deque[Request] = deque()
            self._queued_urls: set[str] = set()
        return self._queue

    def is_queued(self, url: str) -> bool:
        self._pending()
        return url in self._queued_urls

    def enqueue(self, requests: Iterable[Request], *, front: bool = False) -> int:
        """Queue the requests not queued before; return how many were new."""
        queue = self._pending()
        new = [r.replace(dont_filter=True) for r in requests if r.url not in self._queued_urls]
        self._queued_urls.update(r.url for r in new)
        if front:
            queue.extendleft(reversed(new))
        else:
            queue.extend(new)
        return len(new)

    def next_in_order(self) -> Iterator[Request]:
        queue = self._pending()
        if queue:
            yield queue.popleft()

    def first_in_order(self, requests: Iterable[Request]) -> Iterator[Request]:
        self.enqueue(requests)
        yield from self.next_in_order()

    def on_request_error(self, failure: Failure) -> list[Request]:
        super().on_request_error(failure)  # type: ignore[misc]  # RiskSourceSpider records the failure
        return list(self.next_in_order())


class FeedSpider(RiskSourceSpider):
    """Base of the feed spiders: subclasses set ``feed_paths`` (paths under the base URL).

    Override :meth:`feed_requests` for feeds spread over several hosts, and :meth:`keep_entry` to
    filter entries (media relevance, repeats).
    """

    content_type: ClassVar[str] = "application/json"
    feed_paths: ClassVar[tuple[str, ...]] = ()

    def start_requests_for_window(self, since: dt.date, until: dt.date) -> Iterable[Request]:
        yield from self.feed_requests(since, until)

    def feed_requests(self, since: dt.date, until: dt.date) -> Iterable[Request]:
        for path in self.feed_paths:
            yield self.request(f"{self.base_url}{path}", self.parse, meta=window_meta(since, until))

    # -- parsing ---------------------------------------------------------------------------------
    def read_feed(self, response: Response) -> Any | None:
        """The parsed feed, or None after recording why the body is not a feed."""
        text = self.decode_body(response)
        text = _XML_DECLARATION_ENCODING.sub(r"\1", text, count=1)
        parsed = feedparser.parse(
            text.encode("utf-8"),
            response_headers={"content-type": "application/xml; charset=utf-8"},
            sanitize_html=False,
            resolve_relative_uris=False,
        )
        if parsed.get("bozo") and not parsed.entries:
            problem = parsed.get("bozo_exception")
            self.record_parse_problem(response, "invalid_feed", f"{type(problem).__name__}: {problem}")
            return None
        if not parsed.get("version"):
            self.record_parse_problem(response, "invalid_feed", "body is neither RSS nor Atom")
            return None
        if parsed.get("bozo"):
            # Entries were read despite a flaw (undefined entity, stray byte): keep them, say so.
            self.crawler.stats.inc_value("ecmon/feed/bozo")
        return parsed

    def parse(self, response: Response, **kwargs: Any) -> Iterator[RawRecord]:
        """One record per entry of the feed (entries outside the request's window skipped)."""
        feed = self.read_feed(response)
        if feed is None:
            return
        window = response.meta.get("window")
        since, until = (dt.date.fromisoformat(d) for d in window) if window else (None, None)
        channel = {name: feed.feed.get(name) for name in FEED_FIELDS if feed.feed.get(name)}
        for parsed_entry in feed.entries:
            # A plain dict: FeedParserDict answers "updated" with "published" (and a warning) when absent.
            entry = dict(parsed_entry)
            key = entry.get("id") or entry.get("link")
            if not key:
                self.crawler.stats.inc_value("ecmon/field/guid/missing")
                continue
            published = parse_feed_date(entry.get("published") or entry.get("updated"))
            if published is None:
                self.crawler.stats.inc_value("ecmon/feed/undated")
            elif since and until and not since <= published.date() <= until:
                self.crawler.stats.inc_value("ecmon/feed/outside_window")
                continue
            body = {"feed": channel, "entry": self.entry_fields(entry)}
            if not self.keep_entry(response, body):
                continue
            yield self.make_record(
                response,
                record_key=self.record_key_for(body),
                body=body,
                record_url=self.record_url_for(body),
                published_at=published.isoformat() if published else None,
            )

    def entry_fields(self, entry: dict[str, Any]) -> dict[str, Any]:
        """The entry as served: scalar fields, plus ``content`` values and ``tags`` terms if present."""
        fields = {name: entry.get(name) for name in ENTRY_FIELDS if entry.get(name) not in (None, "")}
        contents = [c.get("value") for c in entry.get("content") or [] if c.get("value")]
        if contents:
            fields["content"] = contents
        tags = [t.get("term") for t in entry.get("tags") or [] if t.get("term")]
        if tags:
            fields["tags"] = tags
        return fields

    def record_key_for(self, body: dict[str, Any]) -> str:
        entry = body["entry"]
        return str(entry.get("id") or entry.get("link"))

    def record_url_for(self, body: dict[str, Any]) -> str | None:
        return body["entry"].get("link") or None

    def keep_entry(self, response: Response, body: dict[str, Any]) -> bool:
        """Hook for subclasses that filter entries; the regulator feeds keep all of them."""
        return True
