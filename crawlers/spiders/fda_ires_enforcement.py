"""FDA Enforcement Report API (iRES, Recall Enterprise System) — channel 5.2.2 b (regulator).

``POST https://www.accessdata.fda.gov/rest/iresapi/recalls/?signature=<unique number>`` with one form field
``payLoad``, a JSON object::

    {"displaycolumns": "recalleventid,productid,…,eventlmd",
     "filter": "[{'eventlmdfrom':'04/20/2026'},{'eventlmdto':'04/26/2026'}]",
     "start": 1, "rows": 5000, "sort": "eventlmd", "sortorder": "desc"}

answers ``{"MESSAGE", "RESULTCOUNT", "STATUSCODE", "RESULT": [...]}`` with UPPERCASE keys, dates
``MM/DD/YYYY`` and ``\\r\\n`` inside text. Real quirks kept in mind (PROVENANCE.md, the public
``justanesta/consumer-product-recalls`` observations):

- ``STATUSCODE`` 400 with ``MESSAGE`` "success" **is success**; 412 "No results found" is an empty
  window (no ``RESULT`` key); any other code is an API error (401 = credentials refused);
- ``RESULTCOUNT`` is the total matching rows, not the rows returned; ``start`` is 1-based; the last
  page is the one shorter than ``rows`` (5000 is the API maximum without ``codeinformation``);
- the server caches by URL, so every request carries a fresh ``signature`` query parameter;
- credentials go in the ``Authorization-User`` / ``Authorization-Key`` headers, read from the
  environment variables ``ECMON_FDA_IRES_USER`` / ``ECMON_FDA_IRES_KEY`` when set.

Unlike openFDA (food only, weekly) this API covers every FDA centre (food, devices, drugs,
biologics, veterinary) and updates daily. Incremental by ``EVENTLMD`` (event last modified), the
field the filter uses: the watermark is the newest EVENTLMD seen. One raw record per product row,
keyed by ``PRODUCTID`` (``RECALLNUM`` can be null before classification).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlencode

from pydantic import Field
from scrapy.http import FormRequest, Request, Response

from crawlers.items import RawRecord
from crawlers.spiders.base import RiskSourceSpider, SpiderArgs

ENDPOINT = "/rest/iresapi/recalls/"
DISPLAY_COLUMNS = (
    "recalleventid,productid,producttypeshort,recallnum,phasetxt,centercd,centerclassificationtypetxt,"
    "firmlegalnam,firmfeinum,recallinitiationdt,centerclassificationdt,terminationdt,enforcementreportdt,"
    "determinationdt,initialfirmnotificationtxt,distributionareasummarytxt,voluntarytypetxt,"
    "productdescriptiontxt,productshortreasontxt,productdistributedquantity,eventlmd"
)
MAX_ROWS = 5000
STATUS_SUCCESS = 400
STATUS_NO_RESULTS = 412
MAX_WINDOW_DAYS = 366


class FdaIresArgs(SpiderArgs):
    rows: int = Field(default=MAX_ROWS, ge=1, le=MAX_ROWS, description="Rows per page (API maximum 5000).")


def us_date(value: dt.date) -> str:
    return value.strftime("%m/%d/%Y")


def iso_from_us_date(value: Any) -> str | None:
    """``04/27/2026`` → ``2026-04-27``; anything else → None."""
    try:
        return dt.datetime.strptime(str(value or "").strip(), "%m/%d/%Y").date().isoformat()
    except ValueError:
        return None


def published_at(row: dict[str, Any]) -> str | None:
    """EVENTLMD (what the window filters on); an event never edited may lack it, then older known dates."""
    for column in ("EVENTLMD", "DETERMINATIONDT", "RECALLINITIATIONDT"):
        value = iso_from_us_date(row.get(column))
        if value:
            return value
    return None


def event_page(event_id: Any) -> str | None:
    """The public Enforcement Report page of a recall event."""
    event = str(event_id or "").strip()
    return f"https://www.accessdata.fda.gov/scripts/ires/index.cfm?Event={event}" if event.isdigit() else None


class FdaIresEnforcementSpider(RiskSourceSpider):
    name = "fda_ires_enforcement"
    channel = "b"
    site = "fda_ires"
    live_base_url = "https://www.accessdata.fda.gov"
    freshness_hours = 48  # FDA updates enforcement data daily
    args_model = FdaIresArgs

    def payload(self, since: dt.date, until: dt.date, start: int) -> str:
        """The ``payLoad`` form field: compact JSON, the filter in the API's single-quoted notation."""
        fields = {
            "displaycolumns": DISPLAY_COLUMNS,
            "filter": f"[{{'eventlmdfrom':'{us_date(since)}'}},{{'eventlmdto':'{us_date(until)}'}}]",
            "start": start,
            "rows": self.args.rows,
            "sort": "eventlmd",
            "sortorder": "desc",
        }
        return json.dumps(fields, separators=(",", ":"))

    def start_requests_for_window(self, since: dt.date, until: dt.date) -> Iterable[Request]:
        start = since
        while start <= until:
            end = min(until, start + dt.timedelta(days=MAX_WINDOW_DAYS - 1))
            yield self.page_request(start, end, 1, page_number=1)
            start = end + dt.timedelta(days=1)

    def page_request(self, since: dt.date, until: dt.date, start: int, *, page_number: int) -> Request:
        # A fresh signature per request defeats the server-side cache keyed by URL.
        url = f"{self.base_url}{ENDPOINT}?{urlencode({'signature': time.time_ns() // 1000})}"
        meta = {"window": [since.isoformat(), until.isoformat()], "start": start, "page_number": page_number}
        return FormRequest(
            url,
            formdata={"payLoad": self.payload(since, until, start)},
            headers=self.auth_headers(),
            callback=self.parse,
            errback=self.on_request_error,  # failures recorded with URL and reason, as self.request does
            meta=meta,
        )

    @staticmethod
    def auth_headers() -> dict[str, str]:
        user, key = os.environ.get("ECMON_FDA_IRES_USER"), os.environ.get("ECMON_FDA_IRES_KEY")
        return {"Authorization-User": user, "Authorization-Key": key} if user and key else {}

    def parse(self, response: Response, **kwargs: Any) -> Iterator[RawRecord | Request]:
        """One record per RESULT row; a full page asks for the next one."""
        try:
            answer = json.loads(self.decode_body(response))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            self.record_parse_problem(response, "invalid_json", str(exc))
            return
        if not isinstance(answer, dict):
            self.record_parse_problem(response, "unexpected_shape", f"expected an object, got {type(answer).__name__}")
            return
        status = answer.get("STATUSCODE")
        if status == STATUS_NO_RESULTS:
            self.crawler.stats.inc_value("ecmon/fda_ires/empty_window")
            return
        if status != STATUS_SUCCESS:
            self.record_parse_problem(response, f"api_status_{status}", str(answer.get("MESSAGE"))[:500])
            return
        rows = answer.get("RESULT")
        if not isinstance(rows, list):
            self.record_parse_problem(response, "unexpected_shape", "RESULT is not a list of rows")
            return
        for row in rows:
            product_id = str(row.get("PRODUCTID") or "").strip() if isinstance(row, dict) else ""
            if not product_id:
                self.crawler.stats.inc_value("ecmon/field/PRODUCTID/missing")
                continue
            yield self.make_record(
                response,
                record_key=product_id,
                body=row,
                record_url=event_page(row.get("RECALLEVENTID")),
                published_at=published_at(row),
            )
        yield from self.next_page(response, len(rows))

    def next_page(self, response: Response, row_count: int) -> Iterator[Request]:
        window, start = response.meta.get("window"), response.meta.get("start")
        if not window or start is None or row_count < self.args.rows:
            return
        page_number = int(response.meta.get("page_number") or 1)
        if self.args.max_pages and page_number >= self.args.max_pages:
            return
        since, until = (dt.date.fromisoformat(d) for d in window)
        yield self.page_request(since, until, start + self.args.rows, page_number=page_number + 1)
