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
import functools
import hashlib
import logging
from collections import Counter
from dataclasses import dataclass
from itertools import chain
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select

from ecmon.db import bulk_upsert, get_engine
from sql.models import CHANNELS, AnalysisResult, MonitoringScheme
from transforms.analysis.rules import HAZARD_DEGREES, AnalysisRules, first_match, load_analysis_rules
from transforms.analysis.signals import NATIONAL, AnalysisPeriod, analysis_period, load_signals, paused_gc

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

log = logging.getLogger(__name__)

REGION_PREFIX, PLATFORM_PREFIX = "region:", "platform:"  # scope kinds (signals.scopes_of)


@dataclass(frozen=True)
class _Group:
    """Everything one result is computed from: counts of distinct signal ids unless named otherwise."""

    signals: int
    records: int  # records (not signals) in the group
    by_channel: dict[Any, int]  # channel → signals reported through it (channels without any left out)
    strong: int
    unresolved: int
    injured: int
    died: int
    regions: list[str]  # sorted, distinct
    platforms: list[str]
    manufacturers: int  # distinct match keys (case and spacing ignored)
    shops: int
    firms: int  # distinct match keys over manufacturers and shops together
    populations: list[str]
    evidence: list[str]  # risk_info_ids


def analysis_id(period: AnalysisPeriod, category_code: str, hazard_code: str, scope: str) -> str:
    key = "\x1f".join((period.start.isoformat(), period.end.isoformat(), category_code, hazard_code, scope))
    return hashlib.sha256(key.encode()).hexdigest()


def build_results(
    signals: pd.DataFrame, period: AnalysisPeriod, rules: AnalysisRules, decided_at: dt.datetime
) -> list[dict[str, Any]]:
    """Analysis results for ``period`` from the signal frame of :func:`load_signals` (pure: no I/O)."""
    with paused_gc():
        groups = _groups(signals)
        rows = [_result(period, key, group, previous, rules, decided_at) for key, group, previous in groups]
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
    with engine.begin() as conn:
        removed = store_results(conn, period, rows)
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


def store_results(conn: Any, period: AnalysisPeriod, rows: list[dict[str, Any]]) -> int:
    """Upsert ``rows`` of ``period`` and delete the period's stale results, in the caller's transaction.

    Returns how many stale results were deleted.
    """
    # The engine's bulk path (executemany / COPY): a multi-row INSERT … VALUES statement with every result's
    # evidence ids took SQLAlchemy longer to compile than the database took to write it.
    bulk_upsert(conn, AnalysisResult.__table__, rows, ["analysis_id"])
    return _delete_stale(conn, period, {row["analysis_id"] for row in rows})


def _groups(signals: pd.DataFrame) -> list[tuple[tuple[str, str, str], _Group, int]]:
    """Every product × hazard × scope with a record in the current period: its facts and previous signal count.

    Vectorised: each record is repeated once per scope it concerns (a "pair"), strings become integer codes,
    a group's distinct signals are its distinct (group, signal) pairs, and what its records carry (regions,
    firms, evidence ids …) is joined onto the pairs by record number.
    """
    import numpy as np
    import pandas as pd

    if signals.empty:
        return []
    scope_lists = signals["scopes"].tolist()
    pair_record = _repeat_index(scope_lists)
    pair_scope, scopes = _factorize(list(chain.from_iterable(scope_lists)))
    product, products = _factorize(signals["product_code"])
    hazard, hazards = _factorize(signals["hazard"])
    combined = (product[pair_record] * len(hazards) + hazard[pair_record]) * len(scopes) + pair_scope
    pair_group, combined_keys = pd.factorize(combined)
    product_of, rest = np.divmod(combined_keys, len(hazards) * len(scopes))
    hazard_of, scope_of = np.divmod(rest, len(scopes))
    keys = list(zip(products[product_of].tolist(), hazards[hazard_of].tolist(), scopes[scope_of].tolist(), strict=True))
    size = len(keys)

    signal, _ = _factorize(signals["signal_id"])
    in_current = signals["in_current"].to_numpy(dtype=bool)[pair_record]
    earlier = ~in_current
    previous_counts = _DistinctSignals(pair_group[earlier], signal[pair_record[earlier]], size).count()

    group, record = pair_group[in_current], pair_record[in_current]  # current pairs only from here on
    distinct = _DistinctSignals(group, signal[record], size)

    def flagged(column: str) -> np.ndarray:
        return distinct.count(signals[column].to_numpy(dtype=bool)[record])

    channel, channels = _factorize(signals["channel"])
    by_channel = {name: distinct.count(channel[record] == code) for code, name in enumerate(channels.tolist())}
    counts = {
        "signals": distinct.count(),
        "records": np.bincount(group, minlength=size),
        "strong": flagged("strong"),
        "unresolved": distinct.count(~signals["resolved_complaint"].to_numpy(dtype=bool)[record]),
        "injured": flagged("injured"),
        "died": flagged("died"),
    }

    def values(value_record: np.ndarray, codes: np.ndarray, uniques: np.ndarray) -> _GroupValues:
        return _GroupValues(group, record, value_record, codes, uniques, size)

    def values_of_lists(lists: list[list[Any]]) -> _GroupValues:
        return values(_repeat_index(lists), *_factorize(list(chain.from_iterable(lists))))

    # Regions and platforms come from all the scopes of a group's records: a national result lists every region.
    scope_names = scopes.tolist()
    is_region = np.array([name.startswith(REGION_PREFIX) for name in scope_names], dtype=bool)
    is_platform = ~is_region & np.array([name.startswith(PLATFORM_PREFIX) for name in scope_names], dtype=bool)
    bare_scopes = np.array(
        [
            name.removeprefix(REGION_PREFIX if region else PLATFORM_PREFIX)
            for name, region in zip(scope_names, is_region.tolist(), strict=True)
        ],
        dtype=object,
    )
    regions = values(pair_record[is_region[pair_scope]], pair_scope[is_region[pair_scope]], bare_scopes)
    platforms = values(pair_record[is_platform[pair_scope]], pair_scope[is_platform[pair_scope]], bare_scopes)
    match_keys = functools.cache(lambda names: tuple(_match_key(name) for name in names))
    manufacturer_keys = [match_keys(tuple(names)) for names in signals["manufacturers"].tolist()]
    shop_keys = [match_keys(tuple(names)) for names in signals["shops"].tolist()]
    # One code space for both kinds of firm: the same name as manufacturer and as shop is one firm.
    firm_codes, firm_keys = _factorize(list(chain(chain.from_iterable(manufacturer_keys), *shop_keys)))
    manufacturer_records, shop_records = _repeat_index(manufacturer_keys), _repeat_index(shop_keys)
    manufacturer_codes, shop_codes = np.split(firm_codes, [len(manufacturer_records)])
    manufacturers = values(manufacturer_records, manufacturer_codes, firm_keys)
    shops = values(shop_records, shop_codes, firm_keys)
    firms = values(np.concatenate([manufacturer_records, shop_records]), firm_codes, firm_keys)
    populations = values_of_lists(signals["populations"].tolist())
    evidence = values(np.arange(len(signals)), *_factorize(signals["risk_info_id"]))

    result = []
    for index in np.flatnonzero(counts["records"]).tolist():
        facts = _Group(
            **{name: int(numbers[index]) for name, numbers in counts.items()},
            by_channel={name: int(numbers[index]) for name, numbers in by_channel.items() if numbers[index]},
            regions=regions.sorted(index),
            platforms=platforms.sorted(index),
            manufacturers=manufacturers.count(index),
            shops=shops.count(index),
            firms=firms.count(index),
            populations=populations.sorted(index),
            evidence=evidence.sorted(index),
        )
        result.append((keys[index], facts, int(previous_counts[index])))
    return result


class _DistinctSignals:
    """The distinct (group, signal) pairs among (group, signal) rows, counted per group under a row filter."""

    def __init__(self, group: np.ndarray, signal: np.ndarray, size: int) -> None:
        import numpy as np

        width = int(signal.max()) + 1 if len(signal) else 1
        distinct, self.distinct_of_row = np.unique(group.astype(np.int64) * width + signal, return_inverse=True)
        self.group_of_distinct = distinct // width
        self.size = size

    def count(self, rows: np.ndarray | None = None) -> np.ndarray:
        """Per group: distinct signals (among ``rows`` only, a boolean mask, when given)."""
        import numpy as np

        if rows is None:
            return np.bincount(self.group_of_distinct, minlength=self.size)
        hit = np.zeros(len(self.group_of_distinct), dtype=bool)
        hit[self.distinct_of_row[rows]] = True  # a signal counts when any of its rows passes
        return np.bincount(self.group_of_distinct[hit], minlength=self.size)


class _GroupValues:
    """The distinct values a group's records carry (regions, firm keys, evidence ids …), by group index."""

    def __init__(
        self,
        group: np.ndarray,
        record: np.ndarray,
        value_record: np.ndarray,
        codes: np.ndarray,
        uniques: np.ndarray,
        size: int,
    ) -> None:
        """``group``/``record``: one row per (group, record); ``value_record``/``codes``: per (record, value)."""
        import numpy as np

        self.uniques = uniques
        # Join by record number: each (group, record) row repeated once per value of that record.
        order = np.argsort(value_record, kind="stable")
        value_record, codes = value_record[order], codes[order]
        starts = np.searchsorted(value_record, record, side="left")
        repeats = np.searchsorted(value_record, record, side="right") - starts
        joined_group = np.repeat(group, repeats)
        offsets = np.arange(int(repeats.sum())) - np.repeat(np.cumsum(repeats) - repeats, repeats)
        joined_codes = codes[np.repeat(starts, repeats) + offsets]
        width = len(uniques) or 1
        distinct = _sorted_unique(joined_group.astype(np.int64) * width + joined_codes)
        self.groups, self.codes = np.divmod(distinct, width)
        self.bounds = np.searchsorted(self.groups, np.arange(size + 1))

    def count(self, index: int) -> int:
        return int(self.bounds[index + 1] - self.bounds[index])

    def sorted(self, index: int) -> list[Any]:
        return sorted(self.uniques[self.codes[self.bounds[index] : self.bounds[index + 1]]].tolist())


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique`` for integers, by sorting (faster here than its hash table)."""
    import numpy as np

    ordered = np.sort(values)
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))] if len(ordered) else ordered


def _repeat_index(lists: list[list[Any]]) -> np.ndarray:
    """``[0, 0, 1, 2, 2, 2 …]``: each list's position repeated once per item."""
    import numpy as np

    lengths = np.fromiter(map(len, lists), dtype=np.intp, count=len(lists))
    return np.repeat(np.arange(len(lists)), lengths)


def _factorize(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes and the distinct values (``None`` is a value like any other, as in a Python set)."""
    import numpy as np
    import pandas as pd

    array = values.to_numpy(dtype=object) if isinstance(values, pd.Series) else np.array(values, dtype=object)
    codes, uniques = pd.factorize(array, use_na_sentinel=False)
    return codes.astype(np.intp), np.asarray(uniques, dtype=object)


def metrics_of(key: tuple[str, str, str], group: _Group, previous_signals: int) -> dict[str, Any]:
    """The numbers and codes rules read (names documented in config/disposition_rules.yaml)."""
    category, hazard, scope = key
    current = group.signals
    return {
        "category_code": category,
        "hazard_code": hazard,
        "scope_kind": scope.split(":", 1)[0] if scope != NATIONAL else NATIONAL,
        "signal_count": current,
        "record_count": group.records,
        "previous_signal_count": previous_signals,
        "trend": (current - previous_signals) / max(previous_signals, 1),
        "channel_count": len(group.by_channel),
        "strong_signal_count": group.strong,
        "weak_signal_count": current - group.strong,
        "region_count": len(group.regions),
        "platform_count": len(group.platforms),
        "manufacturer_count": group.manufacturers,
        "shop_count": group.shops,
        "firm_count": group.firms,
        "special_population_count": len(group.populations),
        "injury_signal_count": group.injured,
        "death_signal_count": group.died,
        "unresolved_signal_count": group.unresolved,
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
    by_channel = {channel: group.by_channel.get(channel, 0) for channel in CHANNELS}
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
        "regions": group.regions,
        "platforms": group.platforms,
        "special_populations": group.populations,
        "disposition": disposition,
        "rationale": rationale,
        "evidence_ids": group.evidence,
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
