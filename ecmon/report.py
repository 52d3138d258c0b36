"""``ecmon summary``: what the warehouse holds, where it is, and how to query it."""

from __future__ import annotations

from sqlalchemy import func, select

from ecmon.db import get_engine
from ecmon.settings import get_settings
from sql.models import CrawlRun, RawDocument, RiskInformation
from sql.warehouse import table_names


def warehouse_counts(url: str | None = None) -> dict[str, int]:
    from sqlalchemy import MetaData, Table

    engine = get_engine(url)
    counts = {}
    with engine.connect() as conn:
        for name in table_names(url):
            if name == "alembic_version":
                continue
            table = Table(name, MetaData(), autoload_with=conn)
            counts[name] = conn.execute(select(func.count()).select_from(table)).scalar_one()
    return counts


def print_summary(url: str | None = None) -> None:
    settings = get_settings()
    url = url or settings.resolved_warehouse_url()
    engine = get_engine(url)
    counts = warehouse_counts(url)
    with engine.connect() as conn:
        by_source = conn.execute(
            select(RiskInformation.source, RiskInformation.category_code, func.count())
            .group_by(RiskInformation.source, RiskInformation.category_code)
            .order_by(RiskInformation.source, RiskInformation.category_code)
        ).all()
        last_runs = conn.execute(
            select(CrawlRun.source, func.max(CrawlRun.finished_at)).group_by(CrawlRun.source)
        ).all()
        docs = conn.execute(select(func.count()).select_from(RawDocument)).scalar_one()
    print("\n=== ecmon warehouse ===")
    print(f"warehouse: {url}")
    print(f"raw documents: {docs}; risk-information rows: {counts.get('stg_risk_information', 0)}")
    for source, finished in last_runs:
        print(f"  last crawl of {source}: {finished}")
    print("risk information by source and category (5.2.1):")
    for source, category, n in by_source:
        print(f"  {source:28} {category or '(unclassified)':14} {n}")
    print("non-empty tables: " + ", ".join(f"{k}={v}" for k, v in counts.items() if v))
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        print("\nquery it, e.g.:")
        print(f'  sqlite3 {path} "select source, category_code, count(*) from stg_risk_information group by 1, 2;"')
        print(f'  sqlite3 {path} "select * from risk_information_overview limit 5;"')
    print("table guide for analysts: sql/README.md")
