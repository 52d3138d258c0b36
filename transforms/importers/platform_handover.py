"""Data handed over by e-commerce platforms — channel 5.2.2 c (platforms' own quality information).

Platforms hand monitoring agencies spreadsheets of product listings and/or the results of their own
quality checks (品质抽检). Drop them, CSV or XLSX/XLS with Chinese headers, into
``<data_dir>/inbox/platform_handover/``; every data row becomes one raw document
(``source = platform_handover``), the whole file or nothing. Files are read exactly like 12315 exports
(:class:`transforms.importers.complaints_12315.TableImporter`: encoding detection, header below title
rows, spreadsheet row numbers, footer rows skipped, placeholders ``-``/``无`` treated as empty, any bad
cell refuses the file naming file, row and column).

Column mapping (header text matched without spaces, ``*`` marks and bracketed units such as ``（元）``):

=================  =============================================  =========================================
body field         accepted headers                               rule
=================  =============================================  =========================================
``item_id``        商品ID, 商品编号, 商品编码, 商品id, SKU, SKU ID    required; with the platform the record key
``title``          商品标题, 商品名称, 标题                          required
``shop``           店铺名称, 店铺, 商家名称, 卖家                     text
``brand``          品牌, 品牌名称                                   text
``model``          型号, 规格型号                                   text
``barcode``        条码, 条形码, 商品条码, EAN, GTIN                 8 or 11–14 digits (spaces/dashes allowed);
                                                                   a wrong check digit is kept and flagged
``price``          价格, 售价, 单价, 商品价格                         yuan: a number or a range "39.9-59.9"
``sales``          销量, 月销量, 销售量                               a count, "1.2万+" and "100+" allowed
``url``            链接, 商品链接, URL, 网址                          http(s) link; ``//…`` gets ``https:``
``check_result``   抽检结果, 检测结果, 检验结论, 判定结果, 结论         text (合格 / 不合格 …)
``failed_items``   不合格项目, 不合格项                              text (several items separated by 、；;)
``check_date``     抽检日期, 检测日期, 检验日期, 抽样日期              date → ISO; the record's publication date
``platform``       平台, 平台名称, 电商平台, 来源平台                  text
=================  =============================================  =========================================

Record key: ``<平台>:<商品ID>`` (just ``<商品ID>`` when the file has no platform column), unique within a
file: a quality-check file has one row per item, several failing items in one cell. A later file about the
same item (e.g. its check result after its listing) supersedes the earlier one in risk information.
Raw document body: ``{"fields": {<body field>: value}, "extra": {<original header>: value}}``.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, ClassVar

from transforms.importers.complaints_12315 import Column, TableImporter, as_text, parse_amount, parse_day

PRICE_RANGE = re.compile(r"^\s*([^~～\-—至]+?)\s*(?:[~～\-—至])\s*([^~～\-—至]+?)\s*$")
SALES = re.compile(r"^(\d+(?:\.\d+)?)(万)?(\+)?$")
BARCODE_SEPARATORS = re.compile(r"[\s\-]")


def parse_price(value: Any) -> str:
    """A price in yuan or a price range → "39.9" / "39.9-59.9"."""
    text = as_text(value) or ""
    match = PRICE_RANGE.match(text)
    try:
        if match:
            low, high = parse_amount(match.group(1)), parse_amount(match.group(2))
            return f"{low}-{high}"
        return parse_amount(text)
    except ValueError:
        raise ValueError(f"not a price: {text!r}") from None


def parse_sales(value: Any) -> str:
    """A sales count: "356", "1.2万+" → "12000+", "100+" (the "+" says "at least")."""
    text = (as_text(value) or "").replace(",", "").replace("，", "")
    match = SALES.match(text)
    if not match:
        raise ValueError(f"not a sales count: {text!r}")
    number = Decimal(match.group(1)) * (10000 if match.group(2) else 1)
    if number != number.to_integral_value():
        raise ValueError(f"not a whole sales count: {text!r}")
    return f"{int(number)}{match.group(3) or ''}"


def parse_url(value: Any) -> str:
    text = as_text(value) or ""
    if text.startswith("//"):
        text = "https:" + text
    if not re.match(r"^https?://[^\s/]+\S*$", text):
        raise ValueError(f"not an http(s) link: {text!r}")
    return text


def parse_barcode(value: Any) -> str:
    """Digits of a GTIN-8/12/13/14 (or an 11-digit UPC-A missing its leading zero), as given."""
    text = BARCODE_SEPARATORS.sub("", as_text(value) or "")
    if not text.isdigit() or len(text) not in (8, 11, 12, 13, 14):
        raise ValueError(f"not a bar code (8 or 11-14 digits): {as_text(value)!r}")
    return text


class PlatformHandoverImporter(TableImporter):
    """Listings and quality-check results handed over by platforms (5.2.2 c); mapping in the module docstring."""

    name = "platform_handover"
    channel = "c"
    freshness_hours = 24 * 35
    key_field = "item_id"
    columns: ClassVar[dict[str, Column]] = {
        "item_id": Column(("商品ID", "商品编号", "商品编码", "商品id", "SKU", "SKU ID"), required=True),
        "title": Column(("商品标题", "商品名称", "标题"), required=True),
        "shop": Column(("店铺名称", "店铺", "商家名称", "卖家")),
        "brand": Column(("品牌", "品牌名称")),
        "model": Column(("型号", "规格型号")),
        "barcode": Column(("条码", "条形码", "商品条码", "EAN", "GTIN"), parse=parse_barcode),
        "price": Column(("价格", "售价", "单价", "商品价格"), parse=parse_price),
        "sales": Column(("销量", "月销量", "销售量"), parse=parse_sales),
        "url": Column(("链接", "商品链接", "URL", "网址"), parse=parse_url),
        "check_result": Column(("抽检结果", "检测结果", "检验结论", "判定结果", "结论")),
        "failed_items": Column(("不合格项目", "不合格项")),
        "check_date": Column(("抽检日期", "检测日期", "检验日期", "抽样日期"), parse=parse_day),
        "platform": Column(("平台", "平台名称", "电商平台", "来源平台")),
    }

    def record_key(self, fields: dict[str, str]) -> str:
        platform = fields.get("platform")
        return f"{platform}:{fields['item_id']}" if platform else fields["item_id"]

    def published_at(self, fields: dict[str, str]) -> str | None:
        return fields.get("check_date")

    def record_url(self, fields: dict[str, str]) -> str | None:
        return fields.get("url")
