"""The ``ecmon`` command line. The CLI and the DAGs call the same functions.

ecmon db upgrade                 create / migrate the warehouse (SQLite or PostgreSQL)
ecmon db tables                  list warehouse tables and views
ecmon sources                    list sources (spiders) with channel and freshness target
ecmon crawl SOURCE [...]         crawl one source in its own process (replay or live)
ecmon transform [--full]         raw documents -> risk information
ecmon import FILE --importer N   import a complaint export / platform hand-over file (5.2.2 a, c)
ecmon enrich [--full]            normalise, classify, deduplicate risk information (5.2.1)
ecmon quality-gate               Great Expectations gates; failing rows to stg_quarantine
ecmon analyse [--end DATE]       5.3.1 analysis results and 5.3.2 dispositions (+ notifications)
ecmon summary                    what the warehouse holds and how to query it
ecmon classify --in F --out F    category and hazard codes for JSON lines (5.3)
ecmon train-classifier / evaluate-classifier
ecmon dedup --in F --out F       same-event clusters for JSON lines
ecmon evaluate-dedup
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from ecmon.settings import get_settings

DELEGATED: dict[str, tuple[str, str]] = {
    # subcommand -> (module, function taking argv and returning an exit code)
    "classify": ("transforms.classify.cli", "classify_command"),
    "train-classifier": ("transforms.classify.cli", "train_command"),
    "evaluate-classifier": ("transforms.classify.cli", "evaluate_command"),
    "dedup": ("transforms.dedup.cli", "dedup_command"),
    "evaluate-dedup": ("transforms.dedup.cli", "evaluate_command"),
}


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {value!r}") from exc


def cmd_db(args: argparse.Namespace) -> int:
    from sql.warehouse import table_names, upgrade

    if args.action == "upgrade":
        views = upgrade()
        print(f"warehouse at {get_settings().resolved_warehouse_url()} is at head; views: {', '.join(views)}")
    else:
        for name in table_names():
            print(name)
    return 0


def cmd_sources(_args: argparse.Namespace) -> int:
    from crawlers.run import spider_classes

    for name, cls in sorted(spider_classes().items()):
        print(f"{name:32} channel 5.2.2 {cls.channel}  freshness {cls.freshness_hours:>4} h  {cls.live_base_url}")
    return 0


def cmd_crawl(args: argparse.Namespace) -> int:
    from crawlers.run import CrawlFailed, run_crawl
    from sql.warehouse import upgrade

    upgrade()
    crawl_id = args.crawl_id or f"cli:{args.source}:{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}"
    try:
        summary = run_crawl(args.source, crawl_id, since=args.since, until=args.until, mode=args.mode)
    except CrawlFailed as exc:
        print(f"crawl failed: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(summary, default=str, ensure_ascii=False, indent=1))
    return 0


def cmd_transform(args: argparse.Namespace) -> int:
    from sql.warehouse import upgrade
    from transforms.risk_information.load import load_risk_information

    upgrade()
    summary = load_risk_information(dt.datetime.now(dt.UTC), full_reload=args.full, run_id="cli")
    print(json.dumps(summary, ensure_ascii=False))
    return 0


def _run_at(value: dt.date | None) -> dt.datetime:
    day = value or dt.datetime.now(dt.UTC).date()
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def cmd_import(args: argparse.Namespace) -> int:
    from sql.warehouse import upgrade
    from transforms.importers.base import ImportFileError, discover_importers, import_file

    upgrade()
    importers = discover_importers()
    if args.importer not in importers:
        print(f"unknown importer {args.importer!r}; known: {sorted(importers)}", file=sys.stderr)
        return 2
    try:
        result = import_file(importers[args.importer], args.file, dt.datetime.now(dt.UTC))
    except ImportFileError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result, ensure_ascii=False))
    return 0


def cmd_enrich(args: argparse.Namespace) -> int:
    from transforms.enrich import enrich_risk_information

    print(json.dumps(enrich_risk_information(dt.datetime.now(dt.UTC), full=args.full), ensure_ascii=False))
    return 0


def cmd_quality_gate(args: argparse.Namespace) -> int:
    from transforms.quality.gate import QualityGateFailed, run_quality_gates

    try:
        summary = run_quality_gates(args.run_id, _run_at(args.end))
    except QualityGateFailed as exc:
        print(f"quality gate failed: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(summary, ensure_ascii=False, default=str, indent=1))
    return 0


def cmd_analyse(args: argparse.Namespace) -> int:
    from transforms.analysis.notify import write_notifications
    from transforms.analysis.results import analyse_risk_information

    summary = analyse_risk_information(_run_at(args.end), run_id=args.run_id)
    files = write_notifications(summary["period_start"], summary["period_end"])
    print(json.dumps({**summary, "notifications": files}, ensure_ascii=False, default=str, indent=1))
    return 0


def cmd_summary(_args: argparse.Namespace) -> int:
    from ecmon.report import print_summary

    print_summary()
    return 0


def _delegate(name: str) -> Callable[[Sequence[str]], int]:
    module_name, function_name = DELEGATED[name]

    def run(argv: Sequence[str]) -> int:
        import importlib

        return int(getattr(importlib.import_module(module_name), function_name)(list(argv)))

    return run


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ecmon", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="warehouse schema")
    db.add_argument("action", choices=["upgrade", "tables"])
    db.set_defaults(func=cmd_db)

    sub.add_parser("sources", help="list sources").set_defaults(func=cmd_sources)

    crawl = sub.add_parser("crawl", help="crawl one source in its own process")
    crawl.add_argument("source")
    crawl.add_argument("--since", type=_date)
    crawl.add_argument("--until", type=_date)
    crawl.add_argument("--mode", choices=["replay", "live"], default=None)
    crawl.add_argument("--crawl-id")
    crawl.set_defaults(func=cmd_crawl)

    transform = sub.add_parser("transform", help="raw documents -> risk information")
    transform.add_argument("--full", action="store_true", help="remap every record, not only new ones")
    transform.set_defaults(func=cmd_transform)

    importer = sub.add_parser("import", help="import one file as raw documents")
    importer.add_argument("file", type=Path)
    importer.add_argument("--importer", required=True, help="complaints_12315 or platform_handover")
    importer.set_defaults(func=cmd_import)

    enrich = sub.add_parser("enrich", help="normalise, classify, deduplicate risk information")
    enrich.add_argument("--full", action="store_true", help="re-enrich every row, not only new ones")
    enrich.set_defaults(func=cmd_enrich)

    gate = sub.add_parser("quality-gate", help="run the data-quality gates")
    gate.add_argument("--run-id", default="cli")
    gate.add_argument("--end", type=_date, help="data-interval end (default: today, UTC)")
    gate.set_defaults(func=cmd_quality_gate)

    analyse = sub.add_parser("analyse", help="5.3 analysis results and dispositions")
    analyse.add_argument("--run-id", default="cli")
    analyse.add_argument("--end", type=_date, help="period end (default: today, UTC)")
    analyse.set_defaults(func=cmd_analyse)

    sub.add_parser("summary", help="what the warehouse holds").set_defaults(func=cmd_summary)
    for name in DELEGATED:
        sub.add_parser(name, help=f"see `ecmon {name} --help`", add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in DELEGATED:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
        return _delegate(argv[0])(argv[1:])
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)  # its plugin chatter hides our progress
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
