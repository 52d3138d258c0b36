"""SAMR defective-product recalls (缺陷产品召回技术中心, www.samrdprc.org.cn), channel 5.2.2 b (regulators).

Real structure (sources.md §3; RSSHub ``lib/routes/samrdprc`` and two importer scripts):

- list: static TRS pages ``/xfpzh/xfpzhgg/index.html`` (消费品召回公告), ``index_1.html``, ``index_2.html`` …;
  the page count is ``var countPage = N`` in ``div.page``; items are ``div.boxl_ul ul li`` with the link
  ``a`` (``./YYYYMM/tYYYYMMDD_<id>.html``) and the date in ``span`` [H];
- detail: title ``div.show_tit h1``, "发布时间：YYYY-MM-DD" in ``div.show_tit2``, body
  ``div.show_txt div.TRS_Editor``, breadcrumb ``div.local``, ``meta[name=keywords]`` [H]; announcements carry a
  two-column key/value table (``div.table table``: 生产者名称, 产品名称, 品牌, 型号/规格, 生产批号/批次, 涉及数量,
  存在的缺陷, 可能导致的后果, 具体召回措施, 应急处置, contacts …) [M].

Inferred ([L]): rows of three cells (a key spanning several sub-keys) are keyed ``<key>-<sub-key>``; a notice
without the table may state the same keys as "键：值" paragraphs, which are read for the known keys only.
One raw record per recall notice (``t<date>_<id>`` from the URL), body = the notice's fields as JSON;
incremental by 发布时间.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from pathlib import PurePosixPath
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

from scrapy.http import Request, Response
from scrapy.selector import Selector

from crawlers.items import RawRecord
from crawlers.spiders._result_tables import grids_from_html
from crawlers.spiders._samr_cms import clean, find_date, live_url
from crawlers.spiders.base import RiskSourceSpider

RECALL_ID = re.compile(r"(t\d{8}_\d+)\.html$")
PAGE_COUNT = re.compile(r"countPage\s*=\s*(\d+)")
# Keys an announcement states, used when they come as "键：值" paragraphs instead of the table.
KNOWN_KEYS = (
    "生产者名称",
    "召回负责机构",
    "产品名称",
    "品牌",
    "型号/规格",
    "型号",
    "规格型号",
    "生产批号/批次",
    "生产起止日期",
    "涉及数量",
    "存在的缺陷",
    "缺陷描述",
    "可能导致的后果",
    "具体召回措施",
    "召回措施",
    "应急处置",
    "召回起止日期",
    "联系电话",
)
KEY_LINE = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|\d+[、.．])?\s*(?P<key>[^：:]{2,14})[：:]\s*(?P<value>.+)$")


class SamrRecallsSpider(RiskSourceSpider):
    name = "samr_recalls"
    channel = "b"
    site = "samr_recalls"
    live_base_url = "https://www.samrdprc.org.cn"
    freshness_hours = 24 * 4  # several consumer-product recalls a week
    content_type = "application/json"
    # 消费品召回公告; vehicle recalls (/qczh/qczhgg1/) are outside e-commerce product monitoring.
    column_paths: ClassVar[tuple[str, ...]] = ("/xfpzh/xfpzhgg/",)

    def start_requests_for_window(self, since: dt.date, until: dt.date) -> Iterable[Request]:
        window = [since.isoformat(), until.isoformat()]
        for path in self.column_paths:
            meta = {"page": 0, "window": window}
            yield self.request(f"{self.base_url}{path}index.html", self.parse_list, meta=meta)

    def _window(self, response: Response) -> tuple[str, str]:
        window = response.meta.get("window")
        if window:
            return window[0], window[1]
        since, until = self.window()
        return since.isoformat(), until.isoformat()

    def parse_list(self, response: Response, **kwargs: Any) -> Iterator[Request]:
        html = self.decode_body(response)
        page = Selector(text=html)
        items = []
        for li in page.css("div.boxl_ul ul li"):
            href = li.css("a::attr(href)").get()
            if not href:
                continue
            items.append(
                {
                    "url": urljoin(response.url, href.strip()),
                    "title": clean(li.css("a::attr(title)").get() or " ".join(li.css("a ::text").getall())),
                    "date": find_date(" ".join(li.css("span ::text").getall())),
                }
            )
        if not items:
            self.record_parse_problem(response, "empty_list", "no div.boxl_ul li items")
            return
        since, until = self._window(response)
        for item in items:
            if item["date"] and not since <= item["date"] <= until:
                self.crawler.stats.inc_value("ecmon/notice/outside_window")
                continue
            yield self.request(item["url"], self.parse_recall, meta={"listing": item})
        index = response.meta.get("page", 0)  # index.html is page 0, then index_1.html …
        count = PAGE_COUNT.search(html)
        pages = int(count.group(1)) if count else index + 1
        dates = [i["date"] for i in items if i["date"]]
        if (
            index + 1 < pages
            and (not dates or min(dates) >= since)
            and (self.args.max_pages is None or index + 1 < self.args.max_pages)
        ):
            meta = {"page": index + 1, "window": response.meta.get("window")}
            yield self.request(urljoin(response.url, f"index_{index + 1}.html"), self.parse_list, meta=meta)

    def parse_recall(self, response: Response, **kwargs: Any) -> Iterator[RawRecord]:
        """One recall announcement → one record with its key/value fields and body text."""
        html = self.decode_body(response)
        page = Selector(text=html)
        listing = response.meta.get("listing") or {}
        title = clean(" ".join(page.css("div.show_tit h1 ::text").getall())) or listing.get("title")
        published = find_date(" ".join(page.css("div.show_tit2 ::text").getall())) or listing.get("date")
        # The body div nests a second TRS_Editor: read the outer one once.
        body = (page.css("div.show_txt div.TRS_Editor") or page.css("div.TRS_Editor"))[:1]
        if not title or not body:
            self.record_parse_problem(response, "not_a_recall_page", f"no title/body in {len(html)} characters")
            return
        fields = self.table_fields(page)
        text_lines = [clean(t) for t in body.xpath(".//text()").getall() if clean(t)]
        for line in text_lines:
            match = KEY_LINE.match(line)
            if match and match.group("key").strip() in KNOWN_KEYS:
                fields.setdefault(match.group("key").strip(), match.group("value").strip())
        if not fields:
            self.crawler.stats.inc_value("ecmon/recall/without_fields")
        match = RECALL_ID.search(urlsplit(response.url).path)
        record_key = match.group(1) if match else PurePosixPath(urlsplit(response.url).path).stem
        record = {
            "title": title,
            "published_date": published,
            "notice_url": live_url(response.url, self.base_url, self.live_base_url),
            "list_title": listing.get("title"),
            "list_date": listing.get("date"),
            "breadcrumb": clean(" ".join(page.css("div.local ::text").getall())) or None,
            "keywords": page.css("meta[name=keywords]::attr(content)").get(),
            "fields": fields,
            "text": "\n".join(text_lines),
        }
        yield self.make_record(response, record_key, record, record_url=record["notice_url"], published_at=published)

    @staticmethod
    def table_fields(page: Selector) -> dict[str, str]:
        """The announcement's key/value table: ``键 | 值`` rows, ``键 | 子键 | 值`` rows, ``键 | 值 | 键 | 值`` rows."""
        fields: dict[str, str] = {}
        for table_html in page.css("div.table table, div.TRS_Editor table").getall():
            for grid in grids_from_html(table_html)[:1]:
                for row in grid.cells:
                    cells = _dedupe(row)
                    if len(cells) == 2:
                        fields.setdefault(_key(cells[0]), cells[1])
                    elif len(cells) == 3:
                        fields.setdefault(f"{_key(cells[0])}-{_key(cells[1])}", cells[2])
                    elif len(cells) >= 4 and len(cells) % 2 == 0:
                        for key, value in zip(cells[::2], cells[1::2], strict=True):
                            fields.setdefault(_key(key), value)
        return {k: v for k, v in fields.items() if k and v}


def _dedupe(row: list[str]) -> list[str]:
    """Cells of a row with spanned duplicates (colspan) collapsed and empty cells dropped."""
    out: list[str] = []
    for cell in row:
        if cell and (not out or out[-1] != cell):
            out.append(cell)
    return out


def _key(cell: str) -> str:
    return re.sub(r"\s+", "", cell).rstrip("：:")
