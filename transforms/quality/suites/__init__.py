"""Expectation suites as code, one module per guarded table (5.2.1).

A suite module is found by its file name (= the table it guards; nothing to register) and defines:

- ``TABLE`` — the warehouse table, ``ROW_KEY`` — the column written to ``stg_quarantine.row_key``;
- ``QUARANTINES`` — ``False`` for tables whose failures are reported but never stop rows (sources);
- ``load(conn, ctx) -> DataFrame`` — the rows a run validates when the caller passes no frame or query;
- ``prepare(frame, ctx) -> DataFrame`` — adds the derived ``check_*`` columns that cross-table rules need
  (a reference to another table, a GTIN check digit), so every rule stays a plain GX expectation;
- ``expectations(ctx) -> list`` — GX 1.x expectations. ``severity="critical"`` quarantines the failing
  rows, ``severity="warning"`` only reports them. Each carries ``meta={"rule": ..., "column": ...}``:
  the rule name is what ``stg_quarantine.expectation`` and the gate's counts show, the column is the
  guarded column (for a ``check_*`` column, the column it checks).

Modules import Great Expectations inside ``expectations`` only: ``import great_expectations`` costs
seconds, and DAG files import this package at parse time.
"""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from sqlalchemy import Engine

from transforms.quality.config import QualityConfig


@dataclass(frozen=True)
class SuiteContext:
    """What a suite may depend on: the run's clock (never ``now()``), thresholds and the warehouse."""

    run_id: str
    data_interval_end: dt.datetime
    config: QualityConfig
    engine: Engine


def rule(name: str, column: str | None) -> dict[str, Any]:
    """``meta`` of an expectation: its rule name and the column it guards."""
    return {"rule": name, "column": column}


def guarded_tables() -> list[str]:
    """Every table that has a suite module beside this file."""
    return sorted(info.name for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_"))


def suite_module(table: str) -> ModuleType:
    if table not in guarded_tables():
        raise KeyError(f"no expectation suite for table {table!r}; suites exist for {guarded_tables()}")
    module = importlib.import_module(f"{__name__}.{table}")
    if table != module.TABLE:
        raise ValueError(f"suite module {module.__name__} guards {module.TABLE!r}, expected {table!r}")
    return module
