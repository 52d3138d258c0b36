"""Analysis results (5.3.1) and their disposition (5.3.2) into ``mart_analysis_result``.

One result per product kind × hazard item × scope with at least one signal in the period. It carries the
four items 5.3.1 names — product (``category_code``), hazard item (``hazard_code``), scope concerned
(``scope`` plus ``regions`` / ``platforms``) and hazard degree — and the evidence behind them: distinct
signals per 5.2.2 channel, the trend against the previous equal period, the special populations concerned
(5.1.2 b) and the ids of every risk record used.

- **Counting.** ``signal_count`` counts distinct signals (records sharing a ``cluster_id`` once). A signal
  reported through two channels counts once in each channel of ``signals_by_channel``, so the channel
  counts may add up to more than ``signal_count``.
- **Trend.** ``(current - previous) / max(previous, 1)``: 0 when flat, 1.0 when doubled, 3.0 for three
  signals out of none.
- **Degree and disposition.** Ordered rules from ``config/disposition_rules.yaml`` (see that file); the
  rule that fired and the numbers it read are stored in ``rationale``.
- **Idempotent.** ``analysis_id`` = sha256(period start, period end, product, hazard, scope), so a rerun
  upserts the same rows; results of the same period that a rerun no longer produces are deleted (unless a
  monitoring scheme already references them), all in one transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select

from ecmon.db import get_engine, upsert
from sql.models import CHANNELS, AnalysisResult, MonitoringScheme
from transforms.analysis.rules import HAZARD_DEGREES, AnalysisRules, first_match, load_analysis_rules
from transforms.analysis.signals import NATIONAL, AnalysisPeriod, analysis_period, load_signals

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)


@dataclass
class _Group:
    """Everything one result is computed from; sets hold signal ids unless named otherwise."""

    signals: set[str] = field(default_factory=set)
    records: int = 0
    by_channel: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    strong: set[str] = field(default_factory=set)
    unresolved: set[str] = field(default_factory=set)
    injured: set[str] = field(default_factory=set)
    died: set[str] = field(default_factory=set)
    regions: set[str] = field(default_factory=set)
    platforms: set[str] = field(default_factory=set)
    manufacturers: dict[str, str] = field(default_factory=dict)  # match key → name as first seen
    shops: dict[str, str] = field(default_factory=dict)
    populations: set[str] = field(default_factory=set)
    evidence: set[str] = field(default_factory=set)


def analysis_id(period: AnalysisPeriod, category_code: str, hazard_code: str, scope: str) -> str:
    key = "\x1f".join((period.start.isoformat(), period.end.isoformat(), category_code, hazard_code, scope))
    return hashlib.sha256(key.encode()).hexdigest()


def build_results(
    signals: pd.DataFrame, period: AnalysisPeriod, rules: AnalysisRules, decided_at: dt.datetime
) -> list[dict[str, Any]]:
    """Analysis results for ``period`` from the signal frame of :func:`load_signals` (pure: no I/O)."""
    current: dict[tuple[str, str, str], _Group] = defaultdict(_Group)
    previous: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for record in signals.to_dict("records"):
        for scope in record["scopes"]:
            key = (record["product_code"], record["hazard"], scope)
            if record["in_current"]:
                _add(current[key], record)
            else:
                previous[key].add(record["signal_id"])
    rows = [
        _result(period, key, group, len(previous.get(key, ())), rules, decided_at) for key, group in current.items()
    ]
    return sorted(rows, key=lambda row: row["analysis_id"])


def analyse_risk_information(
    data_interval_end: dt.datetime,
    *,
    data_interval_start: dt.datetime | None = None,
    run_id: str | None = None,
    url: str | None = None,
    rules: AnalysisRules | None = None,
) -> dict[str, Any]:
    """Analyse the period ending with the data interval; upsert its results; return a small summary.

    ``run_id``: the run whose quality gate decides which rows are left out (``None``: none left out).
    """
    rules = rules or load_analysis_rules()
    period = analysis_period(data_interval_end, data_interval_start, rules.period.window_days)
    engine = get_engine(url)
    with engine.connect() as conn:
        signals = load_signals(conn, period, rules, run_id=run_id)
    decided_at = _as_utc(data_interval_end)
    rows = build_results(signals, period, rules, decided_at)
    table = AnalysisResult.__table__
    with engine.begin() as conn:
        upsert(conn, table, rows, ["analysis_id"])
        removed = _delete_stale(conn, period, {row["analysis_id"] for row in rows})
    summary = {
        "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(),
        "records": int(signals["in_current"].sum()) if not signals.empty else 0,
        "results": len(rows),
        "dispositions": dict(sorted(Counter(row["disposition"] for row in rows).items())),
        "removed_stale": removed,
    }
    log.info("analysis: %s", summary)
    return summary


def _add(group: _Group, record: dict[str, Any]) -> None:
    signal = record["signal_id"]
    group.signals.add(signal)
    group.records += 1
    group.by_channel[record["channel"]].add(signal)
    group.evidence.add(record["risk_info_id"])
    if record["strong"]:
        group.strong.add(signal)
    if not record["resolved_complaint"]:
        group.unresolved.add(signal)
    if record["injured"]:
        group.injured.add(signal)
    if record["died"]:
        group.died.add(signal)
    for scope in record["scopes"]:
        if scope.startswith("region:"):
            group.regions.add(scope.removeprefix("region:"))
        elif scope.startswith("platform:"):
            group.platforms.add(scope.removeprefix("platform:"))
    for name in record["manufacturers"]:
        group.manufacturers.setdefault(_match_key(name), name)
    for name in record["shops"]:
        group.shops.setdefault(_match_key(name), name)
    group.populations.update(record["populations"])


def metrics_of(key: tuple[str, str, str], group: _Group, previous_signals: int) -> dict[str, Any]:
    """The numbers and codes rules read (names documented in config/disposition_rules.yaml)."""
    category, hazard, scope = key
    current = len(group.signals)
    return {
        "category_code": category,
        "hazard_code": hazard,
        "scope_kind": scope.split(":", 1)[0] if scope != NATIONAL else NATIONAL,
        "signal_count": current,
        "record_count": group.records,
        "previous_signal_count": previous_signals,
        "trend": (current - previous_signals) / max(previous_signals, 1),
        "channel_count": sum(1 for ids in group.by_channel.values() if ids),
        "strong_signal_count": len(group.strong),
        "weak_signal_count": current - len(group.strong),
        "region_count": len(group.regions),
        "platform_count": len(group.platforms),
        "manufacturer_count": len(group.manufacturers),
        "shop_count": len(group.shops),
        "firm_count": len(group.manufacturers.keys() | group.shops.keys()),
        "special_population_count": len(group.populations),
        "injury_signal_count": len(group.injured),
        "death_signal_count": len(group.died),
        "unresolved_signal_count": len(group.unresolved),
    }


def _result(
    period: AnalysisPeriod,
    key: tuple[str, str, str],
    group: _Group,
    previous_signals: int,
    rules: AnalysisRules,
    decided_at: dt.datetime,
) -> dict[str, Any]:
    category, hazard, scope = key
    metrics = metrics_of(key, group, previous_signals)
    degree_rule, degree_evidence = first_match(rules.hazard_degree.rules, metrics)
    degree = degree_rule.degree if degree_rule else rules.hazard_degree.default
    metrics["hazard_degree"] = degree
    metrics["hazard_degree_rank"] = HAZARD_DEGREES.index(degree) + 1
    rule, evidence = first_match(rules.dispositions.rules, metrics)
    disposition = rule.disposition if rule else rules.dispositions.default.disposition
    by_channel = {channel: len(group.by_channel.get(channel, ())) for channel in CHANNELS}
    rationale = " ".join(
        [
            f"5.3.2 {disposition}:",
            f"rule {rule.id} ({rule.description}) — {'; '.join(evidence)}."
            if rule
            else f"default ({rules.dispositions.default.description}).",
            f"Hazard degree {degree}:",
            f"rule {degree_rule.id} — {'; '.join(degree_evidence)}." if degree_rule else "default.",
            f"Signals {metrics['signal_count']} from {metrics['record_count']} record(s)",
            f"({', '.join(f'{c}={n}' for c, n in by_channel.items())});",
            f"previous period {previous_signals}, trend {metrics['trend']:+.2f};",
            f"regions {metrics['region_count']}, platforms {metrics['platform_count']},",
            f"manufacturers {metrics['manufacturer_count']}, shops {metrics['shop_count']}.",
        ]
    )
    return {
        "analysis_id": analysis_id(period, category, hazard, scope),
        "period_start": period.start,
        "period_end": period.end,
        "category_code": category,
        "hazard_code": hazard,
        "scope": scope,
        "hazard_degree": degree,
        "signal_count": metrics["signal_count"],
        "signals_by_channel": by_channel,
        "trend": round(metrics["trend"], 6),
        "regions": sorted(group.regions),
        "platforms": sorted(group.platforms),
        "special_populations": sorted(group.populations),
        "disposition": disposition,
        "rationale": rationale,
        "evidence_ids": sorted(group.evidence),
        "decided_at": decided_at,
    }


def _delete_stale(conn: Any, period: AnalysisPeriod, keep: set[str]) -> int:
    table = AnalysisResult.__table__
    same_period = (table.c.period_start == period.start) & (table.c.period_end == period.end)
    stale = set(conn.execute(select(table.c.analysis_id).where(same_period)).scalars()) - keep
    if not stale:
        return 0
    schemes = MonitoringScheme.__table__
    referenced = set(conn.execute(select(schemes.c.analysis_id).where(schemes.c.analysis_id.in_(stale))).scalars())
    if referenced:
        log.warning("keeping %d stale analysis result(s) that monitoring schemes reference", len(referenced))
    removable = sorted(stale - referenced)
    if removable:
        conn.execute(delete(table).where(table.c.analysis_id.in_(removable)))
    return len(removable)


def _match_key(name: str) -> str:
    return " ".join(name.casefold().split())


def _as_utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
