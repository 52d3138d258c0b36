"""openFDA food enforcement report (one recalled product, snake_case JSON) → risk information (5.3.1).

Columns: ``product_description`` → product name and product row; ``recalling_firm`` → manufacturer
(party, with the firm's ``country`` as ISO code); ``reason_for_recall`` → description and hazard item,
with the hazard code from the openFDA crosswalk when it finds one; ``report_date`` → published date;
``product_quantity`` → units. UPCs the description or code information label as such ("UPC
827912008548") become GTIN identifiers. ``classification``, ``distribution_pattern``, ``code_info``
and the other fields are kept in ``attributes``; the firm's address and country also as facts.
The product category comes from ``product_type`` ("Food") when the record carries it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from transforms.risk_information.mapping import MappedRecord, MappingError, clean_text, risk_info_id

SOURCE = "openfda_food_enforcement"
SCHEME = "openfda"
ATTRIBUTE_FIELDS = (
    "recall_number",
    "event_id",
    "classification",
    "status",
    "voluntary_mandated",
    "initial_firm_notification",
    "distribution_pattern",
    "code_info",
    "more_code_info",
    "recall_initiation_date",
    "center_classification_date",
    "termination_date",
    "report_date",
    "product_type",
    "address_1",
    "address_2",
    "city",
    "state",
    "postal_code",
    "country",
)
# "UPC 827912008548", "UPC: 852160007005", "UPC on bottle: 7 01936 29222 3", "UPC Code 707443349917"
_LABELLED_UPC = re.compile(r"\bUPC\b[^0-9]{0,20}?(\d[\d \-]{6,22}\d)", re.IGNORECASE)
_PLACEHOLDERS = {"", "n/a", "na", "none"}


def _text(value: Any) -> str | None:
    text = clean_text(value)
    return None if text is None or text.lower() in _PLACEHOLDERS else text


def labelled_gtins(*texts: str | None) -> list[str]:
    """GTIN-14s of the numbers a text labels "UPC"; a run of digits is tried whole, then token by token."""
    from transforms.normalise import normalise_gtin

    found: list[str] = []
    for text in texts:
        for match in _LABELLED_UPC.finditer(text or ""):
            run = match.group(1)
            whole = normalise_gtin(run)
            candidates = [whole] if whole else [normalise_gtin(token) for token in run.split()]
            for gtin in candidates:
                if gtin and gtin not in found:
                    found.append(gtin)
    return found


def hazard_columns(scheme: str, label: str | None) -> tuple[dict[str, Any], str | None]:
    """hazard_code (top level) with its provenance, and the specific code, from the scheme's crosswalk."""
    from transforms import taxonomy

    code = taxonomy.crosswalk_hazard(scheme, label) if label else None
    if code is None:
        return {"hazard_code": None, "hazard_label_source": None, "hazard_confidence": None}, None
    columns = {"hazard_code": taxonomy.top_level(code), "hazard_label_source": "crosswalk", "hazard_confidence": 1.0}
    return columns, code


def category_columns(scheme: str, label: str | None) -> dict[str, Any]:
    from transforms import taxonomy
    from transforms.risk_information.mapping import SPECIAL_POPULATION_COLUMNS

    code = taxonomy.crosswalk_category(scheme, label) if label else None
    # Special populations belong to a product kind, not to a whole top level ("FOOD" is not baby food).
    populations = taxonomy.special_populations(code) if code and "." in code else []
    columns: dict[str, Any] = {
        "subcategory_code": code if code and "." in code else None,
        "category_code": taxonomy.top_level(code) if code else None,
        "category_label_source": "crosswalk" if code else None,
        "category_confidence": 1.0 if code else None,
    }
    for population, column in SPECIAL_POPULATION_COLUMNS.items():
        columns[column] = population in populations
    return columns


def map_result(result: dict[str, Any], record_key: str) -> MappedRecord:
    from transforms.normalise import country_code, parse_date

    record = f"{SOURCE} {record_key}"
    rid = risk_info_id(SOURCE, record_key)
    product = _text(result.get("product_description"))
    firm = _text(result.get("recalling_firm"))
    reason = _text(result.get("reason_for_recall"))
    country = _text(result.get("country"))
    firm_country = country_code(country) if country else None
    try:
        published = parse_date(result.get("report_date"), strict=True)
    except ValueError as exc:
        raise MappingError(f"{record}: field report_date: {exc}") from exc
    gtins = labelled_gtins(product, _text(result.get("code_info")))
    hazard, hazard_code = hazard_columns(SCHEME, reason)

    products = [
        {
            "risk_info_id": rid,
            "seq": 0,
            "name": product,
            "model": None,
            "product_type": _text(result.get("product_type")),
            "units": _text(result.get("product_quantity")),
            "description": _text(result.get("code_info")),
        }
    ]
    parties = (
        [{"risk_info_id": rid, "role": "manufacturer", "seq": 0, "name": firm, "company_id": None,
          "country_code": firm_country}]
        if firm
        else []
    )  # fmt: skip
    address = ", ".join(
        v for v in (_text(result.get(k)) for k in ("address_1", "address_2", "city", "state", "postal_code")) if v
    )
    facts = [
        {"risk_info_id": rid, "kind": kind, "seq": 0, "text": text, "url": None}
        for kind, text in (
            ("hazard", reason),
            ("distribution", _text(result.get("distribution_pattern"))),
            ("firm_address", address or None),
            ("country", country),
        )
        if text
    ]
    identifiers = [{"risk_info_id": rid, "kind": "gtin", "value": g, "valid_check_digit": True} for g in gtins]
    attributes = {k: _text(result.get(k)) for k in ATTRIBUTE_FIELDS if _text(result.get(k))}
    if hazard_code:
        attributes["hazard_subcode"] = hazard_code
    risk = {
        "risk_info_id": rid,
        "source": SOURCE,
        "channel": "b",
        "record_key": record_key,
        "info_type": "recall",
        "title": None,  # enforcement reports have no headline; the product and reason say it all
        "product_name": product,
        "description": reason,
        **category_columns(SCHEME, _text(result.get("product_type"))),
        "hazard_item": reason,
        **hazard,
        "manufacturer": firm,
        "country_code": firm_country,
        "barcode": gtins[0] if gtins else None,
        "published_date": published,
        "units": (_text(result.get("product_quantity")) or "")[:200] or None,
        "source_url": event_page(result.get("event_id")),
        "attributes": attributes,
    }
    return MappedRecord(risk=risk, products=products, parties=parties, facts=facts, identifiers=identifiers)


def event_page(event_id: Any) -> str | None:
    event = str(event_id or "").strip()
    return f"https://www.accessdata.fda.gov/scripts/ires/index.cfm?Event={event}" if event.isdigit() else None


def map_document(doc: dict[str, Any]) -> MappedRecord:
    """Entry point used by the loader: ``doc`` is a ``raw_document`` row as a dict."""
    try:
        result = json.loads(doc["body"])
    except json.JSONDecodeError as exc:
        raise MappingError(f"raw_document {doc['document_id']}: field body: invalid JSON ({exc.msg})") from exc
    if not isinstance(result, dict):
        raise MappingError(f"raw_document {doc['document_id']}: field body: expected a JSON object")
    return map_result(result, doc["record_key"])
