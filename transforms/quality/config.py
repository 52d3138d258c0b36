"""Gate thresholds from ``config/quality.yaml``, validated on load (5.2.1).

Thresholds are data under version control, not constants: an operator tightens a gate by editing the
YAML file, and a typo (unknown key, share above 1) stops the run with the file and field named.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ecmon.settings import PROJECT_ROOT

DEFAULT_QUALITY_CONFIG = PROJECT_ROOT / "config" / "quality.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TableThresholds(_Strict):
    max_failing_share: float = Field(ge=0.0, le=1.0)


class PublishedDateRange(_Strict):
    earliest: dt.date = dt.date(1900, 1, 1)
    future_tolerance_days: int = Field(default=1, ge=0, le=30)


class FreshnessConfig(_Strict):
    fail_on_stale_sources: bool = False
    target_hours: dict[str, int] = Field(default_factory=dict, description="Per-source override of the target.")


class DataDocsConfig(_Strict):
    enabled: bool = True


class QualityConfig(_Strict):
    max_failing_share: float = Field(default=0.05, ge=0.0, le=1.0)
    tables: dict[str, TableThresholds] = Field(default_factory=dict)
    published_date: PublishedDateRange = PublishedDateRange()
    freshness: FreshnessConfig = FreshnessConfig()
    data_docs: DataDocsConfig = DataDocsConfig()

    def max_failing_share_for(self, table: str) -> float:
        override = self.tables.get(table)
        return override.max_failing_share if override else self.max_failing_share


def load_quality_config(path: Path | None = None) -> QualityConfig:
    """Read and validate the gate configuration; raise ``ValueError`` naming the file on any problem."""
    import yaml

    path = path or DEFAULT_QUALITY_CONFIG
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return QualityConfig.model_validate(data)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ValueError(f"{path}: invalid quality-gate configuration: {exc}") from exc
