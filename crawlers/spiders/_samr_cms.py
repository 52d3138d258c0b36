"""Spot-check notices of market-supervision bureaus (市场监督管理局), channel 5.2.2 b: list → notice → result rows.

What SAMR and the provincial bureaus share (sources.md §2):

- a column lists the notices (通告 / 公告 / 通报), newest first, each with title, link and date;
- a notice page carries the title, "发布时间：YYYY-MM-DD" or ``<meta name="PubDate">`` and the result table,
  either as attachment links (xlsx / xls / WPS ``.et`` / zip of those; ``.doc`` / ``.pdf`` are counted in
  ``ecmon/attachment/ignored/<ext>`` and skipped) or as HTML tables in the body;
- one raw record per result-table row (:mod:`crawlers.spiders._result_tables`), whose body is the row under
  its original header names plus the notice's metadata (title, URL, date, issuing bureau, attachment URL
  and name, sheet, row number, table title and section).

How a column is listed differs per CMS family, so this module has one base per family:

- :class:`JpaasColumnSpider` — the jpaas CMS of www.samr.gov.cn (and many other government sites): the
  column's ``index.html`` names ``webId`` / ``pageId`` / ``tplSetId`` and the list comes from the XHR
  ``/api-gateway/jpaas-publish-server/front/page/build/unit`` as JSON ``{"success":true,"data":{"html":…}}``
  whose HTML holds the ``<li>`` items and the total as ``count="N"``;
- :class:`StaticColumnSpider` — static TRS pages (``index.html``, ``index_2.html`` …) as amr.gd.gov.cn
  serves them; the next page is the "下一页" link or the ``createPageHTML(pages, current, …)`` call.

Links are resolved against the spider's base URL, so a replay snapshot serves the same pages and parsing
is identical live and in replay. Bodies are decoded with :meth:`RiskSourceSpider.decode_body` (the sites
are UTF-8, but a wrong charset header must not garble the text).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from collections.abc import Iterable, Iterator
from pathlib import PurePosixPath
from typing import Any, ClassVar
from urllib.parse import unquote, urlencode, urljoin, urlsplit

from pydantic import Field
from scrapy.http import Request, Response
from scrapy.selector import Selector

from crawlers.items import RawRecord
from crawlers.spiders._result_tables import TABLE_SUFFIXES, ResultTable, UnreadableTable, read_tables
from crawlers.spiders.base import RiskSourceSpider, SpiderArgs

DOCUMENT_SUFFIXES = (".doc", ".docx", ".pdf", ".wps", ".rar", ".7z", ".ofd", ".txt", ".jpg", ".png")
# Titles of notices that publish inspection results (抽查 / 抽检 results, 不合格 lists, 质量状况 reports).
RESULT_NOTICE_TITLE = re.compile(r"抽查|抽检|抽样|监督检查|不合格|质量状况|质量监测")
# Attachment names that promise a result table: when such a file has none, the crawl reports it.
RESULT_ATTACHMENT_NAME = re.compile(r"名单|结果|信息|汇总|不合格|合格|抽查|抽检|情况")
DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
NOTICE_BODY_SELECTORS = (
    "div.TRS_Editor",
    "div.zt_xilan_07",
    "div.Three_xilan_07",
    "div.article-content",
    "div.article_con",
    "div.zw",
    "div#zoom",
)
MAX_RECORD_KEY = 200


def find_date(text: str | None) -> str | None:
    """First ``YYYY-MM-DD`` / ``YYYY/M/D`` / ``YYYY年M月D日`` in ``text`` as an ISO date."""
    match = DATE.search(text or "")
    if not match:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups())).isoformat()
    except ValueError:
        return None


def live_url(url: str, base_url: str, live_base_url: str) -> str:
    """The site's own URL for a fetched one: replay URLs (127.0.0.1:<port>/<site>/…) point back at the live
    site, so a record's evidence link and content hash do not depend on the replay server's port."""
    if base_url != live_base_url and url.startswith(base_url + "/"):
        return live_base_url + url[len(base_url) :]
    return url


def clean(text: str | None) -> str:
    return re.sub(r"\s+", " ", (text or "").replace("\xa0", " ")).strip()


class SpotCheckNoticeSpider(RiskSourceSpider):
    """Notice page → attachments / HTML tables → one raw record per result-table row (5.2.2 b)."""

    channel = "b"
    freshness_hours = 24 * 8  # bureaus publish spot-check notices in weekly to monthly batches
    issuer: ClassVar[str]  # the bureau, e.g. 国家市场监督管理总局
    issuer_region: ClassVar[str | None] = None  # its province (None for a national bureau)

    # -- links ----------------------------------------------------------------------------------
    def resolve(self, response: Response, href: str) -> str:
        """Absolute URL of a link, moved onto ``base_url`` when it points at the live site (replay)."""
        href = href.strip()
        if href.startswith("//"):
            href = urlsplit(self.live_base_url).scheme + ":" + href
        if href.startswith("/"):
            return self.base_url + href
        url = urljoin(response.url, href)
        live = urlsplit(self.live_base_url).netloc
        parts = urlsplit(url)
        if parts.netloc == live and self.base_url != self.live_base_url:
            return self.base_url + url.split(live, 1)[1]
        return url

    def live_url(self, url: str) -> str:
        return live_url(url, self.base_url, self.live_base_url)

    # -- list items ------------------------------------------------------------------------------
    def list_items(self, response: Response, html: str, item_css: str = "li") -> list[dict[str, str | None]]:
        """``{url, title, date}`` of each list item with a link; date from the item's own text."""
        items = []
        for li in Selector(text=html).css(item_css):
            href = li.css("a::attr(href)").get()
            if not href or href.startswith(("javascript:", "#")):
                continue
            anchor = li.css("a")[0]
            title = clean(anchor.attrib.get("title") or " ".join(anchor.css("::text").getall()))
            # The date is the item's own text (a span / div beside the link), not a date inside the title.
            date = find_date(" ".join(li.xpath(".//text()[not(ancestor::a)]").getall()))
            items.append({"url": self.resolve(response, href), "title": title, "date": date})
        return items

    def crawl_window(self, response: Response) -> tuple[dt.date, dt.date]:
        """The window travels in request meta (set at start), so list callbacks never re-read the watermark."""
        window = response.meta.get("window")
        if window:
            return dt.date.fromisoformat(window[0]), dt.date.fromisoformat(window[1])
        return self.window()

    def notice_requests(
        self, response: Response, items: Iterable[dict[str, str | None]], since: dt.date, until: dt.date
    ) -> Iterator[Request]:
        for item in items:
            date = item["date"]
            if date and not since.isoformat() <= date <= until.isoformat():
                self.crawler.stats.inc_value("ecmon/notice/outside_window")
                continue
            if not RESULT_NOTICE_TITLE.search(item["title"] or ""):
                self.crawler.stats.inc_value("ecmon/notice/not_a_result_notice")
                continue
            # The sites' CDN expects a Referer from its own pages (sources.md §2a "Anti-crawling").
            headers = {"Referer": self.live_url(response.url)}
            yield self.request(item["url"], self.parse_notice, meta={"listing": item}, headers=headers)

    @staticmethod
    def oldest(items: list[dict[str, str | None]]) -> str | None:
        dates = [i["date"] for i in items if i["date"]]
        return min(dates) if dates else None

    # -- notice page ----------------------------------------------------------------------------
    def parse_notice(self, response: Response, **kwargs: Any) -> Iterator[Request | RawRecord]:
        """Notice page: request its table attachments, and read the result tables in its own HTML."""
        html = self.decode_body(response)
        page = Selector(text=html)
        listing = response.meta.get("listing") or {}
        body = next((page.css(css) for css in NOTICE_BODY_SELECTORS if page.css(css)), None)
        title = clean(
            page.css("meta[name=ArticleTitle]::attr(content)").get()
            or " ".join(page.css("h1 ::text").getall())
            or listing.get("title")
            or page.css("title::text").get()
        )
        text = " ".join(page.css("body ::text").getall())
        stated = re.search(r"发布(?:时间|日期)[：:]\s*(\S{8,12})", text)
        page_date = find_date(page.css("meta[name=PubDate]::attr(content)").get()) or (
            find_date(stated.group(1)) if stated else None
        )
        # A challenge or error page has neither the body container nor a stated date: report it, do not
        # let the list's date pass it off as a notice without results.
        if not title or (body is None and page_date is None):
            self.record_parse_problem(response, "not_a_notice_page", f"no title/body/date in {len(html)} characters")
            return
        published = page_date or listing.get("date")
        source_line = re.search(r"信息来源[：:]\s*(\S+)", text)
        notice = {
            "notice_title": title,
            "notice_url": self.live_url(response.url),
            "published_date": published,
            "issuer": self.issuer,
            "issuer_region": self.issuer_region,
            "info_source": page.css("meta[name=ContentSource]::attr(content)").get()
            or (source_line.group(1) if source_line else None),
        }
        found = 0
        for anchor in page.css("a[href]"):
            href = anchor.attrib["href"]
            suffix = PurePosixPath(unquote(urlsplit(href).path)).suffix.lower()
            name = clean(" ".join(anchor.css("::text").getall())) or PurePosixPath(urlsplit(href).path).name
            if suffix in TABLE_SUFFIXES:
                found += 1
                url = self.resolve(response, href)
                attachment = {**notice, "attachment_url": self.live_url(url), "attachment_name": name}
                headers = {"Referer": notice["notice_url"]}
                yield self.request(url, self.parse_attachment, meta={"notice": attachment}, headers=headers)
            elif suffix in DOCUMENT_SUFFIXES:
                self.crawler.stats.inc_value(f"ecmon/attachment/ignored/{suffix.lstrip('.')}")
        try:
            _, tables = read_tables(response.body, decode_html=lambda _: html)
        except UnreadableTable:
            tables = []
        html_notice = {**notice, "attachment_url": None, "attachment_name": None}
        for table in tables:
            found += 1
            yield from self.table_records(response, html_notice, "html", table)
        if not found:
            self.crawler.stats.inc_value("ecmon/notice/without_result_table")

    # -- attachment -----------------------------------------------------------------------------
    def parse_attachment(self, response: Response, **kwargs: Any) -> Iterator[RawRecord]:
        notice = response.meta["notice"]
        try:
            kind, tables = read_tables(response.body, decode_html=lambda _: self.decode_body(response))
        except UnreadableTable as exc:
            self.record_parse_problem(response, "unreadable_attachment", str(exc))
            return
        if not tables:
            if kind in {"html", "unknown"} or RESULT_ATTACHMENT_NAME.search(notice.get("attachment_name") or ""):
                self.record_parse_problem(response, "no_result_table", f"{kind} attachment without a result table")
            else:
                self.crawler.stats.inc_value("ecmon/attachment/without_result_table")
            return
        for table in tables:
            yield from self.table_records(response, notice, kind, table)

    def table_records(
        self, response: Response, notice: dict[str, Any], kind: str, table: ResultTable
    ) -> Iterator[RawRecord]:
        self.crawler.stats.inc_value(f"ecmon/table/{kind}")
        for reason, count in table.dropped.items():
            self.crawler.stats.inc_value(f"ecmon/table/rows_{reason}", count)
        for row in table.rows:
            body = {
                **notice,
                "table_format": kind,
                "sheet": table.sheet,
                "table_title": table.title or None,
                "header_rows": list(table.header_rows),
                "headers": table.headers,  # column order (the row object's keys are stored sorted)
                "row_number": row.row_number,
                "section": row.section,
                "row": row.values,
            }
            yield self.make_record(
                response,
                record_key=self.record_key(notice, table.sheet, row.row_number),
                body=body,
                record_url=notice.get("attachment_url") or notice["notice_url"],
                published_at=notice.get("published_date"),
            )

    @staticmethod
    def record_key(notice: dict[str, Any], sheet: str, row_number: int) -> str:
        """``<notice>|<attachment>|<sheet>|<row>``: art_<hex> / post_<id> of the notice, the file's stem."""
        notice_key = PurePosixPath(urlsplit(notice["notice_url"]).path).stem
        attachment = notice.get("attachment_url")
        attachment_key = PurePosixPath(unquote(urlsplit(attachment).path)).name if attachment else "html"
        key = f"{notice_key}|{attachment_key}|{sheet}|{row_number}"
        if len(key) > MAX_RECORD_KEY:
            digest = hashlib.sha1(f"{attachment_key}|{sheet}".encode()).hexdigest()[:16]
            key = f"{notice_key[:100]}|{digest}|{row_number}"
        return key


class JpaasArgs(SpiderArgs):
    page_size: int = Field(default=20, ge=1, le=99, description="Notices per list request (the CMS allows up to 99).")


class JpaasColumnSpider(SpotCheckNoticeSpider):
    """Columns of a jpaas CMS site: ``index.html`` → unit XHR (JSON with list HTML) → notices."""

    args_model = JpaasArgs
    column_paths: ClassVar[tuple[str, ...]]
    unit_path: ClassVar[str] = "/api-gateway/jpaas-publish-server/front/page/build/unit"
    default_tag_id: ClassVar[str] = "ajax分页"
    cms_ids = ("webId", "pageId", "tplSetId", "tagId")

    def start_requests_for_window(self, since: dt.date, until: dt.date) -> Iterable[Request]:
        for path in self.column_paths:
            window = [since.isoformat(), until.isoformat()]
            yield self.request(self.base_url + path, self.parse_column_index, meta={"column": path, "window": window})

    def parse_column_index(self, response: Response, **kwargs: Any) -> Iterator[Request]:
        """Regex the CMS ids out of the column page (``'webId':'…'``) and ask for the first list page."""
        html = self.decode_body(response)
        ids = {}
        for key in self.cms_ids:
            match = re.search(rf"""['"]?{key}['"]?\s*[:=]\s*['"]([^'"]+)['"]""", html)
            if match:
                ids[key] = match.group(1)
        missing = [k for k in ("webId", "pageId", "tplSetId") if k not in ids]
        if missing:
            self.record_parse_problem(response, "no_cms_ids", f"column page lacks {', '.join(missing)}")
            return
        yield self.list_request(response, ids, page=1)

    def list_request(self, response: Response, ids: dict[str, str], page: int) -> Request:
        query = {
            "parseType": "bulidstatic",  # sic: the CMS's own spelling
            "webId": ids["webId"],
            "tplSetId": ids["tplSetId"],
            "pageType": "column",
            "tagId": ids.get("tagId", self.default_tag_id),
            "editType": "null",
            "pageId": ids["pageId"],
            "paramJson": json.dumps({"pageNo": page, "pageSize": self.args.page_size}, separators=(",", ":")),
        }
        meta = {
            "cms_ids": ids,
            "page": page,
            "column": response.meta.get("column"),
            "window": response.meta.get("window"),
        }
        return self.request(f"{self.base_url}{self.unit_path}?{urlencode(query)}", self.parse_list, meta=meta)

    def parse_list(self, response: Response, **kwargs: Any) -> Iterator[Request]:
        try:
            payload = json.loads(self.decode_body(response))
        except json.JSONDecodeError as exc:
            self.record_parse_problem(response, "invalid_json", str(exc))
            return
        html = (payload.get("data") or {}).get("html") if isinstance(payload, dict) else None
        if not isinstance(payload, dict) or not payload.get("success") or not isinstance(html, str):
            self.record_parse_problem(response, "unexpected_shape", "expected {success: true, data: {html: …}}")
            return
        items = self.list_items(response, html)
        count = re.search(r"""\bcount\s*=\s*['"]?(\d+)""", html)
        since, until = self.crawl_window(response)
        yield from self.notice_requests(response, items, since, until)
        page = response.meta.get("page", 1)
        pages = math.ceil(int(count.group(1)) / self.args.page_size) if count else page
        oldest = self.oldest(items)
        if (
            items
            and page < pages
            and (oldest is None or oldest >= since.isoformat())
            and (self.args.max_pages is None or page < self.args.max_pages)
        ):
            yield self.list_request(response, response.meta["cms_ids"], page + 1)


class StaticColumnSpider(SpotCheckNoticeSpider):
    """Columns of static TRS pages: ``<column>/index.html``, ``index_2.html`` … → notices."""

    column_paths: ClassVar[tuple[str, ...]]
    item_css: ClassVar[str] = "ul.news_list2 > li"

    def start_requests_for_window(self, since: dt.date, until: dt.date) -> Iterable[Request]:
        for path in self.column_paths:
            window = [since.isoformat(), until.isoformat()]
            yield self.request(f"{self.base_url}{path}index.html", self.parse_list, meta={"page": 1, "window": window})

    def parse_list(self, response: Response, **kwargs: Any) -> Iterator[Request]:
        html = self.decode_body(response)
        items = self.list_items(response, html, self.item_css) or self.list_items(response, html, "li")
        items = [i for i in items if i["date"]]  # navigation links carry no date
        if not items:
            self.record_parse_problem(response, "empty_list", "no dated list items")
            return
        since, until = self.crawl_window(response)
        yield from self.notice_requests(response, items, since, until)
        page = response.meta.get("page", 1)
        oldest = self.oldest(items)
        next_url = self.next_page(response, html, page)
        if (
            next_url
            and (oldest is None or oldest >= since.isoformat())
            and (self.args.max_pages is None or page < self.args.max_pages)
        ):
            yield self.request(
                next_url, self.parse_list, meta={"page": page + 1, "window": response.meta.get("window")}
            )

    def next_page(self, response: Response, html: str, page: int) -> str | None:
        page_links = Selector(text=html).xpath("//a[contains(normalize-space(.), '下一页')]/@href").getall()
        href = next((h for h in page_links if h and not h.startswith(("javascript:", "#"))), None)
        if href:
            return self.resolve(response, href)
        pages = re.search(r"createPageHTML\(\s*['\"]?(\d+)", html)
        if pages and page < int(pages.group(1)):
            return self.resolve(response, f"index_{page + 1}.html")
        return None
