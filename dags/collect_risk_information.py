"""Information collection (5.2): crawl every enabled source, then map raw documents to risk information."""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, task

from ecmon.assets import RISK_INFORMATION

DOC = """
### collect_risk_information — 5.2 information collection

1. **prepare_warehouse** — `ecmon db upgrade` (idempotent).
2. **select_sources** — the spiders to run: all enabled ones, or the `sources` param.
3. **crawl_source** — one mapped task per source, each crawl in **its own process** (Twisted's
   reactor cannot restart), so one dead source blocks no other. Replay mode serves the recorded
   snapshot on 127.0.0.1; live mode hits the real sites. Fails if Scrapy's stats show errors.
4. **import_files** — files dropped in `<data_dir>/inbox/<importer>/` (12315 complaint exports,
   platform hand-overs) become raw documents, one per row; a bad file is refused whole.
5. **load_standards** — national-standard records → `stg_standard` (5.4.1 d, 5.2.2 e).
6. **load_risk_information** — raw documents → `stg_risk_information` (+ products, parties,
   facts, identifiers); runs even when some crawls failed, so every good record lands; marks the
   `risk_information` Asset that `analyze_risk_information` is scheduled on.

Params: `sources` (subset), `since` / `until` (backfill window; default: each source's
watermark up to the end of the data interval), `mode` (`replay` / `live`, default from
`ECMON_CRAWL_MODE`).
"""


@dag(
    dag_id="collect_risk_information",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["ecmon", "5.2", "collection"],
    doc_md=DOC,
    default_args={"retries": 0},
    params={
        "sources": Param([], type="array", description="Spider names to run; empty = all enabled."),
        "since": Param(None, type=["null", "string"], format="date", description="Backfill window start."),
        "until": Param(None, type=["null", "string"], format="date", description="Backfill window end."),
        "mode": Param(None, type=["null", "string"], enum=[None, "replay", "live"], description="Crawl mode."),
    },
)
def collect_risk_information():
    @task
    def prepare_warehouse() -> list[str]:
        from sql.warehouse import upgrade

        return upgrade()

    @task
    def select_sources(params: dict | None = None) -> list[str]:
        from crawlers.run import spider_classes
        from ecmon.settings import get_settings

        known = sorted(spider_classes())
        wanted = list((params or {}).get("sources") or []) or [
            s.strip() for s in get_settings().sources.split(",") if s.strip()
        ]
        unknown = sorted(set(wanted) - set(known))
        if unknown:
            raise ValueError(f"unknown sources {unknown}; known: {known}")
        return wanted or known

    @task(max_active_tis_per_dagrun=4)
    def crawl_source(
        source: str,
        params: dict | None = None,
        run_id: str | None = None,
        data_interval_end: pendulum.DateTime | None = None,
    ) -> dict:
        import datetime as dt

        from crawlers.run import run_crawl

        params = params or {}
        since = dt.date.fromisoformat(params["since"]) if params.get("since") else None
        until = dt.date.fromisoformat(params["until"]) if params.get("until") else data_interval_end.date()
        return run_crawl(source, f"{run_id}:{source}", since=since, until=until, mode=params.get("mode"))

    @task
    def import_files(data_interval_end: pendulum.DateTime | None = None) -> list[dict]:
        from transforms.importers.base import import_inbox

        return import_inbox(data_interval_end)

    @task(trigger_rule="all_done")
    def load_standards(data_interval_end: pendulum.DateTime | None = None) -> dict:
        from transforms.standards import load_standards as load

        return load(data_interval_end)

    @task(trigger_rule="all_done", outlets=[RISK_INFORMATION])
    def load_risk_information(run_id: str | None = None, data_interval_end: pendulum.DateTime | None = None) -> dict:
        from transforms.risk_information.load import load_risk_information as load

        return load(data_interval_end, run_id=run_id)

    ready = prepare_warehouse()
    sources = select_sources()
    ready >> sources
    crawled = crawl_source.expand(source=sources)
    imported = import_files()
    ready >> imported
    crawled >> load_standards()
    [crawled, imported] >> load_risk_information()


dag_object = collect_risk_information()
