"""dag.test() of collect_risk_information on the repository's demo snapshot; rerun adds nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from crawlers.run import spider_classes
from ecmon.db import get_engine
from tests.conftest import PROJECT_ROOT, count_rows

pytestmark = [pytest.mark.integration, pytest.mark.warehouse]


def _run_dag() -> str:
    from airflow.models import DagBag

    dag = DagBag(dag_folder=str(PROJECT_ROOT / "dags" / "collect_risk_information.py")).get_dag(
        "collect_risk_information"
    )
    return dag.test().state


def test_dag_collects_demo_snapshot_and_rerun_is_idempotent(airflow_db: None, warehouse_url: str) -> None:
    from transforms.risk_information.load import discover_mappers

    assert _run_dag() == "success"
    engine = get_engine(warehouse_url)
    with engine.connect() as conn:
        runs = conn.execute(text("select source, errors, finish_reason from raw_crawl_run")).all()
        mapped_sources = sorted(discover_mappers())
        keys = conn.execute(text("select source, count(distinct record_key) from raw_document group by source")).all()
    assert {source for source, _, _ in runs} == set(spider_classes()), "one crawl per spider"
    assert all(errors == 0 and reason == "finished" for _, errors, reason in runs)
    expected_rows = sum(n for source, n in keys if source in mapped_sources)
    assert expected_rows > 0
    assert count_rows(warehouse_url, "stg_risk_information") == expected_rows

    tables = ("raw_document", "stg_risk_information", "stg_risk_product", "stg_risk_party", "stg_risk_fact",
              "stg_risk_identifier", "raw_source_watermark")  # fmt: skip
    before = {t: count_rows(warehouse_url, t) for t in tables}
    assert _run_dag() == "success"
    assert {t: count_rows(warehouse_url, t) for t in tables} == before
