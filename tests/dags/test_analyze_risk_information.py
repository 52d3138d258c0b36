"""dag.test() of analyze_risk_information on a pre-filled warehouse; a rerun leaves the mart unchanged.

The warehouse holds the hand-made risk records of tests/transforms/test_analysis.py (inserted directly,
faster than crawling). The first task runs the real ``transforms.enrich``, which may classify and cluster
those rows, so this test asserts what enrichment cannot change; the exact numbers and dispositions are
asserted in tests/transforms/test_analysis.py. Where ``transforms.enrich`` does not exist the DAG's first
task fails by design, so the test installs a pass-through stand-in (it changes no row).
"""

from __future__ import annotations

import sys
import types

import pytest
from sqlalchemy import select

from tests.conftest import PROJECT_ROOT, count_rows
from tests.transforms.test_analysis import END, insert_risk_rows, monitoring_rows, risk_row
from transforms.quality.gate import safe_path_part

pytestmark = [pytest.mark.integration, pytest.mark.warehouse]


@pytest.fixture
def enrich_available(monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        import transforms.enrich  # noqa: F401
    except ModuleNotFoundError as exc:
        if exc.name != "transforms.enrich":
            raise
        stand_in = types.ModuleType("transforms.enrich")
        stand_in.enrich_risk_information = lambda run_at, url=None: {"stand_in": True, "enriched": 0}
        monkeypatch.setitem(sys.modules, "transforms.enrich", stand_in)


def _run_dag():
    from airflow.models import DagBag

    dag = DagBag(dag_folder=str(PROJECT_ROOT / "dags" / "analyze_risk_information.py")).get_dag(
        "analyze_risk_information"
    )
    return dag.test(logical_date=END)


def _mart(url: str) -> list[dict]:
    from ecmon.db import get_engine
    from sql.models import AnalysisResult

    table = AnalysisResult.__table__
    with get_engine(url).connect() as conn:
        return [dict(r) for r in conn.execute(select(table).order_by(table.c.analysis_id)).mappings()]


def test_dag_analyses_gates_and_notifies_and_rerun_is_idempotent(
    airflow_db: None, warehouse_url: str, enrich_available: None
) -> None:
    from ecmon.settings import get_settings

    insert_risk_rows(warehouse_url, monitoring_rows())
    run = _run_dag()
    assert run.state == "success"
    mart = _mart(warehouse_url)
    assert {(row["period_start"].isoformat(), row["period_end"].isoformat()) for row in mart} == {
        ("2026-01-01", "2026-03-31")
    }
    assert all(row["rationale"].startswith("5.3.2 ") and row["evidence_ids"] for row in mart)
    toys = next(
        r for r in mart if (r["category_code"], r["hazard_code"], r["scope"]) == ("CHILD", "CHOKING", "national")
    )
    assert toys["disposition"] == "c" and toys["special_populations"] == ["children"]
    assert count_rows(warehouse_url, "stg_quarantine") == 0

    data_dir = get_settings().data_dir
    notifications = sorted((data_dir / "notifications" / "2026-03-31").glob("*.csv"))
    assert bool(notifications) == any(row["disposition"] == "b" for row in mart)
    assert all(path.read_bytes().startswith(b"\xef\xbb\xbf") for path in notifications)
    assert (data_dir / "data_docs" / safe_path_part(run.run_id) / "index.html").is_file()

    assert _run_dag().state == "success"
    assert _mart(warehouse_url) == mart


def test_failing_gate_stops_the_analysis(airflow_db: None, warehouse_url: str, enrich_available: None) -> None:
    rows = monitoring_rows()
    rows.append(risk_row("samr_spotcheck", "bad-channel", "2026-03-02", channel="z", category_code="ELEC"))
    insert_risk_rows(warehouse_url, rows)
    run = _run_dag()
    assert run.state == "failed"
    # The record and its raw document both carry channel "z": 1 of 11 rows each, above the 5 % limit.
    assert count_rows(warehouse_url, "stg_quarantine") == 2
    assert count_rows(warehouse_url, "mart_analysis_result") == 0
