"""SAMR defective-product recall announcements (samrdprc.org.cn, 5.2.2 b) → risk information, info_type ``recall``.

A raw document is one announcement: its title (``【省份】XX公司召回部分XX牌XX``), date, URL and the key/value
fields of its table (生产者名称, 产品名称, 品牌, 型号/规格, 生产批号/批次, 涉及数量, 存在的缺陷, 可能导致的后果,
具体召回措施, 应急处置 …; spellings vary, so each column takes the first key that is present). Where the table
lacks a value the title supplies it: the firm before 召回, the product after 召回部分, the brand before 牌,
the province in 【】 (``attributes.region_name``, ``region_code`` from GB/T 2260). The hazard item is the
consequence as worded (可能导致的后果), else the defect; the defect is the description. No category or hazard
code: the source gives no category label (a classifier fills them later, 5.3).
"""

from __future__ import annotations

import json
import re
from typing import Any

from transforms.normalise.regions import region_code
from transforms.risk_information.mapping import (
    SPECIAL_POPULATION_COLUMNS,
    MappedRecord,
    MappingError,
    clean_text,
    first,
    iso_date,
    risk_info_id,
)

SOURCE = "samr_recalls"
TITLE = re.compile(r"^\s*(?:【(?P<region>[^】]+)】)?\s*(?P<firm>.+?)召回(?:部分)?(?P<product>.+?)\s*$")
BRAND_IN_PRODUCT = re.compile(r"^(?P<brand>[^，,、（(]{1,20}?)牌")
# column → keys of the announcement table, most specific first
KEYS: dict[str, tuple[str, ...]] = {
    "manufacturer": ("生产者名称", "生产者", "生产企业名称", "生产企业"),
    "recall_body": ("召回负责机构", "召回实施主体"),
    "product_name": ("产品名称", "召回产品名称", "产品"),
    "brand": ("品牌", "商标"),
    "model": ("型号/规格", "规格型号", "型号规格", "产品型号", "型号", "规格"),
    "batch": ("生产批号/批次", "生产批号", "批号", "批次"),
    "production_period": ("生产起止日期", "生产日期"),
    "units": ("涉及数量", "召回数量", "数量"),
    "defect": ("存在的缺陷", "缺陷描述", "缺陷情况", "缺陷"),
    "consequence": ("可能导致的后果", "可能造成的后果", "后果"),
    "remedy": ("具体召回措施", "召回措施", "处理措施"),
    "emergency": ("应急处置", "应急处置措施"),
    "recall_period": ("召回起止日期", "召回时间"),
}


def _field(fields: dict[str, str], column: str) -> str | None:
    for key in KEYS[column]:
        value = clean_text(fields.get(key))
        if value and value not in {"/", "无", "—"}:
            return value
    return None


def map_recall(doc: dict[str, Any], notice: dict[str, Any]) -> MappedRecord:
    record_key = doc["record_key"]
    record = f"raw_document {doc['document_id']} (samr_recalls {record_key})"
    fields = notice.get("fields") or {}
    if not isinstance(fields, dict):
        raise MappingError(f"{record}: field fields: expected an object of announcement fields")
    title = clean_text(notice.get("title"))
    if title is None:
        raise MappingError(f"{record}: field title is missing")
    rid = risk_info_id(SOURCE, record_key)
    parsed = TITLE.match(title)
    title_firm = clean_text(parsed.group("firm")) if parsed else None
    title_product = clean_text(parsed.group("product")) if parsed else None
    region_name = clean_text(parsed.group("region")) if parsed else None

    product_name = _field(fields, "product_name") or title_product or title
    brand_match = BRAND_IN_PRODUCT.match(title_product or "")
    brand = _field(fields, "brand") or (brand_match.group("brand") if brand_match else None)
    manufacturer = _field(fields, "manufacturer") or title_firm
    model = _field(fields, "model")
    units = _field(fields, "units")
    defect = _field(fields, "defect")
    consequence = _field(fields, "consequence")
    remedy = _field(fields, "remedy")
    batch = _field(fields, "batch")

    products = [
        {
            "risk_info_id": rid,
            "seq": 0,
            "name": product_name,
            "model": model,
            "product_type": None,
            "units": units[:200] if units else None,
            "description": None,
        }
    ]
    parties = (
        [
            {
                "risk_info_id": rid,
                "role": "manufacturer",
                "seq": 0,
                "name": manufacturer,
                "company_id": None,
                "country_code": "CN",
            }
        ]
        if manufacturer
        else []
    )
    facts = [
        {"risk_info_id": rid, "kind": kind, "seq": i, "text": text, "url": None}
        for kind, texts in (
            ("hazard", [defect, consequence]),
            ("remedy", [remedy]),
            ("remedy_option", [_field(fields, "emergency")]),
        )
        for i, text in enumerate(t for t in texts if t)
    ]
    identifiers = (
        [{"risk_info_id": rid, "kind": "batch", "value": batch[:80], "valid_check_digit": None}]
        if batch and len(batch) <= 80
        else []
    )
    known_keys = {k for keys in KEYS.values() for k in keys}
    attributes = {
        "region_name": region_name,
        "recall_body": _field(fields, "recall_body"),
        "batch": batch,
        "production_period": _field(fields, "production_period"),
        "recall_period": _field(fields, "recall_period"),
        "emergency_measures": _field(fields, "emergency"),
        "defect": defect,
        "consequence": consequence,
        "breadcrumb": clean_text(notice.get("breadcrumb")),
        "keywords": clean_text(notice.get("keywords")),
        "other_fields": {k: v for k, v in fields.items() if k not in known_keys} or None,
    }
    risk = {
        "risk_info_id": rid,
        "source": SOURCE,
        "channel": doc.get("channel") or "b",
        "record_key": record_key,
        "info_type": "recall",
        "title": title,
        "product_name": product_name,
        "description": defect,
        # The source gives no category or hazard label; classification happens in analysis (5.3).
        "subcategory_code": None,
        "category_code": None,
        "category_label_source": None,
        "category_confidence": None,
        "hazard_code": None,
        "hazard_label_source": None,
        "hazard_confidence": None,
        "hazard_item": first([consequence, defect]),
        "region_code": region_code(region_name) if region_name else None,
        "country_code": "CN",
        "platform": None,
        "shop": None,
        "brand": brand[:200] if brand else None,
        "manufacturer": manufacturer,
        "model": model,
        "barcode": None,
        "published_date": iso_date(notice.get("published_date"), field_name="published_date", record=record),
        "units": units[:200] if units else None,
        "injuries": None,
        "remedy": remedy,
        "source_url": clean_text(notice.get("notice_url")),
        "attributes": {k: v for k, v in attributes.items() if v not in (None, "", {})},
    }
    for column in SPECIAL_POPULATION_COLUMNS.values():
        risk[column] = False
    return MappedRecord(risk=risk, products=products, parties=parties, facts=facts, identifiers=identifiers)


def map_document(doc: dict[str, Any]) -> MappedRecord:
    """Entry point used by the loader: ``doc`` is a ``raw_document`` row as a dict."""
    try:
        notice = json.loads(doc["body"])
    except json.JSONDecodeError as exc:
        raise MappingError(f"raw_document {doc['document_id']}: field body: invalid JSON ({exc.msg})") from exc
    if not isinstance(notice, dict):
        raise MappingError(f"raw_document {doc['document_id']}: field body: expected a JSON object")
    return map_recall(doc, notice)
