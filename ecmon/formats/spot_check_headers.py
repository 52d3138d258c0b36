"""Vocabulary of Chinese spot-check result tables (5.2.2 b): header spellings → canonical fields.

Shared by the table parser (``crawlers/spiders/_result_tables.py``) and the risk-information mapper
(``transforms/risk_information/spot_checks.py``) so the aliases live in one place; it sits in
``ecmon`` because crawlers and transforms may both import it but not each other.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

HEADER_JOIN = "-"  # parent-child separator of flattened two-row headers: 标称生产企业-名称
_WHITESPACE = re.compile(r"\s+")

# Canonical field → header spellings met in SAMR and provincial tables (sources.md §2a "Header aliases").
# A flattened header (parent-child) is matched whole first (被抽样单位-所在地 → 被抽样单位所在地), then by its
# child (检验情况-检验值 → 检验值); without an exact match, the longest alias contained in the child, then
# in the whole header, wins.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "seq": ("序号",),
    "sampling_no": ("抽样编号", "抽样单编号", "样品编号", "报告编号"),
    "product_kind": (
        "产品种类",
        "产品类别",
        "产品分类",
        "产品类型",
        "分类",
        "食品分类",
        "食品类别",
        "食品大类",
        "食品细类",
        "抽查产品",
    ),
    "product_name": ("产品名称", "样品名称", "食品名称", "商品名称", "抽查产品名称", "物料名称"),
    "manufacturer": (
        "标称生产企业名称",
        "标称生产企业",
        "标称生产单位",
        "标称生产单位名称",
        "标称生产者名称",
        "标称生产者",
        "标识生产企业名称",
        "标称生产(养殖)企业名称",
        "标称生产企业/进货来源名称",
        "进货来源名称",
        "生产企业名称",
        "生产企业",
        "生产单位",
        "生产者",
        "生产商",
        "企业名称",
    ),
    "manufacturer_address": (
        "标称生产企业地址",
        "标称生产企业所在地",
        "标称生产单位地址",
        "标称生产单位所在地",
        "标称生产者地址",
        "标称生产企业/进货来源地址",
        "生产企业地址",
        "生产企业所在地",
        "企业地址",
        "所在地",
    ),
    "shop": (
        "被抽样单位名称",
        "被抽样单位",
        "被抽样网店名称",
        "受检单位",
        "受检单位名称",
        "被检单位",
        "被检单位名称",
        "经营者名称",
        "销售单位名称",
        "销售单位",
        "网店名称",
        "网店商铺名称",
        "店铺名称",
    ),
    "shop_address": (
        "被抽样单位地址",
        "被抽样单位所在地",
        "被抽样单位所在省份",
        "受检单位地址",
        "受检单位所在地",
        "经营者地址",
        "销售单位地址",
    ),
    "platform": ("电商平台", "电商平台名称", "网抽平台名称", "网络交易平台", "第三方平台名称", "平台名称"),
    "brand": ("商标", "品牌", "注册商标"),
    "model": ("规格型号", "型号规格", "规格", "型号", "规格/型号"),
    "batch": (
        "生产日期/批号",
        "生产日期或批号",
        "生产(加工/购进/检疫)日期/批号",
        "生产(加工)日期/批号",
        "生产日期/批次",
        "生产日期",
        "批号",
        "购进日期",
    ),
    "hazard_item": (
        "不合格项目",
        "主要不合格项目",
        "不合格项目‖检验结果‖标准值",
        "不合格项目║检验结果║标准值",
        "不合格项目||检验结果||标准值",
        "不合格项目︱检验结果︱标准值",
        "检验不合格项目",
    ),
    "test_result": ("检验结果", "检测结果"),  # a verdict in product tables, a measured value in food tables
    "measured_value": ("检验值", "实测值", "检测值"),
    "standard_value": ("标准值", "限量值", "标准要求", "标准规定值", "标准指标"),
    "verdict": ("判定", "判定结论", "判定结果", "检验结论", "抽查结果", "抽检结果", "结论"),
    "inspection_body": ("承检机构", "检验机构", "检测机构", "承检单位"),
    "task_source": ("任务来源/项目名称", "任务来源", "项目名称"),
    "notice_no": ("公告号", "通告号"),
    "notice_date": ("公告日期", "通告日期"),
    "remark": ("备注", "说明"),
}


# -- header vocabulary -------------------------------------------------------------------------------
def normalise_header(text: str) -> str:
    """Header as written, without whitespace (``标称生产 单位所在地`` → ``标称生产单位所在地``)."""
    return _WHITESPACE.sub("", text or "")


def _match_key(text: str) -> str:
    # NFKC folds full-width （）／ into ASCII so 生产（加工）日期 and 生产(加工)日期 compare equal.
    return unicodedata.normalize("NFKC", normalise_header(text))


@cache
def _alias_index() -> tuple[dict[str, str], tuple[tuple[str, str], ...]]:
    exact: dict[str, str] = {}
    by_length: list[tuple[str, str]] = []
    for name, aliases in FIELD_ALIASES.items():
        for alias in aliases:
            key = _match_key(alias)
            exact.setdefault(key, name)
            by_length.append((key, name))
    by_length.sort(key=lambda item: -len(item[0]))
    return exact, tuple(by_length)


def field_for_header(header: str) -> str | None:
    """Canonical field of a header, e.g. ``标称生产企业-名称`` → ``manufacturer``; None when unknown."""
    exact, by_length = _alias_index()
    whole = _match_key(header)
    if not whole:
        return None
    child = _match_key(header.rsplit(HEADER_JOIN, 1)[-1])
    joined = whole.replace(HEADER_JOIN, "")
    # 被抽样单位-所在地 is the whole 被抽样单位所在地; 检验情况-检验值 is its child 检验值.
    candidates = [joined, child] if child != whole else [whole]
    for candidate in candidates:
        if candidate in exact:
            return exact[candidate]
    for candidate in reversed(candidates):
        for alias, name in by_length:
            if len(alias) >= 2 and alias in candidate:
                return name
    return None
