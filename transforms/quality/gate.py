"""The data-quality gate (5.2.1): validate a table with its suite, quarantine failing rows, stop a bad run.

How a gate decides, per table:

1. The rows come from the caller (a DataFrame, a SQL string or a SQLAlchemy select) or, by default, from
   the suite's ``load``; the suite's ``prepare`` adds the derived ``check_*`` columns.
2. Great Expectations 1.x validates them with the pandas datasource in an ephemeral context
   (``result_format="COMPLETE"``, so each failing expectation lists the failing rows' index labels).
3. Every row failing a **critical** expectation is written to ``stg_quarantine`` (one row per failed
   expectation: table, row key, rule, column, the row as JSON), replacing what the same ``run_id`` wrote
   before, in one transaction — a rerun is idempotent. **Warning** expectations are only counted.
4. If the share of quarantined rows exceeds the table's ``max_failing_share`` (config/quality.yaml), or a
   table-level expectation failed (a column missing, an expectation that raised), the gate raises
   :class:`QualityGateFailed` naming the counts per expectation, so no downstream task runs. Quarantine
   rows and Data Docs are written first, so the failure can be inspected.

Quarantined rows are kept out of analysis by key: ``transforms.analysis`` reads only risk rows whose
``risk_info_id`` is not quarantined for ``stg_risk_information`` in this run and whose ``document_id``
is not quarantined for ``raw_document`` in this run (:func:`quarantined_keys`). The whole staging table
is validated each run, so a row repaired upstream is released by the next run.

Data Docs of a run are built into ``<data_dir>/data_docs/<run id>/index.html``; the validation pages are
keyed on the run id and the data-interval end, so a rerun overwrites the same files.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, text

from ecmon.db import get_engine
from sql.models import Quarantine
from transforms.quality.config import QualityConfig, load_quality_config
from transforms.quality.suites import SuiteContext, suite_module

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy import Connection
    from sqlalchemy.sql import Select

log = logging.getLogger(__name__)

# Order matters only for reading the summary: sources first (freshness), then what analysis reads.
DEFAULT_TABLES = ("raw_source", "raw_document", "stg_risk_information")
_SITE_NAME = "ecmon"


class QualityGateFailed(RuntimeError):
    """Too many rows failed (or a table-level expectation failed); the message lists counts per rule."""


@dataclass
class GateResult:
    """Outcome of one table's gate. ``good`` holds the rows that passed every critical expectation
    (with the suite's derived ``check_*`` columns).

    ``failures`` counts failing rows per critical rule (a row failing two rules counts in both);
    ``quarantined_rows`` counts distinct rows, the numerator of ``failing_share``.
    """

    table: str
    run_id: str
    rows: int
    max_failing_share: float
    good: pd.DataFrame = field(repr=False)
    quarantined_keys: list[str]
    quarantined_rows: int
    failures: dict[str, int]
    warnings: dict[str, int]
    table_errors: list[str]
    quarantines: bool = True
    data_docs: str | None = None

    @property
    def good_keys(self) -> list[str]:
        key = suite_module(self.table).ROW_KEY
        return [str(k) for k in self.good[key].tolist()] if key in self.good.columns else []

    @property
    def failing_share(self) -> float:
        return self.quarantined_rows / self.rows if self.rows else 0.0

    @property
    def failed(self) -> bool:
        # A table whose suite quarantines nothing (sources) fails on any critical expectation.
        blocking = bool(self.failures) and not self.quarantines
        return bool(self.table_errors) or blocking or self.failing_share > self.max_failing_share

    def describe(self) -> str:
        lines = [
            f"{self.table}: {self.quarantined_rows} of {self.rows} rows quarantined "
            f"({self.failing_share:.1%}, limit {self.max_failing_share:.1%})"
        ]
        lines += [f"  {rule}: {count} row(s)" for rule, count in sorted(self.failures.items())]
        lines += [f"  warning {rule}: {count} row(s)" for rule, count in sorted(self.warnings.items())]
        lines += [f"  table-level: {error}" for error in self.table_errors]
        return "\n".join(lines)

    def summary(self) -> dict[str, Any]:
        """JSON-safe counts for XCom and logs (no rows)."""
        return {
            "table": self.table,
            "run_id": self.run_id,
            "rows": self.rows,
            "passed": self.rows - self.quarantined_rows,
            "quarantined": self.quarantined_rows,
            "failing_share": round(self.failing_share, 6),
            "max_failing_share": self.max_failing_share,
            "failures": dict(sorted(self.failures.items())),
            "warnings": dict(sorted(self.warnings.items())),
            "table_errors": list(self.table_errors),
            "data_docs": self.data_docs,
        }

    def raise_if_failed(self) -> None:
        if self.failed:
            raise QualityGateFailed(f"data-quality gate failed for run {self.run_id}:\n{self.describe()}")


class GateSession:
    """One GX ephemeral context for a run: the tables validated in it share one Data Docs site."""

    def __init__(
        self,
        run_id: str,
        data_interval_end: dt.datetime,
        url: str | None = None,
        *,
        config: QualityConfig | None = None,
        data_dir: Path | None = None,
    ) -> None:
        from ecmon.settings import get_settings

        self.run_id = run_id
        self.data_interval_end = _as_utc(data_interval_end)
        self.engine = get_engine(url)
        self.config = config or load_quality_config()
        self.docs_dir = (data_dir or get_settings().data_dir) / "data_docs" / safe_path_part(run_id)
        self._context: Any = None
        self._asset_names: set[str] = set()

    @property
    def suite_context(self) -> SuiteContext:
        return SuiteContext(self.run_id, self.data_interval_end, self.config, self.engine)

    def validate(self, table: str, frame_or_query: pd.DataFrame | str | Select | None = None) -> GateResult:
        """Validate one table and write its quarantine rows; never raises on bad rows (see ``raise_if_failed``)."""
        import pandas as pd

        module = suite_module(table)
        ctx = self.suite_context
        if isinstance(frame_or_query, pd.DataFrame):
            original = frame_or_query.reset_index(drop=True)
        else:
            with self.engine.connect() as conn:
                original = _read(conn, frame_or_query) if frame_or_query is not None else module.load(conn, ctx)
        prepared = module.prepare(original, ctx)
        expectations = module.expectations(ctx)
        outcome = self._run_suite(table, prepared, expectations)

        failing_rows: dict[int, list[tuple[str, str | None]]] = {}
        for rule_name, column, indices in outcome.critical:
            for index in indices:
                failing_rows.setdefault(index, []).append((rule_name, column))
        quarantine: list[dict[str, Any]] = []
        if module.QUARANTINES:
            quarantine = [
                {
                    "run_id": self.run_id,
                    "table_name": table,
                    "row_key": _row_key(original, index, module.ROW_KEY),
                    "expectation": rule_name,
                    "column_name": column,
                    "row_data": _json_row(original.loc[index]),
                    "quarantined_at": self.data_interval_end,
                }
                for index, failed in sorted(failing_rows.items())
                for rule_name, column in failed
            ]
            self._replace_quarantine(table, quarantine)
        result = GateResult(
            table=table,
            run_id=self.run_id,
            rows=len(original),
            quarantines=module.QUARANTINES,
            max_failing_share=self.config.max_failing_share_for(table),
            good=prepared.drop(index=sorted(failing_rows)) if module.QUARANTINES else prepared,
            quarantined_keys=sorted({row["row_key"] for row in quarantine}),
            quarantined_rows=len(failing_rows) if module.QUARANTINES else 0,
            failures={rule_name: len(indices) for rule_name, _, indices in outcome.critical},
            warnings=outcome.warnings,
            table_errors=outcome.table_errors,
        )
        log.info("quality gate %s", result.describe())
        return result

    def build_data_docs(self) -> str | None:
        """Render every validation of this session into ``<data_dir>/data_docs/<run id>/``; return index path."""
        if not self.config.data_docs.enabled or self._context is None:
            return None
        self._context.build_data_docs(site_names=[_SITE_NAME])
        return str(self.docs_dir / "index.html")

    # -- internals ------------------------------------------------------------------------------
    def _gx(self) -> Any:
        if self._context is None:
            import great_expectations as gx
            from great_expectations.data_context.types.base import ProgressBarsConfig

            context = gx.get_context(mode="ephemeral")
            context.variables.progress_bars = ProgressBarsConfig(globally=False)
            if self.config.data_docs.enabled:
                self.docs_dir.mkdir(parents=True, exist_ok=True)
                context.add_data_docs_site(
                    _SITE_NAME,
                    {
                        "class_name": "SiteBuilder",
                        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                        "store_backend": {
                            "class_name": "TupleFilesystemStoreBackend",
                            "base_directory": str(self.docs_dir),
                        },
                    },
                )
            self._context = context
            self._datasource = context.data_sources.add_pandas("ecmon")
        return self._context

    def _run_suite(self, table: str, frame: pd.DataFrame, expectations: list[Any]) -> _SuiteOutcome:
        import great_expectations as gx
        from great_expectations.core.run_identifier import RunIdentifier

        context = self._gx()
        # GX names must be unique per context; a table validated twice in a session gets a suffix.
        name, copy = table, 1
        while name in self._asset_names:
            copy += 1
            name = f"{table}_{copy}"
        self._asset_names.add(name)
        batch = self._datasource.add_dataframe_asset(name).add_batch_definition_whole_dataframe("all")
        suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=expectations))
        definition = context.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch, suite=suite))
        checked = frame[[c for c in _referenced_columns(expectations) if c in frame.columns]]
        validation = definition.run(
            batch_parameters={"dataframe": checked},
            result_format="COMPLETE",
            run_id=RunIdentifier(run_name=self.run_id, run_time=self.data_interval_end),
        )
        return _SuiteOutcome.from_validation(validation)

    def _replace_quarantine(self, table: str, rows: list[dict[str, Any]]) -> None:
        quarantine = Quarantine.__table__
        with self.engine.begin() as conn:
            conn.execute(delete(quarantine).where(quarantine.c.run_id == self.run_id, quarantine.c.table_name == table))
            if rows:
                conn.execute(quarantine.insert(), rows)


@dataclass
class _SuiteOutcome:
    critical: list[tuple[str, str | None, list[int]]]
    warnings: dict[str, int]
    table_errors: list[str]

    @classmethod
    def from_validation(cls, validation: Any) -> _SuiteOutcome:
        critical, warnings, table_errors = [], {}, []
        for result in validation.results:
            config = result.expectation_config
            meta = config.meta or {}
            rule_name = meta.get("rule") or config.type
            exception = (result.exception_info or {}).get("exception_message")
            if (result.exception_info or {}).get("raised_exception"):
                table_errors.append(f"{rule_name}: {exception}")
                continue
            if result.success:
                continue
            indices = list(result.result.get("unexpected_index_list") or [])
            if not indices:  # a table-level expectation (or one over no rows) failed
                table_errors.append(f"{rule_name}: {config.type} failed ({result.result})")
            elif str(getattr(config.severity, "value", config.severity)) == "critical":
                critical.append((rule_name, meta.get("column"), indices))
            else:
                warnings[rule_name] = len(indices)
        return cls(critical, warnings, table_errors)


def run_gate(
    table: str,
    frame_or_query: pd.DataFrame | str | Select | None,
    run_id: str,
    data_interval_end: dt.datetime,
    url: str | None = None,
    *,
    config: QualityConfig | None = None,
    data_dir: Path | None = None,
) -> GateResult:
    """Gate one table: quarantine failing rows, build Data Docs, raise :class:`QualityGateFailed` if too many fail.

    ``frame_or_query``: a DataFrame of the table's rows, a SQL query (text or select) returning them, or
    ``None`` for the suite's default (the whole table). Returns the passing rows in ``GateResult.good``.
    """
    session = GateSession(run_id, data_interval_end, url, config=config, data_dir=data_dir)
    result = session.validate(table, frame_or_query)
    result.data_docs = session.build_data_docs()
    result.raise_if_failed()
    return result


def run_quality_gates(
    run_id: str,
    data_interval_end: dt.datetime,
    url: str | None = None,
    *,
    tables: tuple[str, ...] = DEFAULT_TABLES,
    config: QualityConfig | None = None,
    data_dir: Path | None = None,
) -> dict[str, Any]:
    """Gate several tables in one session (one Data Docs site); raise after all ran if any failed.

    Returns ``{"run_id", "data_docs", "tables": {table: GateResult.summary()}}``.
    """
    session = GateSession(run_id, data_interval_end, url, config=config, data_dir=data_dir)
    results = [session.validate(table) for table in tables]
    docs = session.build_data_docs()
    for result in results:
        result.data_docs = docs
    failed = [r for r in results if r.failed]
    if failed:
        raise QualityGateFailed(
            f"data-quality gate failed for run {run_id} (Data Docs: {docs}):\n"
            + "\n".join(r.describe() for r in failed)
        )
    return {"run_id": run_id, "data_docs": docs, "tables": {r.table: r.summary() for r in results}}


def quarantined_keys(conn: Connection, run_id: str, table: str) -> set[str]:
    """Row keys the gate quarantined for ``table`` in ``run_id`` (what analysis must leave out)."""
    quarantine = Quarantine.__table__
    query = select(quarantine.c.row_key).where(quarantine.c.run_id == run_id, quarantine.c.table_name == table)
    return set(conn.execute(query).scalars())


def safe_path_part(value: str) -> str:
    """Run ids carry ``:`` and ``+``; keep a portable folder name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", value).strip("_") or "run"


def _read(conn: Connection, query: str | Select) -> pd.DataFrame:
    import pandas as pd

    return pd.read_sql(text(query) if isinstance(query, str) else query, conn)


def _referenced_columns(expectations: list[Any]) -> list[str]:
    columns: list[str] = []
    for expectation in expectations:
        for name in ("column", "column_A", "column_B"):
            value = getattr(expectation, name, None)
            if isinstance(value, str):
                columns.append(value)
        columns.extend(getattr(expectation, "column_list", None) or [])
    return list(dict.fromkeys(columns))


def _row_key(frame: pd.DataFrame, index: int, key_column: str) -> str:
    value = frame.at[index, key_column] if key_column in frame.columns else None
    return f"row {index}" if _json_value(value) is None else str(value)[:200]


def _json_row(row: pd.Series) -> dict[str, Any]:
    return {str(k): _json_value(v) for k, v in row.items()}


def _json_value(value: Any) -> Any:
    """Warehouse values → JSON: dates as ISO text, NaN/NaT/NA as null, numpy scalars as Python numbers."""
    import pandas as pd

    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return None if value != value else value
    if isinstance(value, dt.date):  # datetime and pandas Timestamp included
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if hasattr(value, "item"):  # numpy scalar
        return _json_value(value.item())
    return str(value)


def _as_utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
