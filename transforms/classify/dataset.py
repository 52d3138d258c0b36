"""The labelled corpus: real records (labels through the crosswalks) plus the taxonomy's own lexicon.

Rows carry ``group`` = the source file they came from, so evaluation can hold out whole files (a
file is one query, one feed snapshot or one table: records inside it share wording and product kind).
Lexicon rows (names and synonyms of each code, labelled ``group = "taxonomy:..."``) are training-only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from transforms import taxonomy
from transforms.classify.features import taxonomy_terms
from transforms.classify.sources import source_files
from transforms.classify.text import join_text, normalise_text

LEXICON_GROUP_PREFIX = "taxonomy:"
_DATE_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d")


def default_realdata_dir() -> Path:
    """``$ECMON_REALDATA_DIR`` or ``../shared/realdata`` beside the project root."""
    configured = os.environ.get("ECMON_REALDATA_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2].parent / "shared" / "realdata"


@dataclass(frozen=True)
class FileSnapshot:
    file: str
    sha256: str
    records: int
    category_rows: int
    hazard_rows: int


def _iso_date(value: str | None) -> str | None:
    text = (value or "").strip()[:10]
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def _category_code(scheme: str | None, labels: tuple[str, ...]) -> str | None:
    """One code when the source's labels agree at top level; ``None`` when they conflict.

    Multi-valued CPSC product types are sometimes misaligned with the record (a chain saw listed also as
    "Furniture (Children)"); such records are left out rather than guessed.
    """
    if scheme is None:
        return None
    codes = [c for c in (taxonomy.crosswalk_category(scheme, label) for label in labels) if c]
    if not codes or len({taxonomy.top_level(c) for c in codes}) > 1:
        return None
    return codes[0]


def _hazard_code(scheme: str | None, labels: tuple[str, ...]) -> str | None:
    if scheme is None:
        return None
    return taxonomy.most_severe_hazard(taxonomy.crosswalk_hazard(scheme, label) for label in labels)


def load_real_records(realdata_dir: Path) -> tuple[pd.DataFrame, list[FileSnapshot]]:
    """All readable files → one row per distinct record text, with crosswalked labels (may be null).

    Records whose normalised text already appeared in an earlier file are dropped: several CPSC query
    files return the same recall, and a duplicate on both sides of a held-out split would flatter it.
    """
    if not realdata_dir.is_dir():
        raise FileNotFoundError(f"real data folder not found: {realdata_dir} (set ECMON_REALDATA_DIR)")
    rows: list[dict[str, object]] = []
    snapshots: list[FileSnapshot] = []
    seen_texts: set[str] = set()
    for path, reader in source_files(realdata_dir):
        relative = path.relative_to(realdata_dir).as_posix()
        records = list(reader(path))
        kept_category = kept_hazard = 0
        for record in records:
            text = join_text(record.title, record.text)
            key = normalise_text(text)
            if not key or key in seen_texts:
                continue
            seen_texts.add(key)
            category = _category_code(record.category_scheme, record.category_labels)
            hazard = _hazard_code(record.hazard_scheme, record.hazard_labels)
            kept_category += category is not None
            kept_hazard += hazard is not None
            rows.append(
                {
                    "group": relative,
                    "title": record.title,
                    "text": record.text,
                    "category_code": category,
                    "hazard_code": hazard,
                    "record_date": _iso_date(record.record_date),
                }
            )
        snapshots.append(
            FileSnapshot(
                file=relative,
                sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
                records=len(records),
                category_rows=kept_category,
                hazard_rows=kept_hazard,
            )
        )
    frame = pd.DataFrame(rows)
    frame["category"] = frame["category_code"].map(lambda c: taxonomy.top_level(c) if isinstance(c, str) else None)
    frame["hazard"] = frame["hazard_code"].map(lambda c: taxonomy.top_level(c) if isinstance(c, str) else None)
    return frame, snapshots


def lexicon_records(target: str) -> pd.DataFrame:
    """One training row per name or synonym of each code (zh, en, de), labelled with its top code."""
    source = "product_kinds.csv" if target == "category" else "hazards.csv"
    rows = [
        {"group": LEXICON_GROUP_PREFIX + source, "title": term, "text": "", f"{target}_code": code, target: top}
        for term, code, top in taxonomy_terms(target)
    ]
    return pd.DataFrame(rows)
