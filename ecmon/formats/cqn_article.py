"""China Quality News (中国质量新闻网) article pages: selectors and reader (5.2.2 d).

Used by the ``cqn_news`` spider to judge relevance and by the risk-information mapper to read the
stored page; selectors are configuration because the site layout has changed before.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from parsel import Selector

BEIJING = ZoneInfo("Asia/Shanghai")
_DATE_TIME = re.compile(
    r"(?P<y>\d{4})\s*[-年/.]\s*(?P<m>\d{1,2})\s*[-月/.]\s*(?P<d>\d{1,2})(?:\s*日)?"
    r"(?:\s*(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?)?"
)
_SPACES = re.compile(r"[ \t\r\f\v\u3000\xa0]+")


@dataclass(frozen=True)
class CqnSelectors:
    """CSS selectors of list and article pages, first match wins (current layout, then older ones)."""

    list_links: tuple[str, ...] = ("dd.cont_l ul li a::attr(href)",)
    article_href: str = r"content/(?P<y>\d{4})-(?P<m>\d{2})/(?P<d>\d{2})/content_(?P<id>\d+)\.htm"
    title: tuple[str, ...] = ("div.Detail_Title h1", "div.Index_ShowDetail_Title", "h1")
    published: tuple[str, ...] = ("div.publish", "div.Index_ShowDetail_Time")
    content: tuple[str, ...] = ("div.content", "div.Index_ShowDetail_Content")
    breadcrumb: str = "div.box"


@dataclass(frozen=True)
class CqnArticle:
    title: str | None
    published_text: str | None
    published: dt.datetime | None
    text: str | None
    breadcrumb: tuple[str, ...]


def _text_of(nodes: Any) -> str | None:
    lines = [_SPACES.sub(" ", t).strip() for t in nodes.css("::text").getall()]
    text = "\n".join(line for line in lines if line)
    return text or None


def _first_text(page: Selector, selectors: Iterable[str]) -> str | None:
    for css in selectors:
        nodes = page.css(css)
        if nodes:
            text = _text_of(nodes[:1])
            if text:
                return text
    return None


def beijing_datetime(text: str | None) -> dt.datetime | None:
    """The first ``2026-03-05 10:35`` / ``2026年3月5日`` in ``text`` as an aware Beijing-time datetime."""
    match = _DATE_TIME.search(text or "")
    if not match:
        return None
    try:
        return dt.datetime(
            int(match["y"]),
            int(match["m"]),
            int(match["d"]),
            int(match["hour"] or 0),
            int(match["minute"] or 0),
            int(match["second"] or 0),
            tzinfo=BEIJING,
        )
    except ValueError:
        return None


def read_article(html: str, selectors: CqnSelectors | None = None) -> CqnArticle:
    """Title, date, text and breadcrumb of a cqn article page (also used by the mapper)."""
    selectors = selectors or CqnSelectors()
    page = Selector(text=html)
    published_text = _first_text(page, selectors.published)
    content = next((page.css(css) for css in selectors.content if page.css(css)), None)
    boxes = page.css(selectors.breadcrumb)
    crumbs = tuple(t.strip() for t in boxes[0].css("a::text").getall() if t.strip()) if boxes else ()
    return CqnArticle(
        title=_first_text(page, selectors.title),
        published_text=published_text,
        published=beijing_datetime(published_text),
        text=_text_of(content[:1]) if content else None,
        breadcrumb=crumbs,
    )
