"""Shared types and helpers for source mappers."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

SPECIAL_POPULATION_COLUMNS = {
    "infants": "for_infants",
    "children": "for_children",
    "pregnant": "for_pregnant",
    "elderly": "for_elderly",
    "patients": "for_patients",
}


class MappingError(ValueError):
    """A record that cannot be mapped; the message names the document, record and field."""


@dataclass
class MappedRecord:
    risk: dict[str, Any]
    products: list[dict[str, Any]] = field(default_factory=list)
    parties: list[dict[str, Any]] = field(default_factory=list)
    facts: list[dict[str, Any]] = field(default_factory=list)
    identifiers: list[dict[str, Any]] = field(default_factory=list)


Mapper = Callable[[dict[str, Any]], MappedRecord]


def risk_info_id(source: str, record_key: str) -> str:
    return hashlib.sha256(f"{source}\x1f{record_key}".encode()).hexdigest()


def clean_text(value: Any) -> str | None:
    """Strip whitespace and non-breaking spaces; empty strings become None."""
    if value is None:
        return None
    text = str(value).replace("\xa0", " ").replace("&nbsp;", " ").strip()
    return text or None


def iso_date(value: Any, *, field_name: str, record: str) -> dt.date | None:
    """ISO date or datetime text (``2026-07-23T00:00:00``) → date; garbage raises MappingError."""
    text = clean_text(value)
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError as exc:
        raise MappingError(f"{record}: field {field_name}: not an ISO date: {text!r}") from exc


def first(values: list[str | None]) -> str | None:
    return next((v for v in values if v), None)


def join_unique(values: list[str | None], sep: str = "; ") -> str | None:
    seen: list[str] = []
    for value in values:
        if value and value not in seen:
            seen.append(value)
    return sep.join(seen) or None


def complete_risk_row(risk: dict[str, Any]) -> dict[str, Any]:
    """Every ``stg_risk_information`` column present, so rows of different sources batch together.

    A multi-row INSERT needs the same keys in every row; columns a mapper does not fill get their
    neutral value (None, False for flags, {} for attributes).
    """
    from sql.models import RiskInformation

    defaults: dict[str, Any] = dict.fromkeys(RiskInformation.__table__.columns.keys())
    defaults.update(dict.fromkeys(SPECIAL_POPULATION_COLUMNS.values(), False))
    defaults.update(needs_review=False, attributes={})
    unknown = set(risk) - set(defaults)
    if unknown:
        raise MappingError(f"not stg_risk_information columns: {sorted(unknown)}")
    return {**defaults, **{k: v for k, v in risk.items() if v is not None or k not in defaults or defaults[k] is None}}
