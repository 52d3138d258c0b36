"""Load risk information from raw documents, incrementally and idempotently (5.2.1).

For every (source, record_key) the newest raw document is mapped; rows already mapped from that
document are skipped. Each batch is one transaction: the risk row is upserted and its child rows
(products, parties, facts, identifiers) replaced, so a record is never half-written. Records that
cannot be mapped go to ``stg_quarantine`` with the document, record and field named; the load
fails loudly if they exceed ``max_failure_share``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, delete, select, text

from ecmon.db import bulk_upsert, get_engine
from sql.models import Quarantine, RawDocument, RiskFact, RiskIdentifier, RiskInformation, RiskParty, RiskProduct
from transforms.risk_information.mapping import MappedRecord, Mapper, MappingError, complete_risk_row

log = logging.getLogger(__name__)


def discover_mappers() -> dict[str, Mapper]:
    """Every module in this package with ``SOURCE`` (or ``SOURCES``) and ``map_document``.

    Adding a source's mapper is adding one module; nothing to register.
    """
    import importlib
    import pkgutil

    import transforms.risk_information as package

    found: dict[str, Mapper] = {}
    for info in pkgutil.iter_modules(package.__path__):
        if info.name in {"load", "mapping"}:
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        sources = getattr(module, "SOURCES", None) or ([module.SOURCE] if hasattr(module, "SOURCE") else [])
        for source in sources:
            if source in found:
                raise ValueError(f"two mappers claim source {source!r}")
            found[source] = module.map_document
    return found


MAPPERS: dict[str, Mapper] = {}

CHILD_TABLES = (RiskProduct.__table__, RiskParty.__table__, RiskFact.__table__, RiskIdentifier.__table__)

_PENDING_SQL = """
with ranked as (
    select d.document_id, d.source, d.record_key,
           row_number() over (partition by d.source, d.record_key
                              order by d.fetched_at desc, d.document_id desc) as recency
    from raw_document d
    where d.source in :sources
)
select ranked.document_id
from ranked
left join stg_risk_information r on r.source = ranked.source and r.record_key = ranked.record_key
where ranked.recency = 1 and (:full_reload or r.document_id is null or r.document_id <> ranked.document_id)
order by ranked.document_id
"""


class LoadFailed(RuntimeError):
    pass


def pending_document_ids(conn: Any, sources: Iterable[str], full_reload: bool = False) -> list[str]:
    stmt = text(_PENDING_SQL).bindparams(bindparam("sources", expanding=True))
    return list(conn.execute(stmt, {"sources": list(sources), "full_reload": full_reload}).scalars())


def _write_batch(conn: Any, mapped: list[MappedRecord]) -> None:
    ids = [m.risk["risk_info_id"] for m in mapped]
    rows = [complete_risk_row(m.risk) for m in mapped]
    # A remapped record keeps its cluster until enrichment recomputes it (enriched_at is reset).
    kept = {"risk_info_id", "cluster_id"}
    bulk_upsert(conn, RiskInformation.__table__, rows, ["risk_info_id"], [c for c in rows[0] if c not in kept])
    for table in CHILD_TABLES:
        conn.execute(delete(table).where(table.c.risk_info_id.in_(ids)))
    for table, rows in (
        (RiskProduct.__table__, [r for m in mapped for r in m.products]),
        (RiskParty.__table__, [r for m in mapped for r in m.parties]),
        (RiskFact.__table__, [r for m in mapped for r in m.facts]),
        (RiskIdentifier.__table__, [r for m in mapped for r in m.identifiers]),
    ):
        if rows:
            conn.execute(table.insert(), rows)


def load_risk_information(
    run_at: dt.datetime,
    *,
    sources: Iterable[str] | None = None,
    url: str | None = None,
    full_reload: bool = False,
    batch_size: int = 1000,
    max_failure_share: float = 0.05,
    run_id: str = "manual",
) -> dict[str, Any]:
    """Map pending raw documents; return counts. ``run_at`` stamps ``mapped_at`` (data interval end)."""
    engine = get_engine(url)
    if not MAPPERS:
        MAPPERS.update(discover_mappers())
    sources = sorted(sources or MAPPERS)
    unknown = [s for s in sources if s not in MAPPERS]
    if unknown:
        raise KeyError(f"no risk-information mapper for source(s) {unknown}; known: {sorted(MAPPERS)}")
    with engine.connect() as conn:
        pending = pending_document_ids(conn, sources, full_reload)
    loaded, failed = 0, []
    doc_table = RawDocument.__table__
    for start in range(0, len(pending), batch_size):
        chunk = pending[start : start + batch_size]
        with engine.begin() as conn:
            docs = conn.execute(select(doc_table).where(doc_table.c.document_id.in_(chunk))).mappings().all()
            mapped = []
            for doc in docs:
                try:
                    record = MAPPERS[doc["source"]](dict(doc))
                except MappingError as exc:
                    failed.append(
                        {
                            "run_id": run_id,
                            "table_name": "raw_document",
                            "row_key": doc["document_id"],
                            "expectation": "maps_to_risk_information",
                            "column_name": None,
                            "row_data": {"error": str(exc), "source": doc["source"], "record_key": doc["record_key"]},
                        }
                    )
                    log.warning("cannot map %s", exc)
                    continue
                record.risk.update(document_id=doc["document_id"], mapped_at=run_at, enriched_at=None)
                mapped.append(record)
            if mapped:
                _write_batch(conn, mapped)
            loaded += len(mapped)
    if failed:
        with engine.begin() as conn:
            conn.execute(Quarantine.__table__.insert(), [{**f, "quarantined_at": run_at} for f in failed])
    summary = {"pending": len(pending), "loaded": loaded, "quarantined": len(failed), "sources": sources}
    log.info("risk information: %s", summary)
    if pending and len(failed) / len(pending) > max_failure_share:
        raise LoadFailed(
            f"{len(failed)} of {len(pending)} raw documents could not be mapped (limit "
            f"{max_failure_share:.0%}); first: {failed[0]['row_data']['error']}"
        )
    return summary
