"""Read and validate the two code trees (product kinds, hazards) kept as CSV beside this module.

The product tree names the "product varieties" of a monitoring plan (5.1.1) and carries the special
populations a kind is likely to affect (5.1.2 b); the hazard tree names the "hazard item" of an
analysis result (5.3.1). Both must roll up to exactly the top-level codes of
shared/taxonomy/README.md, so every check below fails loudly with file, row and field.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from transforms.taxonomy.labels import normalise_label

PRODUCT_TOP_CODES: tuple[str, ...] = (
    "ELEC",
    "CHILD",
    "TEXT",
    "HOME",
    "COSM",
    "FOOD",
    "FCM",
    "BUILD",
    "VEHI",
    "SPORT",
    "TOOL",
    "SAFETY",
    "AGRI",
    "OTHER",
)
HAZARD_TOP_CODES: tuple[str, ...] = (
    "CHEMICAL",
    "ELECTRIC",
    "FIRE",
    "MECHANICAL",
    "CHOKING",
    "MICROBIO",
    "LABELLING",
    "PERFORMANCE",
    "EMC",
    "OTHER",
)
# 5.1.2 b lists exactly these groups ("pregnant" covers pregnant and nursing women).
SPECIAL_POPULATION_VALUES: tuple[str, ...] = ("infants", "children", "pregnant", "elderly", "patients")

_CODE_PATTERN = re.compile(r"^[A-Z]+(\.[A-Z0-9_]+)*$")
_LIST_SEPARATOR = "|"


@dataclass(frozen=True)
class TaxonomyNode:
    """One validated row of a code tree."""

    code: str
    parent: str | None
    top_code: str
    level: int
    name_zh: str
    name_en: str
    synonyms: tuple[str, ...]
    extra: dict[str, str]
    line: int


def split_list(value: str | None) -> tuple[str, ...]:
    """``a|b|c`` → ``("a", "b", "c")``, dropping blanks."""
    return tuple(part.strip() for part in (value or "").split(_LIST_SEPARATOR) if part.strip())


def read_tree(path: Path, top_codes: tuple[str, ...], required_columns: tuple[str, ...]) -> list[TaxonomyNode]:
    """Read a code tree CSV and check that every code rolls up to exactly one of ``top_codes``.

    Raises ``ValueError`` naming the file, the CSV line ("row") and the field at fault.
    """
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in required_columns if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path.name}: row 1: header lacks field(s) {', '.join(missing)}")
        # Line numbers as an editor shows them: the header is line 1.
        raw_rows = [(reader.line_num, dict(row)) for row in reader]

    by_code: dict[str, tuple[int, dict[str, str]]] = {}
    for line, row in raw_rows:
        code = (row.get("code") or "").strip()
        if not _CODE_PATTERN.match(code):
            raise ValueError(f"{path.name}: row {line}: field 'code': {code!r} is not an upper-case dotted code")
        if code in by_code:
            raise ValueError(f"{path.name}: row {line}: field 'code': {code!r} repeats row {by_code[code][0]}")
        for field in ("name_zh", "name_en"):
            if not (row.get(field) or "").strip():
                raise ValueError(f"{path.name}: row {line}: field '{field}': empty for code {code!r}")
        by_code[code] = (line, row)

    missing_tops = [c for c in top_codes if c not in by_code]
    if missing_tops:
        raise ValueError(f"{path.name}: top-level code(s) missing: {', '.join(missing_tops)}")

    nodes = [_node(path, code, line, row, by_code, top_codes) for code, (line, row) in by_code.items()]
    _check_synonyms_unique(path, nodes)
    return nodes


def _node(
    path: Path,
    code: str,
    line: int,
    row: dict[str, str],
    by_code: dict[str, tuple[int, dict[str, str]]],
    top_codes: tuple[str, ...],
) -> TaxonomyNode:
    parent = (row.get("parent") or "").strip() or None
    if parent is None and code not in top_codes:
        raise ValueError(
            f"{path.name}: row {line}: field 'parent': empty, but {code!r} is not one of the top codes "
            f"({' '.join(top_codes)})"
        )
    if parent is not None and code in top_codes:
        raise ValueError(f"{path.name}: row {line}: field 'parent': top code {code!r} must not have a parent")
    # Walk up to the root; a chain longer than the number of codes means a cycle.
    chain = [code]
    current = parent
    while current is not None:
        if current not in by_code:
            raise ValueError(f"{path.name}: row {line}: field 'parent': unknown parent code {current!r} for {code!r}")
        if current in chain or len(chain) > len(by_code):
            raise ValueError(f"{path.name}: row {line}: field 'parent': cycle through {current!r}")
        chain.append(current)
        current = (by_code[current][1].get("parent") or "").strip() or None
    top = chain[-1]
    if not (code == top or code.startswith(top + ".")):
        raise ValueError(
            f"{path.name}: row {line}: field 'code': {code!r} rolls up to {top!r} but is not named under it"
        )
    known = {"code", "parent", "name_zh", "name_en", "synonyms"}
    return TaxonomyNode(
        code=code,
        parent=parent,
        top_code=top,
        level=len(chain) - 1,
        name_zh=row["name_zh"].strip(),
        name_en=row["name_en"].strip(),
        synonyms=split_list(row.get("synonyms")),
        extra={k: (v or "").strip() for k, v in row.items() if k not in known and k is not None},
        line=line,
    )


def _check_synonyms_unique(path: Path, nodes: list[TaxonomyNode]) -> None:
    """A name or synonym shared by two codes would make crosswalk look-ups depend on row order."""
    owner: dict[str, str] = {}
    for node in nodes:
        for term in (node.name_zh, node.name_en, *node.synonyms):
            key = normalise_label(term)
            previous = owner.get(key)
            if previous is not None and previous != node.code:
                raise ValueError(
                    f"{path.name}: row {node.line}: field 'synonyms': {term!r} of {node.code!r} "
                    f"is already a name or synonym of {previous!r}"
                )
            owner[key] = node.code


def check_special_populations(path: Path, nodes: list[TaxonomyNode]) -> None:
    """Only the five groups of 5.1.2 b are allowed in ``special_populations``."""
    for node in nodes:
        for value in split_list(node.extra.get("special_populations")):
            if value not in SPECIAL_POPULATION_VALUES:
                raise ValueError(
                    f"{path.name}: row {node.line}: field 'special_populations': {value!r} is not one of "
                    f"{'|'.join(SPECIAL_POPULATION_VALUES)}"
                )


def check_precedence(path: Path, nodes: list[TaxonomyNode]) -> None:
    """Each top hazard has a distinct integer ``precedence`` (1 = most severe) used to pick one hazard."""
    seen: dict[int, str] = {}
    for node in nodes:
        if node.level != 0:
            continue
        raw = node.extra.get("precedence", "")
        if not raw.isdigit():
            raise ValueError(f"{path.name}: row {node.line}: field 'precedence': {raw!r} is not a positive integer")
        rank = int(raw)
        if rank in seen:
            raise ValueError(f"{path.name}: row {node.line}: field 'precedence': {rank} repeats {seen[rank]!r}")
        seen[rank] = node.code
