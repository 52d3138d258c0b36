"""E-commerce platforms — channel 5.2.2 c: platform quality announcements and product listings.

One spider for every platform; what a platform serves is described as data in
``crawlers/platforms/<platform_id>.json`` (validated by :class:`PlatformConfig`), never in code:
URL templates, paging, and for each field a JSON path or a CSS/XPath selector, a table column (by
header text) or a label ("品牌：…"). ``-a platform=jd,taobao`` picks platforms (default: every config
file); ``-a kinds=announcements`` or ``listings`` picks the record kinds.

Record kinds (one raw document each):

- ``platform_notice`` — one row of a platform quality announcement (shops and products that failed the
  platform's checks: notice title and date, shop, product, failed item, measure taken). Feeds 5.1.2 c
  and the shop candidates of schemes (5.4.1 b). Windowed by the notice date; lists are read newest
  first and paging stops once a page reaches back before the window.
- ``listing`` — one product listing from a platform search (title, shop, brand, model, barcode where
  shown, price, sales count, URL); a snapshot, so not windowed. Feeds 5.1.2 c/e and 5.4.1 b.

Body: ``{"platform_id", "platform", "kind", "fields": {...}, "raw": {...}}`` — ``fields`` as the config
reads them, ``raw`` the JSON item or table cells they came from. Record key
``<platform_id>:<notice|listing>:<key fields>``.

Evidence for platform formats is weak (notes/sources.md §8): each config says in ``notes`` which parts
are documented by public crawlers and which are inferred. Live crawling of these platforms needs
approval (login walls, anti-bot); the demo snapshot follows the configs.

Live and replay differ only in the base URL: configs hold live URLs; in replay mode
``https://<host>/<path>`` is fetched as ``<base_url>/<platform_id>/<host>/<path>``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

from parsel import Selector
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from scrapy.http import Request, Response

from crawlers.items import RawRecord
from crawlers.spiders.base import RiskSourceSpider, SpiderArgs

CONFIG_DIR = Path(__file__).resolve().parent.parent / "platforms"
KINDS = {"announcements": "platform_notice", "listings": "listing"}
KEY_PREFIX = {"platform_notice": "notice", "listing": "listing"}
ROW_FIELD = "_row"  # 1-based position of a row within its page; usable in record keys


# -- configuration -------------------------------------------------------------------------------
class Rule(BaseModel):
    """Where one value is: exactly one of ``json``, ``css``, ``xpath``, ``column``, ``label``; then ``regex``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    json_path: str | None = Field(default=None, alias="json", description="Dotted path in a JSON item (a.b.0.c).")
    css: str | None = Field(default=None, description="CSS relative to the item; ::text / ::attr(x) allowed.")
    xpath: str | None = Field(default=None, description="XPath relative to the item.")
    column: list[str] | None = Field(default=None, description="Table column: header texts, first present wins.")
    label: list[str] | None = Field(default=None, description="'Label：value' text of the stage's label nodes.")
    regex: str | None = Field(default=None, description="Applied to the text: first group, else whole match.")

    @model_validator(mode="after")
    def _exactly_one_source(self) -> Rule:
        given = [n for n in ("json_path", "css", "xpath", "column", "label") if getattr(self, n)]
        if len(given) != 1:
            raise ValueError(f"a rule needs exactly one of json/css/xpath/column/label, got {given or 'none'}")
        if self.regex:
            re.compile(self.regex)
        return self


class Stage(BaseModel):
    """How to read one kind of page into items and fields."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["json", "html", "embedded_json"]
    embedded_json: str | None = Field(default=None, description="Regex whose group 1 is JSON inside HTML.")
    html_in_json: str | None = Field(default=None, description="JSON path of an HTML fragment to read instead.")
    items: Rule | None = Field(default=None, description="The item list/nodes; absent: the page is one item.")
    header: Rule | None = Field(default=None, description="Header cells of a table (for `column` rules).")
    label_nodes: Rule | None = Field(default=None, description="Nodes holding 'label：value' texts.")
    fields: dict[str, Rule]

    @model_validator(mode="after")
    def _consistent(self) -> Stage:
        if self.format == "embedded_json" and not self.embedded_json:
            raise ValueError("format embedded_json needs the `embedded_json` regex")
        if any(r.column for r in self.fields.values()) and self.header is None:
            raise ValueError("`column` rules need a `header` rule")
        if any(r.label for r in self.fields.values()) and self.label_nodes is None:
            raise ValueError("`label` rules need a `label_nodes` rule")
        return self


class DetailStage(Stage):
    url: str | None = Field(default=None, description="URL template with {field} placeholders.")
    url_field: str | None = Field(default=None, description="Field of the list item holding the detail URL.")

    @model_validator(mode="after")
    def _one_url(self) -> DetailStage:
        if bool(self.url) == bool(self.url_field):
            raise ValueError("a detail stage needs exactly one of `url` and `url_field`")
        return self


class Pager(BaseModel):
    model_config = ConfigDict(extra="forbid")

    param: str = Field(description="Query parameter holding the page number or offset.")
    start: int = 1
    step: int = Field(default=1, ge=1, description="Increment per page (JD: 2, offset paging: page size).")
    max_pages: int = Field(default=5, ge=1, description="Pages per keyword at most (-a max_pages may lower it).")
    total_pages: Rule | None = Field(default=None, description="Page count on the page; absent: stop when empty.")


class Feed(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(description="Live URL template; {keyword} is replaced URL-encoded.")
    keywords: list[str] = Field(default_factory=lambda: [""])
    pager: Pager | None = None
    list: Stage
    detail: DetailStage | None = None
    record_key: list[str] = Field(min_length=1)
    required: list[str] = Field(
        default_factory=list, description="Fields a row needs to be a record (skips note and totals rows)."
    )
    date_field: str | None = Field(default=None, description="Announcements: field with the notice date.")
    record_url: str | None = Field(default=None, description="Public page template with {field} placeholders.")
    evidence: Literal["H", "M", "L"] = Field(description="sources.md evidence level of this feed's format.")

    @field_validator("url")
    @classmethod
    def _absolute(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("feed url must be an absolute live URL")
        return value


class PlatformConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    platform_id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str = Field(description="The platform's name as sources write it (淘宝, 京东 …).")
    hosts: list[str] = Field(description="Hosts the feeds reach (documentation; replay maps every host).")
    notes: list[str] = Field(description="Evidence and what is inferred, per feed.")
    announcements: Feed | None = None
    listings: Feed | None = None

    @model_validator(mode="after")
    def _announcements_are_dated(self) -> PlatformConfig:
        if self.announcements and not self.announcements.date_field:
            raise ValueError("announcements need a date_field (the window is by notice date)")
        return self

    def feed(self, kind: str) -> Feed | None:
        return getattr(self, kind)


def available_platforms(config_dir: Path = CONFIG_DIR) -> list[str]:
    return sorted(p.stem for p in config_dir.glob("*.json"))


@cache
def load_platform(platform_id: str, config_dir: Path = CONFIG_DIR) -> PlatformConfig:
    """Read and validate ``<config_dir>/<platform_id>.json``; errors name the file and the field."""
    path = config_dir / f"{platform_id}.json"
    try:
        config = PlatformConfig.model_validate_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ValueError(f"no platform config {path}; available: {available_platforms(config_dir)}") from exc
    except ValidationError as exc:
        raise ValueError(f"{path}: invalid platform config: {exc}") from exc
    if config.platform_id != platform_id:
        raise ValueError(f"{path}: platform_id {config.platform_id!r} differs from the file name")
    return config


class EcommercePlatformsArgs(SpiderArgs):
    platform: list[str] = Field(default_factory=list, description="Platform ids, comma-separated (default: all).")
    kinds: list[Literal["announcements", "listings"]] = Field(default_factory=lambda: ["announcements", "listings"])
    keywords: list[str] = Field(default_factory=list, description="Listing search keywords (default: config's).")

    @field_validator("platform", "kinds", "keywords", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        return [v.strip() for v in value.split(",") if v.strip()] if isinstance(value, str) else value

    @field_validator("platform")
    @classmethod
    def _configured(cls, value: list[str]) -> list[str]:
        unknown = [p for p in value if p not in available_platforms()]
        if unknown:
            raise ValueError(f"unknown platform(s) {unknown}; configured: {available_platforms()}")
        return value


# -- reading pages -----------------------------------------------------------------------------
@dataclass
class Item:
    """One item of a page: a JSON value, or an HTML node with its table cells / label pairs."""

    data: Any = None
    node: Selector | None = None
    cells: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)

    def raw(self) -> Any:
        if self.node is None:
            return self.data
        return {"cells": self.cells} if self.cells else ({"labels": self.labels} if self.labels else None)


def json_path(data: Any, path: str) -> Any:
    node = data
    for part in path.split("."):
        if isinstance(node, list) and part.lstrip("-").isdigit():
            index = int(part)
            node = node[index] if -len(node) <= index < len(node) else None
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            return None
    return node


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()


def _texts(selection: Any) -> list[str]:
    texts = []
    for sel in selection:
        value = sel.get() if isinstance(sel.root, str) else sel.xpath("string(.)").get("")
        value = _squash(value or "")
        if value:
            texts.append(value)
    return texts


def _select(node: Selector, rule: Rule) -> Any:
    return node.css(rule.css) if rule.css else node.xpath(rule.xpath or ".")


def _label_pairs(texts: list[str]) -> dict[str, str]:
    """``["品牌：演示牌", "货号: X1"]`` → ``{"品牌": "演示牌", "货号": "X1"}`` (first value of a label wins)."""
    pairs: dict[str, str] = {}
    for text in texts:
        match = re.match(r"\s*([^:：]+?)\s*[:：]\s*(.*)$", text, re.S)
        if match and match.group(2).strip():
            pairs.setdefault(_squash(match.group(1)), _squash(match.group(2)))
    return pairs


def extract(rule: Rule, item: Item) -> str | None:
    """The text a rule points at within ``item`` (None when absent)."""
    value: str | None
    if rule.json_path:
        found = json_path(item.data, rule.json_path)
        value = None if found is None or isinstance(found, dict | list) else _squash(str(found))
    elif rule.column:
        value = next((item.cells[c] for c in rule.column if item.cells.get(c)), None)
    elif rule.label:
        value = next((item.labels[c] for c in rule.label if item.labels.get(c)), None)
    else:
        if item.node is None:
            return None
        texts = _texts(_select(item.node, rule))
        value = " ".join(texts) if texts else None
    if value and rule.regex:
        match = re.search(rule.regex, value)
        value = (match.group(1) if match.groups() else match.group(0)) if match else None
    return value or None


def read_page(stage: Stage, text: str) -> tuple[Item, list[Item]]:
    """The page as an item (for page-level rules such as the page count) and its items."""
    if stage.format == "embedded_json":
        match = re.search(stage.embedded_json or "", text, re.S)
        if not match:
            raise ValueError("embedded JSON not found")
        text = match.group(1)
    if stage.format in ("json", "embedded_json"):
        data = json.loads(text)
        if not stage.html_in_json:
            page = Item(data=data)
            if stage.items is None:
                return page, [page]
            found = json_path(data, stage.items.json_path or "")
            if not isinstance(found, list):
                raise ValueError(f"items path {stage.items.json_path!r} is not a list")
            return page, [Item(data=entry) for entry in found]
        fragment = json_path(data, stage.html_in_json)
        if not isinstance(fragment, str):
            raise ValueError(f"html_in_json path {stage.html_in_json!r} holds no HTML text")
        text = fragment
    root = Selector(text=text)
    page = Item(node=root)
    nodes = [root] if stage.items is None else list(_select(root, stage.items))
    header = _texts(_select(root, stage.header)) if stage.header else []
    items = []
    for node in nodes:
        item = Item(node=node)
        if header:
            cells = [_squash(c.xpath("string(.)").get("")) for c in node.xpath("./td|./th")]
            if not any(cells) or cells == header:
                continue  # spacer or repeated header row
            item.cells = {name: cells[i] for i, name in enumerate(header) if i < len(cells)}
        if stage.label_nodes:
            item.labels = _label_pairs(_texts(_select(node, stage.label_nodes)))
        items.append(item)
    return page, items


def notice_day(text: str | None) -> dt.date | None:
    """Announcement dates: ``2026-10-15``, ``2026/10/15``, ``2026年10月15日``, with or without time."""
    match = re.search(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})", text or "")
    if not match:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def with_query(url: str, **params: Any) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update({k: str(v) for k, v in params.items()})
    return urlunsplit(parts._replace(query=urlencode(query)))


def fill(template: str, fields: dict[str, Any]) -> str | None:
    """``{name}`` placeholders from fields (URL-encoded); None when one is missing."""
    missing = [n for n in re.findall(r"{(\w+)}", template) if not fields.get(n)]
    if missing:
        return None
    return re.sub(r"{(\w+)}", lambda m: quote(str(fields[m.group(1)]), safe=""), template)


# -- spider ------------------------------------------------------------------------------------
class EcommercePlatformsSpider(RiskSourceSpider):
    name = "ecommerce_platforms"
    channel = "c"
    site = "platforms"
    # Nominal: each platform config holds its own live URLs (several hosts per platform).
    live_base_url = "https://search.jd.com"
    freshness_hours = 24 * 7
    content_type = "application/json"
    args_model = EcommercePlatformsArgs

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.platforms = [load_platform(p) for p in (self.args.platform or available_platforms())]

    def crawl_url(self, platform_id: str, live_url: str) -> str:
        """The URL to fetch: the live URL, or its replay form under ``<base_url>/<platform_id>/<host>``."""
        if self.args.base_url is None:
            return live_url
        parts = urlsplit(live_url)
        path = f"/{platform_id}/{parts.netloc}{parts.path or '/'}"
        return f"{self.base_url}{path}" + (f"?{parts.query}" if parts.query else "")

    def start_requests_for_window(self, since: dt.date, until: dt.date) -> Iterable[Request]:
        for config in self.platforms:
            for kind in self.args.kinds:
                feed = config.feed(kind)
                if feed is None:
                    continue
                keywords = (self.args.keywords or feed.keywords) if kind == "listings" else feed.keywords
                for keyword in keywords:
                    yield self._list_request(config, kind, keyword, 0, since, until)

    def _list_request(
        self, config: PlatformConfig, kind: str, keyword: str, index: int, since: dt.date, until: dt.date
    ) -> Request:
        feed = config.feed(kind)
        assert feed is not None
        live_url = feed.url.replace("{keyword}", quote(keyword, safe=""))
        if feed.pager:
            live_url = with_query(live_url, **{feed.pager.param: feed.pager.start + index * feed.pager.step})
        meta = {
            "platform_id": config.platform_id,
            "kind": kind,
            "keyword": keyword,
            "index": index,
            "live_url": live_url,
            "since": since.isoformat(),
            "until": until.isoformat(),
        }
        return self.request(self.crawl_url(config.platform_id, live_url), self.parse, meta=meta)

    def _context(self, response: Response) -> tuple[PlatformConfig, str, Feed]:
        meta = response.meta
        config = load_platform(meta["platform_id"])
        feed = config.feed(meta["kind"])
        assert feed is not None
        return config, meta["kind"], feed

    def _read(self, response: Response, stage: Stage) -> tuple[Item, list[Item]] | None:
        try:
            return read_page(stage, self.decode_body(response))
        except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
            self.record_parse_problem(response, "unreadable_page", str(exc))
            return None

    def parse(self, response: Response, **kwargs: Any) -> Iterator[RawRecord | Request]:
        """A list page (announcements or search results) → records or detail requests, then the next page."""
        config, kind, feed = self._context(response)
        meta = response.meta
        read = self._read(response, feed.list)
        if read is None:
            return
        page, items = read
        index = int(meta["index"])
        if not items and index == 0:
            # An empty first page means a changed layout or a login wall, not "nothing published".
            self.record_parse_problem(
                response, "no_items", f"{config.platform_id} {kind}: list selector matched nothing"
            )
            return
        since = dt.date.fromisoformat(meta["since"])
        until = dt.date.fromisoformat(meta["until"])
        oldest: dt.date | None = None
        for position, item in enumerate(items, start=1):
            fields = {name: extract(rule, item) for name, rule in feed.list.fields.items()}
            if kind == "announcements":
                day = notice_day(fields.get(feed.date_field or ""))
                if day is None:
                    self.crawler.stats.inc_value(f"ecmon/field/{feed.date_field}/missing")
                else:
                    oldest = day if oldest is None or day < oldest else oldest
                    if not since <= day <= until:
                        continue
            if feed.detail is None:
                if kind == "announcements":
                    fields[ROW_FIELD] = str(position)
                record = self._record(response, config, kind, feed, fields, {"list": item.raw()}, None)
                if record is not None:
                    yield record
                continue
            detail_url = self._detail_url(feed.detail, fields, meta["live_url"])
            if detail_url is None:
                self.crawler.stats.inc_value("ecmon/field/detail_url/missing")
                continue
            yield self.request(
                self.crawl_url(config.platform_id, detail_url),
                self.parse_detail,
                meta={**meta, "parent": fields, "parent_raw": item.raw(), "detail_live_url": detail_url},
            )

        pager = feed.pager
        if pager is None or not items:
            return
        limit = min(pager.max_pages, self.args.max_pages or pager.max_pages)
        total = extract(pager.total_pages, page) if pager.total_pages else None
        more = index + 1 < limit and (total is None or not total.isdigit() or index + 1 < int(total))
        past_window = kind == "announcements" and oldest is not None and oldest < since
        if more and not past_window:
            yield self._list_request(config, kind, meta["keyword"], index + 1, since, until)

    def parse_detail(self, response: Response, **kwargs: Any) -> Iterator[RawRecord]:
        """A detail page: announcement rows (one record each) or one listing's extra fields."""
        config, kind, feed = self._context(response)
        assert feed.detail is not None
        read = self._read(response, feed.detail)
        if read is None:
            return
        _, items = read
        if not items:
            self.record_parse_problem(
                response, "no_items", f"{config.platform_id} {kind}: detail selector matched nothing"
            )
            return
        parent = response.meta.get("parent") or {}
        for position, item in enumerate(items, start=1):
            found = {name: extract(rule, item) for name, rule in feed.detail.fields.items()}
            fields = {**parent, **{k: v for k, v in found.items() if v is not None}}
            if feed.detail.items is not None:  # rows of a table, not the one page of a listing
                fields[ROW_FIELD] = str(position)
            raw = {"list": response.meta.get("parent_raw"), "detail": item.raw()}
            record = self._record(response, config, kind, feed, fields, raw, response.meta.get("detail_live_url"))
            if record is not None:
                yield record

    def _detail_url(self, detail: DetailStage, fields: dict[str, Any], page_live_url: str) -> str | None:
        if detail.url:
            return fill(detail.url, fields)
        found = fields.get(detail.url_field or "")
        return urljoin(page_live_url, found) if found else None

    def _record(
        self,
        response: Response,
        config: PlatformConfig,
        kind: str,
        feed: Feed,
        fields: dict[str, Any],
        raw: dict[str, Any],
        detail_live_url: str | None,
    ) -> RawRecord | None:
        values = [fields.get(name) for name in feed.record_key]
        if not all(values) or not all(fields.get(name) for name in feed.required):
            # e.g. a totals or note row inside an announcement table
            self.crawler.stats.inc_value(f"ecmon/{config.platform_id}/{kind}/row_without_key")
            return None
        record_kind = KINDS[kind]
        key = f"{config.platform_id}:{KEY_PREFIX[record_kind]}:" + "/".join(str(v) for v in values)
        day = notice_day(fields.get(feed.date_field or "")) if feed.date_field else None
        url = fields.get("url")
        record_url = (
            (fill(feed.record_url, fields) if feed.record_url else None)
            or detail_live_url
            or (urljoin(response.meta["live_url"], url) if url else None)
        )
        body = {
            "platform_id": config.platform_id,
            "platform": config.name,
            "kind": record_kind,
            "fields": fields,
            "raw": {k: v for k, v in raw.items() if v is not None},
        }
        return self.make_record(
            response,
            record_key=key[:200],
            body=body,
            record_url=record_url,
            published_at=day.isoformat() if day else None,
        )
