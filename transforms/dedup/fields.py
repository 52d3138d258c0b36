"""Map source-specific record fields onto the few canonical fields the matcher compares.

Risk information about one event reaches the database from several channels (5.2.2): the CPSC recalls API
(PascalCase, nested lists: ``Products[].Name``, ``Manufacturers[].Name``, ``ProductUPCs[].UPC``), the cpsc.gov
CSV export ("Name of product", "Recall Heading", "Manufacturers", "Date"), the usa.gov recalls API (snake_case
lists: ``descriptions``, ``manufacturers``, ``upcs``) and generic crawled items ``{title, text, brand, model,
manufacturer, published_date}``. Column names are compared after lower-casing and dropping everything that is
not a letter or digit, so "Name of product", ``name_of_product`` and ``NameOfProduct`` are one name.

Identifiers are invisible to the matcher by construction: only the columns listed below are ever read. Recall
numbers (``RecallNumber``, "Recall Number", ``recall_number``), ids and URLs (whose slugs embed recall numbers,
e.g. usa.gov ``…&query=14005``) are never mapped. As a second guard, a record's own recall number is scrubbed from
its text fields when the record carries one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

CANONICAL_FIELDS = ("title", "product", "brand", "model", "firm", "date", "upc", "text")

# canonical field → source column names (normalised: lower case, letters and digits only)
SOURCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("title", "recallheading", "headline", "subject", "标题"),
    "product": (
        "products", "nameofproduct", "productname", "product", "descriptions", "productdescription",
        "productdescriptiontxt", "itemname", "物料名称", "产品名称", "商品名称", "样品名称",
    ),
    "brand": ("brand", "brands", "brandname", "品牌", "商标"),
    "model": ("model", "models", "modelnumber", "modelnumbers", "型号", "规格型号"),
    "firm": (
        "manufacturers", "manufacturer", "importers", "importer", "distributors", "distributor", "company",
        "firm", "firmname", "recallingfirm", "firmlegalnam", "producer", "生产商", "生产企业", "生产者",
        "标称生产企业名称", "企业名称",
    ),
    "date": (
        "recalldate", "date", "publisheddate", "pubdate", "published", "publishdate", "timestamp", "reportdate",
        "发布日期", "日期",
    ),
    "upc": ("productupcs", "upcs", "upc", "gtin", "gtins", "ean", "barcode", "条码"),
    "text": ("description", "text", "content", "summary", "body"),
}  # fmt: skip

# Never read by the matcher; listed so the scrubber can find the value to erase from text fields.
IDENTIFIER_COLUMNS = ("recallnumber", "recallnum", "recallno")

# How nested API objects name the useful value: {"Name": …}, {"UPC": …}, {"Model": …}, {"Country": …}
_NESTED_VALUE_KEYS = ("Name", "name", "UPC", "upc", "Model", "model", "Title", "title", "value")
_TEXT_LIMIT = 1000  # model numbers are named early in a description; the rest only costs time
_NON_ALNUM = re.compile(r"[\W_]+")


def normalise_column_name(name: object) -> str:
    return _NON_ALNUM.sub("", str(name)).lower()


def canonical_frame(raw: pd.DataFrame) -> pd.DataFrame:
    """Return a frame with one string column per canonical field (``""`` when absent), index kept.

    List cells are flattened and joined with ``" | "``; ``model`` also collects ``Products[].Model``.
    """
    by_name: dict[str, list[str]] = {}
    for column in raw.columns:
        by_name.setdefault(normalise_column_name(column), []).append(column)
    result = pd.DataFrame(index=raw.index)
    for field in CANONICAL_FIELDS:
        columns = [column for alias in SOURCE_COLUMNS[field] for column in by_name.get(alias, [])]
        result[field] = _join_columns(raw, columns, field)
    if "products" in by_name:
        nested_models = _join_columns(raw, by_name["products"], "model")
        result["model"] = _concat(result["model"], nested_models)
    identifier_columns = [column for alias in IDENTIFIER_COLUMNS for column in by_name.get(alias, [])]
    if identifier_columns:
        _scrub_identifiers(result, raw[identifier_columns[0]])
    return result


def _join_columns(raw: pd.DataFrame, columns: list[str], field: str) -> pd.Series:
    joined = pd.Series("", index=raw.index, dtype=object)
    for column in columns:
        joined = _concat(joined, _as_text(raw[column], field))
    if field == "text":
        joined = joined.str.slice(0, _TEXT_LIMIT)
    return joined


def _as_text(column: pd.Series, field: str) -> pd.Series:
    if column.dtype != object and not pd.api.types.is_string_dtype(column):
        if pd.api.types.is_datetime64_any_dtype(column):
            return column.dt.strftime("%Y-%m-%dT%H:%M:%S%z").fillna("")
        return column.astype("string").fillna("").astype(object)
    values = column.to_numpy(dtype=object)
    is_plain = np.fromiter((isinstance(value, str) for value in values), dtype=bool, count=len(values))
    if is_plain.all():  # the common case for flat inputs: no per-cell Python work
        return column.astype(object)
    nested_key = "Model" if field == "model" else None
    flattened = [
        value if plain else " | ".join(_flatten(value, nested_key))
        for value, plain in zip(values, is_plain, strict=True)
    ]
    return pd.Series(flattened, index=column.index, dtype=object)


def _flatten(value: object, nested_key: str | None) -> list[str]:
    if value is None or (isinstance(value, float) and value != value):
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, dict):
        keys = (nested_key,) if nested_key else _NESTED_VALUE_KEYS
        found = next((value[key] for key in keys if value.get(key)), None)
        return _flatten(found, None) if found is not None else []
    if isinstance(value, Iterable):
        return [text for item in value for text in _flatten(item, nested_key)]
    return [str(value)]


def _concat(left: pd.Series, right: pd.Series) -> pd.Series:
    """Join two text columns cell by cell with " | ", skipping empty cells."""
    combined = left.where(left != "", right)
    both = (left != "") & (right != "")
    if both.any():
        combined = combined.where(~both, left + " | " + right)
    return combined


def _scrub_identifiers(frame: pd.DataFrame, identifiers: pd.Series) -> None:
    """Erase each record's own recall number ("94-096" or "94096") from its text fields, in place."""
    for position, identifier in enumerate(identifiers.to_numpy(dtype=object)):
        digits = re.sub(r"\D", "", str(identifier)) if identifier is not None else ""
        if len(digits) < 4:
            continue
        pattern = re.compile(r"\b" + r"\W?".join(digits) + r"\b")
        for field in ("title", "product", "model", "text"):
            value = frame[field].iat[position]
            if value and pattern.search(value):
                frame.iat[position, frame.columns.get_loc(field)] = pattern.sub(" ", value)
