"""Run one spider in its own process (Twisted's reactor cannot restart inside a worker).

:func:`run_crawl` is what the DAG task and ``ecmon crawl`` call. In replay mode it starts the
replay server in this process for the duration of the crawl and points the spider at it. After
the child exits it reads the ``raw_crawl_run`` row and raises :class:`CrawlFailed` when the
crawl did not finish cleanly — Scrapy itself exits 0 on download errors.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import sys
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from ecmon.settings import PROJECT_ROOT, get_settings

log = logging.getLogger(__name__)


class CrawlFailed(RuntimeError):
    """A crawl stopped early or recorded failures; the summary says which URLs and why."""


def spider_classes() -> dict[str, Any]:
    """All spiders by name, via Scrapy's own loader (the same discovery ``scrapy list`` uses)."""
    from scrapy.spiderloader import SpiderLoader
    from scrapy.utils.project import get_project_settings

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawlers.settings")
    loader = SpiderLoader.from_settings(get_project_settings())
    return {name: loader.load(name) for name in loader.list()}


def crawl_summary(crawl_id: str, url: str | None = None) -> dict[str, Any]:
    from sqlalchemy import select

    from ecmon.db import get_engine
    from sql.models import CrawlFailure, CrawlRun

    with get_engine(url).connect() as conn:
        run = conn.execute(select(CrawlRun).where(CrawlRun.crawl_id == crawl_id)).mappings().one_or_none()
        failures = conn.execute(
            select(CrawlFailure.url, CrawlFailure.reason).where(CrawlFailure.crawl_id == crawl_id)
        ).all()
    if run is None:
        return {"crawl_id": crawl_id, "recorded": False}
    summary = {
        k: run[k]
        for k in (
            "crawl_id",
            "source",
            "mode",
            "finish_reason",
            "requests",
            "responses",
            "items",
            "documents_new",
            "items_dropped",
            "errors",
        )
    }
    summary["failures"] = [{"url": u, "reason": r} for u, r in failures]
    summary["recorded"] = True
    return summary


def run_crawl(
    source: str,
    crawl_id: str,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    mode: str | None = None,
    snapshot_dir: Path | None = None,
    replay_root_url: str | None = None,
    extra_args: dict[str, str] | None = None,
    extra_settings: dict[str, str] | None = None,
    timeout_seconds: int = 3600,
) -> dict[str, Any]:
    """Crawl ``source`` in a child process; return the crawl summary or raise CrawlFailed."""
    from crawlers.replay import ReplayServer

    settings = get_settings()
    mode = mode or settings.crawl_mode
    spiders = spider_classes()
    spider_cls = spiders.get(source)
    if spider_cls is None:
        raise KeyError(f"unknown source {source!r}; known: {sorted(spiders)}")
    args = {"crawl_id": crawl_id, **(extra_args or {})}
    if since:
        args["since"] = since.isoformat()
    if until:
        args["until"] = until.isoformat()
    own_server = mode == "replay" and replay_root_url is None
    server_cm = ReplayServer(snapshot_dir or settings.snapshot_dir) if own_server else nullcontext()
    with server_cm as server:
        if mode == "replay":
            root = server.root_url if own_server else replay_root_url
            args["base_url"] = f"{root}/{spider_cls.site}"
        command = [sys.executable, "-m", "scrapy", "crawl", source]
        for key, value in args.items():
            command += ["-a", f"{key}={value}"]
        for key, value in (extra_settings or {}).items():
            command += ["-s", f"{key}={value}"]
        env = {
            **os.environ,
            "SCRAPY_SETTINGS_MODULE": "crawlers.settings",
            "ECMON_CRAWL_MODE": mode,
            "ECMON_WAREHOUSE_URL": settings.resolved_warehouse_url(),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])),
        }
        log.info("crawling %s (%s mode, crawl id %s)", source, mode, crawl_id)
        returncode, tail = _run_streaming(command, env, timeout_seconds)
    summary = crawl_summary(crawl_id, settings.resolved_warehouse_url())
    summary["returncode"] = returncode
    if returncode != 0 or not summary["recorded"]:
        raise CrawlFailed(f"{source}: scrapy exited {returncode}; last output:\n" + "\n".join(tail))
    if summary["finish_reason"] != "finished" or summary["errors"]:
        shown = "; ".join(f"{f['reason']} {f['url']}" for f in summary["failures"][:10])
        raise CrawlFailed(
            f"{source}: finish_reason={summary['finish_reason']}, {summary['errors']} error(s), "
            f"{summary['items']} item(s) stored; failures: {shown}"
        )
    log.info(
        "crawled %s: %s requests, %s records, %s new documents",
        source,
        summary["requests"],
        summary["items"],
        summary["documents_new"],
    )
    return summary


def _run_streaming(command: list[str], env: dict[str, str], timeout_seconds: int) -> tuple[int, list[str]]:
    """Run the child, relaying its log lines as they come so progress shows in Airflow and make run."""
    tail: list[str] = []
    deadline = time.monotonic() + timeout_seconds
    with subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
    ) as child:
        assert child.stderr is not None
        for line in child.stderr:
            _relay_line(line.rstrip())
            tail = [*tail, line.rstrip()][-40:]
            if time.monotonic() > deadline:
                child.kill()
                tail.append(f"killed after {timeout_seconds} s")
                break
        return child.wait(), tail


def _relay_line(line: str) -> None:
    if not line or ("Crawled " in line and "(referer" in line):
        return  # per-request lines are counted in the stats; relaying them would drown the log
    if " ERROR" in line or "Traceback" in line:
        log.error("scrapy: %s", line)
    elif " INFO" in line or " WARNING" in line:
        log.info("scrapy: %s", line)
