"""EU Safety Gate (ex-RAPEX) alerts — channel 5.2.2 e (foreign agency).

Uses the JSON API of the Safety Gate web application (notes/sources.md §5):

1. ``POST /safety-gate-alerts/public/api/search`` with the full search body the web app sends
   (``criteria.year`` = the years of the window, ``pagination`` sorted by ``PUBLICATION_DATE`` DESC,
   ``numberElements`` per page, 0-based ``page``; a reduced body was answered with HTTP 405). The reply
   is a Spring page: ``content[]`` (``id``, ``reference``, ``publicationDate`` …), ``totalPages``,
   ``number``, ``last``.
2. ``GET /safety-gate-alerts/public/api/notification/{id}?language=en`` per alert in the window: the
   full alert (``reference``, ``publicationDate``, ``country``, ``product`` with ``productCategory``,
   ``versions``, ``brands``, ``modelTypes``, ``barcodes``, ``batchNumbers``; ``risk`` with ``riskType``
   and ``versions``; ``measureTaken``; ``traceability`` with ``countryOrigin``; online traders).

One raw document per alert (the detail JSON), keyed by the alert number ``reference`` (e.g.
``SR/01572/26``; the internal ``id`` when absent). Paging stops at ``last``, at ``max_pages``, or once a
page reaches back before the window start. Incremental by ``publicationDate``; the watermark is the
newest one seen. Alerts re-published with a new ``modificationDate`` are not revisited by the
incremental window (a backfill run refreshes them).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import Field
from scrapy.http import Request, Response

from crawlers.items import RawRecord
from crawlers.spiders.base import RiskSourceSpider, SpiderArgs

SEARCH_PATH = "/safety-gate-alerts/public/api/search"
DETAIL_PATH = "/safety-gate-alerts/public/api/notification/{id}"
ALERT_PAGE = "https://ec.europa.eu/safety-gate-alerts/screen/webReport/alertDetail/{id}?lang={language}"
HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}


def _day(value: Any) -> dt.date | None:
    """Calendar day of an ISO timestamp such as ``2026-09-24T13:57:06.082+00:00``."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


class EuSafetyGateArgs(SpiderArgs):
    page_size: int = Field(default=100, ge=1, le=100, description="Alerts per search page (numberElements).")
    language: str = Field(default="en", pattern=r"^[a-z]{2}$", description="Language of the texts.")


class EuSafetyGateSpider(RiskSourceSpider):
    name = "eu_safety_gate"
    channel = "e"
    site = "safety_gate"
    live_base_url = "https://ec.europa.eu"
    freshness_hours = 24 * 4  # about 100 alerts every 2–3 days
    args_model = EuSafetyGateArgs

    def start_requests_for_window(self, since: dt.date, until: dt.date) -> Iterable[Request]:
        yield self._search_request(0, since, until)

    def _search_body(self, page: int, since: dt.date, until: dt.date) -> dict[str, Any]:
        # The web app's own body, key order kept: the replay server matches the serialised ``pagination``.
        return {
            "criteria": {"year": list(range(until.year, since.year - 1, -1))},
            "searchCriteriaForNotification": False,
            "isLaunched": True,
            "isLaunchSearch": True,
            "pagination": {
                "sortField": "PUBLICATION_DATE",
                "sortOrder": "DESC",
                "totalElements": 0,
                "numberElements": self.args.page_size,
                "page": page,
            },
            "fullTextSearch": "",
            "language": self.args.language,
            "displayDefaultResults": False,
            "isForMostRecent": False,
        }

    def _search_request(self, page: int, since: dt.date, until: dt.date) -> Request:
        return self.request(
            f"{self.base_url}{SEARCH_PATH}",
            self.parse,
            method="POST",
            body=json.dumps(self._search_body(page, since, until)),
            headers=HEADERS,
            meta={"page": page, "since": since.isoformat(), "until": until.isoformat()},
        )

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Request]:
        """A search page: a detail request per alert in the window, then the next page if needed."""
        try:
            page = json.loads(self.decode_body(response))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            self.record_parse_problem(response, "invalid_json", str(exc))
            return
        content = page.get("content") if isinstance(page, dict) else None
        if not isinstance(content, list):
            self.record_parse_problem(response, "unexpected_shape", "expected a Spring page with content[]")
            return
        meta = response.meta
        since = dt.date.fromisoformat(meta.get("since", "1900-01-01"))
        until = dt.date.fromisoformat(meta.get("until", "2999-12-31"))
        oldest: dt.date | None = None
        for item in content:
            if not isinstance(item, dict) or item.get("id") in (None, ""):
                self.crawler.stats.inc_value("ecmon/field/id/missing")
                continue
            day = _day(item.get("publicationDate"))
            if day is not None:
                oldest = day if oldest is None or day < oldest else oldest
                if not since <= day <= until:
                    continue
            else:
                self.crawler.stats.inc_value("ecmon/field/publicationDate/missing")
            url = f"{self.base_url}{DETAIL_PATH.format(id=item['id'])}?language={self.args.language}"
            yield self.request(url, self.parse_alert, headers={"Accept": "application/json"}, meta={"listed": item})

        number = int(page.get("number", meta.get("page", 0)))
        total_pages = page.get("totalPages")
        last = page.get("last") is True or not content
        if isinstance(total_pages, int) and number + 1 >= total_pages:
            last = True
        reached_past_window = oldest is not None and oldest < since
        within_limit = self.args.max_pages is None or number + 1 < self.args.max_pages
        if not last and not reached_past_window and within_limit:
            yield self._search_request(number + 1, since, until)

    def parse_alert(self, response: Response, **kwargs: Any) -> Iterator[RawRecord]:
        """One alert detail → one record."""
        try:
            alert = json.loads(self.decode_body(response))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            self.record_parse_problem(response, "invalid_json", str(exc))
            return
        if not isinstance(alert, dict) or alert.get("id") in (None, ""):
            self.record_parse_problem(response, "unexpected_shape", "expected an alert object with an id")
            return
        listed = response.meta.get("listed") or {}
        published = alert.get("publicationDate") or listed.get("publicationDate")
        yield self.make_record(
            response,
            record_key=str(alert.get("reference") or alert["id"]),
            body=alert,
            record_url=ALERT_PAGE.format(id=alert["id"], language=self.args.language),
            published_at=published if isinstance(published, str) else None,
        )
