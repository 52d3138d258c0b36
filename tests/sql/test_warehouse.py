"""The warehouse schema: migrations match the models, every table and column is documented."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from ecmon.db import get_engine
from sql.models import Base
from sql.warehouse import table_names, upgrade, view_files
from tests.conftest import count_rows

pytestmark = [pytest.mark.warehouse, pytest.mark.integration]


def test_upgrade_creates_exactly_the_modelled_tables(warehouse_url: str) -> None:
    assert set(table_names(warehouse_url)) == set(Base.metadata.tables) | {"alembic_version"}


def test_migrated_columns_match_models(warehouse_url: str) -> None:
    inspector = inspect(get_engine(warehouse_url))
    for name, table in Base.metadata.tables.items():
        migrated = {c["name"] for c in inspector.get_columns(name)}
        assert migrated == set(table.columns.keys()), name


def test_migrated_indexes_match_models(warehouse_url: str) -> None:
    inspector = inspect(get_engine(warehouse_url))
    for name, table in Base.metadata.tables.items():
        migrated = {i["name"] for i in inspector.get_indexes(name)}
        assert {i.name for i in table.indexes} <= migrated, name


def test_upgrade_twice_is_a_no_op(warehouse_url: str) -> None:
    before = table_names(warehouse_url)
    upgrade(warehouse_url)
    assert table_names(warehouse_url) == before


def test_views_are_created_and_queryable(warehouse_url: str) -> None:
    dialect = get_engine(warehouse_url).dialect.name
    names = {path.name.split(".")[0] for path in view_files(dialect)}
    assert {"risk_information_overview", "source_freshness"} <= names
    assert set(inspect(get_engine(warehouse_url)).get_view_names()) >= names
    for name in names:
        assert count_rows(warehouse_url, name) == 0


@pytest.mark.unit
def test_every_table_and_column_cites_its_purpose() -> None:
    for name, table in Base.metadata.tables.items():
        assert table.comment and any(ch.isdigit() for ch in table.comment), f"{name} has no clause in its comment"
        assert name.split("_")[0] in {"raw", "stg", "mart"}, f"{name} is in no layer"


@pytest.mark.unit
def test_constraint_names_fit_postgres_identifier_limit() -> None:
    for table in Base.metadata.tables.values():
        for constraint in table.constraints:
            assert len(str(constraint.name or "")) <= 63, constraint.name


@pytest.mark.unit
def test_every_column_is_documented() -> None:
    for name, table in Base.metadata.tables.items():
        for column in table.columns:
            assert column.comment and any(ch.isdigit() for ch in column.comment), f"{name}.{column.name}"


@pytest.mark.unit
def test_analyst_guide_is_up_to_date() -> None:
    from sql.docs import README, render

    assert README.read_text(encoding="utf-8") == render(), "run `python -m sql.docs` and commit sql/README.md"
