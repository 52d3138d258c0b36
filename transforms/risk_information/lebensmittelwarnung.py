"""lebensmittelwarnung.de warning (API doc of ``warnings/merged``) → risk information (5.2.2 e).

One warning becomes one ``alert`` row: ``title`` as published, ``product_name`` from the product block
(else the title), ``manufacturer`` (whitespace of the portal's address blocks collapsed), ``brand``,
``hazard_item`` = the warning text ("Grund der Warnung") as the source words it, country DE (the
warning concerns the German market), the affected Bundesländer and the remaining source fields in
``attributes``. The category comes from the source's own label through the ``lebensmittelwarnung``
crosswalk: the product ``designation``/``category`` when it names a warning type (Lebensmittel,
Kosmetische Mittel, Bedarfsgegenstände …), else the doc type (``.FoodWarning`` → Lebensmittel). The
hazard code comes from the warning text through the same scheme. Child rows: the product, the
manufacturer (party), the warning text (hazard fact) and images.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any
from zoneinfo import ZoneInfo

from transforms.risk_information.mapping import (
    SPECIAL_POPULATION_COLUMNS,
    MappedRecord,
    MappingError,
    clean_text,
    first,
    risk_info_id,
)

SOURCE = "lebensmittelwarnung"
SCHEME = "lebensmittelwarnung"
# The doc type stands for the portal's warning type when the product block names none.
TYPE_LABELS = {".FoodWarning": "Lebensmittel"}
BERLIN = ZoneInfo("Europe/Berlin")


def published_moment(value: Any) -> dt.datetime | None:
    """``publishedDate`` (epoch milliseconds) as Berlin time: the portal's dates are German calendar days."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return dt.datetime.fromtimestamp(value / 1000, tz=dt.UTC).astimezone(BERLIN)


def _squash(value: Any) -> str | None:
    """Collapse runs of whitespace (the portal pads manufacturer address lines with spaces)."""
    text = clean_text(value)
    return re.sub(r"\s+", " ", text) if text else None


def _crosswalk_category(labels: list[str | None]) -> str | None:
    from transforms import taxonomy

    return first([taxonomy.crosswalk_category(SCHEME, label) for label in labels if label])


def map_warning(doc: dict[str, Any], document: str) -> MappedRecord:
    from transforms import taxonomy

    record_key = clean_text(doc.get("id"))
    if record_key is None:
        raise MappingError(f"{document}: field id is missing")
    record = f"{document} (lebensmittelwarnung id {record_key})"
    product = doc.get("product") or {}
    if not isinstance(product, dict):
        raise MappingError(f"{record}: field product: expected an object, got {type(product).__name__}")
    states = doc.get("affectedStates") or []
    if isinstance(states, str):
        states = [s.strip() for s in states.split(",")]
    if not isinstance(states, list):
        raise MappingError(f"{record}: field affectedStates: expected a list, got {type(states).__name__}")
    published = doc.get("publishedDate")
    moment = published_moment(published)
    if published not in (None, "") and moment is None:
        raise MappingError(f"{record}: field publishedDate: not epoch milliseconds: {published!r}")

    rid = risk_info_id(SOURCE, record_key)
    title = _squash(doc.get("title"))
    warning = _squash(doc.get("warning"))
    manufacturer = _squash(product.get("manufacturer"))
    designation = _squash(product.get("designation"))
    product_name = _squash(product.get("name")) or title
    image_urls = [u for u in (product.get("imageUrls") or []) if isinstance(u, str) and u.strip()]

    subcategory = _crosswalk_category(
        [designation, _squash(product.get("category")), TYPE_LABELS.get(str(doc.get("_type")))]
    )
    hazard = taxonomy.crosswalk_hazard(SCHEME, warning) if warning else None
    populations = taxonomy.special_populations(subcategory) if subcategory else []

    products = [
        {
            "risk_info_id": rid,
            "seq": 0,
            "name": product_name,
            "model": _squash(product.get("model")),
            "product_type": designation,
            "units": None,
            "description": _squash(product.get("affectedProducts")) or _squash(product.get("shortDescription")),
        }
    ]
    parties = (
        [{"risk_info_id": rid, "role": "manufacturer", "seq": 0, "name": manufacturer, "company_id": None,
          "country_code": None}]
        if manufacturer
        else []
    )  # fmt: skip
    facts = [{"risk_info_id": rid, "kind": "hazard", "seq": 0, "text": warning, "url": None}] if warning else []
    facts += [
        {"risk_info_id": rid, "kind": "image", "seq": i, "text": None, "url": url.strip()}
        for i, url in enumerate(image_urls)
    ]
    safety = doc.get("safetyInformation") if isinstance(doc.get("safetyInformation"), dict) else {}
    rapex = doc.get("rapexInformation") if isinstance(doc.get("rapexInformation"), dict) else {}

    risk = {
        "risk_info_id": rid,
        "source": SOURCE,
        "channel": "e",
        "record_key": record_key,
        "info_type": "alert",
        "title": title,
        "product_name": product_name,
        "description": _squash(product.get("affectedProducts")),
        "subcategory_code": subcategory,
        "category_code": taxonomy.top_level(subcategory) if subcategory else None,
        "category_label_source": "crosswalk" if subcategory else None,
        "category_confidence": 1.0 if subcategory else None,
        "hazard_code": taxonomy.top_level(hazard) if hazard else None,
        "hazard_label_source": "crosswalk" if hazard else None,
        "hazard_confidence": 1.0 if hazard else None,
        "hazard_item": warning,
        "manufacturer": manufacturer,
        "brand": _squash(product.get("brandName")),
        "model": _squash(product.get("model")),
        "country_code": "DE",
        "published_date": moment.date() if moment else None,
        "source_url": clean_text(doc.get("link")),
        "attributes": {
            "warning_id": record_key,
            "doc_type": clean_text(doc.get("_type")),
            "affected_states": [s for s in (clean_text(x) for x in states) if s],
            "designation": designation,
            "hazard_subcode": hazard,
            "archived": doc.get("archived"),
            "image_urls": image_urls,
            "published_at": moment.isoformat() if moment else None,
            "safety_information": safety or None,
            "rapex_alert_number": clean_text(rapex.get("alertNumber")),
        },
    }
    for population, column in SPECIAL_POPULATION_COLUMNS.items():
        risk[column] = population in populations
    return MappedRecord(risk=risk, products=products, parties=parties, facts=facts)


def map_document(doc: dict[str, Any]) -> MappedRecord:
    """Entry point used by the loader: ``doc`` is a ``raw_document`` row as a dict."""
    document = f"raw_document {doc['document_id']}"
    try:
        warning = json.loads(doc["body"])
    except json.JSONDecodeError as exc:
        raise MappingError(f"{document}: field body: invalid JSON ({exc.msg})") from exc
    if not isinstance(warning, dict):
        raise MappingError(f"{document}: field body: expected a JSON object")
    return map_warning(warning, document)
