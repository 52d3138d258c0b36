"""Test-wide set-up. Environment first: Airflow reads it at import time.

Warehouse: a fresh SQLite file per test by default; set ``ECMON_TEST_WAREHOUSE_URL`` to a
PostgreSQL database (``.ci/run`` does) and the same tests run there, the schema dropped and
re-migrated per test.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
_TMP = Path(tempfile.mkdtemp(prefix="ecmon-tests-"))
os.environ["AIRFLOW_HOME"] = str(_TMP / "airflow")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(PROJECT_ROOT / "dags")
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "False"
os.environ["ECMON_DATA_DIR"] = str(_TMP / "data")
os.environ["SCRAPY_SETTINGS_MODULE"] = "crawlers.settings"
os.environ.pop("ECMON_WAREHOUSE_URL", None)
os.environ.setdefault("ECMON_CRAWL_MODE", "replay")

REALDATA = Path(os.environ.get("ECMON_REALDATA_DIR", PROJECT_ROOT.parent / "shared" / "realdata"))


def realdata_path(*parts: str) -> Path:
    """A file under ../shared/realdata, or skip the test saying what is missing."""
    path = REALDATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real data not available: {path} (set ECMON_REALDATA_DIR to the shared/realdata folder)")
    return path


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("drop schema if exists public cascade"))
        conn.execute(text("create schema public"))
    engine.dispose()


@pytest.fixture
def warehouse_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A migrated, empty warehouse; the settings point at it for the test's duration."""
    from ecmon.db import dispose_engines
    from ecmon.settings import reset_settings_cache
    from sql.warehouse import upgrade

    url = os.environ.get("ECMON_TEST_WAREHOUSE_URL") or f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    if url.startswith("postgresql"):
        dispose_engines()
        _reset_postgres(url)
    monkeypatch.setenv("ECMON_WAREHOUSE_URL", url)
    reset_settings_cache()
    upgrade(url)
    yield url
    dispose_engines()
    reset_settings_cache()


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """Airflow's own metadata DB (SQLite in a temp AIRFLOW_HOME), needed by dag.test()."""
    from airflow.utils import db

    db.resetdb()


def count_rows(url: str, table: str) -> int:
    from sqlalchemy import text

    from ecmon.db import get_engine

    with get_engine(url).connect() as conn:
        return conn.execute(text(f"select count(*) from {table}")).scalar_one()
