"""Analysis and disposition rules from ``config/disposition_rules.yaml``, validated on load (5.3.1, 5.3.2).

The file is the documentation of how decisions are made: which metrics a rule reads, in which order rules
are tried, what happens when none fires. This module checks it (unknown keys, metrics, codes, regexes and
duplicate rule ids are refused with the file named) and evaluates it: :func:`first_match` returns the rule
that fired together with the numbers it read, which become the stored rationale.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ecmon.settings import PROJECT_ROOT

DEFAULT_RULES_FILE = PROJECT_ROOT / "config" / "disposition_rules.yaml"

HAZARD_DEGREES = ("low", "medium", "high", "severe")  # mart_analysis_result.hazard_degree, in rank order
SCOPE_KINDS = ("national", "region", "platform")  # 5.3.1 scope concerned
NUMERIC_METRICS = frozenset(
    {
        "signal_count",
        "record_count",
        "previous_signal_count",
        "trend",
        "channel_count",
        "strong_signal_count",
        "weak_signal_count",
        "region_count",
        "platform_count",
        "manufacturer_count",
        "shop_count",
        "firm_count",
        "special_population_count",
        "injury_signal_count",
        "death_signal_count",
        "unresolved_signal_count",
        "hazard_degree_rank",
    }
)
CODE_METRICS = frozenset({"category_code", "hazard_code", "scope_kind", "hazard_degree"})
# Metrics that do not exist yet while the hazard degree itself is being decided.
_DEGREE_METRICS = frozenset({"hazard_degree", "hazard_degree_rank"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Condition(_Strict):
    metric: str
    min: float | None = None
    max: float | None = None
    in_: tuple[str, ...] | None = Field(default=None, alias="in")

    @model_validator(mode="after")
    def _check(self) -> Condition:
        if self.metric in NUMERIC_METRICS:
            if self.in_ is not None or (self.min is None and self.max is None):
                raise ValueError(f"numeric metric {self.metric!r} takes min and/or max")
        elif self.metric in CODE_METRICS:
            if self.in_ is None or self.min is not None or self.max is not None:
                raise ValueError(f"code metric {self.metric!r} takes `in: [...]`")
        else:
            known = sorted(NUMERIC_METRICS | CODE_METRICS)
            raise ValueError(f"unknown metric {self.metric!r}; known: {known}")
        return self

    def holds(self, metrics: Mapping[str, Any]) -> tuple[bool, str]:
        """Whether the condition holds, and the evidence as text (``region_count=3 ≥ 2``)."""
        value = metrics[self.metric]
        shown = _show(value)
        if self.in_ is not None:
            return value in self.in_, f"{self.metric}={shown} in [{', '.join(self.in_)}]"
        if value is None:  # e.g. no trend: a threshold on it cannot be met
            return False, f"{self.metric}=n/a"
        parts, ok = [], True
        if self.min is not None:
            ok &= value >= self.min
            parts.append(f"≥ {_show(self.min)}")
        if self.max is not None:
            ok &= value <= self.max
            parts.append(f"≤ {_show(self.max)}")
        return ok, f"{self.metric}={shown} {' and '.join(parts)}"


class _Rule(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    description: str = ""
    all: tuple[Condition, ...] = ()
    any: tuple[Condition, ...] = ()

    @model_validator(mode="after")
    def _has_conditions(self) -> _Rule:
        if not self.all and not self.any:
            raise ValueError(f"rule {self.id!r} has no conditions")
        return self

    def fires(self, metrics: Mapping[str, Any]) -> tuple[bool, list[str]]:
        """Whether the rule fires, with the conditions that made it fire."""
        evidence: list[str] = []
        for condition in self.all:
            ok, text = condition.holds(metrics)
            if not ok:
                return False, []
            evidence.append(text)
        if self.any:
            met = [text for ok, text in (c.holds(metrics) for c in self.any) if ok]
            if not met:
                return False, []
            evidence.extend(met)
        return True, evidence


class DegreeRule(_Rule):
    degree: Literal["low", "medium", "high", "severe"]

    @field_validator("all", "any")
    @classmethod
    def _no_degree_metrics(cls, conditions: tuple[Condition, ...]) -> tuple[Condition, ...]:
        for condition in conditions:
            if condition.metric in _DEGREE_METRICS:
                raise ValueError(f"a hazard-degree rule cannot read {condition.metric!r}")
        return conditions


class DispositionRule(_Rule):
    disposition: Literal["a", "b", "c"]


class DefaultDisposition(_Strict):
    disposition: Literal["a", "b", "c"]
    description: str


class PeriodConfig(_Strict):
    window_days: int = Field(default=90, ge=1, le=3660)
    product_level: Literal["top", "subcategory"] = "top"


class ResolvedComplaints(_Strict):
    attribute_keys: tuple[str, ...] = ()
    values: tuple[str, ...] = ()


class InjuryEvidence(_Strict):
    columns: tuple[str, ...] = ("injuries",)
    death_patterns: tuple[str, ...] = ()
    injury_patterns: tuple[str, ...] = ()
    negation_patterns: tuple[str, ...] = ()

    @field_validator("death_patterns", "injury_patterns", "negation_patterns")
    @classmethod
    def _compiles(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"bad regular expression {pattern!r}: {exc}") from exc
        return patterns

    @field_validator("columns")
    @classmethod
    def _known_columns(cls, columns: tuple[str, ...]) -> tuple[str, ...]:
        from sql.models import RiskInformation

        unknown = [c for c in columns if c not in RiskInformation.__table__.c]
        if unknown:
            raise ValueError(f"not columns of stg_risk_information: {unknown}")
        return columns


class SignalsConfig(_Strict):
    weak_channels: tuple[Literal["a", "b", "c", "d", "e"], ...] = ("a", "d")
    resolved_complaints: ResolvedComplaints = ResolvedComplaints()
    injury_evidence: InjuryEvidence = InjuryEvidence()


class DegreeConfig(_Strict):
    rules: tuple[DegreeRule, ...]
    default: Literal["low", "medium", "high", "severe"] = "low"


class DispositionConfig(_Strict):
    rules: tuple[DispositionRule, ...]
    default: DefaultDisposition


class NotificationConfig(_Strict):
    regional_authority_suffix: str = "市场监督管理局"
    national_authority: str = "国家市场监督管理总局"


class AnalysisRules(_Strict):
    period: PeriodConfig = PeriodConfig()
    signals: SignalsConfig = SignalsConfig()
    hazard_degree: DegreeConfig
    dispositions: DispositionConfig
    notifications: NotificationConfig = NotificationConfig()

    @model_validator(mode="after")
    def _unique_rule_ids(self) -> AnalysisRules:
        ids = [r.id for r in (*self.hazard_degree.rules, *self.dispositions.rules)]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"rule ids must be unique; repeated: {duplicates}")
        for rule in (*self.hazard_degree.rules, *self.dispositions.rules):
            for condition in (*rule.all, *rule.any):
                _check_codes(rule.id, condition)
        return self


def _check_codes(rule_id: str, condition: Condition) -> None:
    from transforms.taxonomy import top_level

    values = condition.in_ or ()
    if condition.metric == "hazard_degree":
        allowed: set[str] | None = set(HAZARD_DEGREES)
    elif condition.metric == "scope_kind":
        allowed = set(SCOPE_KINDS)
    else:
        allowed = None
        for code in values:  # category_code / hazard_code: must be taxonomy codes
            try:
                top_level(code)
            except ValueError:
                raise ValueError(f"rule {rule_id!r}: {condition.metric} {code!r} is not a taxonomy code") from None
    if allowed is not None and not set(values) <= allowed:
        raise ValueError(f"rule {rule_id!r}: {condition.metric} takes values from {sorted(allowed)}")


def load_analysis_rules(path: Path | None = None) -> AnalysisRules:
    """Read and validate the rules file; raise ``ValueError`` naming the file on any problem."""
    import yaml

    path = path or DEFAULT_RULES_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return AnalysisRules.model_validate(data)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ValueError(f"{path}: invalid analysis rules: {exc}") from exc


def first_match(rules: Sequence[_Rule], metrics: Mapping[str, Any]) -> tuple[_Rule | None, list[str]]:
    """The first rule that fires and its evidence, or ``(None, [])``."""
    for rule in rules:
        fired, evidence = rule.fires(metrics)
        if fired:
            return rule, evidence
    return None, []


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    return str(value)
