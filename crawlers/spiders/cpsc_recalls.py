"""CPSC Recalls REST API (saferproducts.gov) — channel 5.2.2 e (foreign agency).

``GET /RestWebServices/Recall?format=json&LastPublishDateStart=YYYY-MM-DD&LastPublishDateEnd=…``
returns one JSON array of recall objects with PascalCase keys and nested arrays (Products,
Hazards, Manufacturers, Retailers, ProductUPCs, …). The API has no paging, so the date range is
cut into windows of at most 366 days. Incremental by ``LastPublishDate``: the watermark is the
newest ``LastPublishDate`` seen. One raw document per recall.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlencode

from scrapy.http import Request, Response

from crawlers.items import RawRecord
from crawlers.spiders.base import RiskSourceSpider

MAX_WINDOW_DAYS = 366


class CpscRecallsSpider(RiskSourceSpider):
    name = "cpsc_recalls"
    channel = "e"
    site = "saferproducts"
    live_base_url = "https://www.saferproducts.gov"
    freshness_hours = 24 * 8  # CPSC publishes weekly, mostly on Thursdays

    def start_requests_for_window(self, since: dt.date, until: dt.date) -> Iterable[Request]:
        start = since
        while start <= until:
            end = min(until, start + dt.timedelta(days=MAX_WINDOW_DAYS - 1))
            query = {
                "format": "json",
                "LastPublishDateStart": start.isoformat(),
                "LastPublishDateEnd": end.isoformat(),
            }
            yield self.request(f"{self.base_url}/RestWebServices/Recall?{urlencode(query)}", self.parse)
            start = end + dt.timedelta(days=1)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[RawRecord]:
        """Split the JSON array into one record per recall (malformed bodies are recorded as failures)."""
        try:
            recalls = json.loads(self.decode_body(response))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            self.record_parse_problem(response, "invalid_json", str(exc))
            return
        if not isinstance(recalls, list):
            shape = type(recalls).__name__
            self.record_parse_problem(response, "unexpected_shape", f"expected a JSON array, got {shape}")
            return
        for recall in recalls:
            if not isinstance(recall, dict) or recall.get("RecallID") in (None, ""):
                self.crawler.stats.inc_value("ecmon/field/RecallID/missing")
                continue
            yield self.make_record(
                response,
                record_key=str(recall["RecallID"]),
                body=recall,
                record_url=recall.get("URL") or None,
                published_at=recall.get("LastPublishDate") or recall.get("RecallDate"),
            )
