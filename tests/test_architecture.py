"""Which folder may import which (README "Layout"): data flows one way through the warehouse."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.unit

FORBIDDEN = {
    "sql": {"crawlers", "transforms", "scoring", "dags"},
    "crawlers": {"transforms", "scoring", "dags"},
    "transforms": {"crawlers", "scoring", "dags"},
    "scoring": {"crawlers", "dags"},
    "ecmon": {"dags"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("folder", sorted(FORBIDDEN))
def test_folder_imports_only_what_it_may(folder: str) -> None:
    offences = []
    for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
        bad = _imports(path) & FORBIDDEN[folder]
        if bad:
            offences.append(f"{path.relative_to(PROJECT_ROOT)} imports {sorted(bad)}")
    assert not offences, "\n".join(offences)
