"""DAG integrity, one case per file in dags/: imports cleanly, no I/O at parse, documented, tagged."""

from __future__ import annotations

import builtins
import importlib.util
import socket
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.unit

DAG_FILES = sorted((PROJECT_ROOT / "dags").glob("*.py"))


@pytest.mark.parametrize("path", DAG_FILES, ids=[p.name for p in DAG_FILES])
def test_dag_file_imports_without_io(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow.sdk import DAG

    def no_open(file, *args, **kwargs):
        name = str(file)
        if name.endswith(".py") or "/site-packages/" in name or "/lib/python" in name or name.endswith(".pyc"):
            return real_open(file, *args, **kwargs)
        raise AssertionError(f"{path.name} opened {name} at parse time")

    def no_network(*args, **kwargs):
        raise AssertionError(f"{path.name} opened a socket at parse time")

    real_open = builtins.open
    monkeypatch.setattr(builtins, "open", no_open)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    spec = importlib.util.spec_from_file_location(f"dagfile_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    dags = [v for v in vars(module).values() if isinstance(v, DAG)]
    monkeypatch.undo()
    assert dags or path.stem in {"__init__"}, f"{path.name} defines no DAG object at module level"
    for dag in dags:
        assert dag.dag_id == path.stem, "file name and dag_id must agree"
        assert dag.doc_md and len(dag.doc_md) > 100, "doc_md missing"
        assert dag.tags and "ecmon" in dag.tags


def test_dagbag_has_no_import_errors() -> None:
    from airflow.models import DagBag

    bag = DagBag(dag_folder=str(PROJECT_ROOT / "dags"))
    assert bag.import_errors == {}
    assert {path.stem for path in DAG_FILES} <= set(bag.dag_ids)
