"""E-commerce platform records (5.2.2 c) → risk information.

Two kinds, as the ``ecommerce_platforms`` spider stores them (``{"platform_id", "platform", "kind",
"fields", "raw"}``):

- ``platform_notice`` — one result row of a platform quality announcement: ``title`` is the notice
  title, ``product_name`` the product, ``shop`` the shop, ``hazard_item`` the failed item as the
  platform words it (hazard code through the ``cn_spotcheck`` crosswalk, the scheme of Chinese
  不合格项目), ``remedy`` the measure taken, ``published_date`` the notice date (5.1.2 c).
- ``listing`` — one product listing: title, shop, brand, model, barcode where shown; price and sales
  count (numbers parsed from "1.2万+人付款", "2万+", "¥59.90", raw text kept) in ``attributes``. Listings
  are market presence, not problems: they feed 5.1.2 c/e and the shop candidates of schemes (5.4.1 b).

``platform`` is the platform's name (京东, 淘宝) as other sources write it; its id is in ``attributes``.
Shops become ``shop`` parties, manufacturers ``manufacturer`` parties, barcodes identifiers. No source
category label exists, so categories are left to the classifier.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from transforms.risk_information.mapping import MappedRecord, MappingError, clean_text, risk_info_id

SOURCE = "ecommerce_platforms"
INFO_TYPES = ("platform_notice", "listing")
HAZARD_SCHEME = "cn_spotcheck"
_UNITS = {"万": 10_000, "亿": 100_000_000, "千": 1_000}


def parse_count(text: str | None) -> int | None:
    """``1.2万+人付款`` → 12000, ``356人收货`` → 356, ``2万+`` → 20000, ``5000+`` → 5000."""
    match = re.search(r"(\d+(?:\.\d+)?)\s*([万亿千]?)", (text or "").replace(",", ""))
    if not match:
        return None
    return round(float(match.group(1)) * _UNITS.get(match.group(2), 1))


def parse_price(text: str | None) -> float | None:
    """``¥59.90`` / ``59.90`` / ``39.90-59.90`` (lowest) → 59.9."""
    match = re.search(r"\d+(?:\.\d+)?", (text or "").replace(",", ""))
    return float(match.group(0)) if match else None


def _notice_date(value: Any, record: str) -> dt.date | None:
    """Notice dates as platforms write them: ``2026-10-15``, ``2026-10-15 10:00:00``, ``2026年10月15日``."""
    from transforms.normalise.dates import parse_date

    text = clean_text(value)
    if text is None:
        return None
    # The calendar day the platform printed, not the UTC day of its Beijing-time stamp.
    match = re.search(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?", text)
    day = parse_date(match.group(0)) if match else None
    if day is None:
        raise MappingError(f"{record}: field date: not a date: {value!r}")
    return day


def map_platform_record(body: dict[str, Any], record_key: str, record_url: str | None, document: str) -> MappedRecord:
    from transforms import taxonomy
    from transforms.normalise.gtin import is_valid_gtin

    record = f"{document} (ecommerce_platforms {record_key})"
    kind = body.get("kind")
    if kind not in INFO_TYPES:
        raise MappingError(f"{record}: field kind: {kind!r} is not one of {INFO_TYPES}")
    fields = body.get("fields")
    if not isinstance(fields, dict):
        raise MappingError(f"{record}: field fields: expected an object")
    platform = clean_text(body.get("platform"))
    if platform is None:
        raise MappingError(f"{record}: field platform is missing")

    def text(name: str) -> str | None:
        return clean_text(fields.get(name))

    rid = risk_info_id(SOURCE, record_key)
    shop = text("shop")
    manufacturer = text("manufacturer")
    barcode = text("barcode")
    notice = kind == "platform_notice"
    product_name = text("product") or text("product_name") or text("title")
    failed_item = text("failed_item") if notice else None
    hazard = taxonomy.crosswalk_hazard(HAZARD_SCHEME, failed_item) if failed_item else None

    parties = []
    if shop:
        parties.append({"risk_info_id": rid, "role": "shop", "seq": 0, "name": shop, "company_id": None,
                        "country_code": None})  # fmt: skip
    if manufacturer:
        parties.append({"risk_info_id": rid, "role": "manufacturer", "seq": 0, "name": manufacturer,
                        "company_id": None, "country_code": None})  # fmt: skip
    identifiers = []
    if barcode:
        digits = re.sub(r"\D", "", barcode)
        identifiers.append(
            {"risk_info_id": rid, "kind": "gtin", "value": (digits or barcode)[:80],
             "valid_check_digit": is_valid_gtin(digits) if digits else None}
        )  # fmt: skip
    products = [
        {
            "risk_info_id": rid,
            "seq": 0,
            "name": product_name,
            "model": text("model"),
            "product_type": None,
            "units": None,
            "description": None,
        }
    ]
    facts = []
    if failed_item:
        facts.append({"risk_info_id": rid, "kind": "hazard", "seq": 0, "text": failed_item, "url": None})
    if notice and text("measure"):
        facts.append({"risk_info_id": rid, "kind": "remedy", "seq": 0, "text": text("measure"), "url": None})

    attributes: dict[str, Any] = {"platform_id": clean_text(body.get("platform_id")), "kind": kind}
    if notice:
        attributes.update(notice_id=text("notice_id"), row=text("_row"), seq=text("seq"), notice_title=text("title"))
        attributes["hazard_subcode"] = hazard
    else:
        attributes.update(
            item_id=text("item_id"),
            price=parse_price(text("price")),
            price_text=text("price"),
            sales_count=parse_count(text("sales")),
            sales_text=text("sales"),
            comment_count=parse_count(text("comments")),
            comment_text=text("comments"),
            location=text("location"),
        )

    risk = {
        "risk_info_id": rid,
        "source": SOURCE,
        "channel": "c",
        "record_key": record_key,
        "info_type": kind,
        "title": text("title"),
        "product_name": product_name,
        "description": None,
        "hazard_code": taxonomy.top_level(hazard) if hazard else None,
        "hazard_label_source": "crosswalk" if hazard else None,
        "hazard_confidence": 1.0 if hazard else None,
        "hazard_item": failed_item,
        "manufacturer": manufacturer,
        "brand": (text("brand") or "")[:200] or None,
        "model": text("model"),
        "barcode": identifiers[0]["value"][:40] if identifiers else None,
        "shop": (shop or "")[:300] or None,
        "platform": platform[:200],
        "published_date": _notice_date(fields.get("date"), record) if notice else None,
        "remedy": text("measure") if notice else None,
        "source_url": clean_text(record_url),
        "attributes": attributes,
    }
    return MappedRecord(risk=risk, products=products, parties=parties, facts=facts, identifiers=identifiers)


def map_document(doc: dict[str, Any]) -> MappedRecord:
    """Entry point used by the loader: ``doc`` is a ``raw_document`` row as a dict."""
    document = f"raw_document {doc['document_id']}"
    try:
        body = json.loads(doc["body"])
    except json.JSONDecodeError as exc:
        raise MappingError(f"{document}: field body: invalid JSON ({exc.msg})") from exc
    if not isinstance(body, dict):
        raise MappingError(f"{document}: field body: expected a JSON object")
    return map_platform_record(body, doc["record_key"], doc.get("record_url"), document)
