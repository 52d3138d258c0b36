"""12315 complaint export row (``complaints_12315`` importer) → risk information (5.2.2 a).

The raw body is ``{"fields": {...}, "extra": {...}}`` as written by
:mod:`transforms.importers.complaints_12315`, whose docstring lists the accepted headers.

==================  ===========================================================================
``complaint_id``    record key (attributes ``complaint_id`` too)
``received_on``     ``published_date``
``text``            ``description``
``product``         ``product_name``; without a product column, the product words of the text
                    (:func:`transforms.risk_information.heimao_tousu.product_phrase`), noted in
                    attributes ``product_name_basis``
``brand``/``model``  ``brand`` / ``model`` and one ``stg_risk_product`` row
``complainee``      ``shop`` and a ``complainee`` party
``platform``        ``platform``: the canonical name when it is a known platform (天猫商城 → 天猫), else as given
``region``          ``region_code`` (GB/T 2260, when the text names a division) and attributes ``region``
``appeal``          attributes ``appeal`` and one ``appeal`` fact per demand
``amount``          attributes ``amount`` (yuan)
``status``/``issue``  attributes
``extra``           attributes ``extra`` (every other column, by its header)
==================  ===========================================================================

There is no title in a 12315 export, so ``title`` stays None. Category and hazard are left to the
classifier (5.3): the export gives no coded category.
"""

from __future__ import annotations

import json
from typing import Any

from transforms.normalise import region_code, retailer_names
from transforms.risk_information.heimao_tousu import product_phrase, split_list
from transforms.risk_information.mapping import MappedRecord, MappingError, clean_text, iso_date, risk_info_id

SOURCE = "complaints_12315"


def canonical_platform(value: str | None) -> str | None:
    names = [name for name in retailer_names(value) if not name.islower()] if value else []
    return names[0] if names else value


def read_fields(doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``fields`` and ``extra`` of an importer body; MappingError naming the document otherwise."""
    try:
        body = json.loads(doc["body"])
    except json.JSONDecodeError as exc:
        raise MappingError(f"raw_document {doc['document_id']}: field body: invalid JSON ({exc.msg})") from exc
    if not isinstance(body, dict) or not isinstance(body.get("fields"), dict):
        raise MappingError(f"raw_document {doc['document_id']}: field body: expected {{'fields': {{...}}}}")
    extra = body.get("extra") if isinstance(body.get("extra"), dict) else {}
    return body["fields"], extra


def map_document(doc: dict[str, Any]) -> MappedRecord:
    fields, extra = read_fields(doc)
    record_key = clean_text(doc.get("record_key")) or clean_text(fields.get("complaint_id"))
    if record_key is None:
        raise MappingError(f"raw_document {doc['document_id']}: field complaint_id is missing")
    record = f"raw_document {doc['document_id']} (complaints_12315 {record_key})"
    rid = risk_info_id(SOURCE, record_key)

    text = clean_text(fields.get("text"))
    product = clean_text(fields.get("product"))
    basis = "column" if product else None
    if product is None:
        product = product_phrase(text)
        basis = "complaint text" if product else None
    brand, model = clean_text(fields.get("brand")), clean_text(fields.get("model"))
    complainee = clean_text(fields.get("complainee"))
    region = clean_text(fields.get("region"))
    appeals = split_list(fields.get("appeal"))

    risk = {
        "risk_info_id": rid,
        "source": SOURCE,
        "channel": "a",
        "record_key": record_key,
        "info_type": "complaint",
        "title": None,
        "product_name": product,
        "description": text,
        "brand": brand[:200] if brand else None,
        "model": model,
        "shop": complainee[:300] if complainee else None,
        "platform": canonical_platform(clean_text(fields.get("platform"))),
        "region_code": region_code(region) if region else None,
        "published_date": iso_date(fields.get("received_on"), field_name="received_on", record=record),
        "source_url": None,
        "attributes": {
            "complaint_id": clean_text(fields.get("complaint_id")),
            "appeal": clean_text(fields.get("appeal")),
            "amount": clean_text(fields.get("amount")),
            "region": region,
            "status": clean_text(fields.get("status")),
            "issue": clean_text(fields.get("issue")),
            "platform_as_given": clean_text(fields.get("platform")),
            "product_name_basis": basis,
            "extra": extra,
        },
    }
    products = (
        [
            {
                "risk_info_id": rid,
                "seq": 0,
                "name": product,
                "model": model,
                "product_type": None,
                "units": None,
                "description": None,
            }
        ]
        if product or model
        else []
    )
    parties = (
        [
            {
                "risk_info_id": rid,
                "role": "complainee",
                "seq": 0,
                "name": complainee,
                "company_id": None,
                "country_code": None,
            }
        ]
        if complainee
        else []
    )
    facts = [{"risk_info_id": rid, "kind": "appeal", "seq": i, "text": a, "url": None} for i, a in enumerate(appeals)]
    return MappedRecord(risk=risk, products=products, parties=parties, facts=facts)
