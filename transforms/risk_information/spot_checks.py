"""Spot-check result rows (SAMR and provincial bureaus, 5.2.2 b) → risk information, info_type ``spot_check``.

A raw document is one row of a result table (``body.row``, keyed by the table's own header text) plus the
notice's metadata. Columns are found by header text through the alias table of
:mod:`ecmon.formats.spot_check_headers`, never by position:

- product name / kind, nominal manufacturer (address in attributes), sampled unit (被抽样单位) as the shop,
  brand (商标), model (规格型号), batch (生产日期/批号 → identifier kind ``batch``);
- the platform: an 电商平台 column, else the platform named in the shop text or the remark (``天猫棠品旗舰店``,
  ``某某旗舰店（天猫）``, ``被抽样网络店铺名称：…``, ``网店网址：饿了么（手机APP）``); a labelled online shop name
  (``被抽样网络店铺名称：X`` / ``网店名称：X``) becomes the shop, the whole cell stays in attributes;
- hazard item = 不合格项目 as worded (a ``不合格项目‖检验结果‖标准值`` cell is split); its code through the
  ``cn_spotcheck`` hazard crosswalk; the product code through the ``cn_spotcheck`` category crosswalk of the
  table's own 产品种类 / 分类 label;
- the verdict (``attributes.result``): a verdict column (判定, 检验结论, 抽查结果, or 检验结果 holding 合格/不合格),
  else the section, table title or attachment name (不合格产品名单 / 合格产品信息), else 不合格 when a failed
  item is named. Passing rows are kept: they show where products are sold (5.1.2 c);
- region: the issuing bureau's province (``attributes.region_name``, ``region_code`` from GB/T 2260);
  national notices have none.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ecmon.formats.spot_check_headers import field_for_header
from transforms.normalise.regions import region_code
from transforms.normalise.retailers import retailer_names
from transforms.risk_information.mapping import (
    SPECIAL_POPULATION_COLUMNS,
    MappedRecord,
    MappingError,
    clean_text,
    iso_date,
    risk_info_id,
)

SOURCES = ["samr_spot_checks", "gd_spot_checks"]
PLACEHOLDERS = {"/", "／", "\\", "—", "——", "-", "--", "－", "无", "空白", "NA", "N/A"}
VERDICT = re.compile(r"^\s*(不合格|合格|不符合|符合|未通过|通过)")
COMBINED_SEPARATORS = re.compile(r"‖|║|\|\||︱")
# Online platforms (5.7.1 b): the normaliser's known platforms plus food-delivery and smaller malls.
PLATFORMS = {"天猫", "淘宝", "京东", "拼多多", "抖音", "快手", "唯品会", "苏宁易购", "小红书", "1688"}
EXTRA_PLATFORMS = re.compile(r"饿了么|美团|微店|当当|国美|得物|考拉|有赞|微信小程序")
LABELLED_SHOP = re.compile(
    r"(?:被抽样网络店铺名称|网络店铺名称|被抽样网店名称|网店名称|店铺名称)[：:]\s*(?P<shop>[^；;\n]+)"
)
PLATFORM_SUFFIX = re.compile(r"[（(](?P<platform>[^（）()]{1,12})[）)]\s*$")
MAX_SHOP, MAX_BRAND, MAX_PLATFORM, MAX_IDENTIFIER = 300, 200, 200, 80


def _value(text: Any) -> str | None:
    value = clean_text(text)
    return None if value is None or value in PLACEHOLDERS else value


class Row:
    """A result row read by canonical field; the first non-placeholder column of a field wins."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = {str(k): v for k, v in values.items()}
        self.columns: dict[str, list[str]] = {}
        for header in self.values:
            name = field_for_header(header)
            if name:
                self.columns.setdefault(name, []).append(header)

    def get(self, name: str) -> str | None:
        for header in self.columns.get(name, []):
            value = _value(self.values[header])
            if value is not None:
                return value
        return None

    def header(self, name: str) -> str | None:
        return next(iter(self.columns.get(name, [])), None)


def _platform(shop_text: str | None, remark: str | None) -> str | None:
    for text in (shop_text, remark):
        if not text:
            continue
        suffix = PLATFORM_SUFFIX.search(text)
        for candidate in ([suffix.group("platform")] if suffix else []) + [text]:
            names = [n for n in retailer_names(candidate) if n in PLATFORMS or "." in n]
            if names:
                return names[0]
            extra = EXTRA_PLATFORMS.search(candidate)
            if extra:
                return extra.group(0)
    return None


def _shop(shop_text: str | None, remark: str | None) -> str | None:
    """The online shop's own name when the cell or remark labels it, else the sampled unit without a
    trailing ``（平台）``."""
    for text in (shop_text, remark):
        labelled = LABELLED_SHOP.search(text or "")
        if labelled:
            return labelled.group("shop").strip()
    if shop_text is None:
        return None
    suffix = PLATFORM_SUFFIX.search(shop_text)
    if suffix and _platform(suffix.group("platform"), None):
        return shop_text[: suffix.start()].strip() or shop_text
    return shop_text


def _verdict(row: Row, body: dict[str, Any], hazard_item: str | None) -> tuple[str | None, str | None]:
    """(verdict as the source words it, where it came from)."""
    for name in ("verdict", "test_result"):
        value = row.get(name)
        if value and VERDICT.match(value):
            return value, "column"
    # A notice's title speaks for all its tables (不合格情况的通告 may attach a pass list too), so it is not used.
    for basis in ("section", "table_title", "sheet", "attachment_name"):
        text = str(body.get(basis) or "")
        if "不合格" in text:
            return "不合格", basis
        if re.search(r"(?<!不)合格", text):
            return "合格", basis
    if hazard_item:
        return "不合格", "hazard_item"
    return None, None


def _failed_item(row: Row) -> tuple[str | None, str | None, str | None]:
    """(failed items, measured value, standard value); a ``不合格项目‖检验结果‖标准值`` cell is split."""
    item = row.get("hazard_item")
    measured = row.get("measured_value")
    test_result = row.get("test_result")
    if test_result and not VERDICT.match(test_result):
        measured = measured or test_result
    standard = row.get("standard_value")
    header = row.header("hazard_item") or ""
    if item and COMBINED_SEPARATORS.search(header):
        lines = [COMBINED_SEPARATORS.split(line) for line in item.split("\n")]
        item = "\n".join(p[0].strip() for p in lines if p[0].strip()) or None
        measured = measured or "\n".join(p[1].strip() for p in lines if len(p) > 1 and p[1].strip()) or None
        standard = standard or "\n".join(p[2].strip() for p in lines if len(p) > 2 and p[2].strip()) or None
    return item, measured, standard


def map_row(doc: dict[str, Any], body: dict[str, Any]) -> MappedRecord:
    from transforms import taxonomy

    source = doc["source"]
    record_key = doc["record_key"]
    record = f"raw_document {doc['document_id']} ({source} {record_key})"
    values = body.get("row")
    if not isinstance(values, dict):
        raise MappingError(f"{record}: field row: expected the result row as an object")
    row = Row(values)
    rid = risk_info_id(source, record_key)

    product_kind = row.get("product_kind")
    product_name = row.get("product_name") or product_kind
    if product_name is None:
        raise MappingError(f"{record}: field product_name: no 产品名称/样品名称 column with a value")
    hazard_item, measured, standard = _failed_item(row)
    verdict, verdict_basis = _verdict(row, body, hazard_item)
    shop_text = row.get("shop")
    remark = row.get("remark")
    shop = _shop(shop_text, remark)
    platform = row.get("platform") or _platform(shop_text, remark)
    manufacturer = row.get("manufacturer")
    batch = row.get("batch")
    region_name = clean_text(body.get("issuer_region"))

    subcategory = taxonomy.crosswalk_category("cn_spotcheck", product_kind) if product_kind else None
    hazard_detail = taxonomy.crosswalk_hazard("cn_spotcheck", hazard_item) if hazard_item else None
    populations = taxonomy.special_populations(subcategory) if subcategory else []

    products = [
        {
            "risk_info_id": rid,
            "seq": 0,
            "name": product_name,
            "model": row.get("model"),
            "product_type": product_kind[:200] if product_kind else None,
            "units": None,
            "description": None,
        }
    ]
    parties = [
        {"risk_info_id": rid, "role": role, "seq": 0, "name": name, "company_id": None, "country_code": None}
        for role, name in (("manufacturer", manufacturer), ("shop", shop_text))
        if name
    ]
    facts = [{"risk_info_id": rid, "kind": "hazard", "seq": 0, "text": hazard_item, "url": None}] if hazard_item else []
    identifiers = (
        [{"risk_info_id": rid, "kind": "batch", "value": batch[:MAX_IDENTIFIER], "valid_check_digit": None}]
        if batch
        else []
    )
    description_parts = [
        f"{label}：{value}"
        for label, value in (("不合格项目", hazard_item), ("检验结果", measured), ("标准值", standard))
        if value
    ]
    attributes = {
        "result": verdict,
        "result_basis": verdict_basis,
        "product_kind": product_kind,
        "manufacturer_address": row.get("manufacturer_address"),
        "shop_text": shop_text if shop_text != shop else None,
        "shop_address": row.get("shop_address"),
        "measured_value": measured,
        "standard_value": standard,
        "inspection_body": row.get("inspection_body"),
        "sampling_no": row.get("sampling_no"),
        "task_source": row.get("task_source"),
        "remark": remark,
        "issuer": clean_text(body.get("issuer")),
        "region_name": region_name,
        "info_source": clean_text(body.get("info_source")),
        "notice_title": clean_text(body.get("notice_title")),
        "notice_url": clean_text(body.get("notice_url")),
        "attachment_url": clean_text(body.get("attachment_url")),
        "attachment_name": clean_text(body.get("attachment_name")),
        "table_format": body.get("table_format"),
        "sheet": body.get("sheet"),
        "row_number": body.get("row_number"),
        "table_title": body.get("table_title"),
        "section": body.get("section"),
        "hazard_subcode": hazard_detail,
    }
    risk = {
        "risk_info_id": rid,
        "source": source,
        "channel": doc.get("channel") or "b",
        "record_key": record_key,
        "info_type": "spot_check",
        "title": clean_text(body.get("notice_title")),
        "product_name": product_name,
        "description": "；".join(description_parts) or None,
        "subcategory_code": subcategory,
        "category_code": taxonomy.top_level(subcategory) if subcategory else None,
        "category_label_source": "crosswalk" if subcategory else None,
        "category_confidence": 1.0 if subcategory else None,
        "hazard_code": taxonomy.top_level(hazard_detail) if hazard_detail else None,
        "hazard_label_source": "crosswalk" if hazard_detail else None,
        "hazard_confidence": 1.0 if hazard_detail else None,
        "hazard_item": hazard_item,
        "region_code": region_code(region_name) if region_name else None,
        "country_code": "CN",
        "platform": platform[:MAX_PLATFORM] if platform else None,
        "shop": shop[:MAX_SHOP] if shop else None,
        "brand": (row.get("brand") or "")[:MAX_BRAND] or None,
        "manufacturer": manufacturer,
        "model": row.get("model"),
        "barcode": None,
        "published_date": iso_date(body.get("published_date"), field_name="published_date", record=record),
        "units": None,
        "injuries": None,
        "remedy": None,
        "source_url": clean_text(body.get("attachment_url")) or clean_text(body.get("notice_url")),
        "attributes": {k: v for k, v in attributes.items() if v not in (None, "", [])},
    }
    for population, column in SPECIAL_POPULATION_COLUMNS.items():
        risk[column] = population in populations
    return MappedRecord(risk=risk, products=products, parties=parties, facts=facts, identifiers=identifiers)


def map_document(doc: dict[str, Any]) -> MappedRecord:
    """Entry point used by the loader: ``doc`` is a ``raw_document`` row as a dict."""
    try:
        body = json.loads(doc["body"])
    except json.JSONDecodeError as exc:
        raise MappingError(f"raw_document {doc['document_id']}: field body: invalid JSON ({exc.msg})") from exc
    if not isinstance(body, dict):
        raise MappingError(f"raw_document {doc['document_id']}: field body: expected a JSON object")
    return map_row(doc, body)
