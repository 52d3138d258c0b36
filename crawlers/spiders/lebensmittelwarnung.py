"""lebensmittelwarnung.de food warnings (Germany) — channel 5.2.2 e (foreign agency).

The portal of the German Länder and the BVL publishes its warnings through the JSON API of the
Bavarian consumer-information app, documented by bundesAPI (github.com/bundesAPI/lebensmittelwarnung-api,
``openapi.yaml``) and used by several public clients:

``POST https://megov.bayern.de/verbraucherschutz/baystmuv-verbraucherinfo/rest/api/warnings/merged``
with header ``Authorization: baystmuv-vi-1.0 os=ios, key=…`` (the app key published in that README) and a
JSON body ``{"food": {"rows": N, "sort": "publishedDate desc, title asc", "start": K}}`` (Solr-style
paging; a ``products`` part of the same shape asks for BAuA product warnings, not requested here).

Reply: ``{"response": {"numFound": N, "docs": [...]}}``; a food warning doc has ``_type``
(``.FoodWarning``), ``id``, ``link`` (the warning page), ``publishedDate`` (epoch milliseconds),
``title``, ``warning`` (the reason, "Grund der Warnung"), ``affectedStates`` (list of Bundesländer),
``product`` (``designation``, ``manufacturer``, ``brandName``, ``imageUrls`` …), ``safetyInformation``,
``rapexInformation``, ``archived``.

The request body carries no date filter (``fq``) on purpose: the list is sorted newest first, so the
spider pages until a page reaches back before the window start; the body of each page is then the same
for every window, which keeps recorded snapshots replayable. Warnings outside ``[since, until]`` are
skipped; the watermark is the newest ``publishedDate`` seen. One raw document per warning.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import Field
from scrapy.http import Request, Response

from crawlers.items import RawRecord
from crawlers.spiders.base import RiskSourceSpider, SpiderArgs

API_PATH = "/verbraucherschutz/baystmuv-verbraucherinfo/rest/api/warnings/merged"
# Public app key from the API's own documentation (bundesAPI README / openapi.yaml), not a secret.
AUTHORIZATION = "baystmuv-vi-1.0 os=ios, key=9d9e8972-ff15-4943-8fea-117b5a973c61"
SORT = "publishedDate desc, title asc"
BERLIN = ZoneInfo("Europe/Berlin")


def published_moment(value: Any) -> dt.datetime | None:
    """``publishedDate`` (epoch milliseconds) as a Berlin-local datetime; the portal dates are German days."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return dt.datetime.fromtimestamp(value / 1000, tz=dt.UTC).astimezone(BERLIN)


class LebensmittelwarnungArgs(SpiderArgs):
    page_size: int = Field(default=100, ge=1, le=500, description="Warnings per API page (`food.rows`).")


class LebensmittelwarnungSpider(RiskSourceSpider):
    name = "lebensmittelwarnung"
    channel = "e"
    site = "lebensmittelwarnung"
    live_base_url = "https://megov.bayern.de"
    freshness_hours = 48  # several warnings a week
    args_model = LebensmittelwarnungArgs

    def start_requests_for_window(self, since: dt.date, until: dt.date) -> Iterable[Request]:
        yield self._page_request(start=0, page=1, since=since, until=until)

    def _page_request(self, *, start: int, page: int, since: dt.date, until: dt.date) -> Request:
        # Key order is fixed (rows, sort, start): the replay server matches the serialised ``food`` object.
        food = {"rows": self.args.page_size, "sort": SORT, "start": start}
        return self.request(
            f"{self.base_url}{API_PATH}",
            self.parse,
            method="POST",
            body=json.dumps({"food": food}, ensure_ascii=False),
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Authorization": AUTHORIZATION,
            },
            meta={"start": start, "page": page, "since": since.isoformat(), "until": until.isoformat()},
        )

    def parse(self, response: Response, **kwargs: Any) -> Iterator[RawRecord | Request]:
        """One record per warning doc; the next page while the list still reaches into the window."""
        try:
            payload = json.loads(self.decode_body(response))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            self.record_parse_problem(response, "invalid_json", str(exc))
            return
        result = payload.get("response") if isinstance(payload, dict) else None
        docs = result.get("docs") if isinstance(result, dict) else None
        if not isinstance(docs, list):
            self.record_parse_problem(response, "unexpected_shape", "expected {'response': {'docs': [...]}}")
            return
        meta = response.meta
        since = dt.date.fromisoformat(meta.get("since", "1900-01-01"))
        until = dt.date.fromisoformat(meta.get("until", "2999-12-31"))
        oldest: dt.date | None = None
        for doc in docs:
            if not isinstance(doc, dict) or doc.get("id") in (None, ""):
                self.crawler.stats.inc_value("ecmon/field/id/missing")
                continue
            moment = published_moment(doc.get("publishedDate"))
            if moment is None:
                self.crawler.stats.inc_value("ecmon/field/publishedDate/missing")
            else:
                day = moment.date()
                oldest = day if oldest is None or day < oldest else oldest
                if not since <= day <= until:
                    continue
            yield self.make_record(
                response,
                record_key=str(doc["id"]),
                body=doc,
                record_url=doc.get("link") or None,
                published_at=moment.isoformat() if moment else None,
            )

        start = int(meta.get("start", 0)) + len(docs)
        page = int(meta.get("page", 1))
        found = result.get("numFound")
        more = bool(docs) and (not isinstance(found, int) or start < found)
        reached_past_window = oldest is not None and oldest < since
        if more and not reached_past_window and (self.args.max_pages is None or page < self.args.max_pages):
            yield self._page_request(start=start, page=page + 1, since=since, until=until)
