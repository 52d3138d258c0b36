"""FDA Enforcement Report API row (iRES, UPPERCASE keys, MM/DD/YYYY dates) → risk information (5.3.1).

One row is one recalled product of a recall event. ``PRODUCTDESCRIPTIONTXT`` → product name and
product row (with ``PRODUCTTYPESHORT``: Food, Devices, Drugs, Biologics, Veterinary … → category through
the openFDA crosswalk); ``FIRMLEGALNAM`` → manufacturer party with its FEI number as company id;
``PRODUCTSHORTREASONTXT`` → description and hazard item (hazard code through the openFDA crosswalk
when it finds one); ``ENFORCEMENTREPORTDT`` → published date (else the classification or initiation
date); ``PRODUCTDISTRIBUTEDQUANTITY`` → units. ``CENTERCLASSIFICATIONTYPETXT`` "1"/"2"/"3" is kept as
"Class I/II/III" in ``attributes`` with every other field. Text keeps its line breaks; the API's
``\\r\\n`` and runs of blank lines are folded.
"""

from __future__ import annotations

import json
import re
from typing import Any

from transforms.risk_information.mapping import MappedRecord, MappingError, clean_text, risk_info_id
from transforms.risk_information.openfda_enforcement import (
    category_columns,
    event_page,
    hazard_columns,
)

SOURCE = "fda_ires_enforcement"
SCHEME = "openfda"
CLASSIFICATION = {"1": "Class I", "2": "Class II", "3": "Class III"}
ATTRIBUTE_FIELDS = (
    "RECALLNUM",
    "RECALLEVENTID",
    "PRODUCTID",
    "PRODUCTTYPESHORT",
    "CENTERCD",
    "PHASETXT",
    "VOLUNTARYTYPETXT",
    "INITIALFIRMNOTIFICATIONTXT",
    "DISTRIBUTIONAREASUMMARYTXT",
    "FIRMFEINUM",
    "RECALLINITIATIONDT",
    "CENTERCLASSIFICATIONDT",
    "DETERMINATIONDT",
    "ENFORCEMENTREPORTDT",
    "TERMINATIONDT",
    "EVENTLMD",
)
_BLANK_LINES = re.compile(r"[ \t]*(?:\r?\n[ \t]*)+")


def text_field(value: Any) -> str | None:
    """Trimmed text with ``\\r\\n`` and blank-line runs folded to single line breaks."""
    text = clean_text(value)
    if text is None:
        return None
    return _BLANK_LINES.sub("\n", text).strip() or None


def map_row(row: dict[str, Any], record_key: str) -> MappedRecord:
    from transforms.normalise import parse_date

    record = f"{SOURCE} PRODUCTID {record_key}"
    rid = risk_info_id(SOURCE, record_key)
    product = text_field(row.get("PRODUCTDESCRIPTIONTXT"))
    product_type = text_field(row.get("PRODUCTTYPESHORT"))
    reason = text_field(row.get("PRODUCTSHORTREASONTXT"))
    firm = text_field(row.get("FIRMLEGALNAM"))
    units = text_field(row.get("PRODUCTDISTRIBUTEDQUANTITY"))
    published = None
    for column in ("ENFORCEMENTREPORTDT", "CENTERCLASSIFICATIONDT", "RECALLINITIATIONDT"):
        try:
            published = parse_date(row.get(column), strict=True)
        except ValueError as exc:
            raise MappingError(f"{record}: field {column}: {exc}") from exc
        if published:
            break

    products = [
        {
            "risk_info_id": rid,
            "seq": 0,
            "name": product,
            "model": None,
            "product_type": product_type,
            "units": units[:200] if units else None,
            "description": None,
        }
    ]
    parties = (
        [{"risk_info_id": rid, "role": "manufacturer", "seq": 0, "name": firm,
          "company_id": text_field(row.get("FIRMFEINUM")), "country_code": None}]
        if firm
        else []
    )  # fmt: skip
    facts = [
        {"risk_info_id": rid, "kind": kind, "seq": 0, "text": text, "url": None}
        for kind, text in (("hazard", reason), ("distribution", text_field(row.get("DISTRIBUTIONAREASUMMARYTXT"))))
        if text
    ]
    attributes: dict[str, Any] = {k: text_field(row.get(k)) for k in ATTRIBUTE_FIELDS if text_field(row.get(k))}
    hazard, hazard_code = hazard_columns(SCHEME, reason)
    if hazard_code:
        attributes["hazard_subcode"] = hazard_code
    classification = CLASSIFICATION.get(str(row.get("CENTERCLASSIFICATIONTYPETXT") or "").strip())
    if classification:
        attributes["classification"] = classification
    risk = {
        "risk_info_id": rid,
        "source": SOURCE,
        "channel": "b",
        "record_key": record_key,
        "info_type": "recall",
        "title": None,  # the API gives no headline
        "product_name": product,
        "description": reason,
        **category_columns(SCHEME, product_type),
        "hazard_item": reason,
        **hazard,
        "manufacturer": firm,
        "published_date": published,
        "units": units[:200] if units else None,
        "source_url": event_page(row.get("RECALLEVENTID")),
        "attributes": attributes,
    }
    return MappedRecord(risk=risk, products=products, parties=parties, facts=facts)


def map_document(doc: dict[str, Any]) -> MappedRecord:
    """Entry point used by the loader: ``doc`` is a ``raw_document`` row as a dict."""
    try:
        row = json.loads(doc["body"])
    except json.JSONDecodeError as exc:
        raise MappingError(f"raw_document {doc['document_id']}: field body: invalid JSON ({exc.msg})") from exc
    if not isinstance(row, dict):
        raise MappingError(f"raw_document {doc['document_id']}: field body: expected a JSON object")
    return map_row(row, doc["record_key"])
