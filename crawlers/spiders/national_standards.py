"""National standards (国家标准) from 全国标准信息公共服务平台 std.samr.gov.cn — channel 5.2.2 e.

Standards are what schemes test against (5.4.1 d), not risk information: ``transforms/standards.py``
loads these records into ``stg_standard``; no risk-information mapper exists for this source.

Format (notes/sources.md §4):

- search: ``GET /gb/search/gbQueryPage?searchText=&ics=&state=&ISSUE_DATE=&sortOrder=desc&pageSize=&pageNumber=``
  → ``{"total": N, "pageNumber": P, "rows": [...]}``; a row has ``id`` (hex), ``C_STD_CODE``,
  ``C_C_NAME`` (search hits wrapped in ``<sacinfo>…</sacinfo>``), ``STD_NATURE``, ``STATE``,
  ``ISSUE_DATE``, ``ACT_DATE``, ``PROJECT_ID``. ``state`` filters as ``G_STATE:"现行"`` (comma-separated);
  ``ISSUE_DATE`` = -1, -3, -6, -12, -24 or -36 keeps standards issued in the last N months.
- detail: ``GET /gb/search/gbDetailed?id=<id>``, server-rendered HTML whose basic facts are label–value
  pairs (``dt.basicInfo-item.name`` / ``dd.basicInfo-item.value``): 标准号, 中文标准名称, 英文标准名称,
  标准状态, 发布日期, 实施日期, 全部代替标准, CCS, ICS, 主管部门, 归口单位 … read by label text, never
  by position.

One raw document per standard: ``{"row": <search row as served>, "detail": {label: value}}``, keyed
by the standard number; ``record_url`` is the public detail page. The window keeps standards issued
or implemented in ``[since, until]``; the search asks the server for the smallest ``ISSUE_DATE`` span
that still covers standards issued up to a year before the window (implementation follows issue by
months). Status changes of older standards (废止) are not dated in the rows, so a periodic
``-a full=true`` sweep of the catalogue (optionally ``-a states=废止``) refreshes them. Only metadata
is collected, never full texts.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any, Literal
from urllib.parse import urlencode

from pydantic import Field, field_validator
from scrapy.http import Request, Response

from crawlers.items import RawRecord
from crawlers.spiders.base import RiskSourceSpider, SpiderArgs

SEARCH_PATH = "/gb/search/gbQueryPage"
DETAIL_PATH = "/gb/search/gbDetailed"
ISSUE_DATE_SPANS = (1, 3, 6, 12, 24, 36)  # months the search's ISSUE_DATE filter offers
LOOK_BACK_FOR_IMPLEMENTATION = dt.timedelta(days=366)
LABEL_SELECTOR = "dt.basicInfo-item.name"
_TAGS = re.compile(r"<[^>]+>")


def plain(value: Any) -> str:
    """Row text without the search-hit ``<sacinfo>`` tags and with collapsed whitespace."""
    return re.sub(r"\s+", " ", _TAGS.sub("", str(value or ""))).strip()


def row_day(value: Any) -> dt.date | None:
    """``ISSUE_DATE`` / ``ACT_DATE``: ISO text (with or without time) or epoch milliseconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value / 1000, tz=dt.UTC).date()
    match = re.match(r"(\d{4})-(\d{1,2})-(\d{1,2})", str(value or "").strip())
    if not match:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def issue_date_span(since: dt.date, today: dt.date) -> str:
    """The ``ISSUE_DATE`` filter value covering standards issued a year before ``since`` ('' = no filter)."""
    earliest_issue = since - LOOK_BACK_FOR_IMPLEMENTATION
    months = (today.year - earliest_issue.year) * 12 + (today.month - earliest_issue.month) + 1
    return next((f"-{span}" for span in ISSUE_DATE_SPANS if span >= months), "")


class NationalStandardsArgs(SpiderArgs):
    page_size: int = Field(default=20, ge=1, le=50, description="Rows per search page (the site caps it, ~20).")
    search_text: str = Field(default="", max_length=200, description="Keyword or standard number to search.")
    states: list[Literal["现行", "废止", "即将实施"]] = Field(
        default_factory=list, description="Status filter, comma-separated (default: all)."
    )
    full: bool = Field(default=False, description="Sweep the whole catalogue, ignoring the date window.")

    @field_validator("states", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        # ``-a states=现行,即将实施`` arrives as one string.
        return [v.strip() for v in value.split(",") if v.strip()] if isinstance(value, str) else value


class NationalStandardsSpider(RiskSourceSpider):
    name = "national_standards"
    channel = "e"
    site = "std"
    live_base_url = "https://std.samr.gov.cn"
    freshness_hours = 24 * 8  # standards are issued in batches a few times a month
    args_model = NationalStandardsArgs

    def start_requests_for_window(self, since: dt.date, until: dt.date) -> Iterable[Request]:
        span = "" if self.args.full else issue_date_span(since, dt.datetime.now(dt.UTC).date())
        yield self._search_request(1, span, seen=0, since=since, until=until)

    def _search_request(self, page: int, span: str, *, seen: int, since: dt.date, until: dt.date) -> Request:
        query = {
            "searchText": self.args.search_text,
            "ics": "",
            "state": ",".join(f'G_STATE:"{state}"' for state in self.args.states),
            "ISSUE_DATE": span,
            "sortOrder": "desc",
            "pageSize": self.args.page_size,
            "pageNumber": page,
        }
        return self.request(
            f"{self.base_url}{SEARCH_PATH}?{urlencode(query)}",
            self.parse,
            headers={"Accept": "application/json, text/javascript, */*; q=0.01", "X-Requested-With": "XMLHttpRequest"},
            meta={"page": page, "span": span, "seen": seen, "since": since.isoformat(), "until": until.isoformat()},
        )

    def _in_window(self, row: dict[str, Any], since: dt.date, until: dt.date) -> bool:
        if self.args.full:
            return True
        days = [d for d in (row_day(row.get("ISSUE_DATE")), row_day(row.get("ACT_DATE"))) if d]
        if not days:
            self.crawler.stats.inc_value("ecmon/field/ISSUE_DATE/missing")
            return True  # undated rows are kept rather than silently lost
        return any(since <= d <= until for d in days)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Request | RawRecord]:
        """A search page: a detail request per standard in the window, then the next page."""
        try:
            page = json.loads(self.decode_body(response))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            self.record_parse_problem(response, "invalid_json", str(exc))
            return
        rows = page.get("rows") if isinstance(page, dict) else None
        if not isinstance(rows, list):
            self.record_parse_problem(response, "unexpected_shape", "expected {'total': N, 'rows': [...]}")
            return
        meta = response.meta
        since = dt.date.fromisoformat(meta.get("since", "1900-01-01"))
        until = dt.date.fromisoformat(meta.get("until", "2999-12-31"))
        for row in rows:
            if not isinstance(row, dict) or not plain(row.get("C_STD_CODE")):
                self.crawler.stats.inc_value("ecmon/field/C_STD_CODE/missing")
                continue
            if not self._in_window(row, since, until):
                continue
            if row.get("id") in (None, ""):
                # No detail page to follow: the row alone is the record.
                yield self._record(response, row, {})
                continue
            url = f"{self.base_url}{DETAIL_PATH}?{urlencode({'id': row['id']})}"
            yield self.request(url, self.parse_detail, meta={"row": row})

        seen = int(meta.get("seen", 0)) + len(rows)
        number = int(meta.get("page", 1))
        total = page.get("total")
        more = bool(rows) and (not isinstance(total, int) or seen < total)
        if more and (self.args.max_pages is None or number < self.args.max_pages):
            yield self._search_request(number + 1, meta.get("span", ""), seen=seen, since=since, until=until)

    def parse_detail(self, response: Response, **kwargs: Any) -> Iterator[RawRecord]:
        """The detail page's label–value pairs, joined with the search row into one record."""
        from scrapy.http import HtmlResponse

        html = HtmlResponse(url=response.url, body=self.decode_body(response).encode("utf-8"), encoding="utf-8")
        detail: dict[str, str] = {}
        for label in html.css(LABEL_SELECTOR):
            name = re.sub(r"[\s\u3000:：]+", "", label.xpath("string(.)").get(""))
            value_node = label.xpath("following-sibling::dd[1]")
            value = re.sub(r"\s+", " ", value_node.xpath("string(.)").get("")).strip()
            if name:
                detail[name] = value
        if not detail:
            self.record_parse_problem(response, "no_label_values", "detail page without basicInfo label–value pairs")
            return
        yield self._record(response, response.meta.get("row") or {}, detail)

    def _record(self, response: Response, row: dict[str, Any], detail: dict[str, str]) -> RawRecord:
        number = detail.get("标准号") or plain(row.get("C_STD_CODE"))
        issued = row_day(row.get("ISSUE_DATE")) or row_day(detail.get("发布日期"))
        # The public detail page on the real site, whatever host served this crawl.
        page = f"{self.live_base_url}{DETAIL_PATH}?{urlencode({'id': row['id']})}" if row.get("id") else None
        return self.make_record(
            response,
            record_key=number,
            body={"row": row, "detail": detail},
            record_url=page,
            published_at=issued.isoformat() if issued else None,
        )
