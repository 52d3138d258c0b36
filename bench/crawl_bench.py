"""Crawl benchmark (issue: information collection): ≥ 10,000 pages of mixed sources over loopback.

Builds a SYNTHETIC snapshot (labelled as such: every record is generated here) in the real
formats of three sources — openFDA enforcement pages (``skip`` paging, fan-out), 黑猫投诉 feed
pages (signed, sequential paging) and CPSC Recalls API windows — serves it with the replay server
on 127.0.0.1 and runs the three crawls at once, each in its own process as the DAG does, into a
fresh SQLite warehouse. Prints pages/s and the crawl processes' RSS over time (flat memory =
RSS at the end close to RSS a quarter in), then runs ``scrapy bench`` on the same machine in the
same run and prints its rate beside ours.

    .venv/bin/python bench/crawl_bench.py [--pages 10000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

UNTIL = dt.date(2026, 11, 25)
HEIMAO_KEYWORDS = (
    "充电宝",
    "电热毯",
    "儿童玩具",
    "婴儿推车",
    "电动自行车",
    "插线板",
    "羽绒服",
    "纸尿裤",
    "口罩",
    "头盔",
    "取暖器",
    "吹风机",
    "保温杯",
    "奶瓶",
    "童装",
    "电水壶",
    "空气炸锅",
    "电饭煲",
    "护目镜",
    "灭火器",
)


def _write(folder: Path, name: str, payload: object) -> str:
    (folder / name).write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    return name


def build_snapshot(root: Path, openfda_pages: int, heimao_pages: int, cpsc_since: dt.date) -> dict[str, int]:
    """Write per-site folders with manifests; return the number of pages each source will request."""
    routes: dict[str, list[dict]] = {"openfda": [], "heimao": [], "saferproducts": []}
    for site in routes:
        (root / site).mkdir(parents=True, exist_ok=True)
    # openFDA: one window, page_size 1 → one page per record, requested in parallel after page 1.
    for skip in range(openfda_pages):
        day = UNTIL - dt.timedelta(days=skip % 300)
        record = {
            "recall_number": f"F-{skip:05d}-2026",
            "event_id": str(800000 + skip),
            "status": "Ongoing",
            "classification": "Class II",
            "product_description": f"Synthetic snack bar lot {skip}",
            "reason_for_recall": "Undeclared peanut (synthetic benchmark record)",
            "recalling_firm": f"Bench Foods {skip % 97} Inc.",
            "report_date": f"{day:%Y%m%d}",
            "recall_initiation_date": f"{day:%Y%m%d}",
            "country": "United States",
            "state": "OH",
        }
        page = {"meta": {"results": {"skip": skip, "limit": 1, "total": openfda_pages}}, "results": [record]}
        routes["openfda"].append(
            {
                "site": "openfda",
                "path": "/food/enforcement.json",
                "query": {"skip": str(skip)},
                "file": _write(root / "openfda", f"p{skip}.json", page),
                "content_type": "application/json",
            }
        )
    # 黑猫投诉 keyword searches: 10 complaints a page, newest first, all inside the window; one paging
    # chain per keyword, so the chains run side by side as they do in a real crawl of many keywords.
    base_ts = int(dt.datetime(2026, 11, 24, tzinfo=dt.UTC).timestamp())
    pages_per_keyword = max(1, heimao_pages // len(HEIMAO_KEYWORDS))
    for k, keyword in enumerate(HEIMAO_KEYWORDS):
        for page in range(1, pages_per_keyword + 1):
            items = []
            for i in range(10):
                n = (k * pages_per_keyword + page - 1) * 10 + i
                main = {
                    "sn": f"17{n:09d}",
                    "title": f"合成基准投诉{n}：{keyword}质量问题",
                    "summary": "合成数据，仅用于基准测试。",
                    "appeal": "退款",
                    "issue": "质量问题",
                    "cost": "99",
                    "cotitle": f"基准店铺{n % 50}",
                    "couid": str(5000 + n % 50),
                    "status": 4,
                    "timestamp": str(base_ts - page * 10 - i),
                    "url": f"//tousu.sina.com.cn/complaint/view/17{n:09d}/",
                }
                items.append({"main": main})
            pager = {"current": page, "page_amount": pages_per_keyword, "item_count": pages_per_keyword * 10}
            envelope = {"result": {"status": {"code": 0}, "data": {"pager": pager, "lists": items}}}
            routes["heimao"].append(
                {
                    "site": "heimao",
                    "path": "/api/index/s",
                    "query": {"keywords": keyword, "page": str(page)},
                    "file": _write(root / "heimao", f"k{k}_p{page}.json", envelope),
                    "content_type": "application/json;charset=UTF-8",
                }
            )
    heimao_pages = pages_per_keyword * len(HEIMAO_KEYWORDS)
    # CPSC: one (empty or small) window per 366 days since cpsc_since.
    windows = 0
    start = cpsc_since
    while start <= UNTIL:
        end = min(UNTIL, start + dt.timedelta(days=365))
        recalls = [
            {
                "RecallID": 700000 + windows,
                "RecallNumber": f"B{windows}",
                "RecallDate": f"{start}T00:00:00",
                "LastPublishDate": f"{start}T00:00:00",
                "Title": f"Synthetic benchmark recall {windows}",
                "Description": "Synthetic.",
                "URL": "",
                "ConsumerContact": "",
                "Products": [],
                "Hazards": [],
                "Manufacturers": [],
                "Retailers": [],
                "Importers": [],
                "Distributors": [],
                "Images": [],
                "Injuries": [],
                "Remedies": [],
                "RemedyOptions": [],
                "ManufacturerCountries": [],
                "ProductUPCs": [],
                "Inconjunctions": [],
                "SoldAtLabel": None,
            }
        ]
        routes["saferproducts"].append(
            {
                "site": "saferproducts",
                "path": "/RestWebServices/Recall",
                "query": {"LastPublishDateStart": start.isoformat()},
                "file": _write(root / "saferproducts", f"w{windows}.json", recalls),
                "content_type": "application/json",
            }
        )
        windows += 1
        start = end + dt.timedelta(days=1)
    for site, site_routes in routes.items():
        (root / site / "manifest.json").write_text(json.dumps({"routes": site_routes}), encoding="utf-8")
    return {"openfda_food_enforcement": openfda_pages, "heimao_tousu": heimao_pages, "cpsc_recalls": windows}


def _rss_kib(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"VmRSS:\s+(\d+)", status)
    return int(match.group(1)) if match else None


def _scrapy_children() -> list[int]:
    me = os.getpid()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().split()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat[3]) == me and b"scrapy" in cmdline:
                found.append(int(entry.name))
    return found


def run_ours(snapshot: Path, work: Path) -> dict:
    os.environ["ECMON_WAREHOUSE_URL"] = f"sqlite:///{work / 'bench_warehouse.sqlite'}"
    os.environ["ECMON_CRAWL_LOG_LEVEL"] = "WARNING"
    from crawlers.replay import ReplayServer
    from crawlers.run import run_crawl
    from sql.warehouse import upgrade

    upgrade()
    samples: list[tuple[float, int]] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            rss = sum(filter(None, (_rss_kib(pid) for pid in _scrapy_children())))
            if rss:
                samples.append((time.monotonic(), rss))
            time.sleep(0.25)

    args = {
        "openfda_food_enforcement": {"page_size": "1"},
        "heimao_tousu": {
            "page_size": "10",
            "max_pages": "100000",
            "feed": "false",
            "keywords": ",".join(HEIMAO_KEYWORDS),
        },
        "cpsc_recalls": {},
    }
    since = {
        "openfda_food_enforcement": UNTIL - dt.timedelta(days=365),
        "heimao_tousu": dt.date(2026, 1, 1),
        "cpsc_recalls": dt.date(1, 1, 1),
    }
    with ReplayServer(snapshot) as server:
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=3) as pool:
            futures = {
                name: pool.submit(
                    run_crawl,
                    name,
                    f"bench:{name}",
                    since=since[name],
                    until=UNTIL,
                    mode="replay",
                    replay_root_url=server.root_url,
                    extra_args=args[name],
                )
                for name in args
            }
            results = {name: f.result() for name, f in futures.items()}
        elapsed = time.monotonic() - started
        done.set()
        served = server.httpd.request_count
    responses = sum(r["responses"] for r in results.values())
    return {
        "elapsed": elapsed,
        "responses": responses,
        "served": served,
        "results": results,
        "samples": samples,
        "started": started,
    }


def run_scrapy_bench(seconds: int) -> dict:
    # Scrapy's own benchmark with Scrapy's defaults: none of our project settings or pipelines.
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith(("SCRAPY_", "ECMON_"))}
    completed = subprocess.run(
        [sys.executable, "-m", "scrapy", "bench", "-s", f"CLOSESPIDER_TIMEOUT={seconds}", "-s", "LOG_LEVEL=INFO"],
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),
        env=clean_env,
        check=False,
    )
    text = completed.stderr
    count = int(re.search(r"'downloader/response_count': (\d+)", text).group(1))
    elapsed = float(re.search(r"'elapsed_time_seconds': ([\d.]+)", text).group(1))
    mem = re.search(r"'memusage/max': (\d+)", text)
    return {
        "responses": count,
        "elapsed": elapsed,
        "rate": count / elapsed,
        "peak_rss_mib": int(mem.group(1)) / 2**20 if mem else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10_000, help="total pages to crawl (≥ 10,000 for the target)")
    parser.add_argument("--scrapy-bench-seconds", type=int, default=20)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ecmon-crawl-bench-") as tmp:
        work = Path(tmp)
        cpsc_since = dt.date(1, 1, 1)
        cpsc_windows = (UNTIL - cpsc_since).days // 366 + 1
        rest = max(0, options.pages - cpsc_windows)
        heimao = (rest // 2) // len(HEIMAO_KEYWORDS) * len(HEIMAO_KEYWORDS)
        plan = build_snapshot(
            work / "snapshot", openfda_pages=rest - heimao, heimao_pages=heimao, cpsc_since=cpsc_since
        )
        print(f"synthetic snapshot: {plan} → {sum(plan.values())} pages planned")
        ours = run_ours(work / "snapshot", work)
        bench = run_scrapy_bench(options.scrapy_bench_seconds)
    rate = ours["responses"] / ours["elapsed"]
    samples = ours["samples"]
    peak = max((kib for _, kib in samples), default=0) / 1024

    def rss_at(fraction: float) -> float:
        if not samples:
            return 0.0
        target = ours["started"] + fraction * ours["elapsed"]
        return min(samples, key=lambda s: abs(s[0] - target))[1] / 1024

    print("\n=== crawl benchmark (synthetic pages, loopback) ===")
    for name, result in ours["results"].items():
        print(
            f"  {name:28} responses {result['responses']:>6}  records {result['items']:>6}  errors {result['errors']}"
        )
    print(
        f"ecmon crawl: {ours['responses']} responses in {ours['elapsed']:.1f} s = {rate:.0f} pages/s "
        f"(3 spiders in parallel, each in its own process, SQLite warehouse writes included)"
    )
    print(
        f"  crawl processes' RSS (sum): 25% {rss_at(0.25):.0f} MiB, 50% {rss_at(0.5):.0f} MiB, "
        f"75% {rss_at(0.75):.0f} MiB, end {rss_at(0.98):.0f} MiB, peak {peak:.0f} MiB"
    )
    print(
        f"scrapy bench: {bench['responses']} responses in {bench['elapsed']:.1f} s = {bench['rate']:.0f} pages/s, "
        f"peak RSS {bench['peak_rss_mib']:.0f} MiB"
    )
    print(f"ratio: {rate / bench['rate']:.0%} of scrapy bench (target ≥ 50%)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
