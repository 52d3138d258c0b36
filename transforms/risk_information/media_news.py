"""Media articles (5.2.2 d) → risk information of type "news" (5.3.1).

Two raw forms:

- ``media_news_feeds``: the feed entry as JSON (``{"feed": {name, language, title …}, "entry": {…}}``):
  title, summary (HTML stripped) as description, link, publication date;
- ``cqn_news``: the article page HTML of China Quality News, read with the spider's own selectors
  (:func:`crawlers.spiders.cqn_news.read_article`): title, article text as description, date.

The words that made the article relevant (product and quality/safety words, recomputed with
:func:`ecmon.formats.media_filter.assess`) are kept in ``attributes`` for the classifier and for
reviewers. Media give no structured product, firm or hazard: those columns stay empty until
analysis (5.3) fills them. Chinese text is kept as is.
"""

from __future__ import annotations

import json
from typing import Any

from ecmon.formats.media_filter import assess, canonical_url
from transforms.risk_information.mapping import MappedRecord, MappingError, clean_text, risk_info_id
from transforms.risk_information.recall_feeds import html_to_text, plain_title

SOURCES = ["media_news_feeds", "cqn_news"]


def _risk(source: str, record_key: str, **columns: Any) -> dict[str, Any]:
    relevance = assess(f"{columns.get('title') or ''}\n{columns.get('description') or ''}")
    attributes = {
        **columns.pop("attributes"),
        "product_words": list(relevance.product_words),
        "quality_words": list(relevance.quality_words),
    }
    return {
        "risk_info_id": risk_info_id(source, record_key),
        "source": source,
        "channel": "d",
        "record_key": record_key,
        "info_type": "news",
        **columns,
        "attributes": {k: v for k, v in attributes.items() if v},
    }


def map_feed_entry(body: dict[str, Any], record_key: str) -> MappedRecord:
    from transforms.normalise import parse_date

    record = f"media_news_feeds {record_key}"
    feed, entry = body.get("feed") or {}, body.get("entry")
    if not isinstance(entry, dict):
        raise MappingError(f"{record}: field entry: expected an object")
    try:
        published = parse_date(entry.get("published") or entry.get("updated"), strict=True)
    except ValueError as exc:
        raise MappingError(f"{record}: field published: {exc}") from exc
    contents = entry.get("content") or []
    risk = _risk(
        "media_news_feeds",
        record_key,
        title=plain_title(entry.get("title")),
        description=html_to_text(entry.get("summary")) or (html_to_text(contents[0]) if contents else None),
        published_date=published,
        source_url=canonical_url(entry["link"]) if entry.get("link") else None,
        attributes={
            "feed": feed.get("name"),
            "feed_title": feed.get("title"),
            "language": feed.get("language"),
            "author": entry.get("author"),
            "tags": entry.get("tags"),
            "guid": entry.get("id"),
            "link_as_served": entry.get("link"),
        },
    )
    return MappedRecord(risk=risk)


def map_cqn_article(doc: dict[str, Any]) -> MappedRecord:
    from ecmon.formats.cqn_article import read_article
    from transforms.normalise import parse_date

    record = f"cqn_news {doc['record_key']}"
    article = read_article(doc["body"])
    if not article.title:
        raise MappingError(f"{record}: field title: the page has no title element")
    risk = _risk(
        "cqn_news",
        doc["record_key"],
        title=clean_text(article.title),
        description=clean_text(article.text),
        published_date=parse_date(article.published),  # UTC date of the Beijing-time stamp
        source_url=doc.get("record_url") or doc["record_key"],
        attributes={
            "site": "中国质量新闻网",
            "language": "zh",
            "breadcrumb": list(article.breadcrumb),
            "published_text": article.published_text,
        },
    )
    return MappedRecord(risk=risk)


def map_document(doc: dict[str, Any]) -> MappedRecord:
    """Entry point used by the loader: ``doc`` is a ``raw_document`` row as a dict."""
    if doc["source"] == "cqn_news":
        return map_cqn_article(doc)
    try:
        body = json.loads(doc["body"])
    except json.JSONDecodeError as exc:
        raise MappingError(f"raw_document {doc['document_id']}: field body: invalid JSON ({exc.msg})") from exc
    if not isinstance(body, dict):
        raise MappingError(f"raw_document {doc['document_id']}: field body: expected a JSON object")
    return map_feed_entry(body, doc["record_key"])
