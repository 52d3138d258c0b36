"""Expectations for ``stg_risk_information``: the risk-information database of 5.2.1, read by analysis (5.3.1).

Critical (the row is quarantined and left out of analysis):

- required fields present: ids, provenance, channel, info type, mapping time;
- code sets: channel is a 5.2.2 channel a–e, ``info_type`` one of :data:`INFO_TYPES`, ``category_code`` and
  ``hazard_code`` top-level codes of ``transforms.taxonomy``, and ``subcategory_code`` rolls up to
  ``category_code``;
- ``published_date`` between ``published_date.earliest`` (config) and the data-interval end plus the
  configured tolerance — never compared with the wall clock, so a rerun of an old interval gives the same answer;
- uniqueness of ``risk_info_id`` and of ``(source, record_key)``: when a key appears twice, both rows are
  quarantined, since nothing says which one is right;
- references: ``document_id`` exists in ``raw_document``;
- shapes: ``region_code`` a 6-digit GB/T 2260 code, ``country_code`` ISO 3166-1 alpha-2, confidences in [0, 1].

Warning (reported in the gate summary and Data Docs, row kept): ``barcode`` carries a valid GS1 check digit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import Connection, select

from sql.models import CHANNELS, RawDocument, RiskInformation
from transforms.quality.suites import SuiteContext, rule

TABLE = "stg_risk_information"
ROW_KEY = "risk_info_id"
QUARANTINES = True

# The info types of stg_risk_information.info_type (column comment in sql/models.py); a mapper that needs a
# new one adds it here, deliberately, so analysis rules keyed on info_type are reviewed at the same time.
INFO_TYPES = ("recall", "spot_check", "complaint", "news", "alert", "standard", "listing", "platform_notice")
REQUIRED_COLUMNS = ("risk_info_id", "document_id", "source", "channel", "record_key", "info_type", "mapped_at")
_LOOKUP_CHUNK = 500


def load(conn: Connection, ctx: SuiteContext) -> pd.DataFrame:
    """The whole table: every run re-validates it, so a row repaired upstream is released at the next run."""
    return pd.read_sql(select(RiskInformation.__table__).order_by(RiskInformation.risk_info_id), conn)


def prepare(frame: pd.DataFrame, ctx: SuiteContext) -> pd.DataFrame:
    """Typed ``published_date`` plus the derived ``check_*`` columns the cross-table rules read."""
    from transforms.normalise.gtin import is_valid_gtin

    frame = frame.copy()
    frame["published_date"] = frame["published_date"].map(_as_date).astype(object)
    with ctx.engine.connect() as conn:
        known = _existing_document_ids(conn, frame["document_id"].dropna().unique().tolist())
    frame["check_document_exists"] = [None if _missing(d) else d in known for d in frame["document_id"]]
    frame["check_subcategory_rolls_up"] = [
        None if _missing(sub) else _rolls_up(sub, cat)
        for sub, cat in zip(frame["subcategory_code"], frame["category_code"], strict=True)
    ]
    frame["check_barcode_gtin_valid"] = [
        None if _missing(code) else is_valid_gtin(code) or _is_upc_without_leading_zero(code)
        for code in frame["barcode"]
    ]
    return frame


def expectations(ctx: SuiteContext) -> list[Any]:
    import great_expectations.expectations as gxe

    from transforms.taxonomy import HAZARD_TOP_CODES, PRODUCT_TOP_CODES

    latest = ctx.data_interval_end.date() + dt.timedelta(days=ctx.config.published_date.future_tolerance_days)
    earliest = ctx.config.published_date.earliest
    required = [
        gxe.ExpectColumnValuesToNotBeNull(
            column=column, meta=rule(f"{column}_present", column), description=f"`{column}` is required (5.2.1)."
        )
        for column in REQUIRED_COLUMNS
    ]
    return [
        *required,
        gxe.ExpectColumnValuesToBeInSet(
            column="channel",
            value_set=list(CHANNELS),
            meta=rule("channel_in_5_2_2", "channel"),
            description="Channel is one of 5.2.2 a–e.",
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="info_type",
            value_set=list(INFO_TYPES),
            meta=rule("info_type_known", "info_type"),
            description="Info type is a known kind of risk information.",
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="category_code",
            value_set=list(PRODUCT_TOP_CODES),
            meta=rule("category_code_in_taxonomy", "category_code"),
            description="Product kind is a top-level code of transforms/taxonomy (5.1.1 varieties).",
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="hazard_code",
            value_set=list(HAZARD_TOP_CODES),
            meta=rule("hazard_code_in_taxonomy", "hazard_code"),
            description="Hazard item is a top-level code of transforms/taxonomy (5.3.1).",
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="check_subcategory_rolls_up",
            value_set=[True],
            meta=rule("subcategory_rolls_up_to_category", "subcategory_code"),
            description="Second-level product kind belongs to the row's top-level kind.",
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="published_date",
            min_value=earliest,
            max_value=latest,
            meta=rule("published_date_in_range", "published_date"),
            description=f"Published between {earliest} and the data-interval end ({latest} with tolerance).",
        ),
        gxe.ExpectColumnValuesToBeUnique(
            column="risk_info_id",
            meta=rule("risk_info_id_unique", "risk_info_id"),
            description="One row per risk-information id.",
        ),
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=["source", "record_key"],
            meta=rule("source_record_key_unique", "record_key"),
            description="One row per source record (source, record_key).",
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="check_document_exists",
            value_set=[True],
            meta=rule("document_id_in_raw_document", "document_id"),
            description="The raw document the row was mapped from exists (provenance, 5.2.1).",
        ),
        gxe.ExpectColumnValuesToMatchRegex(
            column="region_code",
            regex=r"^\d{6}$",
            meta=rule("region_code_gbt2260", "region_code"),
            description="Region is a 6-digit GB/T 2260 division code.",
        ),
        gxe.ExpectColumnValuesToMatchRegex(
            column="country_code",
            regex=r"^[A-Z]{2}$",
            meta=rule("country_code_iso3166", "country_code"),
            description="Country is an ISO 3166-1 alpha-2 code.",
        ),
        *[
            gxe.ExpectColumnValuesToBeBetween(
                column=column,
                min_value=0.0,
                max_value=1.0,
                meta=rule(f"{column}_in_unit_interval", column),
                description="Classifier confidence lies in [0, 1].",
            )
            for column in ("category_confidence", "hazard_confidence")
        ],
        gxe.ExpectColumnValuesToBeInSet(
            column="check_barcode_gtin_valid",
            value_set=[True],
            severity="warning",
            meta=rule("barcode_gtin_check_digit", "barcode"),
            description="Barcode has a valid GS1 check digit (warning only: sources print codes loosely).",
        ),
    ]


def _existing_document_ids(conn: Connection, document_ids: list[str]) -> set[str]:
    column = RawDocument.__table__.c.document_id
    found: set[str] = set()
    for start in range(0, len(document_ids), _LOOKUP_CHUNK):
        chunk = document_ids[start : start + _LOOKUP_CHUNK]
        found.update(conn.execute(select(column).where(column.in_(chunk))).scalars())
    return found


def _rolls_up(subcategory: str, category: Any) -> bool:
    from transforms.taxonomy import top_level

    try:
        return top_level(subcategory) == category
    except ValueError:  # not a taxonomy code at all
        return False


def _is_upc_without_leading_zero(code: Any) -> bool:
    # 11-digit UPC-A as usa.gov prints it: valid once the dropped leading zero is put back.
    from transforms.normalise.gtin import is_valid_gtin

    digits = str(code).strip()
    return len(digits) == 11 and digits.isdigit() and is_valid_gtin("0" + digits)


def _as_date(value: Any) -> Any:
    """Dates stay dates; timestamps and ISO strings (frames built by callers) become dates; nulls None."""
    if _missing(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return value  # left as text: the range expectation then fails loudly on the type
    return value


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value) or value is pd.NaT or value is pd.NA
