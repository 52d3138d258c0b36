"""Analysis benchmark (5.3.1 / 5.3.2): the analysis step alone on N SYNTHETIC risk records.

Every record is synthetic: raw documents and risk rows come from ``bench/pipeline_bench.synthetic_rows``
(titles say "合成" / "synthetic", hosts are ``synthetic.invalid``). Instead of running the slow enrichment,
one SQL ``UPDATE`` gives every row plausible enrichment values derived from its record number — category
and hazard codes from fixed lists, a GB/T 2260 region, a cluster id (30 % of records share a cluster with
two others, a few have none), the enrichment time — plus the facts the disposition rules read: injury and
death texts (some negated), special populations, resolved and open complaints, "; "-joined shops. A few
rows are quarantined for the benchmark's gate run so that the gate filter is exercised too.

Steps on a fresh SQLite warehouse in a temp dir (or ``--url`` for an empty PostgreSQL database), each
timed (wall and CPU seconds: on a shared machine only the CPU time is steady), with peak RSS — the warehouse
is prepared in a child process, so the peak is the analysis's own:
1. ``load_signals`` — read the current + previous period as a signal frame;
2. ``build_results`` — group into results and apply the disposition rules;
3. store — upsert into ``mart_analysis_result`` and delete stale rows (``store_results``), first into an
   empty mart, then again over the same rows (what an incremental run does).
Then ``analyse_risk_information`` end to end, once more, as the pipeline calls it.

``--dump FILE`` writes the ``build_results`` rows (sorted, JSON lines) so that two versions of the code can
be compared field by field on the same synthetic warehouse; ``--reuse FILE`` keeps the SQLite warehouse
between runs (prepared when missing, its mart emptied otherwise) — loading 10⁶ records takes minutes.

    .venv/bin/python bench/analysis_bench.py [--records 1000000] [--dump results.jsonl] [--reuse w.sqlite]
                                             [--url postgresql+psycopg://…]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pipeline_bench import END, load, synthetic_rows  # noqa: E402

RUN_ID = "analysis-bench"
CATEGORIES = ["ELEC", "CHILD", "TEXT", "SAFETY", "AGRI", "BUILD", "VEHI", "SPORT", "TOOL", "COSM", "FOOD", "FCM",
              "HOME"]  # fmt: skip
HAZARDS = ["CHOKING", "ELECTRIC", "FIRE", "MICROBIO", "CHEMICAL", "MECHANICAL", "EMC", "LABELLING", "PERFORMANCE"]
# GB/T 2260 codes of the cities the synthetic manufacturers sit in:
# 深圳, 广州, 杭州, 宁波, 苏州, 东莞, 佛山, 温州, 泉州, 青岛.
REGIONS = ["440300", "440100", "330100", "330200", "320500", "441900", "440600", "330300", "350500", "370200"]


def _case(number: str, values: list[str]) -> str:
    """``CASE <number> % len(values) WHEN 0 THEN 'v0' …`` — plain SQL both engines run."""
    arms = " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values))
    return f"CASE {number} % {len(values)} {arms} END"


def enrich_in_sql(url: str) -> None:
    """Plausible enrichment values for every synthetic row, derived from its record number (syn00000042 → 42)."""
    from sqlalchemy import text

    from ecmon.db import get_engine

    n = "CAST(substr(record_key, 4) AS INTEGER)"
    enriched_at = END.isoformat(sep=" ")
    statement = f"""
        UPDATE stg_risk_information SET
            category_code = coalesce(category_code, {_case(n, CATEGORIES)}),
            category_label_source = coalesce(category_label_source, 'model'),
            hazard_code = CASE WHEN {n} % 41 = 0 THEN NULL ELSE {_case(f"({n} / 7)", HAZARDS)} END,
            region_code = CASE WHEN {n} % 12 >= 10 THEN NULL ELSE {_case(n, REGIONS)} END,
            cluster_id = CASE
                WHEN {n} % 10 < 3 THEN 'synthetic-cluster-' || CAST({n} / 10 AS VARCHAR(20))
                WHEN {n} % 10 = 3 THEN NULL
                ELSE 'synthetic-single-' || CAST({n} AS VARCHAR(20)) END,
            injuries = CASE
                WHEN {n} % 997 = 0 THEN 'One consumer died after the product caught fire.'
                WHEN {n} % 50 = 0 THEN 'Two consumers reported minor burns. 合成数据。'
                WHEN {n} % 50 = 25 THEN 'No injuries have been reported.'
                ELSE NULL END,
            for_children = ({n} % 13 = 1 AND {n} % 2 = 0),
            for_infants = ({n} % 31 = 0),
            for_elderly = ({n} % 101 = 0),
            info_type = CASE WHEN source = 'heimao_tousu' THEN 'complaint' ELSE info_type END,
            attributes = CASE WHEN source = 'heimao_tousu' AND {n} % 3 = 0 THEN '{{"synthetic": true, "status": "7"}}'
                              WHEN source = 'heimao_tousu' THEN '{{"synthetic": true, "status": "3"}}'
                              ELSE attributes END,
            shop = CASE WHEN platform IS NOT NULL AND {n} % 5 = 0
                        THEN 'Synthetic Shop ' || CAST({n} % 300 AS VARCHAR(20))
                             || '; synthetic  shop ' || CAST({n} % 7 AS VARCHAR(20))
                        ELSE shop END,
            enriched_at = '{enriched_at}'
    """
    quarantine = f"""
        INSERT INTO stg_quarantine (run_id, table_name, row_key, expectation, column_name, row_data, quarantined_at)
        SELECT '{RUN_ID}', 'stg_risk_information', risk_info_id, 'synthetic_expectation', 'category_code', '{{}}',
               '{enriched_at}'
        FROM stg_risk_information WHERE {n} % 1000 = 7
    """
    with get_engine(url).begin() as conn:
        conn.execute(text(statement))
        conn.execute(text(quarantine))


def prepare(url: str, records: int) -> None:
    """Migrate, load ``records`` synthetic records and enrich them in SQL."""
    from sql.warehouse import upgrade

    upgrade(url)
    print(f"SYNTHETIC warehouse: {records:,} records over 5 years ({url.split(':')[0]})", flush=True)
    first_day = END.date() - dt.timedelta(days=5 * 365)
    docs, risks = timed("generate synthetic rows", synthetic_rows, records, 0, first_day, 5 * 365, seed=1)
    timed("load raw documents + risk rows", load, url, docs, risks)
    del docs, risks
    timed("synthetic enrichment in SQL", enrich_in_sql, url)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label: str, function, *args, **kwargs):
    started, cpu_started = time.perf_counter(), time.process_time()
    result = function(*args, **kwargs)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    # CPU time beside wall time: on a shared machine the wall time also measures the neighbours.
    print(f"  {label:48} {elapsed:6.2f} s (cpu {cpu:6.2f} s)   peak RSS {peak_rss_mib():6.0f} MiB", flush=True)
    return result


def dump(rows: list[dict], path: Path) -> None:
    """Rows as sorted JSON lines (dates and times as ISO text) for a field-by-field comparison."""
    with path.open("w", encoding="utf-8") as handle:
        for row in sorted(rows, key=lambda r: r["analysis_id"]):
            handle.write(json.dumps(row, ensure_ascii=False, sort_keys=True, default=str) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--url", help="warehouse URL of an empty database (default: fresh SQLite in a temp dir)")
    parser.add_argument("--dump", type=Path, help="write the build_results rows here as sorted JSON lines")
    parser.add_argument(
        "--reuse", type=Path, help="SQLite file: prepare it if missing, else reuse it (faster iterations)"
    )
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ecmon-analysis-bench-") as tmp:
        url = options.url or f"sqlite:///{options.reuse or Path(tmp) / 'bench.sqlite'}"
        os.environ["ECMON_WAREHOUSE_URL"] = url
        os.environ["ECMON_DATA_DIR"] = tmp
        from sqlalchemy import text

        from ecmon.db import get_engine
        from transforms.analysis.results import analyse_risk_information, build_results, store_results
        from transforms.analysis.rules import load_analysis_rules
        from transforms.analysis.signals import analysis_period, load_signals

        engine = get_engine(url)
        if options.reuse and options.reuse.exists():
            print(f"SYNTHETIC warehouse reused from {options.reuse} (mart emptied)", flush=True)
            with engine.begin() as conn:
                conn.execute(text("DELETE FROM mart_analysis_result"))
        else:
            # In a child process, so that the peak RSS printed below is the analysis's own.
            context = multiprocessing.get_context("spawn")
            child = context.Process(target=prepare, args=(url, options.records))
            child.start()
            child.join()
            if child.exitcode:
                return child.exitcode
        rules = load_analysis_rules()
        period = analysis_period(END, None, rules.period.window_days)
        print(f"analysis of {period.start} … {period.end} (previous period from {period.previous.start}):")
        with engine.connect() as conn:
            signals = timed("load_signals", load_signals, conn, period, rules, run_id=RUN_ID)
        print(f"      {len(signals):,} signal rows, {int(signals['in_current'].sum()):,} in the current period")
        rows = timed("build_results", build_results, signals, period, rules, END)
        print(f"      {len(rows):,} results")
        with engine.begin() as conn:
            timed("store_results into an empty mart", store_results, conn, period, rows)
        with engine.begin() as conn:
            timed("store_results again (same rows, as a rerun)", store_results, conn, period, rows)
        if options.dump:
            dump(rows, options.dump)
            print(f"      rows written to {options.dump}")
        del signals, rows
        summary = timed("analyse_risk_information end to end (rerun)", analyse_risk_information, END, run_id=RUN_ID)
        print(f"      {summary}")
    print(f"peak RSS {peak_rss_mib():.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
