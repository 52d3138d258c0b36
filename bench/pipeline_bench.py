"""Processing benchmark (5.2.1 / 5.3): 1,000,000 SYNTHETIC risk records through the real pipeline.

Every record is generated here and labelled synthetic (source names carry no real data; titles say
"合成" / "synthetic"). A realistic zh/en mix: Chinese spot checks and complaints, English recalls
and alerts; 10 % are re-reports of another record's event from a different source (work for the
deduplicator); 30 % carry a source category label (crosswalk), the rest need the classifier.

Steps, each timed, on a fresh SQLite warehouse (or ``--url`` for PostgreSQL):
1. load: raw documents + mapped risk rows through ``ecmon.db.bulk_upsert`` (the loaders' write path);
2. enrich: ``transforms.enrich.enrich_risk_information`` — normalise → classify → dedup → write back;
3. analyse: ``transforms.analysis.results.analyse_risk_information`` (5.3.1 + 5.3.2).
Then an incremental run with 1 % new records (published in the last week) through the same steps.
Finally the warehouse load rate beside the engine's own bulk path (SQLite: ``executemany`` of a plain
INSERT in one transaction; PostgreSQL: ``COPY``) and beside naive ``DataFrame.to_sql``.

    .venv/bin/python bench/pipeline_bench.py [--records 1000000] [--url postgresql+psycopg://…]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

END = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
PRODUCTS = [  # (zh, en, top-level code or None when the source gives no label)
    ("充电宝", "power bank", "ELEC"), ("电热毯", "electric blanket", "ELEC"), ("电水壶", "electric kettle", "ELEC"),
    ("儿童玩具", "children's toy", "CHILD"), ("婴儿推车", "baby stroller", "CHILD"), ("童装", "children's clothing",
    "CHILD"), ("羽绒服", "down jacket", "TEXT"), ("运动鞋", "sports shoes", "TEXT"), ("口罩", "face mask", "SAFETY"),
    ("灭火器", "fire extinguisher", "SAFETY"), ("复合肥料", "compound fertilizer", "AGRI"), ("内墙涂料",
    "interior wall paint", "BUILD"), ("电线电缆", "electric cable", "BUILD"), ("电动自行车头盔", "bicycle helmet",
    "VEHI"), ("汽车轮胎", "car tyre", "VEHI"), ("自行车", "bicycle", "SPORT"), ("蹦床", "trampoline", "SPORT"),
    ("电钻", "power drill", "TOOL"), ("割草机", "lawn mower", "TOOL"), ("牙膏", "toothpaste", "COSM"),
    ("面霜", "face cream", "COSM"), ("饼干", "cookies", "FOOD"), ("婴幼儿配方奶粉", "infant formula", "FOOD"),
    ("塑料餐盒", "plastic food container", "FCM"), ("一次性纸杯", "paper cup", "FCM"), ("沙发", "sofa", "HOME"),
    ("保温杯", "vacuum flask", "HOME"),
]  # fmt: skip
HAZARDS = [
    ("邻苯二甲酸酯超标", "phthalates above the limit"), ("泄漏电流不合格", "leakage current fails"),
    ("过热起火", "overheating and fire"), ("小零件脱落", "small parts detach, choking hazard"),
    ("菌落总数超标", "bacteria count above the limit"), ("标识不合格", "missing warning label"),
    ("纤维含量不符", "fibre content below the claim"), ("无线电骚扰超标", "radio disturbance above the limit"),
    ("结构断裂", "frame breaks, fall hazard"), ("甲醛含量超标", "formaldehyde above the limit"),
]  # fmt: skip
SOURCES = [("samr_spot_checks", "b", "zh"), ("heimao_tousu", "a", "zh"), ("cpsc_recalls", "e", "en"),
           ("openfda_food_enforcement", "b", "en"), ("eu_safety_gate", "e", "en")]  # fmt: skip
CITIES = ["深圳市", "广州市", "杭州市", "宁波市", "苏州市", "东莞市", "佛山市", "温州市", "泉州市", "青岛市"]
PLATFORMS = ["天猫", "京东", "拼多多", "抖音", "Amazon", "Walmart", None, None]


# Made-up firm and brand names: distinct spellings as real ones are ("Kalomiren Appliances", "深圳市华盛远电器"),
# not "Maker 123" (numbers are folded by the classifier and shared words would merge every firm in dedup).
SYLLABLES = (
    "ka",
    "lo",
    "mi",
    "ra",
    "te",
    "vu",
    "zen",
    "po",
    "shi",
    "dar",
    "qu",
    "nel",
    "bo",
    "fi",
    "gan",
    "hu",
    "jo",
    "ki",
    "lum",
    "mo",
    "nor",
    "pa",
    "ri",
    "sa",
    "tor",
    "ul",
    "ve",
    "wi",
    "xa",
    "yo",
    "zu",
    "bel",
)
FIRM_CHARS = tuple("华美康达兴盛宏远金鑫瑞丰泰安佳源星辰恒昌永富利通宇光明德信和鸿嘉")
FIRM_TRADES = ("Appliances", "Industries", "Trading", "Electronics", "Home Products", "Toys", "Foods", "Outdoor")


def made_up_name(number: int, parts: int, alphabet: tuple[str, ...] = SYLLABLES) -> str:
    """A distinct pronounceable name per number (base-len(alphabet) digits)."""
    digits = []
    for _ in range(parts):
        number, digit = divmod(number, len(alphabet))
        digits.append(alphabet[digit])
    return "".join(digits)


def synthetic_rows(n: int, start_index: int, first_day: dt.date, days: int, seed: int) -> tuple[list, list]:
    """``n`` synthetic raw documents and mapped risk rows (as the loaders would write them)."""
    rng = np.random.default_rng(seed)
    src = rng.integers(0, len(SOURCES), n)
    prod = rng.integers(0, len(PRODUCTS), n)
    haz = rng.integers(0, len(HAZARDS), n)
    firm = rng.integers(0, 20_000, n)
    brand = rng.integers(0, 8_000, n)
    day = rng.integers(0, days, n)
    platform = rng.integers(0, len(PLATFORMS), n)
    labelled = rng.random(n) < 0.3
    dup_of = np.where(rng.random(n) < 0.10, rng.integers(0, n, n), -1)
    fetched = END
    docs, risks = [], []
    for i in range(n):
        j = dup_of[i] if dup_of[i] >= 0 else i  # a re-report copies the event of record j
        source, channel, lang = SOURCES[src[i]]
        zh, en, code = PRODUCTS[prod[j]]
        hz_zh, hz_en = HAZARDS[haz[j]]
        when = first_day + dt.timedelta(days=int(day[j]) + (int(i % 3) if j != i else 0))
        key = f"syn{start_index + i:08d}"
        brand_name = made_up_name(int(brand[j]), 3).capitalize()
        model = f"{brand_name[:2].upper()}-{start_index + j}"  # one model per event: re-reports share it
        if lang == "zh":
            maker = f"{CITIES[firm[j] % 10]}{made_up_name(int(firm[j]), 3, FIRM_CHARS)}电器有限公司"
            title, product = f"合成数据：{brand_name}牌{zh}{hz_zh}", f"{zh} 型号{model}"
        else:
            maker = f"{made_up_name(int(firm[j]), 3).capitalize()} {FIRM_TRADES[firm[j] % 8]} Co., Ltd."
            title, product = f"Synthetic: {brand_name} {en} recalled, {hz_en}", f"{en} model {model}"
        body = json.dumps({"synthetic": True, "key": key, "title": title}, ensure_ascii=False)
        content_hash = hashlib.sha256(body.encode()).hexdigest()
        doc_id = hashlib.sha256(f"{source}\x1f{content_hash}\x1f".encode()).hexdigest()
        docs.append(
            {
                "document_id": doc_id,
                "source": source,
                "channel": channel,
                "record_key": key,
                "url": f"https://synthetic.invalid/{key}",
                "record_url": None,
                "fetched_at": fetched,
                "http_status": 200,
                "content_type": "application/json",
                "content_hash": content_hash,
                "body": body,
                "published_at": when.isoformat(),
                "crawl_id": "bench",
            }
        )
        risks.append({"risk_info_id": hashlib.sha256(f"{source}\x1f{key}".encode()).hexdigest(),
                      "document_id": doc_id, "source": source, "channel": channel, "record_key": key,
                      "info_type": "spot_check" if channel == "b" else "recall", "title": title,
                      "product_name": product, "description": hz_zh if lang == "zh" else hz_en,
                      "category_code": code if labelled[i] else None,
                      "category_label_source": "crosswalk" if labelled[i] else None,
                      "category_confidence": 1.0 if labelled[i] else None, "hazard_item": hz_zh if lang == "zh" else
                      hz_en, "manufacturer": maker, "brand": brand_name, "model": model,
                      "platform": PLATFORMS[platform[i]], "shop": None, "published_date": when,
                      "needs_review": False, "attributes": {"synthetic": True}, "mapped_at": fetched,
                      "enriched_at": None, **dict.fromkeys(("for_infants", "for_children", "for_pregnant",
                      "for_elderly", "for_patients"), False)})  # fmt: skip
    return docs, risks


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Timer:
    def __init__(self) -> None:
        self.rows: list[tuple[str, float, float]] = []

    def run(self, label: str, function, *args, **kwargs):
        started = time.perf_counter()
        result = function(*args, **kwargs)
        elapsed = time.perf_counter() - started
        self.rows.append((label, elapsed, peak_rss_mib()))
        print(f"  {label:44} {elapsed:8.1f} s   peak RSS {peak_rss_mib():7.0f} MiB", flush=True)
        return result


def load(url: str, docs: list, risks: list) -> None:
    from ecmon.db import bulk_upsert, get_engine
    from sql.models import RawDocument, RiskInformation

    with get_engine(url).begin() as conn:
        for start in range(0, len(docs), 100_000):
            bulk_upsert(conn, RawDocument.__table__, docs[start : start + 100_000], ["document_id"], ())
            bulk_upsert(conn, RiskInformation.__table__, risks[start : start + 100_000], ["risk_info_id"])


def pipeline(timer: Timer, url: str, docs: list, risks: list, label: str, model_dir: str | None = None) -> float:
    """Load (reported apart: it stands for the collection step), then time the processing steps."""
    from joblib.externals.loky import get_reusable_executor

    from transforms.analysis.results import analyse_risk_information
    from transforms.enrich import enrich_risk_information

    timer.run(f"{label}: load {len(risks):,} raw docs + risk rows", load, url, docs, risks)
    # The generated records are in the warehouse now; freeing them keeps the peak RSS the pipeline's own.
    docs.clear()
    risks.clear()
    # Each run starts its own classification workers, as an Airflow task process would.
    get_reusable_executor().shutdown(wait=True)
    started = time.perf_counter()
    summary = timer.run(f"{label}: enrich (normalise, classify, dedup)", enrich_risk_information, END, url=url,
                        model_dir=model_dir)  # fmt: skip
    print(f"      {summary}")
    result = timer.run(f"{label}: analyse (5.3.1 + 5.3.2)", analyse_risk_information, END, url=url, run_id=label)
    print(f"      results: {result.get('results')}, dispositions: {result.get('dispositions')}")
    return time.perf_counter() - started


def load_rates(url: str, risks: list) -> None:
    """Rows/s into ``stg_risk_information`` itself (same indexes and constraints for every method):
    our bulk_upsert vs the engine's own bulk path vs naive DataFrame.to_sql."""
    from sqlalchemy import text

    from ecmon.db import bulk_upsert, get_engine
    from sql.models import RiskInformation

    engine = get_engine(url)
    table = RiskInformation.__table__
    sample = [{**r, "risk_info_id": "x" + r["risk_info_id"][1:], "record_key": "x" + r["record_key"]} for r in risks]
    columns = list(sample[0])

    def forget() -> None:
        with engine.begin() as conn:
            conn.execute(text("delete from stg_risk_information where risk_info_id like 'x%'"))

    forget()
    started = time.perf_counter()
    with engine.begin() as conn:
        bulk_upsert(conn, table, sample, ["risk_info_id"])
    ours = len(sample) / (time.perf_counter() - started)
    forget()

    rows = [tuple(json.dumps(r[c]) if c == "attributes" else r[c] for c in columns) for r in sample]
    quoted = ", ".join(columns)
    started = time.perf_counter()
    with engine.begin() as conn:
        dbapi = conn.connection.driver_connection
        if engine.dialect.name == "sqlite":
            placeholders = ", ".join("?" * len(columns))
            dbapi.cursor().executemany(f"insert into stg_risk_information ({quoted}) values ({placeholders})", rows)
            engine_path = "executemany in one transaction"
        else:
            with dbapi.cursor() as cursor, cursor.copy(f"copy stg_risk_information ({quoted}) from stdin") as copy:
                for row in rows:
                    copy.write_row(row)
            engine_path = "COPY"
    native = len(sample) / (time.perf_counter() - started)
    forget()

    frame = pd.DataFrame(sample[:20_000])
    types = {column.name: column.type for column in table.columns if column.name in frame}  # JSON, NULL-only columns
    started = time.perf_counter()
    frame.to_sql(
        "stg_risk_information", engine, if_exists="append", index=False, method="multi", chunksize=1000, dtype=types
    )
    naive_multi = len(frame) / (time.perf_counter() - started)
    forget()
    started = time.perf_counter()
    frame.to_sql("stg_risk_information", engine, if_exists="append", index=False, dtype=types)
    naive_default = len(frame) / (time.perf_counter() - started)
    forget()
    print(
        f"\nwarehouse load rate ({engine.dialect.name}, {len(sample):,} rows × {len(columns)} columns into "
        "stg_risk_information):"
    )
    print(f"  ecmon bulk_upsert (with ON CONFLICT)            {ours:10,.0f} rows/s")
    print(f"  engine bulk path ({engine_path:30}) {native:10,.0f} rows/s → ours = {ours / native:.0%} (target ≥ 50%)")
    print(
        f"  DataFrame.to_sql(method='multi', chunk 1000)    {naive_multi:10,.0f} rows/s → ours = "
        f"{ours / naive_multi:.0f}× (target ≥ 20×; 20,000-row sample)"
    )
    print(
        f"  DataFrame.to_sql (pandas defaults)              {naive_default:10,.0f} rows/s → ours = "
        f"{ours / naive_default:.1f}× (20,000-row sample)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--url", help="warehouse URL (default: a fresh SQLite file in a temp dir)")
    parser.add_argument("--model-dir", help="classifier model folder (default: the one in the repository)")
    parser.add_argument(
        "--load-rates-only", type=int, metavar="ROWS", help="only compare load rates, on this many synthetic rows"
    )
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ecmon-pipeline-bench-") as tmp:
        url = options.url or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        os.environ["ECMON_WAREHOUSE_URL"] = url
        os.environ["ECMON_DATA_DIR"] = tmp
        from sql.warehouse import upgrade

        upgrade(url)
        if options.load_rates_only:
            from ecmon.db import bulk_upsert, get_engine
            from sql.models import RawDocument

            docs, risks = synthetic_rows(options.load_rates_only, 0, END.date(), 365, seed=1)
            with get_engine(url).begin() as conn:  # the documents the risk rows reference
                bulk_upsert(conn, RawDocument.__table__, docs, ["document_id"], ())
            load_rates(url, risks)
            return 0
        print(f"generating {options.records:,} synthetic records …", flush=True)
        docs, risks = synthetic_rows(options.records, 0, END.date() - dt.timedelta(days=5 * 365), 5 * 365, seed=1)
        timer = Timer()
        # Import the pipeline's modules first, so that the full run, like the incremental one, is timed
        # without Python's one-off import cost.
        import transforms.analysis.results
        import transforms.classify.predict
        import transforms.dedup.matcher
        import transforms.enrich
        import transforms.quality.gate  # noqa: F401

        print("full run:")
        sample = [dict(row) for row in risks[:200_000]]  # for the load-rate comparison at the end
        full = pipeline(timer, url, docs, risks, "full", options.model_dir)
        new = max(1, options.records // 100)
        new_docs, new_risks = synthetic_rows(new, options.records, END.date() - dt.timedelta(days=7), 7, seed=2)
        print(f"incremental run ({new:,} new records, 1 %):")
        incremental = pipeline(timer, url, new_docs, new_risks, "incremental", options.model_dir)
        load_rates(url, sample)
    print("\nprocessing (normalise → classify → dedup → analysis):")
    print(f"  full run {full:.1f} s (target < 300 s); incremental {incremental:.1f} s = {incremental / full:.1%} of "
          f"the full run (target ≤ 5 %); peak RSS {peak_rss_mib():.0f} MiB")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
