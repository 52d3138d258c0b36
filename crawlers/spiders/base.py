"""``RiskSourceSpider``: what every source spider shares (5.2.1, 5.2.2).

To add a source, subclass it in ``crawlers/spiders/<name>.py`` and set:

- ``name`` — equals the file name; the class is the CamelCase of it plus ``Spider``;
- ``channel`` — the 5.2.2 channel: ``a`` complaints, ``b`` regulators, ``c`` e-commerce
  platforms, ``d`` media, ``e`` standards and foreign agencies;
- ``site`` and ``live_base_url`` — the recorded snapshot folder name and the real site root;
  live and replay differ only in this base URL, never in parsing code;
- ``freshness_hours`` — how stale the source may get before it shows as late;
- ``start_requests_for_window(since, until)`` — the requests for a date window; callbacks
  yield :class:`crawlers.items.RawRecord`.

Arguments (``-a name=value``) are validated by :class:`SpiderArgs` (pydantic); a bad value
fails at spider creation with a message naming the argument.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator, Iterable
from typing import Any, ClassVar

import scrapy
from pydantic import BaseModel, Field, ValidationError, field_validator
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from crawlers.items import RawRecord

# Short, stable reasons for download failures (raw_crawl_failure.reason); unknown types keep their name.
FAILURE_REASONS = {
    "DownloadTimeoutError": "timeout",
    "TimeoutError": "timeout",
    "TCPTimedOutError": "timeout",
    "ResponseDataLossError": "truncated",
    "PotentialDataLoss": "truncated",
    "ResponseFailed": "truncated",
    "ConnectionLost": "connection_lost",
    "ConnectionRefusedError": "connection_refused",
    "DNSLookupError": "dns",
    "IgnoreRequest": "ignored",
}


class SpiderArgs(BaseModel):
    """Arguments every source spider accepts."""

    since: dt.date | None = Field(
        default=None,
        title="Window start",
        description="Fetch records published on or "
        "after this date. Default: the stored watermark, else `initial_days` back.",
    )
    until: dt.date | None = Field(
        default=None, title="Window end", description="Fetch up to this date (default: today in UTC)."
    )
    base_url: str | None = Field(
        default=None, title="Base URL", description="Override the site root (replay mode points it at 127.0.0.1)."
    )
    crawl_id: str | None = Field(default=None, title="Crawl id", description="Id of this run (set by the DAG).")
    initial_days: int = Field(default=365, ge=1, le=20000, description="Look-back when no watermark exists.")
    max_pages: int | None = Field(default=None, ge=1, description="Stop paging after this many pages.")

    @field_validator("base_url")
    @classmethod
    def _http_only(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("base_url must start with http:// or https://")
        return value.rstrip("/") if value else value


class RiskSourceSpider(scrapy.Spider):
    channel: ClassVar[str]
    site: ClassVar[str]
    live_base_url: ClassVar[str]
    freshness_hours: ClassVar[int] = 48
    content_type: ClassVar[str] = "application/json"
    args_model: ClassVar[type[SpiderArgs]] = SpiderArgs

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        known = {k: v for k, v in kwargs.items() if k in self.args_model.model_fields}
        try:
            self.args = self.args_model(**known)
        except ValidationError as exc:
            raise ValueError(f"spider {self.name}: invalid arguments: {exc}") from exc
        super().__init__(*args, **{k: v for k, v in kwargs.items() if k not in known})
        self.base_url = self.args.base_url or self.live_base_url
        now = dt.datetime.now(dt.UTC)
        self.crawl_id = self.args.crawl_id or f"{self.name}:{now:%Y%m%dT%H%M%S}"
        self.crawl_failures: list[dict[str, Any]] = []
        self.max_published: str | None = None
        self._engine = None

    # -- configuration -----------------------------------------------------------------------
    @property
    def mode(self) -> str:
        return "live" if self.base_url == self.live_base_url else "replay"

    def warehouse_engine(self) -> Any:
        if self._engine is None:
            from ecmon.db import get_engine

            self._engine = get_engine()
        return self._engine

    def stored_watermark(self) -> str | None:
        from sqlalchemy import select

        from sql.models import SourceWatermark

        with self.warehouse_engine().connect() as conn:
            return conn.execute(
                select(SourceWatermark.watermark).where(SourceWatermark.source == self.name)
            ).scalar_one_or_none()

    def window(self) -> tuple[dt.date, dt.date]:
        until = self.args.until or dt.datetime.now(dt.UTC).date()
        since = self.args.since
        if since is None:
            mark = self.stored_watermark()
            since = dt.date.fromisoformat(mark[:10]) if mark else until - dt.timedelta(days=self.args.initial_days)
        if since > until:
            raise ValueError(f"spider {self.name}: since {since} is after until {until}")
        return since, until

    # -- requests ------------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[Any]:
        since, until = self.window()
        for request in self.start_requests_for_window(since, until):
            yield request

    def start_requests_for_window(self, since: dt.date, until: dt.date) -> Iterable[Request]:
        raise NotImplementedError(f"{type(self).__name__} must define start_requests_for_window")

    def request(self, url: str, callback: Any, **kwargs: Any) -> Request:
        """A request whose failures are recorded with URL and reason (raw_crawl_failure)."""
        return Request(url, callback=callback, errback=self.on_request_error, **kwargs)

    def on_request_error(self, failure: Failure) -> None:
        from scrapy.spidermiddlewares.httperror import HttpError

        request = failure.request
        if failure.check(HttpError):
            reason = f"http_{failure.value.response.status}"
        else:
            reason = FAILURE_REASONS.get(failure.type.__name__, failure.type.__name__)
        self.logger.error("request failed: %s %s", reason, request.url)
        self.crawl_failures.append({"url": request.url, "reason": reason, "detail": str(failure.value)[:1000]})

    def decode_body(self, response: Response) -> str:
        """Body as text, robust to wrong charset declarations (no mojibake in the warehouse).

        Order: a UTF-8 BOM; strict UTF-8 (most APIs, whatever the header claims); then the
        declared / sniffed encoding if it is a Chinese one; then charset detection among the
        encodings our sources use (GB18030 ⊃ GBK ⊃ GB2312, cp1252, latin-1).
        """
        from charset_normalizer import from_bytes

        body = response.body
        if body.startswith(b"\xef\xbb\xbf"):
            return body[3:].decode("utf-8", errors="replace")
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            pass
        declared = (getattr(response, "encoding", None) or "").lower()
        if declared in {"gbk", "gb2312", "gb18030", "cp936"}:
            try:
                return body.decode("gb18030")
            except UnicodeDecodeError:
                pass
        best = from_bytes(body, cp_isolation=["gb18030", "big5", "cp1252", "latin_1"]).best()
        if best is not None:
            self.crawler.stats.inc_value(f"ecmon/encoding/detected/{best.encoding}")
            return str(best)
        self.crawler.stats.inc_value("ecmon/encoding/undecodable")
        return body.decode("utf-8", errors="replace")

    def record_parse_problem(self, response: Response, reason: str, detail: str) -> None:
        """A response that arrived but could not be read (truncated JSON, garbage HTML …)."""
        self.logger.error("cannot parse %s: %s (%s)", response.url, reason, detail)
        self.crawl_failures.append({"url": response.url, "reason": reason, "detail": detail[:1000]})

    # -- records ------------------------------------------------------------------------------
    def make_record(
        self,
        response: Response,
        record_key: str,
        body: Any,
        *,
        record_url: str | None = None,
        published_at: str | None = None,
        content_type: str | None = None,
    ) -> RawRecord:
        if not isinstance(body, str):
            body = json.dumps(body, ensure_ascii=False, sort_keys=True)
        if published_at and (self.max_published is None or published_at > self.max_published):
            self.max_published = published_at
        return RawRecord(
            source=self.name,
            channel=self.channel,
            record_key=str(record_key),
            url=response.url,
            body=body,
            content_type=content_type or self.content_type,
            http_status=response.status,
            record_url=record_url,
            published_at=published_at,
        )

    def next_watermark(self) -> str | None:
        """Newest publication date seen; the next incremental run starts from it."""
        return self.max_published[:10] if self.max_published else None
