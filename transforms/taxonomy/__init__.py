"""Product-kind and hazard taxonomy of ecmon, kept as versioned CSV data beside this module.

- ``product_kinds.csv``: the product varieties a monitoring plan names (5.1.1), two levels; top level
  exactly the codes of shared/taxonomy/README.md, second level covering the national spot-check
  catalogue (国家监督抽查产品目录) and the CPSC product types; ``special_populations`` per kind (5.1.2 b).
- ``hazards.csv``: the hazard item of an analysis result (5.3.1), two levels, with a ``precedence``
  per top code used when one record names several hazards.
- ``crosswalk_category.csv`` / ``crosswalk_hazard.csv``: how other schemes' labels map onto the codes
  (CPSC, EU Safety Gate, Chinese spot checks and complaints, lebensmittelwarnung.de, FDA, FSIS).
- ``VERSION``: bumped whenever a file changes, recorded with every trained model.

Loaders validate on first use and are cached; they return copies, so callers may modify them.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pandas as pd

from transforms.taxonomy.crosswalk import SCHEMES, CrosswalkIndex, build_index
from transforms.taxonomy.tree import (
    HAZARD_TOP_CODES,
    PRODUCT_TOP_CODES,
    SPECIAL_POPULATION_VALUES,
    TaxonomyNode,
    check_precedence,
    check_special_populations,
    read_tree,
    split_list,
)

__all__ = [
    "HAZARD_TOP_CODES",
    "PRODUCT_TOP_CODES",
    "SCHEMES",
    "SPECIAL_POPULATION_VALUES",
    "TAXONOMY_DIR",
    "crosswalk_category",
    "crosswalk_hazard",
    "load_hazards",
    "load_product_kinds",
    "most_severe_hazard",
    "special_populations",
    "taxonomy_version",
    "top_level",
]

TAXONOMY_DIR = Path(__file__).resolve().parent
PRODUCT_KINDS_FILE = TAXONOMY_DIR / "product_kinds.csv"
HAZARDS_FILE = TAXONOMY_DIR / "hazards.csv"
CATEGORY_CROSSWALK_FILE = TAXONOMY_DIR / "crosswalk_category.csv"
HAZARD_CROSSWALK_FILE = TAXONOMY_DIR / "crosswalk_hazard.csv"

_TREE_COLUMNS = ("code", "parent", "name_zh", "name_en", "synonyms")


def taxonomy_version() -> str:
    return (TAXONOMY_DIR / "VERSION").read_text(encoding="utf-8").strip()


@cache
def product_nodes(path: Path = PRODUCT_KINDS_FILE) -> tuple[TaxonomyNode, ...]:
    nodes = read_tree(path, PRODUCT_TOP_CODES, (*_TREE_COLUMNS, "special_populations"))
    check_special_populations(path, nodes)
    return tuple(nodes)


@cache
def hazard_nodes(path: Path = HAZARDS_FILE) -> tuple[TaxonomyNode, ...]:
    nodes = read_tree(path, HAZARD_TOP_CODES, (*_TREE_COLUMNS, "precedence"))
    check_precedence(path, nodes)
    return tuple(nodes)


def _frame(nodes: Iterable[TaxonomyNode], extra_columns: tuple[str, ...]) -> pd.DataFrame:
    rows = [
        {
            "code": n.code,
            "parent": n.parent,
            "top_code": n.top_code,
            "level": n.level,
            "name_zh": n.name_zh,
            "name_en": n.name_en,
            **{c: n.extra.get(c, "") for c in extra_columns},
            "synonyms": list(n.synonyms),
        }
        for n in nodes
    ]
    return pd.DataFrame(rows)


def load_product_kinds(path: Path = PRODUCT_KINDS_FILE) -> pd.DataFrame:
    """Product kinds: code, parent, top_code, level, name_zh, name_en, special_populations (list), basis, synonyms."""
    frame = _frame(product_nodes(path), ("special_populations", "basis"))
    frame["special_populations"] = frame["special_populations"].map(lambda v: list(split_list(v)))
    return frame


def load_hazards(path: Path = HAZARDS_FILE) -> pd.DataFrame:
    """Hazards: code, parent, top_code, level, name_zh, name_en, precedence (top rows), synonyms."""
    frame = _frame(hazard_nodes(path), ("precedence",))
    frame["precedence"] = pd.to_numeric(frame["precedence"].replace("", None)).astype("Int64")
    return frame


@cache
def _top_of() -> dict[str, str]:
    # Product and hazard trees share only "OTHER", which is its own top in both.
    return {n.code: n.top_code for n in (*product_nodes(), *hazard_nodes())}


def top_level(code: str) -> str:
    """``CHILD.TOY`` → ``CHILD``; ``FIRE.BATTERY`` → ``FIRE``. Unknown codes raise ``ValueError``."""
    try:
        return _top_of()[code]
    except KeyError:
        raise ValueError(f"unknown taxonomy code {code!r}") from None


@cache
def _populations() -> dict[str, list[str]]:
    return {n.code: list(split_list(n.extra.get("special_populations"))) for n in product_nodes()}


def special_populations(category_code: str) -> list[str]:
    """Special populations (5.1.2 b) a product kind is likely to affect, e.g. ``["infants", "children"]``.

    The value is the kind's own: a second-level kind does not inherit its parent's groups, because
    "some cosmetics concern pregnant women" does not make toothpaste a pregnancy product.
    """
    try:
        return list(_populations()[category_code])
    except KeyError:
        raise ValueError(f"unknown product code {category_code!r}") from None


@cache
def _category_index() -> CrosswalkIndex:
    return build_index(CATEGORY_CROSSWALK_FILE, list(product_nodes()), precedence={})


@cache
def _hazard_index() -> CrosswalkIndex:
    precedence = {n.code: int(n.extra["precedence"]) for n in hazard_nodes() if n.level == 0}
    return build_index(HAZARD_CROSSWALK_FILE, list(hazard_nodes()), precedence=precedence)


def crosswalk_category(scheme: str, label: str) -> str | None:
    """Most specific product code for a source's category label, or ``None``; see ``crosswalk`` module."""
    return _category_index().lookup(scheme, label)


def crosswalk_hazard(scheme: str, label: str) -> str | None:
    """Most specific hazard code for a source's hazard label or failed-item list, or ``None``."""
    return _hazard_index().lookup(scheme, label)


def most_severe_hazard(codes: Iterable[str | None]) -> str | None:
    """Pick one hazard among several (e.g. a CPSC recall listing Fire and Laceration) by ``precedence``."""
    return _hazard_index().most_severe(codes)
