"""What every file importer shares: reading rows, storing them as raw documents atomically.

A subclass sets ``name`` (also the ``source`` of its raw documents and risk information),
``channel`` (5.2.2 a–e), ``patterns`` (file globs) and ``freshness_hours``, and implements
``read_records(path)`` yielding :class:`ImportedRecord`. A file is stored whole or not at all:
any bad row raises :class:`ImportFileError` naming the file, row and field, and nothing of that
file is written. Re-importing a file adds nothing (content hashes).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import json
import pkgutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from ecmon.db import get_engine, upsert
from ecmon.settings import get_settings


class ImportFileError(ValueError):
    """A file that cannot be imported; the message names file, row and field."""

    def __init__(self, path: Path, row: int | None, field: str | None, problem: str) -> None:
        where = f"{path}" + (f", row {row}" if row is not None else "") + (f", field {field!r}" if field else "")
        super().__init__(f"{where}: {problem}")
        self.path, self.row, self.field, self.problem = path, row, field, problem


@dataclass
class ImportedRecord:
    record_key: str
    body: dict[str, Any]
    row_number: int
    published_at: str | None = None
    record_url: str | None = None


class FileImporter:
    name: ClassVar[str]
    channel: ClassVar[str]
    patterns: ClassVar[tuple[str, ...]]
    freshness_hours: ClassVar[int] = 24 * 7
    content_type: ClassVar[str] = "application/json"

    def read_records(self, path: Path) -> Iterator[ImportedRecord]:
        raise NotImplementedError

    def matches(self, path: Path) -> bool:
        return any(path.match(pattern) for pattern in self.patterns)


def discover_importers() -> dict[str, FileImporter]:
    import transforms.importers as package

    found: dict[str, FileImporter] = {}
    for info in pkgutil.iter_modules(package.__path__):
        if info.name == "base":
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, FileImporter)
                and value is not FileImporter
                and value.__module__ == module.__name__
                and getattr(value, "name", None)
            ):
                found[value.name] = value()
    return found


def import_file(importer: FileImporter, path: Path, run_at: dt.datetime, url: str | None = None) -> dict[str, Any]:
    """Store every row of ``path`` as a raw document, in one transaction. Returns counts."""
    from sql.models import CrawlRun, Source
    from sql.raw import content_hash, document_id, insert_new_documents

    path = Path(path).resolve()
    if not path.is_file():
        raise ImportFileError(path, None, None, "no such file")
    file_hash = hashlib.sha256(path.read_bytes()).hexdigest()
    crawl_id = f"import:{importer.name}:{file_hash[:16]}"
    rows = []
    for record in importer.read_records(path):
        if not record.record_key:
            raise ImportFileError(path, record.row_number, "record key", "empty")
        body = json.dumps(record.body, ensure_ascii=False, sort_keys=True, default=str)
        body_hash = content_hash(body)
        rows.append(
            {
                "document_id": document_id(importer.name, body_hash),
                "source": importer.name,
                "channel": importer.channel,
                "record_key": str(record.record_key)[:200],
                "url": f"{path.as_uri()}#row={record.row_number}",
                "record_url": record.record_url,
                "fetched_at": run_at,
                "http_status": 200,
                "content_type": importer.content_type,
                "content_hash": body_hash,
                "body": body,
                "published_at": record.published_at,
                "crawl_id": crawl_id,
            }
        )
    engine = get_engine(url)
    with engine.begin() as conn:
        upsert(
            conn,
            Source.__table__,
            [
                {
                    "source": importer.name,
                    "channel": importer.channel,
                    "freshness_hours": importer.freshness_hours,
                    "live_base_url": None,
                    "registered_at": run_at,
                }
            ],
            ["source"],
        )
        upsert(
            conn,
            CrawlRun.__table__,
            [
                {
                    "crawl_id": crawl_id,
                    "source": importer.name,
                    "channel": importer.channel,
                    "mode": "file",
                    "started_at": run_at,
                    "finished_at": run_at,
                    "finish_reason": "finished",
                    "requests": 1,
                    "responses": 1,
                    "items": len(rows),
                    "documents_new": 0,
                    "items_dropped": 0,
                    "errors": 0,
                    "stats": {"file": str(path), "sha256": file_hash, "rows": len(rows)},
                }
            ],
            ["crawl_id"],
            update_columns=["finished_at", "items", "stats"],
        )
        new = insert_new_documents(conn, rows)
        conn.execute(CrawlRun.__table__.update().where(CrawlRun.crawl_id == crawl_id).values(documents_new=new))
    return {"importer": importer.name, "file": str(path), "rows": len(rows), "documents_new": new}


def import_inbox(run_at: dt.datetime, inbox: Path | None = None, url: str | None = None) -> list[dict[str, Any]]:
    """Import every file under ``<inbox>/<importer name>/``; a bad file fails alone, loudly."""
    inbox = inbox or get_settings().data_dir / "inbox"
    results, errors = [], []
    for name, importer in sorted(discover_importers().items()):
        folder = inbox / name
        for path in sorted(p for p in folder.glob("*") if p.is_file() and importer.matches(p)):
            try:
                results.append(import_file(importer, path, run_at, url))
            except ImportFileError as exc:
                errors.append(str(exc))
    if errors:
        raise ImportFileError(inbox, None, None, f"{len(errors)} file(s) refused: " + " | ".join(errors))
    return results
