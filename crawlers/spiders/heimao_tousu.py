"""黑猫投诉 (Sina Heimao complaints, tousu.sina.com.cn) — channel 5.2.2 a (complaint platforms).

The list pages are filled by XHR from a signed JSON API (sources.md §1), which this spider reads:

- ``GET /api/index/feed?type=1&page_size=N&page=P`` — the latest complaints, newest first;
- ``GET /api/index/s?keywords=KW&page_size=N&page=P`` — keyword search (one list per keyword).

Every request carries ``ts`` (13-digit milliseconds), ``rs`` (16 random ``[0-9a-zA-Z]``) and
``signature`` = hex SHA-256 of the lexicographically sorted, concatenated strings
``[ts, rs, <site constant>, <values of the other query params>]``. The constant comes from the
site's front-end JS and has rotated before, so it is the ``signature_constant`` argument (or the
``HEIMAO_SIGNATURE_CONSTANT`` Scrapy setting), never a literal in the signing code.

Response envelope: ``result.status.code`` (0 = OK; anything else is a recorded failure),
``result.data.pager`` (``current``, ``page_amount``, ``item_count``) and ``result.data.lists[]``.
One raw record per element of ``lists`` (the element as served: ``main`` with ``sn``, ``title``,
``summary``, ``appeal``, ``issue``, ``cost``, ``cotitle``, ``couid``, ``status``, ``timestamp``,
``url`` …, plus ``author`` etc.); the record key is ``main.sn``.

Paging stops at ``pager.page_amount``, at an empty page, or at ``max_pages``. An empty page while
``item_count`` > 0 is the site's risk control (rate limiting / login wall): it is recorded as a
failure and the list stops. Incremental by ``main.timestamp`` (unix seconds, read in Beijing time,
UTC+8, the site's own clock): records outside the window are skipped; the feed is strictly newest
first, so its paging stops at the first record older than the window start, while search results
are only roughly chronological, so a search list stops once a whole page predates the window.

Live use: the API often wants a logged-in Weibo session; set ``ECMON_HEIMAO_COOKIE`` to the
``Cookie`` header value of such a session (never logged). Parsing is the same live and replayed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import secrets
import string
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit

from pydantic import Field, field_validator
from scrapy.http import Request, Response

from crawlers.items import RawRecord
from crawlers.spiders.base import RiskSourceSpider, SpiderArgs

BEIJING = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")  # no DST in China since 1991
FEED_PATH = "/api/index/feed"
SEARCH_PATH = "/api/index/s"
SIGNATURE_PARAMS = ("ts", "rs", "signature")
RANDOM_ALPHABET = string.digits + string.ascii_letters
# Value of the front-end constant when sources.md §1 was written (four public implementations agree).
KNOWN_SIGNATURE_CONSTANT = "$d6eb7ff91ee257475%"
COMPLAINT_NUMBER_IN_URL = re.compile(r"/complaint/view/(\d+)")
# try{jQuery123_456({...});}catch(e){}; — what old variants answer when a callback param is sent
JSONP_WRAPPER = re.compile(
    r"^\s*(?:try\s*\{)?\s*[\w$.]+\s*\((?P<json>.*)\)\s*;?\s*(?:\}\s*catch\s*\(e\)\s*\{\s*\};?)?\s*$", re.S
)


class HeimaoTousuArgs(SpiderArgs):
    """Arguments of the Heimao spider on top of :class:`SpiderArgs`."""

    keywords: list[str] = Field(
        default_factory=list,
        description="Search keywords, one search list each; a JSON list or comma-separated "
        "(`-a keywords=帮宝适,奶粉`).",
    )
    feed: bool = Field(default=True, description="Also read the latest-complaints feed (/api/index/feed).")
    page_size: int = Field(default=10, ge=1, le=50, description="Records per API page (the site's own pages use 10).")
    max_pages: int | None = Field(
        default=100,
        ge=1,
        description="Stop each list after this many pages. The feed holds every complaint on the site "
        "(thousands a day), so a first run without a watermark would otherwise page for days.",
    )
    signature_constant: str | None = Field(
        default=None,
        min_length=1,
        description="Site constant mixed into the request signature. Default: the "
        f"HEIMAO_SIGNATURE_CONSTANT setting, else {KNOWN_SIGNATURE_CONSTANT!r}.",
    )

    @field_validator("keywords", mode="before")
    @classmethod
    def _split_keywords(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return re.split(r"[,，]", text)
        return value

    @field_validator("keywords")
    @classmethod
    def _clean_keywords(cls, value: list[str]) -> list[str]:
        cleaned = [keyword.strip() for keyword in value if keyword.strip()]
        if any(len(keyword) > 50 for keyword in cleaned):
            raise ValueError("a keyword is longer than 50 characters")
        return list(dict.fromkeys(cleaned))


def sign(params: dict[str, str], constant: str) -> dict[str, str]:
    """``params`` plus fresh ``ts``, ``rs`` and their ``signature`` (sources.md §1)."""
    ts = str(int(dt.datetime.now(dt.UTC).timestamp() * 1000))
    rs = "".join(secrets.choice(RANDOM_ALPHABET) for _ in range(16))
    return {"ts": ts, "rs": rs, "signature": signature(ts, rs, constant, params.values()), **params}


def signature(ts: str, rs: str, constant: str, values: Iterable[str]) -> str:
    """Hex SHA-256 of the sorted, concatenated ``[ts, rs, constant, *values]``."""
    parts = sorted([ts, rs, constant, *(str(v) for v in values)])
    return hashlib.sha256("".join(parts).encode("utf-8")).hexdigest()


def beijing_time(timestamp: Any) -> dt.datetime | None:
    """``main.timestamp`` (unix seconds, string or number) as an aware Beijing datetime."""
    try:
        seconds = int(str(timestamp).strip())
    except (TypeError, ValueError):
        return None
    if seconds <= 0:
        return None
    return dt.datetime.fromtimestamp(seconds, BEIJING)


def complaint_page_url(url: Any, sn: str) -> str:
    """Canonical complaint page: ``https:`` added to the protocol-relative link, ``?sld=…`` dropped."""
    text = str(url or "").strip()
    match = COMPLAINT_NUMBER_IN_URL.search(text)
    if match:
        return f"https://tousu.sina.com.cn/complaint/view/{match.group(1)}/"
    return f"https://tousu.sina.com.cn/complaint/view/{sn}/"


class HeimaoTousuSpider(RiskSourceSpider):
    name = "heimao_tousu"
    channel = "a"
    site = "heimao"
    live_base_url = "https://tousu.sina.com.cn"
    freshness_hours = 24  # complaints arrive every minute; the feed is polled at least daily
    args_model: ClassVar[type[SpiderArgs]] = HeimaoTousuArgs
    args: HeimaoTousuArgs

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seen_numbers: set[str] = set()

    # -- requests ------------------------------------------------------------------------------
    @property
    def signature_constant(self) -> str:
        if self.args.signature_constant:
            return self.args.signature_constant
        settings = getattr(self, "settings", None)
        configured = settings.get("HEIMAO_SIGNATURE_CONSTANT") if settings is not None else None
        return configured or KNOWN_SIGNATURE_CONSTANT

    def start_requests_for_window(self, since: dt.date, until: dt.date) -> Iterable[Request]:
        window = {"since": since.isoformat(), "until": until.isoformat()}
        if self.args.feed:
            yield self.list_request(FEED_PATH, {"type": "1"}, 1, window)
        for keyword in self.args.keywords:
            yield self.list_request(SEARCH_PATH, {"keywords": keyword}, 1, window)

    def list_request(self, path: str, list_params: dict[str, str], page: int, window: dict[str, str] | None) -> Request:
        paging = {"page_size": str(self.args.page_size), "page": str(page)}
        params = sign({**list_params, **paging}, self.signature_constant)
        headers = {"X-Requested-With": "XMLHttpRequest", "Accept": "application/json, text/javascript, */*"}
        if path == SEARCH_PATH:
            referer = {"keywords": list_params["keywords"], "t": "1"}
            headers["Referer"] = f"{self.base_url}/index/search/?{urlencode(referer)}"
        cookie = os.environ.get("ECMON_HEIMAO_COOKIE")
        if cookie and self.mode == "live":
            headers["Cookie"] = cookie
        meta = {"heimao_window": window} if window else {}
        return self.request(f"{self.base_url}{path}?{urlencode(params)}", self.parse, headers=headers, meta=meta)

    # -- responses -----------------------------------------------------------------------------
    def parse(self, response: Response, **kwargs: Any) -> Iterator[RawRecord | Request]:
        """One record per complaint of a feed or search page, then the next page if still needed."""
        data = self._envelope_data(response)
        if data is None:
            return
        path = urlsplit(response.url).path
        query = dict(parse_qsl(urlsplit(response.url).query, keep_blank_values=True))
        page = _int(query.get("page")) or 1
        pager = data.get("pager") if isinstance(data.get("pager"), dict) else {}
        items = next((data[key] for key in ("lists", "complaints", "list") if isinstance(data.get(key), list)), None)
        if items is None:
            self.record_parse_problem(response, "unexpected_shape", "result.data has no lists[] array")
            return
        item_count = _int(pager.get("item_count"))
        if not items:
            if item_count:
                self.record_parse_problem(
                    response,
                    "risk_control",
                    f"page {page} is empty although pager.item_count is {item_count}: rate limit or login wall",
                )
            return

        window = response.meta.get("heimao_window")
        since = dt.date.fromisoformat(window["since"]) if window else None
        until = dt.date.fromisoformat(window["until"]) if window else None
        older = 0
        for item in items:
            record = self._record(response, item, since, until)
            if record == "older":
                older += 1
            elif record is not None:
                yield record

        is_feed = path.endswith(FEED_PATH)
        past_window = older > 0 if is_feed else older == len(items)
        page_amount = _int(pager.get("page_amount"))
        if past_window:
            self.crawler.stats.inc_value("ecmon/heimao/stopped_at_window_start")
            return
        if page_amount is not None and page >= page_amount:
            return
        if self.args.max_pages is not None and page >= self.args.max_pages:
            self.crawler.stats.inc_value("ecmon/heimao/stopped_at_max_pages")
            return
        list_params = {k: v for k, v in query.items() if k not in (*SIGNATURE_PARAMS, "page", "page_size")}
        yield self.list_request(path.removeprefix(urlsplit(self.base_url).path), list_params, page + 1, window)

    def _envelope_data(self, response: Response) -> dict[str, Any] | None:
        """``result.data`` of a good response; anything else is recorded with its reason."""
        text = self.decode_body(response)
        if not text.lstrip().startswith("{"):
            wrapped = JSONP_WRAPPER.match(text)  # old variants answer JSONP when a callback is sent
            if wrapped is None:
                login = "passport.sina" in text or "登录" in text
                reason = "login_required" if login else "not_json"
                self.record_parse_problem(response, reason, f"expected the JSON envelope, got: {text[:200]!r}")
                return None
            text = wrapped.group("json")
        try:
            envelope = json.loads(text)
        except json.JSONDecodeError as exc:
            self.record_parse_problem(response, "invalid_json", str(exc))
            return None
        result = envelope.get("result") if isinstance(envelope, dict) else None
        status = result.get("status") if isinstance(result, dict) else None
        if not isinstance(status, dict):
            self.record_parse_problem(response, "unexpected_shape", "no result.status in the response")
            return None
        code = status.get("code")
        if str(code) != "0":
            detail = f"result.status is {json.dumps(status, ensure_ascii=False)[:300]}"
            self.record_parse_problem(response, f"api_status_{code}", detail)
            return None
        data = result.get("data")
        if not isinstance(data, dict):
            self.record_parse_problem(response, "unexpected_shape", "result.data is not an object")
            return None
        return data

    def _record(
        self, response: Response, item: Any, since: dt.date | None, until: dt.date | None
    ) -> RawRecord | str | None:
        """The raw record of one complaint, ``"older"`` if it predates the window, else ``None`` if skipped."""
        main = item.get("main") if isinstance(item, dict) else None
        if not isinstance(main, dict):
            self.crawler.stats.inc_value("ecmon/field/main/missing")
            return None
        sn = str(main.get("sn") or "").strip()
        if not sn:
            match = COMPLAINT_NUMBER_IN_URL.search(str(main.get("url") or ""))
            sn = match.group(1) if match else ""
        if not sn:
            self.crawler.stats.inc_value("ecmon/field/sn/missing")
            return None
        published = beijing_time(main.get("timestamp"))
        if published is None:
            self.crawler.stats.inc_value("ecmon/field/timestamp/invalid")
        elif since and published.date() < since:
            self.crawler.stats.inc_value("ecmon/heimao/before_window")
            return "older"
        elif until and published.date() > until:
            self.crawler.stats.inc_value("ecmon/heimao/after_window")
            return None
        if sn in self.seen_numbers:  # the same complaint in the feed and in a search list
            self.crawler.stats.inc_value("ecmon/heimao/repeated_in_crawl")
            return None
        self.seen_numbers.add(sn)
        return self.make_record(
            response,
            record_key=sn,
            body=item,
            record_url=complaint_page_url(main.get("url"), sn),
            published_at=published.isoformat() if published else None,
        )


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None
