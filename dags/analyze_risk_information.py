"""Information analysis (5.3): enrich risk information, gate its quality, analyse, dispose, notify."""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task

from ecmon.assets import ANALYSIS_RESULTS, RISK_INFORMATION

DOC = """
### analyze_risk_information — 5.2.1 processing, 5.3 information analysis

Runs whenever `collect_risk_information` updates the `risk_information` Asset.

1. **enrich_risk_information** — 5.2.1 "process and organise": normalise fields, classify product kind and
   hazard item where the source gave none, and cluster records that report the same event
   (`transforms.enrich`).
2. **quality_gate** — Great Expectations suites (`transforms/quality/suites/`) over `raw_source`
   (freshness per source, measured at the data-interval end), `raw_document` and `stg_risk_information`:
   required fields, 5.2.2 channel and taxonomy code sets, date ranges, uniqueness, references; GTIN check
   digits and freshness are warnings. Failing rows go to `stg_quarantine` under this run id and are left
   out of the analysis; if more than the share set in `config/quality.yaml` fails, the task fails and
   nothing below runs. Data Docs: `<data_dir>/data_docs/<run id>/index.html`.
3. **analyse** — 5.3.1 analysis results per product kind × hazard item × scope (national, region,
   platform) over the period ending with the data interval (look-back and trend window in
   `config/disposition_rules.yaml`): signals per channel (5.2.2 a–e, duplicates counted once), trend,
   regions, platforms, special populations (5.1.2 b), hazard degree; then the 5.3.2 a/b/c disposition by
   the ordered rules of the same file, each with its rationale and evidence ids → `mart_analysis_result`.
4. **notify** — for 5.3.2 b results, one CSV per recipient (the region's market regulator, or the
   manufacturer / shop / platform) in `<data_dir>/notifications/<period end>/`; marks the
   `analysis_results` Asset.

Asset-triggered runs have no data interval; the run's `run_after` (the triggering event's time) stands in
for the interval end, so a rerun of the same run analyses the same period. Every step is idempotent.
"""


def _interval_end(data_interval_end: pendulum.DateTime | None, dag_run: object | None) -> pendulum.DateTime:
    """The run's clock: the data-interval end, or ``run_after`` for asset-triggered runs (never now())."""
    if data_interval_end is not None:
        return data_interval_end
    run_after = getattr(dag_run, "run_after", None)
    if run_after is None:
        raise ValueError("the run has neither a data interval nor run_after; cannot place the analysis period")
    return run_after


@dag(
    dag_id="analyze_risk_information",
    schedule=[RISK_INFORMATION],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["ecmon", "5.3", "analysis"],
    doc_md=DOC,
    default_args={"retries": 0},
)
def analyze_risk_information():
    @task
    def enrich_risk_information(
        data_interval_end: pendulum.DateTime | None = None, dag_run: object | None = None
    ) -> dict:
        from transforms.enrich import enrich_risk_information as enrich

        return enrich(_interval_end(data_interval_end, dag_run))

    @task
    def quality_gate(
        run_id: str | None = None, data_interval_end: pendulum.DateTime | None = None, dag_run: object | None = None
    ) -> dict:
        from transforms.quality.gate import run_quality_gates

        return run_quality_gates(run_id, _interval_end(data_interval_end, dag_run))

    @task
    def analyse(
        run_id: str | None = None,
        data_interval_start: pendulum.DateTime | None = None,
        data_interval_end: pendulum.DateTime | None = None,
        dag_run: object | None = None,
    ) -> dict:
        from transforms.analysis.results import analyse_risk_information

        return analyse_risk_information(
            _interval_end(data_interval_end, dag_run), data_interval_start=data_interval_start, run_id=run_id
        )

    @task(outlets=[ANALYSIS_RESULTS])
    def notify(analysis: dict) -> list[str]:
        from transforms.analysis.notify import write_notifications

        return write_notifications(analysis["period_start"], analysis["period_end"])

    enriched = enrich_risk_information()
    gated = quality_gate()
    analysed = analyse()
    enriched >> gated >> analysed
    notify(analysed)


dag_object = analyze_risk_information()
