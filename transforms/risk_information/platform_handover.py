"""Platform hand-over row (``platform_handover`` importer) → risk information (5.2.2 c).

The raw body is ``{"fields": {...}, "extra": {...}}`` as written by
:mod:`transforms.importers.platform_handover`, whose docstring lists the accepted headers.

``info_type`` is ``platform_notice`` when the row carries a quality-check result (抽检结果 or 不合格项目),
else ``listing``.

==================  ===========================================================================
``title``           ``title`` and ``product_name`` (a listing's title is the product as sold)
``shop``            ``shop`` and a ``shop`` party
``platform``        ``platform``: the canonical name of a known platform (天猫商城 → 天猫), else as given
``brand``/``model``  ``brand`` / ``model`` and one ``stg_risk_product`` row
``barcode``         ``barcode`` (GTIN-14 when the check digit is right, else the digits as given) and a
                    ``gtin`` identifier with ``valid_check_digit``
``failed_items``    ``hazard_item`` (5.3.1, as the platform words it) and one ``hazard`` fact per item
``check_result``    attributes ``check_result`` and ``conforming`` (False for 不合格, True for 合格, else None)
``check_date``      ``published_date``
``url``             ``source_url``
``item_id``, ``price``, ``sales``, ``extra``  attributes
==================  ===========================================================================
"""

from __future__ import annotations

from typing import Any

from transforms.normalise import normalise_gtin
from transforms.risk_information.complaints_12315 import canonical_platform, read_fields
from transforms.risk_information.heimao_tousu import split_list
from transforms.risk_information.mapping import MappedRecord, MappingError, clean_text, iso_date, risk_info_id

SOURCE = "platform_handover"
NONCONFORMING_WORDS = ("不合格", "不符合", "未通过", "违规")
CONFORMING_WORDS = ("合格", "符合", "通过")


def conforming(result: str | None) -> bool | None:
    if not result:
        return None
    if any(word in result for word in NONCONFORMING_WORDS):
        return False
    if any(word in result for word in CONFORMING_WORDS):
        return True
    return None


def map_document(doc: dict[str, Any]) -> MappedRecord:
    fields, extra = read_fields(doc)
    record_key = clean_text(doc.get("record_key"))
    if record_key is None:
        raise MappingError(f"raw_document {doc['document_id']}: field item_id is missing")
    record = f"raw_document {doc['document_id']} (platform_handover {record_key})"
    rid = risk_info_id(SOURCE, record_key)

    title = clean_text(fields.get("title"))
    shop = clean_text(fields.get("shop"))
    brand, model = clean_text(fields.get("brand")), clean_text(fields.get("model"))
    result = clean_text(fields.get("check_result"))
    failed = split_list(fields.get("failed_items"))
    verdict = conforming(result)
    if verdict is None and failed:
        verdict = False
    barcode = clean_text(fields.get("barcode"))
    gtin = normalise_gtin(barcode) if barcode else None
    identifiers = (
        [{"risk_info_id": rid, "kind": "gtin", "value": (gtin or barcode)[:80], "valid_check_digit": gtin is not None}]
        if barcode
        else []
    )

    risk = {
        "risk_info_id": rid,
        "source": SOURCE,
        "channel": "c",
        "record_key": record_key,
        "info_type": "platform_notice" if result or failed else "listing",
        "title": title,
        "product_name": title,
        "description": None,
        "brand": brand[:200] if brand else None,
        "model": model,
        "barcode": (gtin or barcode)[:40] if barcode else None,
        "shop": shop[:300] if shop else None,
        "platform": canonical_platform(clean_text(fields.get("platform"))),
        "hazard_item": "、".join(failed) or None,
        "published_date": iso_date(fields.get("check_date"), field_name="check_date", record=record),
        "source_url": clean_text(fields.get("url")),
        "attributes": {
            "item_id": clean_text(fields.get("item_id")),
            "price": clean_text(fields.get("price")),
            "sales": clean_text(fields.get("sales")),
            "check_result": result,
            "conforming": verdict,
            "platform_as_given": clean_text(fields.get("platform")),
            "extra": extra,
        },
    }
    products = [
        {
            "risk_info_id": rid,
            "seq": 0,
            "name": title,
            "model": model,
            "product_type": None,
            "units": None,
            "description": None,
        }
    ]
    parties = (
        [{"risk_info_id": rid, "role": "shop", "seq": 0, "name": shop, "company_id": None, "country_code": None}]
        if shop
        else []
    )
    facts = [{"risk_info_id": rid, "kind": "hazard", "seq": i, "text": t, "url": None} for i, t in enumerate(failed)]
    return MappedRecord(risk=risk, products=products, parties=parties, facts=facts, identifiers=identifiers)
