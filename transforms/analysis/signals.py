"""Risk information read as signals for one analysis period (5.2.1 → 5.3.1).

- **Period.** It ends on the last day of the data interval and spans ``period.window_days`` days, or the
  whole data interval if that is longer; the previous period is the equal span just before it (trend).
- **Signal date.** ``published_date``; a record without one counts on the day it was mapped.
- **Quality gate.** Rows the gate quarantined in this run are left out: by ``risk_info_id`` for
  ``stg_risk_information`` and by ``document_id`` for ``raw_document`` (``transforms.quality.gate``).
- **Dedup.** Records sharing a ``cluster_id`` (the same event reported by several sources) are one
  signal; ``signal_id`` is the cluster id, or the record's own id when it has none.
- **Per-record facts** the rules read: the product kind (top-level or second-level, per config), the
  hazard (``OTHER`` when unclassified), scopes, firms, special populations (5.1.2 b), injuries and deaths
  reported (5.1.2 a, d) and whether the record is a complaint already resolved.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select

from sql.models import RiskInformation
from transforms.analysis.rules import AnalysisRules, InjuryEvidence

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy import Connection

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
_BASE_COLUMNS = (
    "risk_info_id",
    "document_id",
    "source",
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
    "source_url",
    "attributes",
    "cluster_id",
    *POPULATION_COLUMNS.values(),
)


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

    One row per record with the derived columns listed in the module docstring; ``in_current`` tells the
    two periods apart.
    """
    import pandas as pd

    from transforms.quality.gate import quarantined_keys

    table = RiskInformation.__table__
    evidence = rules.signals.injury_evidence
    columns = list(dict.fromkeys((*_BASE_COLUMNS, *evidence.columns)))
    earliest = period.previous.start
    query = select(*[table.c[c] for c in columns]).where(
        or_(table.c.published_date.between(earliest, period.end), table.c.published_date.is_(None))
    )
    frame = pd.read_sql(query.order_by(table.c.risk_info_id), conn)
    if run_id is not None and not frame.empty:
        bad_rows = quarantined_keys(conn, run_id, "stg_risk_information")
        bad_documents = quarantined_keys(conn, run_id, "raw_document")
        frame = frame[~frame["risk_info_id"].isin(bad_rows) & ~frame["document_id"].isin(bad_documents)]
    dates = zip(frame["published_date"], frame["mapped_at"], strict=True)
    frame = frame.assign(signal_date=[_signal_date(published, mapped) for published, mapped in dates])
    frame = frame[[earliest <= d <= period.end for d in frame["signal_date"]]].reset_index(drop=True)
    return _with_facts(frame, period, rules)


def _with_facts(frame: pd.DataFrame, period: AnalysisPeriod, rules: AnalysisRules) -> pd.DataFrame:
    records = frame.to_dict("records")
    matcher = _InjuryMatcher(rules.signals.injury_evidence)
    resolved = rules.signals.resolved_complaints
    weak = set(rules.signals.weak_channels)
    product_level = rules.period.product_level
    frame = frame.assign(
        in_current=[period.contains(r["signal_date"]) for r in records],
        signal_id=[_text(r["cluster_id"]) or r["risk_info_id"] for r in records],
        product_code=[_product_code(r, product_level) for r in records],
        hazard=[_text(r["hazard_code"]) or UNCLASSIFIED for r in records],
        scopes=[scopes_of(r) for r in records],
        manufacturers=[split_firms(r["manufacturer"]) for r in records],
        shops=[split_firms(r["shop"]) for r in records],
        populations=[[p for p, column in POPULATION_COLUMNS.items() if _flag(r.get(column))] for r in records],
        strong=[r["channel"] not in weak for r in records],
        died=[matcher.deaths(r) for r in records],
        injured=[matcher.injuries(r) for r in records],
        resolved_complaint=[_is_resolved_complaint(r, resolved.attribute_keys, resolved.values) for r in records],
    )
    return frame


def scopes_of(record: dict[str, Any]) -> list[str]:
    """5.3.1 scopes a record concerns: always national, plus its region and its platform when known."""
    scopes = [NATIONAL]
    region = _text(record.get("region_code"))
    if region:
        scopes.append(f"region:{region}")
    platform = _text(record.get("platform"))
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


def _is_resolved_complaint(record: dict[str, Any], keys: tuple[str, ...], values: tuple[str, ...]) -> bool:
    if record["info_type"] != "complaint":
        return False
    attributes = record.get("attributes") or {}
    if not isinstance(attributes, dict):
        return False
    wanted = {v.casefold() for v in values}
    return any(str(attributes.get(k)).strip().casefold() in wanted for k in keys if attributes.get(k) is not None)


def _product_code(record: dict[str, Any], level: str) -> str:
    if level == "subcategory" and _text(record.get("subcategory_code")):
        return record["subcategory_code"]
    return _text(record.get("category_code")) or UNCLASSIFIED


def _signal_date(published: Any, mapped_at: Any) -> dt.date:
    if isinstance(published, dt.date) and not _is_missing(published):
        return published if not isinstance(published, dt.datetime) else published.date()
    import pandas as pd

    return pd.Timestamp(mapped_at).date()


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
