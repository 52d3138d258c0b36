"""Regulator recall RSS items (FDA food safety recalls, USDA FSIS recalls) → risk information (5.3.1).

The feed gives a title, a link to the notice, a description and a date, nothing structured:

- ``title`` (HTML entities decoded; FSIS double-escapes some, ``Soup &amp;amp; Bowl``) → title;
- ``summary`` (the RSS ``description``; FSIS sends CDATA HTML with an icon) → description as plain text;
- ``link`` → source URL; ``published`` (``pubDate``) → published date (UTC, as everywhere);
- the reason the title itself states after "Due to" / "Because of" → hazard item, with a hazard code
  when the scheme's crosswalk knows it;
- the category comes from what the feed says it covers: the FDA feed's title ("FDA Food Safety
  Recalls RSS Feed") and the FSIS creator ("Food Safety and Inspection Service", meat, poultry, eggs).

``info_type`` is "recall", except FSIS public health alerts — items FSIS marks with its PHA icon
(``Icon-pha.png``) and titles "FSIS Issues Public Health Alert …" — which are "alert": no product is
recalled in those. Product name and firm are left to the classifier: titles word them too freely.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from transforms.risk_information.mapping import MappedRecord, MappingError, clean_text, risk_info_id
from transforms.risk_information.openfda_enforcement import category_columns, hazard_columns

SOURCES = ["fda_food_recalls_rss", "usda_fsis_recalls_rss"]
SCHEMES = {"fda_food_recalls_rss": "openfda", "usda_fsis_recalls_rss": "usda_fsis"}
_REASON = re.compile(r"\b(?:due\s+to|because\s+of)\s+(?P<reason>.+)$", re.IGNORECASE)
_ICON = re.compile(r"""<img\b[^>]*\bsrc=["'](?P<src>[^"']+)["']""", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


def html_to_text(markup: str | None) -> str | None:
    """Visible text of an HTML fragment, whitespace collapsed (the FSIS icon and tags dropped)."""
    if not markup:
        return None
    from bs4 import BeautifulSoup

    text = BeautifulSoup(markup, "html.parser").get_text(" ")
    return clean_text(_SPACES.sub(" ", html.unescape(text)))


def plain_title(value: Any) -> str | None:
    """Title with entities decoded, twice if the feed escaped them twice, spaces collapsed."""
    text = clean_text(value)
    if text is None:
        return None
    while (decoded := html.unescape(text)) != text:
        text = decoded
    return clean_text(_SPACES.sub(" ", text))


def stated_reason(title: str | None) -> str | None:
    """The reason a recall title states: "… Due to Possible Listeria Contamination" → that phrase."""
    match = _REASON.search(title or "")
    return clean_text(match["reason"]) if match else None


def map_item(source: str, body: dict[str, Any], record_key: str) -> MappedRecord:
    from transforms.normalise import parse_date

    record = f"{source} {record_key}"
    feed, entry = body.get("feed") or {}, body.get("entry")
    if not isinstance(entry, dict):
        raise MappingError(f"{record}: field entry: expected an object")
    rid = risk_info_id(source, record_key)
    title = plain_title(entry.get("title"))
    try:
        published = parse_date(entry.get("published") or entry.get("updated"), strict=True)
    except ValueError as exc:
        raise MappingError(f"{record}: field published: {exc}") from exc
    summary = entry.get("summary")
    icon = _ICON.search(summary or "")
    is_alert = source == "usda_fsis_recalls_rss" and (
        (icon is not None and "icon-pha" in icon["src"].lower()) or "public health alert" in (title or "").lower()
    )
    reason = stated_reason(title)
    scheme = SCHEMES[source]
    category_label = feed.get("title") if source == "fda_food_recalls_rss" else entry.get("author")
    hazard, hazard_code = hazard_columns(scheme, reason)
    attributes = {
        "guid": entry.get("id"),
        "pubDate": entry.get("published"),
        "creator": entry.get("author"),
        "feed_title": feed.get("title"),
        "icon": icon["src"] if icon else None,
        "hazard_subcode": hazard_code,
    }
    risk = {
        "risk_info_id": rid,
        "source": source,
        "channel": "b",
        "record_key": record_key,
        "info_type": "alert" if is_alert else "recall",
        "title": title,
        "product_name": None,
        "description": html_to_text(summary),
        **category_columns(scheme, clean_text(category_label)),
        "hazard_item": reason,
        **hazard,
        "published_date": published,
        "source_url": clean_text(entry.get("link")),
        "attributes": {k: v for k, v in attributes.items() if v},
    }
    facts = [{"risk_info_id": rid, "kind": "hazard", "seq": 0, "text": reason, "url": None}] if reason else []
    return MappedRecord(risk=risk, facts=facts)


def map_document(doc: dict[str, Any]) -> MappedRecord:
    """Entry point used by the loader: ``doc`` is a ``raw_document`` row as a dict."""
    try:
        body = json.loads(doc["body"])
    except json.JSONDecodeError as exc:
        raise MappingError(f"raw_document {doc['document_id']}: field body: invalid JSON ({exc.msg})") from exc
    if not isinstance(body, dict):
        raise MappingError(f"raw_document {doc['document_id']}: field body: expected a JSON object")
    return map_item(doc["source"], body, doc["record_key"])
