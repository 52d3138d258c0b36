"""Items the spiders yield. One ``RawRecord`` = one record of a source (5.2.1), kept as served."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass
class RawRecord:
    """A single record of a source with its provenance (5.2.2 channel, URL, HTTP status).

    ``body`` is the record decoded to text: for JSON APIs the record object re-serialised with
    sorted keys (so the content hash ignores key order), for pages the HTML, for tables one row
    as JSON. ``content_hash`` and ``document_id`` are filled by the hashing pipeline.
    """

    source: str
    channel: str
    record_key: str
    url: str
    body: str
    content_type: str = "application/json"
    http_status: int = 200
    record_url: str | None = None
    published_at: str | None = None
    fetched_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    content_hash: str | None = None
    document_id: str | None = None
