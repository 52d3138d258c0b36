"""Warehouse engine creation and dialect-neutral upserts.

The same code serves SQLite (embedded default) and PostgreSQL (production, CI). Upserts use
each dialect's ``INSERT … ON CONFLICT`` so reruns are idempotent (DEVELOPERS.md: every task
idempotent) and each batch is one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url

from ecmon.settings import get_settings

_engines: dict[str, Engine] = {}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets Airflow tasks read while a crawl writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # A 256 MiB page cache (the default is 2 MiB): index pages of a million-row table stay in memory
    # during bulk loads and updates instead of being re-read for every row. Memory is taken as used.
    cursor.execute("PRAGMA cache_size=-262144")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def get_engine(url: str | None = None) -> Engine:
    """Return a cached engine for ``url`` (default: the configured warehouse)."""
    url = url or get_settings().resolved_warehouse_url()
    if url not in _engines:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, pool_pre_ping=True)
        _engines[url] = engine
    return _engines[url]


def dispose_engines() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


def _insert_for(conn: Connection, table: Table) -> Any:
    name = conn.dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"warehouse dialect {name!r} is not supported (use sqlite or postgresql)")


def upsert(
    conn: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    key_columns: Iterable[str],
    update_columns: Iterable[str] | None = None,
    chunk_size: int = 2000,
) -> int:
    """Insert ``rows``; on a key clash update ``update_columns`` (default: all non-key columns).

    ``update_columns=()`` means "insert if absent, else leave alone". Returns rows sent.
    """
    if not rows:
        return 0
    keys = list(key_columns)
    if update_columns is None:
        update_columns = [c for c in rows[0] if c not in keys]
    update_columns = list(update_columns)
    # Bound the statement size: PostgreSQL refuses more than 65,535 bind parameters.
    chunk_size = max(1, min(chunk_size, 60000 // max(1, len(rows[0]))))
    for start in range(0, len(rows), chunk_size):
        chunk = list(rows[start : start + chunk_size])
        stmt = _insert_for(conn, table).values(chunk)
        if update_columns:
            stmt = stmt.on_conflict_do_update(index_elements=keys, set_={c: stmt.excluded[c] for c in update_columns})
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=keys)
        conn.execute(stmt)
    return len(rows)


def bulk_upsert(
    conn: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    key_columns: Iterable[str],
    update_columns: Iterable[str] | None = None,
) -> int:
    """Upsert many rows through each engine's own bulk path, in the caller's transaction.

    SQLite: one prepared ``INSERT … ON CONFLICT DO UPDATE`` run with DB-API ``executemany``.
    PostgreSQL: ``COPY`` into a temporary table, then one ``INSERT … SELECT … ON CONFLICT``.
    Values must already be DB-API-ready (JSON columns as text or dicts are encoded here).
    """
    if not rows:
        return 0
    keys = list(key_columns)
    columns = list(rows[0])
    if update_columns is None:
        update_columns = [c for c in columns if c not in keys]
    update_columns = list(update_columns)
    quoted = ", ".join(f'"{c}"' for c in columns)
    conflict = f"on conflict ({', '.join(keys)}) " + (
        "do update set " + ", ".join(f'"{c}" = excluded."{c}"' for c in update_columns)
        if update_columns
        else "do nothing"
    )
    encode = _row_encoder(conn, table, columns)
    pick = itemgetter(*columns) if len(columns) > 1 else (lambda row: (row[columns[0]],))

    def values(row: Mapping[str, Any]) -> list[Any]:
        return encode(pick(row))

    dbapi = conn.connection.driver_connection
    if conn.dialect.name == "sqlite":
        # Optimistic: a plain INSERT of every row runs at the engine's full bulk speed (an ON CONFLICT DO
        # UPDATE clause on every row halves SQLite's insert rate). Only when some keys already existed are
        # the rows updated too; updating a row just inserted rewrites the same values, so the result is the
        # upsert's either way.
        cursor = dbapi.cursor()
        placeholders = ", ".join("?" for _ in columns)
        cursor.executemany(f"insert into {table.name} ({quoted}) values ({placeholders}) on conflict do nothing",
                           map(values, rows))  # fmt: skip
        inserted = cursor.rowcount
        if update_columns and inserted < len(rows):
            assignments = ", ".join(f'"{c}" = ?' for c in update_columns)
            condition = " and ".join(f'"{k}" = ?' for k in keys)
            positions = [columns.index(c) for c in (*update_columns, *keys)]

            def update_params(row: Mapping[str, Any]) -> list[Any]:
                encoded = values(row)
                return [encoded[p] for p in positions]

            cursor.executemany(f"update {table.name} set {assignments} where {condition}", map(update_params, rows))
        cursor.close()
    elif conn.dialect.name == "postgresql":
        staging = f"tmp_bulk_{table.name}"
        with dbapi.cursor() as cursor:
            cursor.execute(f"create temp table if not exists {staging} (like {table.name} including defaults) "
                           "on commit drop")  # fmt: skip
            cursor.execute(f"truncate {staging}")
            with cursor.copy(f"copy {staging} ({quoted}) from stdin") as copy:
                for row in rows:
                    copy.write_row(values(row))
            cursor.execute(f"insert into {table.name} ({quoted}) select {quoted} from {staging} {conflict}")
    else:
        raise NotImplementedError(f"bulk_upsert: dialect {conn.dialect.name!r} is not supported")
    return len(rows)


def _cell_encoders(conn: Connection, table: Table, columns: Sequence[str]) -> list[tuple[int, Any]]:
    """(position, encode) for the columns whose values need converting to what SQLAlchemy itself would bind:
    JSON as text, and on SQLite dates and times as the text SQLAlchemy writes. Other values pass as they are,
    so a million-row load converts only the few cells that need it."""
    import json

    sqlite = conn.dialect.name == "sqlite"

    def as_json(value: Any) -> Any:
        return json.dumps(value, ensure_ascii=False)

    spelled: dict[Any, Any] = {}  # a batch repeats its times a lot (the run time, publication days)

    def as_sqlite_time(value: Any) -> Any:
        # Equal instants in different zones are spelled differently (the zone is dropped, not converted).
        key = (value, value.utcoffset()) if isinstance(value, dt.datetime) else value
        text = spelled.get(key)
        if text is None:
            if isinstance(value, dt.datetime):
                # The text form SQLAlchemy itself writes on SQLite, so ORM reads and SQL comparisons agree.
                text = value.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
            elif isinstance(value, dt.date):
                text = value.isoformat()
            else:
                return value
            spelled[key] = text
        return text

    encoders = []
    for position, name in enumerate(columns):
        column = table.columns.get(name)
        kind = column.type.__class__.__name__ if column is not None else ""
        if kind == "JSON":
            encoders.append((position, as_json))
        elif sqlite and kind in ("Date", "DateTime"):
            encoders.append((position, as_sqlite_time))
    return encoders


def _row_encoder(conn: Connection, table: Table, columns: Sequence[str]) -> Any:
    """``encode(values)`` → a DB-API-ready list, from values in the order of ``columns``."""
    encoders = _cell_encoders(conn, table, columns)

    def encode(values: Sequence[Any]) -> list[Any]:
        values = list(values)
        for position, convert in encoders:
            if values[position] is not None:
                values[position] = convert(values[position])
        return values

    return encode


def bulk_update(
    conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]], key_columns: Sequence[str]
) -> int:
    """Update existing rows through each engine's bulk path, in the caller's transaction.

    ``rows`` are tuples in the order of ``columns``, which must include ``key_columns``; rows whose key is
    absent change nothing. SQLite: one prepared ``UPDATE`` run with DB-API ``executemany``. PostgreSQL:
    ``COPY`` into a temporary table, then one ``UPDATE … FROM``. Returns the number of rows sent.
    """
    columns, keys = list(columns), list(key_columns)
    missing = set(keys) - set(columns)
    if missing:
        raise ValueError(f"bulk_update of {table.name}: key columns {sorted(missing)} are not among the columns")
    assigned = [c for c in columns if c not in keys]
    encoded = map(_row_encoder(conn, table, columns), rows)
    dbapi = conn.connection.driver_connection
    sent = 0
    if conn.dialect.name == "sqlite":
        positions = [columns.index(c) for c in (*assigned, *keys)]
        assignments = ", ".join(f'"{c}" = ?' for c in assigned)
        condition = " and ".join(f'"{k}" = ?' for k in keys)
        cursor = dbapi.cursor()
        try:
            for chunk in _chunks(encoded, 50_000):
                cursor.executemany(
                    f"update {table.name} set {assignments} where {condition}",
                    [[row[p] for p in positions] for row in chunk],
                )
                sent += len(chunk)
        finally:
            cursor.close()
    elif conn.dialect.name == "postgresql":
        staging = f"tmp_update_{table.name}"
        quoted = ", ".join(f'"{c}"' for c in columns)
        with dbapi.cursor() as cursor:
            # Dropped again below: a second call in the same transaction may update other columns.
            cursor.execute(f"create temp table {staging} as select {quoted} from {table.name} with no data")
            with cursor.copy(f"copy {staging} ({quoted}) from stdin") as copy:
                for row in encoded:
                    copy.write_row(row)
                    sent += 1
            assignments = ", ".join(f'"{c}" = s."{c}"' for c in assigned)
            condition = " and ".join(f't."{k}" = s."{k}"' for k in keys)
            cursor.execute(f"update {table.name} as t set {assignments} from {staging} as s where {condition}")
            cursor.execute(f"drop table {staging}")
    else:
        raise NotImplementedError(f"bulk_update: dialect {conn.dialect.name!r} is not supported")
    return sent


def _chunks(items: Iterable[Any], size: int) -> Iterable[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
