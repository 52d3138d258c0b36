"""Expectations for ``raw_document``: what each 5.2.2 channel served, with provenance (5.2.1).

All critical; a quarantined document keeps every risk row mapped from it out of analysis:

- required provenance present (ids, source, channel, URL, fetch time, HTTP status, content type, hash, crawl);
- the body is not empty (checked as ``body_chars``: the body itself is never read into the gate);
- channel is a 5.2.2 channel a–e; the HTTP status is 2xx; ``content_hash`` is a sha256 hex digest;
- uniqueness of ``document_id`` and of ``(source, content_hash)`` (unchanged records are stored once);
- references: ``crawl_id`` exists in ``raw_crawl_run``.

``(source, record_key)`` is deliberately not unique here: a changed record is stored again as a new version.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Connection, func, select

from sql.models import CHANNELS, CrawlRun, RawDocument
from transforms.quality.suites import SuiteContext, rule

TABLE = "raw_document"
ROW_KEY = "document_id"
QUARANTINES = True

REQUIRED_COLUMNS = (
    "document_id",
    "source",
    "channel",
    "record_key",
    "url",
    "fetched_at",
    "http_status",
    "content_type",
    "content_hash",
    "crawl_id",
)
_LOOKUP_CHUNK = 500


def load(conn: Connection, ctx: SuiteContext) -> pd.DataFrame:
    """Every document, without its body (only its length): bodies are large and no rule reads them."""
    table = RawDocument.__table__
    columns = [c for c in table.c if c.name != "body"]
    query = select(*columns, func.length(table.c.body).label("body_chars")).order_by(table.c.document_id)
    return pd.read_sql(query, conn)


def prepare(frame: pd.DataFrame, ctx: SuiteContext) -> pd.DataFrame:
    frame = frame.copy()
    if "body_chars" not in frame.columns and "body" in frame.columns:  # a frame built by the caller
        frame["body_chars"] = frame["body"].map(lambda body: len(body) if isinstance(body, str) else None)
        frame = frame.drop(columns=["body"])
    with ctx.engine.connect() as conn:
        known = _existing_crawl_ids(conn, frame["crawl_id"].dropna().unique().tolist())
    frame["check_crawl_run_exists"] = [None if not isinstance(c, str) else c in known for c in frame["crawl_id"]]
    return frame


def expectations(ctx: SuiteContext) -> list[Any]:
    import great_expectations.expectations as gxe

    required = [
        gxe.ExpectColumnValuesToNotBeNull(
            column=column, meta=rule(f"{column}_present", column), description=f"`{column}` is required (5.2.1)."
        )
        for column in REQUIRED_COLUMNS
    ]
    return [
        *required,
        gxe.ExpectColumnValuesToBeBetween(
            column="body_chars",
            min_value=1,
            meta=rule("body_not_empty", "body"),
            description="The stored record is not empty.",
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="channel",
            value_set=list(CHANNELS),
            meta=rule("channel_in_5_2_2", "channel"),
            description="Channel is one of 5.2.2 a–e.",
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="http_status",
            min_value=200,
            max_value=299,
            meta=rule("http_status_2xx", "http_status"),
            description="Only successful responses are stored as records.",
        ),
        gxe.ExpectColumnValuesToMatchRegex(
            column="content_hash",
            regex=r"^[0-9a-f]{64}$",
            meta=rule("content_hash_sha256", "content_hash"),
            description="Content hash is a sha256 hex digest.",
        ),
        gxe.ExpectColumnValuesToBeUnique(
            column="document_id",
            meta=rule("document_id_unique", "document_id"),
            description="One row per document id.",
        ),
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=["source", "content_hash"],
            meta=rule("source_content_hash_unique", "content_hash"),
            description="An unchanged record is stored once per source.",
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="check_crawl_run_exists",
            value_set=[True],
            meta=rule("crawl_id_in_raw_crawl_run", "crawl_id"),
            description="The crawl (or file import) that stored the document is recorded (5.2.1 provenance).",
        ),
    ]


def _existing_crawl_ids(conn: Connection, crawl_ids: list[str]) -> set[str]:
    column = CrawlRun.__table__.c.crawl_id
    found: set[str] = set()
    for start in range(0, len(crawl_ids), _LOOKUP_CHUNK):
        found.update(conn.execute(select(column).where(column.in_(crawl_ids[start : start + _LOOKUP_CHUNK]))).scalars())
    return found
