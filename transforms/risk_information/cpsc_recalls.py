"""CPSC Recalls API record (saferproducts.gov, PascalCase JSON) → risk information.

Every nested array is kept: Products → stg_risk_product; Manufacturers, Importers,
Distributors, Retailers → stg_risk_party; Hazards, Injuries, Remedies, RemedyOptions,
ManufacturerCountries, Images, Inconjunctions → stg_risk_fact; ProductUPCs → stg_risk_identifier.
The product category comes from the source's own ``Products[].Type`` through the CPSC crosswalk
(``transforms/taxonomy``); classification of records without one happens in analysis (5.3).
"""

from __future__ import annotations

from typing import Any

from transforms.risk_information.mapping import (
    SPECIAL_POPULATION_COLUMNS,
    MappedRecord,
    MappingError,
    clean_text,
    first,
    iso_date,
    join_unique,
    risk_info_id,
)

SOURCE = "cpsc_recalls"
PARTY_ROLES = {
    "Manufacturers": "manufacturer",
    "Importers": "importer",
    "Distributors": "distributor",
    "Retailers": "retailer",
}
FACT_ARRAYS = {  # array key -> (fact kind, text field, url field)
    "Hazards": ("hazard", "Name", None),
    "Injuries": ("injury", "Name", None),
    "Remedies": ("remedy", "Name", None),
    "RemedyOptions": ("remedy_option", "Option", None),
    "ManufacturerCountries": ("country", "Country", None),
    "Images": ("image", "Caption", "URL"),
    "Inconjunctions": ("inconjunction", "URL", "URL"),
}


def _array(recall: dict[str, Any], key: str, record: str) -> list[dict[str, Any]]:
    value = recall.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise MappingError(f"{record}: field {key}: expected a list of objects, got {type(value).__name__}")
    return value


def map_recall(recall: dict[str, Any]) -> MappedRecord:
    from transforms import taxonomy

    record_key = clean_text(recall.get("RecallID"))
    if record_key is None:
        raise MappingError("CPSC recall without RecallID: field RecallID is missing")
    record = f"cpsc_recalls RecallID {record_key}"
    rid = risk_info_id(SOURCE, record_key)

    products = [
        {
            "risk_info_id": rid,
            "seq": i,
            "name": clean_text(p.get("Name")),
            "model": clean_text(p.get("Model")),
            "product_type": clean_text(p.get("Type")),
            "units": clean_text(p.get("NumberOfUnits")),
            "description": clean_text(p.get("Description")),
        }
        for i, p in enumerate(_array(recall, "Products", record))
    ]
    parties = []
    for key, role in PARTY_ROLES.items():
        for i, firm in enumerate(_array(recall, key, record)):
            name = clean_text(firm.get("Name"))
            if name:
                parties.append(
                    {
                        "risk_info_id": rid,
                        "role": role,
                        "seq": i,
                        "name": name,
                        "company_id": clean_text(firm.get("CompanyID")),
                        "country_code": None,
                    }
                )
    facts = []
    for key, (kind, text_field, url_field) in FACT_ARRAYS.items():
        for i, entry in enumerate(_array(recall, key, record)):
            text = clean_text(entry.get(text_field))
            url = clean_text(entry.get(url_field)) if url_field else None
            if text or url:
                facts.append({"risk_info_id": rid, "kind": kind, "seq": i, "text": text, "url": url})
    upcs = [clean_text(u.get("UPC")) for u in _array(recall, "ProductUPCs", record)]
    identifiers = [
        {"risk_info_id": rid, "kind": "upc", "value": u[:80], "valid_check_digit": None}
        for u in dict.fromkeys(u for u in upcs if u)
    ]

    product_types = [p["product_type"] for p in products if p["product_type"]]
    subcategory = first([taxonomy.crosswalk_category("cpsc", t) for t in product_types])
    populations = taxonomy.special_populations(subcategory) if subcategory else []
    hazards = [f["text"] for f in facts if f["kind"] == "hazard"]
    risk = {
        "risk_info_id": rid,
        "source": SOURCE,
        "channel": "e",
        "record_key": record_key,
        "info_type": "recall",
        "title": clean_text(recall.get("Title")),
        "product_name": join_unique([p["name"] for p in products]) or clean_text(recall.get("Title")),
        "description": clean_text(recall.get("Description")),
        "subcategory_code": subcategory,
        "category_code": taxonomy.top_level(subcategory) if subcategory else None,
        "category_label_source": "crosswalk" if subcategory else None,
        "category_confidence": 1.0 if subcategory else None,
        "hazard_item": join_unique(hazards),
        "manufacturer": join_unique([p["name"] for p in parties if p["role"] == "manufacturer"]),
        "model": join_unique([p["model"] for p in products]),
        "barcode": identifiers[0]["value"] if identifiers else None,
        "published_date": iso_date(recall.get("RecallDate"), field_name="RecallDate", record=record),
        "units": join_unique([p["units"] for p in products]),
        "injuries": join_unique([f["text"] for f in facts if f["kind"] == "injury"]),
        "remedy": join_unique([f["text"] for f in facts if f["kind"] == "remedy"]),
        "shop": join_unique([p["name"] for p in parties if p["role"] == "retailer"]),
        "source_url": clean_text(recall.get("URL")),
        "attributes": {
            "RecallNumber": clean_text(recall.get("RecallNumber")),
            "LastPublishDate": clean_text(recall.get("LastPublishDate")),
            "ConsumerContact": clean_text(recall.get("ConsumerContact")),
            "SoldAtLabel": clean_text(recall.get("SoldAtLabel")),
            "product_types": product_types,
        },
    }
    for population, column in SPECIAL_POPULATION_COLUMNS.items():
        risk[column] = population in populations
    return MappedRecord(risk=risk, products=products, parties=parties, facts=facts, identifiers=identifiers)


def map_document(doc: dict[str, Any]) -> MappedRecord:
    """Entry point used by the loader: ``doc`` is a ``raw_document`` row as a dict."""
    import json

    try:
        recall = json.loads(doc["body"])
    except json.JSONDecodeError as exc:
        raise MappingError(f"raw_document {doc['document_id']}: field body: invalid JSON ({exc.msg})") from exc
    if not isinstance(recall, dict):
        raise MappingError(f"raw_document {doc['document_id']}: field body: expected a JSON object")
    return map_recall(recall)
