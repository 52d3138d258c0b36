"""dag.test() of collect_risk_information on the repository's demo snapshot; rerun adds nothing."""

from __future__ import annotations

import pytest

from tests.conftest import PROJECT_ROOT, count_rows

pytestmark = [pytest.mark.integration, pytest.mark.warehouse]

DEMO_RECALLS = 10  # crawlers/snapshots/demo/saferproducts/recalls_2026.json


def _run_dag() -> str:
    from airflow.models import DagBag

    dag = DagBag(dag_folder=str(PROJECT_ROOT / "dags" / "collect_risk_information.py")).get_dag(
        "collect_risk_information"
    )
    run = dag.test()
    return run.state


def test_dag_collects_demo_snapshot_and_rerun_is_idempotent(airflow_db: None, warehouse_url: str) -> None:
    assert _run_dag() == "success"
    assert count_rows(warehouse_url, "raw_document") == DEMO_RECALLS
    assert count_rows(warehouse_url, "stg_risk_information") == DEMO_RECALLS
    tables = (
        "raw_document",
        "stg_risk_information",
        "stg_risk_product",
        "stg_risk_party",
        "stg_risk_fact",
        "stg_risk_identifier",
        "raw_source_watermark",
    )
    before = {t: count_rows(warehouse_url, t) for t in tables}
    assert _run_dag() == "success"
    assert {t: count_rows(warehouse_url, t) for t in tables} == before
