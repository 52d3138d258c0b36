"""EU Safety Gate alert (notification detail JSON) → risk information (5.2.2 e, 5.1.2 e).

One alert becomes one ``alert`` row. Texts come from the version in the requested language (EN, else
the first): product name and description, risk description (``hazard_item``, as the source words it)
and legal provision. Category: ``product.productCategory.name`` through the ``safety_gate`` crosswalk;
hazard: each ``risk.riskType[].name`` through the same scheme, the most severe one kept (5.3.1 asks for
one hazard per record), all of them as hazard facts. ``country_code`` is the ISO code of
``traceability.countryOrigin`` (``transforms.normalise.countries``) — whether a foreign risk may concern
the domestic market (5.1.2 e). Brands, model/type references and barcodes are joined into their columns;
barcodes and batch numbers also become identifiers. Online traders named by the alert are the
e-commerce platforms it was sold on (``platform``, retailer parties). Measures taken become ``remedy``.

The risk level (serious / other) is shown by the weekly XML (``level``); where the detail JSON carries it
is not confirmed (notes/sources.md §5), so it is read from ``risk.riskLevel`` / ``risk.level`` /
``riskLevel`` when present and kept in ``attributes.risk_level``.
"""

from __future__ import annotations

import json
from typing import Any

from transforms.risk_information.mapping import (
    SPECIAL_POPULATION_COLUMNS,
    MappedRecord,
    MappingError,
    clean_text,
    iso_date,
    join_unique,
    risk_info_id,
)

SOURCE = "eu_safety_gate"
SCHEME = "safety_gate"
LANGUAGE = "EN"
IMAGE_URL = "https://ec.europa.eu/safety-gate-alerts/public/api/notification/image/{id}"
RISK_LEVEL_PATHS = (("risk", "riskLevel"), ("risk", "level"), ("riskLevel",))


def _objects(parent: dict[str, Any], key: str, record: str) -> list[dict[str, Any]]:
    value = parent.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise MappingError(f"{record}: field {key}: expected a list of objects, got {type(value).__name__}")
    return value


def _object(parent: dict[str, Any], key: str, record: str) -> dict[str, Any]:
    value = parent.get(key) or {}
    if not isinstance(value, dict):
        raise MappingError(f"{record}: field {key}: expected an object, got {type(value).__name__}")
    return value


def _name(value: Any) -> str | None:
    """``{"name": "TOYS"}`` → ``TOYS``; plain strings pass through."""
    if isinstance(value, dict):
        return clean_text(value.get("name"))
    return clean_text(value)


def _version(versions: list[dict[str, Any]]) -> dict[str, Any]:
    for version in versions:
        if clean_text((version.get("language") or {}).get("key")) == LANGUAGE:
            return version
    return versions[0] if versions else {}


def _risk_level(alert: dict[str, Any]) -> str | None:
    for path in RISK_LEVEL_PATHS:
        node: Any = alert
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if node:
            return _name(node)
    return None


def map_alert(alert: dict[str, Any], document: str) -> MappedRecord:
    from transforms import taxonomy
    from transforms.normalise.countries import country_code
    from transforms.normalise.gtin import is_valid_gtin

    record_key = clean_text(alert.get("reference")) or clean_text(alert.get("id"))
    if record_key is None:
        raise MappingError(f"{document}: fields reference and id are missing")
    record = f"{document} (Safety Gate alert {record_key})"
    rid = risk_info_id(SOURCE, record_key)
    product = _object(alert, "product", record)
    risk = _object(alert, "risk", record)
    traceability = _object(alert, "traceability", record)
    measures = _objects(_object(alert, "measureTaken", record), "measures", record)

    product_text = _version(_objects(product, "versions", record))
    risk_text = _version(_objects(risk, "versions", record))
    product_name = clean_text(product_text.get("name"))
    name_specific = clean_text(product.get("nameSpecific"))
    brands = [clean_text(b.get("brand")) for b in _objects(product, "brands", record)]
    models = [clean_text(m.get("modelType")) for m in _objects(product, "modelTypes", record)]
    barcodes = [clean_text(b.get("barcode")) for b in _objects(product, "barcodes", record)]
    batches = [clean_text(b.get("batchNumber")) for b in _objects(product, "batchNumbers", record)]
    risk_types = [_name(r) for r in _objects(risk, "riskType", record)]
    risk_types = [r for r in risk_types if r]
    traders = _objects(alert, "onlineTraderProductIdentifierReference", record)
    trader_names = [clean_text(t.get("onlineTrader")) for t in traders]
    category_label = _name(product.get("productCategory"))
    origin = _name(traceability.get("countryOrigin"))

    subcategory = taxonomy.crosswalk_category(SCHEME, category_label) if category_label else None
    hazard = taxonomy.most_severe_hazard([taxonomy.crosswalk_hazard(SCHEME, r) for r in risk_types])
    populations = taxonomy.special_populations(subcategory) if subcategory else []
    measure_texts = [
        join_unique([_name(m.get("measureCategory")), _name(m.get("measureType"))], sep=" / ") for m in measures
    ]

    products = [
        {
            "risk_info_id": rid,
            "seq": 0,
            "name": join_unique([product_name, name_specific], sep=" — "),
            "model": join_unique(models),
            "product_type": category_label,
            "units": None,
            "description": clean_text(product_text.get("description")),
        }
    ]
    parties = [
        {"risk_info_id": rid, "role": "retailer", "seq": i, "name": name, "company_id": None, "country_code": None}
        for i, name in enumerate(dict.fromkeys(n for n in trader_names if n))
    ]
    facts = [
        {"risk_info_id": rid, "kind": "hazard", "seq": i, "text": r, "url": None} for i, r in enumerate(risk_types)
    ]
    facts += [
        {"risk_info_id": rid, "kind": "remedy", "seq": i, "text": text, "url": None}
        for i, text in enumerate(t for t in measure_texts if t)
    ]
    if origin:
        facts.append({"risk_info_id": rid, "kind": "country", "seq": 0, "text": origin, "url": None})
    facts += [
        {"risk_info_id": rid, "kind": "image", "seq": i, "text": clean_text(p.get("fileName")),
         "url": IMAGE_URL.format(id=p["id"])}
        for i, p in enumerate(_objects(product, "photos", record)) if p.get("id") not in (None, "")
    ]  # fmt: skip
    identifiers = [
        {"risk_info_id": rid, "kind": "gtin", "value": code[:80], "valid_check_digit": is_valid_gtin(code)}
        for code in dict.fromkeys(b for b in barcodes if b)
    ]
    identifiers += [
        {"risk_info_id": rid, "kind": "batch", "value": batch[:80], "valid_check_digit": None}
        for batch in dict.fromkeys(b for b in batches if b)
    ]

    row = {
        "risk_info_id": rid,
        "source": SOURCE,
        "channel": "e",
        "record_key": record_key,
        "info_type": "alert",
        "title": join_unique([product_name, name_specific], sep=" — "),
        "product_name": product_name or name_specific,
        "description": clean_text(product_text.get("description")),
        "subcategory_code": subcategory,
        "category_code": taxonomy.top_level(subcategory) if subcategory else None,
        "category_label_source": "crosswalk" if subcategory else None,
        "category_confidence": 1.0 if subcategory else None,
        "hazard_code": taxonomy.top_level(hazard) if hazard else None,
        "hazard_label_source": "crosswalk" if hazard else None,
        "hazard_confidence": 1.0 if hazard else None,
        "hazard_item": clean_text(risk_text.get("riskDescription")),
        "brand": (join_unique(brands) or "")[:200] or None,
        "model": join_unique(models),
        "barcode": identifiers[0]["value"] if identifiers and identifiers[0]["kind"] == "gtin" else None,
        "country_code": country_code(origin) if origin else None,
        "platform": (join_unique(trader_names) or "")[:200] or None,
        "published_date": iso_date(alert.get("publicationDate"), field_name="publicationDate", record=record),
        "remedy": join_unique(measure_texts),
        "source_url": f"https://ec.europa.eu/safety-gate-alerts/screen/webReport/alertDetail/{alert.get('id')}",
        "attributes": {
            "alert_id": alert.get("id"),
            "reference": clean_text(alert.get("reference")),
            "notifying_country": _name(alert.get("country")),
            "notification_type": _name(alert.get("notificationType")),
            "product_category": category_label,
            "risk_types": risk_types,
            "risk_level": _risk_level(alert),
            "hazard_subcode": hazard,
            "legal_provision": clean_text(risk_text.get("legalProvision")),
            "country_of_origin": origin,
            "sold_online": _name(traceability.get("isSoldOnline")),
            "package_description": clean_text(product_text.get("packageDescription")),
            "batch_numbers": [b for b in batches if b],
            "online_traders": [
                {
                    "trader": clean_text(t.get("onlineTrader")),
                    "identifier": clean_text(t.get("uniqueProductIdentifier")),
                }
                for t in traders
            ],
            "modification_date": clean_text(alert.get("modificationDate")),
            "publication_date": clean_text(alert.get("publicationDate")),
        },
    }
    for population, column in SPECIAL_POPULATION_COLUMNS.items():
        row[column] = population in populations
    return MappedRecord(risk=row, products=products, parties=parties, facts=facts, identifiers=identifiers)


def map_document(doc: dict[str, Any]) -> MappedRecord:
    """Entry point used by the loader: ``doc`` is a ``raw_document`` row as a dict."""
    document = f"raw_document {doc['document_id']}"
    try:
        alert = json.loads(doc["body"])
    except json.JSONDecodeError as exc:
        raise MappingError(f"{document}: field body: invalid JSON ({exc.msg})") from exc
    if not isinstance(alert, dict):
        raise MappingError(f"{document}: field body: expected a JSON object")
    return map_alert(alert, document)
