"""Warehouse lifecycle: migrate (Alembic), (re)create analyst views, describe tables."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text

from ecmon.db import get_engine
from ecmon.settings import get_settings

SQL_DIR = Path(__file__).resolve().parent
VIEWS_DIR = SQL_DIR / "views"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SQL_DIR / "migrations"))
    # ConfigParser interpolation would choke on '%' in passwords.
    cfg.set_main_option("sqlalchemy.url", (url or get_settings().resolved_warehouse_url()).replace("%", "%%"))
    return cfg


def view_files(dialect: str = "sqlite") -> list[Path]:
    """Views are rebuilt from ``sql/views/*.sql`` (dbt-style: one shape per file), in name order.

    Portable SQL lives in ``<name>.sql``; where date arithmetic differs, ``<name>.<dialect>.sql``
    (``sqlite`` / ``postgresql``) replaces it for that engine.
    """
    chosen: dict[str, Path] = {}
    for path in sorted(VIEWS_DIR.glob("*.sql")):
        name, _, variant = path.name.removesuffix(".sql").partition(".")
        if variant in ("", dialect) and (variant or name not in chosen):
            chosen[name] = path
    return [chosen[name] for name in sorted(chosen)]


def view_name(path: Path) -> str:
    return path.name.split(".")[0]


def create_views(url: str | None = None) -> list[str]:
    engine = get_engine(url)
    names = []
    files = view_files(engine.dialect.name)
    with engine.begin() as conn:
        for path in reversed(files):  # drop dependants first
            conn.execute(text(f"drop view if exists {view_name(path)}"))
        for path in files:
            conn.execute(text(f"create view {view_name(path)} as\n{path.read_text(encoding='utf-8')}"))
            names.append(view_name(path))
    return names


def upgrade(url: str | None = None, revision: str = "head") -> list[str]:
    """Bring the warehouse to ``revision`` and rebuild the views. Safe to run repeatedly."""
    command.upgrade(alembic_config(url), revision)
    return create_views(url)


def table_names(url: str | None = None) -> list[str]:
    return sorted(inspect(get_engine(url)).get_table_names())
