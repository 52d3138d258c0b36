"""Risk information read as signals for one analysis period (5.2.1 → 5.3.1).

- **Period.** It ends on the last day of the data interval and spans ``period.window_days`` days, or the
  whole data interval if that is longer; the previous period is the equal span just before it (trend).
- **Signal date.** ``published_date``; a record without one counts on the day it was mapped (in UTC).
- **Quality gate.** Rows the gate quarantined in this run are left out: by ``risk_info_id`` for
  ``stg_risk_information`` and by ``document_id`` for ``raw_document`` (``transforms.quality.gate``).
- **Dedup.** Records sharing a ``cluster_id`` (the same event reported by several sources) are one
  signal; ``signal_id`` is the cluster id, or the record's own id when it has none.
- **Per-record facts** the rules read: the product kind (top-level or second-level, per config), the
  hazard (``OTHER`` when unclassified), scopes, firms, special populations (5.1.2 b), injuries and deaths
  reported (5.1.2 a, d) and whether the record is a complaint already resolved.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import re
from dataclasses import dataclass
from itertools import compress
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, null, or_, select

from sql.models import RiskInformation
from transforms.analysis.rules import AnalysisRules, InjuryEvidence

if TYPE_CHECKING:
    from collections.abc import Iterator

    import pandas as pd
    from sqlalchemy import Connection, Select

UNCLASSIFIED = "OTHER"  # taxonomy code for "fits none" — also where unclassified records are counted
NATIONAL = "national"
SCOPE_LENGTH = 60  # mart_analysis_result.scope
POPULATION_COLUMNS = {
    "infants": "for_infants",
    "children": "for_children",
    "pregnant": "for_pregnant",
    "elderly": "for_elderly",
    "patients": "for_patients",
}
FIRM_SEPARATOR = "; "  # how mappers join several firms in one column (mapping.join_unique)
_SENTENCE = re.compile(r"[.;!?\n。；！？]+")
# Only what the analysis reads: ``attributes`` (JSON, costly to decode) is fetched separately, for complaints.
_BASE_COLUMNS = (
    "risk_info_id",
    "document_id",
    "channel",
    "info_type",
    "category_code",
    "subcategory_code",
    "hazard_code",
    "region_code",
    "platform",
    "shop",
    "manufacturer",
    "published_date",
    "mapped_at",
    "cluster_id",
    *POPULATION_COLUMNS.values(),
)
COMPLAINT = "complaint"  # the only info_type whose attributes the analysis reads (resolved complaints)


@dataclass(frozen=True)
class AnalysisPeriod:
    """Inclusive dates ``start`` … ``end``."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def previous(self) -> AnalysisPeriod:
        end = self.start - dt.timedelta(days=1)
        return AnalysisPeriod(end - dt.timedelta(days=self.days - 1), end)

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def analysis_period(
    data_interval_end: dt.datetime, data_interval_start: dt.datetime | None = None, window_days: int = 90
) -> AnalysisPeriod:
    """The period for a run: its last day is the day before the (exclusive) interval end instant."""
    end = (data_interval_end - dt.timedelta(microseconds=1)).date()
    start = end - dt.timedelta(days=window_days - 1)
    if data_interval_start is not None and data_interval_start.date() < start:
        start = data_interval_start.date()
    return AnalysisPeriod(start, end)


def load_signals(
    conn: Connection, period: AnalysisPeriod, rules: AnalysisRules, *, run_id: str | None = None
) -> pd.DataFrame:
    """Risk rows dated in ``period`` or the previous one, minus what the gate quarantined in ``run_id``.

    One row per record (in no particular order) with the columns the analysis reads and the derived ones
    listed in the module docstring; ``in_current`` tells the two periods apart. ``attributes`` is only read
    for complaints (the resolved-complaint rule is the only reader). Missing values are ``None``.
    """
    table = RiskInformation.__table__
    names = list(dict.fromkeys((*_BASE_COLUMNS, *rules.signals.injury_evidence.columns)))
    earliest = period.previous.start
    # Plain SQL both engines run. Decoding the JSON attributes of every row cost more than the rest of the read.
    attributes = case((table.c.info_type == COMPLAINT, table.c.attributes), else_=null()).label("attributes")
    query = select(*[table.c[c] for c in names], attributes).where(
        or_(table.c.published_date.between(earliest, period.end), table.c.published_date.is_(None))
    )
    with paused_gc():
        return _read_signals(conn, query, period, rules, run_id)


def _read_signals(
    conn: Connection, query: Select, period: AnalysisPeriod, rules: AnalysisRules, run_id: str | None
) -> pd.DataFrame:
    from transforms.quality.gate import quarantined_keys

    earliest = period.previous.start
    result = conn.execute(query)  # no ORDER BY: nothing downstream depends on the order
    labels = list(result.keys())
    rows = result.fetchall()
    columns = _Columns(dict(zip(labels, map(list, zip(*rows, strict=True)), strict=True)) if rows else {})
    bad_rows = quarantined_keys(conn, run_id, "stg_risk_information") if run_id is not None and rows else set()
    bad_documents = quarantined_keys(conn, run_id, "raw_document") if run_id is not None and rows else set()
    signal_dates = [
        published if type(published) is dt.date else _signal_date(published, mapped)
        for published, mapped in zip(columns.values("published_date"), columns.values("mapped_at"), strict=True)
    ]
    keep = [
        earliest <= day <= period.end and record not in bad_rows and document not in bad_documents
        for day, record, document in zip(
            signal_dates, columns.values("risk_info_id"), columns.values("document_id"), strict=True
        )
    ]
    columns = columns.where(keep, labels)
    columns.data["signal_date"] = list(compress(signal_dates, keep))
    return _with_facts(columns, period, rules)


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while building 10⁵–10⁶ small lists and rows.

    None of them form cycles (reference counting frees them), yet every few hundred allocations the
    collector would walk all live objects: at a million-record warehouse that was half the analysis time.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _with_facts(columns: _Columns, period: AnalysisPeriod, rules: AnalysisRules) -> pd.DataFrame:
    """The frame with the per-record facts, computed column by column on plain lists (fast at 10⁵ rows)."""
    import numpy as np
    import pandas as pd

    matcher = _InjuryMatcher(rules.signals.injury_evidence)
    resolved = rules.signals.resolved_complaints
    weak = set(rules.signals.weak_channels)
    # Scopes, firm lists, populations and injury texts repeat a lot: each distinct value is worked out once
    # (as a tuple, which the rows then share).
    scopes_of_pair = functools.cache(lambda region, platform: tuple(scopes_of(region, platform)))
    firms = functools.cache(lambda value: tuple(split_firms(value)))
    populations_of = functools.cache(
        lambda flags: tuple(population for population, flag in zip(POPULATION_COLUMNS, flags, strict=True) if flag)
    )
    injury_facts = functools.cache(matcher.facts)
    regions, platforms = columns.texts("region_code"), columns.texts("platform")
    scopes = [scopes_of_pair(region, platform) for region, platform in zip(regions, platforms, strict=True)]
    if rules.period.product_level == "subcategory":
        subcategories = zip(columns.values("subcategory_code"), columns.texts("subcategory_code"), strict=True)
        product_codes = [
            raw if text else category
            for (raw, text), category in zip(subcategories, columns.texts("category_code"), strict=True)
        ]
    else:
        product_codes = columns.texts("category_code")
    flags = [columns.flags(name) for name in POPULATION_COLUMNS.values()]
    injury_texts = zip(*(columns.texts(name) for name in matcher.columns), strict=True)
    harm = [injury_facts(texts) if any(texts) else (False, False) for texts in injury_texts]
    complaints = zip(columns.values("info_type"), columns.values("attributes"), strict=True)
    derived: dict[str, list[Any]] = {
        "in_current": [period.contains(day) for day in columns.values("signal_date")],
        "signal_id": [
            cluster or record
            for cluster, record in zip(columns.texts("cluster_id"), columns.values("risk_info_id"), strict=True)
        ],
        "product_code": [code or UNCLASSIFIED for code in product_codes],
        "hazard": [code or UNCLASSIFIED for code in columns.texts("hazard_code")],
        "scopes": scopes,
        "manufacturers": [firms(value) for value in columns.values("manufacturer")],
        "shops": [firms(value) for value in columns.values("shop")],
        "populations": [populations_of(row) for row in zip(*flags, strict=True)],
        "strong": [channel not in weak for channel in columns.values("channel")],
        "died": [died for died, _ in harm],
        "injured": [injured for _, injured in harm],
        "resolved_complaint": [
            info_type == COMPLAINT
            and _is_resolved_complaint(
                {"info_type": info_type, "attributes": attributes}, resolved.attribute_keys, resolved.values
            )
            for info_type, attributes in complaints
        ],
    }
    booleans = {"in_current", "strong", "died", "injured", "resolved_complaint"}
    # Object columns as they are: letting pandas infer string dtypes for 10⁵ rows costs more than the facts.
    data = {
        name: np.array(values, dtype=bool) if name in booleans else pd.Series(values, dtype=object)
        for name, values in (columns.data | derived).items()
    }
    return pd.DataFrame(data)


class _Columns:
    """Query results as one Python list per column, read the way the per-record helpers read single values."""

    def __init__(self, data: dict[str, list[Any]]) -> None:
        self.data = data

    def __len__(self) -> int:
        return len(next(iter(self.data.values()), ()))

    def values(self, name: str) -> list[Any]:
        return self.data[name] if name in self.data else [None] * len(self)  # like ``record.get(name)``

    def where(self, keep: list[bool], names: list[str]) -> _Columns:
        return _Columns({name: list(compress(self.values(name), keep)) for name in names})

    def texts(self, name: str) -> list[str | None]:
        """:func:`_text` of every value; strings (nearly all values) take the fast path."""
        return [
            (value.strip() or None) if type(value) is str else None if value is None else _text(value)
            for value in self.values(name)
        ]

    def flags(self, name: str) -> list[bool]:
        return [value if type(value) is bool else _flag(value) for value in self.values(name)]


def scopes_of(region: str | None, platform: str | None) -> list[str]:
    """5.3.1 scopes a record concerns: always national, plus its region and its platform when known.

    ``region`` and ``platform`` as :func:`_text` reads them (stripped, ``None`` when blank).
    """
    scopes = [NATIONAL]
    if region:
        scopes.append(f"region:{region}")
    if platform:
        scopes.append(platform_scope(platform))
    return scopes


def platform_scope(platform: str) -> str:
    import hashlib

    scope = f"platform:{platform}"
    if len(scope) <= SCOPE_LENGTH:
        return scope
    digest = hashlib.sha256(platform.encode()).hexdigest()[:8]
    return f"{scope[: SCOPE_LENGTH - 9]}~{digest}"


def split_firms(value: Any) -> list[str]:
    text = _text(value)
    return [part.strip() for part in text.split(FIRM_SEPARATOR) if part.strip()] if text else []


class _InjuryMatcher:
    """Sentence-level reading of injury texts; a sentence with a negation ("No injuries…") says nothing."""

    def __init__(self, config: InjuryEvidence) -> None:
        def compile_all(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
            return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE) if patterns else None

        self.columns = config.columns
        self.death = compile_all(config.death_patterns)
        self.injury = compile_all(config.injury_patterns)
        self.negation = compile_all(config.negation_patterns)

    def _sentences(self, record: dict[str, Any]) -> list[str]:
        texts = [_text(record.get(column)) for column in self.columns]
        sentences = [s for text in texts if text for s in _SENTENCE.split(text)]
        return [s for s in sentences if s.strip() and not (self.negation and self.negation.search(s))]

    def deaths(self, record: dict[str, Any]) -> bool:
        return bool(self.death) and any(self.death.search(s) for s in self._sentences(record))

    def injuries(self, record: dict[str, Any]) -> bool:
        patterns = [p for p in (self.death, self.injury) if p]
        return any(p.search(s) for s in self._sentences(record) for p in patterns)

    def facts(self, texts: tuple[str | None, ...]) -> tuple[bool, bool]:
        """(deaths, injuries) for the texts of :attr:`columns`, in that order."""
        record = dict(zip(self.columns, texts, strict=True))
        return self.deaths(record), self.injuries(record)


def _is_resolved_complaint(record: dict[str, Any], keys: tuple[str, ...], values: tuple[str, ...]) -> bool:
    if record["info_type"] != "complaint":
        return False
    attributes = record.get("attributes") or {}
    if not isinstance(attributes, dict):
        return False
    wanted = {v.casefold() for v in values}
    return any(str(attributes.get(k)).strip().casefold() in wanted for k in keys if attributes.get(k) is not None)


def _signal_date(published: Any, mapped_at: Any) -> dt.date:
    if isinstance(published, dt.date) and not _is_missing(published):
        return published if not isinstance(published, dt.datetime) else published.date()
    import pandas as pd

    moment = pd.Timestamp(mapped_at)
    return (moment.tz_convert("UTC") if moment.tzinfo is not None else moment).date()


def _text(value: Any) -> str | None:
    if value is None or _is_missing(value):
        return None
    text = str(value).strip()
    return text or None


def _flag(value: Any) -> bool:
    return bool(value) and not _is_missing(value)


def _is_missing(value: Any) -> bool:
    import pandas as pd

    return value is pd.NaT or value is pd.NA or (isinstance(value, float) and value != value)
