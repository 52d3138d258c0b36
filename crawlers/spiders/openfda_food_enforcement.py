"""openFDA food enforcement reports (FDA Recall Enterprise System) — channel 5.2.2 b (regulator).

``GET https://api.fda.gov/food/enforcement.json?search=report_date:[YYYYMMDD+TO+YYYYMMDD]&limit=N&skip=K``
answers ``{"meta": {"results": {"skip", "limit", "total"}, …}, "results": [...]}``: one object per
recalled product with snake_case keys (``recall_number``, ``event_id``, ``recalling_firm``,
``reason_for_recall``, ``classification``, ``report_date`` as ``YYYYMMDD`` …). A search without a match
answers HTTP 404 with ``{"error": {"code": "NOT_FOUND", …}}``, which is an empty window, not a failure.

Paging: ``limit`` up to 1000 (``page_size`` argument), ``skip`` until ``meta.results.total``; openFDA
refuses ``skip`` above 25000, so windows are at most 366 days (a year of food enforcement reports is a
few thousand). Incremental by ``report_date``: the watermark is the newest report date seen. One
raw record per result, keyed by ``<event_id>:<recall_number>`` (a product without a recall number —
openFDA shows ``""`` or ``"N/A"`` — gets a digest of its description instead of the number).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import Field
from scrapy.http import Request, Response

from crawlers.items import RawRecord
from crawlers.spiders.base import RiskSourceSpider, SpiderArgs

MAX_WINDOW_DAYS = 366
MAX_SKIP = 25000  # openFDA: "skip" may not exceed 25000
RECALL_NUMBER = re.compile(r"^[A-Z]-\d{3,5}-\d{4}$")
ENDPOINT = "/food/enforcement.json"


class OpenfdaArgs(SpiderArgs):
    page_size: int = Field(default=1000, ge=1, le=1000, description="Results per page (openFDA limit, ≤ 1000).")


def record_key(result: dict[str, Any]) -> str | None:
    """``<event_id>:<recall_number>``; without a real recall number, a digest of the product description."""
    event_id = str(result.get("event_id") or "").strip()
    number = str(result.get("recall_number") or "").strip()
    if not event_id and not number:
        return None
    if not RECALL_NUMBER.match(number):
        description = str(result.get("product_description") or "")
        number = "product-" + hashlib.sha256(description.encode("utf-8")).hexdigest()[:16]
    return f"{event_id}:{number}"


def report_date_iso(value: Any) -> str | None:
    text = str(value or "")
    if len(text) != 8 or not text.isdigit():
        return None
    return f"{text[:4]}-{text[4:6]}-{text[6:]}"


class OpenfdaFoodEnforcementSpider(RiskSourceSpider):
    name = "openfda_food_enforcement"
    channel = "b"
    site = "openfda"
    live_base_url = "https://api.fda.gov"
    freshness_hours = 24 * 8  # openFDA refreshes enforcement reports weekly
    args_model = OpenfdaArgs

    def start_requests_for_window(self, since: dt.date, until: dt.date) -> Iterable[Request]:
        start = since
        while start <= until:
            end = min(until, start + dt.timedelta(days=MAX_WINDOW_DAYS - 1))
            query = {
                "search": f"report_date:[{start:%Y%m%d} TO {end:%Y%m%d}]",
                "limit": str(self.args.page_size),
                "skip": "0",
            }
            yield self.page_request(f"{self.base_url}{ENDPOINT}?{urlencode(query)}")
            start = end + dt.timedelta(days=1)

    def page_request(self, url: str) -> Request:
        # 404 carries openFDA's "no matches" answer; parse reads it instead of the errback.
        return self.request(url, self.parse, meta={"handle_httpstatus_list": [404]})

    def parse(self, response: Response, **kwargs: Any) -> Iterator[RawRecord | Request]:
        """One record per result; the first page of a window also requests the remaining pages."""
        try:
            page = json.loads(self.decode_body(response))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            self.record_parse_problem(response, "invalid_json", str(exc))
            return
        if not isinstance(page, dict):
            self.record_parse_problem(response, "unexpected_shape", f"expected an object, got {type(page).__name__}")
            return
        if response.status == 404 or "error" in page:
            error = page.get("error") or {}
            if isinstance(error, dict) and error.get("code") == "NOT_FOUND":
                self.crawler.stats.inc_value("ecmon/openfda/empty_window")
            else:
                self.record_parse_problem(response, f"http_{response.status}", json.dumps(error)[:500])
            return
        results, total = page.get("results"), (page.get("meta") or {}).get("results", {}).get("total")
        if not isinstance(results, list) or not isinstance(total, int):
            self.record_parse_problem(response, "unexpected_shape", "no results list or meta.results.total")
            return
        for result in results:
            key = record_key(result) if isinstance(result, dict) else None
            if key is None:
                self.crawler.stats.inc_value("ecmon/field/recall_number/missing")
                continue
            yield self.make_record(
                response,
                record_key=key,
                body=result,
                record_url=self.record_link(result),
                published_at=report_date_iso(result.get("report_date")),
            )
        yield from self.remaining_pages(response, total)

    def remaining_pages(self, response: Response, total: int) -> Iterator[Request]:
        parts = urlsplit(response.url)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        if int(query.get("skip", "0")) != 0:
            return  # only the first page of a window fans out
        limit = int(query.get("limit", self.args.page_size))
        if total > MAX_SKIP + limit:
            self.record_parse_problem(
                response, "window_too_large", f"{total} results exceed openFDA's skip limit of {MAX_SKIP}"
            )
        last_skip = min(total - 1, MAX_SKIP)
        pages = range(limit, last_skip + 1, limit)
        if self.args.max_pages:
            pages = pages[: max(0, self.args.max_pages - 1)]
        for skip in pages:
            next_query = urlencode({**query, "skip": str(skip)})
            yield self.page_request(urlunsplit((parts.scheme, parts.netloc, parts.path, next_query, "")))

    @staticmethod
    def record_link(result: dict[str, Any]) -> str | None:
        """The public Enforcement Report page of the recall event (openFDA has no per-record page)."""
        event_id = str(result.get("event_id") or "").strip()
        return f"https://www.accessdata.fda.gov/scripts/ires/index.cfm?Event={event_id}" if event_id.isdigit() else None
