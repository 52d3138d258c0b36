"""National-standard raw documents → ``stg_standard`` (5.4.1 d, 5.2.2 e), idempotent upsert by number.

The ``national_standards`` spider stores one raw document per standard: the search row of
std.samr.gov.cn (``C_STD_CODE``, ``C_C_NAME``, ``STATE``, ``ISSUE_DATE``, ``ACT_DATE`` …) and the detail
page's label–value pairs (标准号, 中文标准名称, 英文标准名称, 标准状态, 发布日期, 实施日期, 全部代替标准 …).
Standards are not risk information, so there is no mapper for this source in
``transforms/risk_information`` (its loader skips sources without one); schemes read ``stg_standard``
when they name the standard a product is tested against (5.4.1 d).

For each standard number the newest raw document wins. Columns: ``title_zh`` / ``title_en`` (detail,
else the search row without its ``<sacinfo>`` highlight tags), ``status`` normalised to 现行 / 废止 /
即将实施 (被代替 and 作废 count as 废止), ``issued_on`` / ``implemented_on``, ``source_url`` (detail page).

``replaced_by``: the detail page of a *new* standard lists what it fully replaces (全部代替标准), so
every standard named there gets the new number as ``replaced_by`` — unless its own page names its
successor (a 被代替 label). A replaced standard not (yet) crawled is added as a row holding only its
number and successor, so a scheme citing it still learns it was replaced. ``is_test_method`` (5.4.2) is
set by people, never overwritten here. Running the load twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import unicodedata
from typing import Any

from sqlalchemy import select

from ecmon.db import get_engine, upsert
from sql.models import RawDocument, Standard

log = logging.getLogger(__name__)

SOURCE = "national_standards"
STATUSES = {"现行": "现行", "即将实施": "即将实施", "废止": "废止", "被代替": "废止", "作废": "废止"}
REPLACES_LABELS = ("全部代替标准",)
SUCCESSOR_LABEL_PART = "被代替"
_TAGS = re.compile(r"<[^>]+>")
_LIST_SEPARATORS = re.compile(r"[、，,;；\n]+")
# Columns a standard's own document decides; is_test_method is a human designation (5.4.2).
DOCUMENT_COLUMNS = ("title_zh", "title_en", "status", "issued_on", "implemented_on", "replaced_by", "source_url")


def standard_number(value: Any) -> str | None:
    """``GB／T　1.1－2020`` or ``<sacinfo>GB</sacinfo> 6675.1-2014`` → canonical ``GB/T 1.1-2020`` spelling."""
    text = unicodedata.normalize("NFKC", _TAGS.sub("", str(value or "")))
    text = re.sub(r"\s+", " ", text.replace("—", "-").replace("–", "-")).strip()
    return text[:80] or None


def _text(value: Any) -> str | None:
    text = re.sub(r"\s+", " ", _TAGS.sub("", str(value or ""))).strip()
    return text or None


def _date(value: Any, field: str, number: str) -> dt.date | None:
    from transforms.normalise.dates import parse_date

    if value in (None, ""):
        return None
    day = parse_date(value)
    if day is None:
        log.warning("standard %s: field %s: unreadable date %r", number, field, value)
    return day


def _status(value: Any) -> str | None:
    text = _text(value)
    if text is None:
        return None
    return STATUSES.get(text, text[:20])


def standard_row(body: dict[str, Any], record_url: str | None) -> dict[str, Any] | None:
    """One raw document body → an ``stg_standard`` row (``None`` without a standard number)."""
    row = body.get("row") or {}
    detail = body.get("detail") or {}
    number = standard_number(detail.get("标准号") or row.get("C_STD_CODE"))
    if number is None:
        return None
    successor = next((v for k, v in detail.items() if SUCCESSOR_LABEL_PART in k and v), None)
    return {
        "standard_no": number,
        "title_zh": _text(detail.get("中文标准名称")) or _text(row.get("C_C_NAME")),
        "title_en": _text(detail.get("英文标准名称")) or _text(row.get("C_E_NAME")),
        "status": _status(detail.get("标准状态") or row.get("STATE")),
        "issued_on": _date(detail.get("发布日期") or row.get("ISSUE_DATE"), "issued_on", number),
        "implemented_on": _date(detail.get("实施日期") or row.get("ACT_DATE"), "implemented_on", number),
        "replaced_by": standard_number(_list(successor)[0]) if successor else None,
        "source_url": record_url,
    }


def _list(value: Any) -> list[str]:
    return [item.strip() for item in _LIST_SEPARATORS.split(_text(value) or "") if item.strip()]


def replaced_standards(body: dict[str, Any]) -> list[str]:
    """Numbers this standard fully replaces (全部代替标准)."""
    detail = body.get("detail") or {}
    found = [standard_number(item) for label in REPLACES_LABELS for item in _list(detail.get(label))]
    return [n for n in dict.fromkeys(found) if n]


def _latest_documents(conn: Any) -> list[dict[str, Any]]:
    table = RawDocument.__table__
    docs = conn.execute(
        select(table.c.record_key, table.c.body, table.c.record_url, table.c.document_id)
        .where(table.c.source == SOURCE)
        .order_by(table.c.fetched_at, table.c.document_id)
    ).mappings()
    latest: dict[str, dict[str, Any]] = {}
    for doc in docs:
        latest[doc["record_key"]] = dict(doc)  # later fetches overwrite earlier ones
    return list(latest.values())


def load_standards(run_at: dt.datetime, url: str | None = None) -> dict[str, Any]:
    """Upsert every crawled standard into ``stg_standard``; return counts.

    ``run_at`` (the data interval end) is logged only: ``stg_standard`` keeps no load stamp.
    """
    engine = get_engine(url)
    with engine.connect() as conn:
        docs = _latest_documents(conn)
    rows: dict[str, dict[str, Any]] = {}
    successors: dict[str, str] = {}
    unreadable: list[str] = []
    for doc in docs:
        try:
            body = json.loads(doc["body"])
        except json.JSONDecodeError:
            body = None
        if not isinstance(body, dict):
            unreadable.append(doc["document_id"])
            continue
        row = standard_row(body, doc["record_url"])
        if row is None:
            unreadable.append(doc["document_id"])
            continue
        rows[row["standard_no"]] = row
        for old in replaced_standards(body):
            if old != row["standard_no"]:
                successors.setdefault(old, row["standard_no"])

    derived = 0
    for old, new in successors.items():
        if old in rows and rows[old]["replaced_by"] is None:
            rows[old]["replaced_by"] = new
            derived += 1
    stubs = [{"standard_no": old, "replaced_by": new} for old, new in successors.items() if old not in rows]

    table = Standard.__table__
    with engine.begin() as conn:
        upsert(conn, table, list(rows.values()), ["standard_no"], update_columns=DOCUMENT_COLUMNS)
        if stubs:
            # A standard known only as replaced: fill its successor, leave everything else as it is.
            upsert(conn, table, stubs, ["standard_no"], update_columns=["replaced_by"])
    summary = {
        "documents": len(docs),
        "standards": len(rows),
        "replaced_by_derived": derived + len(stubs),
        "replaced_only": len(stubs),
        "unreadable": len(unreadable),
    }
    if unreadable:
        log.warning("standards: %d raw documents without a standard number, first %s", len(unreadable), unreadable[0])
    log.info("standards loaded at %s: %s", run_at.isoformat(), summary)
    return summary
