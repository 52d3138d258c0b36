"""Notifications for results disposed under 5.3.2 b ("notify the relevant authority or enterprise").

One CSV per recipient and period: ``<data_dir>/notifications/<period_end>/<recipient-slug>.csv``, UTF-8
with BOM (opens correctly in Excel), one row per analysis result, sorted by ``analysis_id``. A rerun
rewrites the period's folder: files of recipients no longer notified are removed.

Recipient of a (b) result, by scope:

- ``region:<code>`` → the region's market regulator (``<division name><regional_authority_suffix>``, e.g.
  深圳市市场监督管理局; districts are prefixed with their municipality: 上海市浦东新区市场监督管理局);
- ``platform:<name>`` → each shop named by the evidence, else the platform itself;
- ``national`` → each manufacturer named, else each shop, else the national regulator.

Names come from the config file's ``notifications`` section. Columns (stable, in this order; lists joined
by ``|``): recipient, recipient_type (authority / manufacturer / shop / platform), analysis_id,
period_start, period_end, category_code, category_name, hazard_code, hazard_name, scope, hazard_degree,
signal_count, signals_by_channel (JSON of 5.2.2 a–e), trend, regions, platforms, special_populations,
rationale, evidence_ids (risk_info_ids), evidence_urls.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ecmon.db import get_engine
from sql.models import AnalysisResult, RiskInformation
from transforms.analysis.rules import AnalysisRules, NotificationConfig, load_analysis_rules
from transforms.analysis.signals import split_firms

NOTIFICATION_COLUMNS = (
    "recipient",  # who is notified
    "recipient_type",  # authority, manufacturer, shop or platform
    "analysis_id",  # mart_analysis_result key
    "period_start",  # ISO dates of the analysis period
    "period_end",
    "category_code",  # 5.3.1 product kind, and its Chinese name
    "category_name",
    "hazard_code",  # 5.3.1 hazard item, and its Chinese name
    "hazard_name",
    "scope",  # 5.3.1 scope concerned
    "hazard_degree",  # 5.3.1 hazard degree
    "signal_count",
    "signals_by_channel",  # JSON, 5.2.2 a–e
    "trend",
    "regions",
    "platforms",
    "special_populations",  # 5.1.2 b
    "rationale",  # the rule that decided 5.3.2 b, with its numbers
    "evidence_ids",  # risk_info_ids
    "evidence_urls",  # source links of the evidence
)

_SLUG_UNSAFE = re.compile(r"[^\w]+", re.UNICODE)
_SLUG_LENGTH = 60


def write_notifications(
    period_start: str,
    period_end: str,
    *,
    url: str | None = None,
    data_dir: Path | None = None,
    rules: AnalysisRules | None = None,
) -> list[str]:
    """Write the (b) notifications of one analysis period; return the CSV paths written, sorted."""
    import datetime as dt

    from ecmon.settings import get_settings

    rules = rules or load_analysis_rules()
    start, end = dt.date.fromisoformat(period_start), dt.date.fromisoformat(period_end)
    results_table, risk = AnalysisResult.__table__, RiskInformation.__table__
    with get_engine(url).connect() as conn:
        results = [
            dict(row)
            for row in conn.execute(
                select(results_table)
                .where(
                    results_table.c.period_start == start,
                    results_table.c.period_end == end,
                    results_table.c.disposition == "b",
                )
                .order_by(results_table.c.analysis_id)
            ).mappings()
        ]
        evidence_ids = sorted({i for result in results for i in result["evidence_ids"]})
        evidence: dict[str, dict[str, Any]] = {}
        for chunk_start in range(0, len(evidence_ids), 500):
            chunk = evidence_ids[chunk_start : chunk_start + 500]
            query = select(risk.c.risk_info_id, risk.c.manufacturer, risk.c.shop, risk.c.source_url).where(
                risk.c.risk_info_id.in_(chunk)
            )
            evidence.update({row.risk_info_id: row._asdict() for row in conn.execute(query)})

    names = _code_names()
    by_recipient: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for result in results:
        rows = [evidence[i] for i in result["evidence_ids"] if i in evidence]
        for recipient, recipient_type, slug in recipients(result["scope"], rows, rules.notifications):
            by_recipient[slug].append(_csv_row(recipient, recipient_type, result, rows, names))

    folder = (data_dir or get_settings().data_dir) / "notifications" / end.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for slug, rows in sorted(by_recipient.items()):
        path = folder / f"{slug}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=NOTIFICATION_COLUMNS)
            writer.writeheader()
            writer.writerows(sorted(rows, key=lambda r: (r["analysis_id"], r["recipient"])))
        written.append(str(path))
    for stale in sorted(set(folder.glob("*.csv")) - {Path(p) for p in written}):
        stale.unlink()
    return written


def recipients(scope: str, evidence: list[dict[str, Any]], config: NotificationConfig) -> list[tuple[str, str, str]]:
    """``(recipient, recipient_type, file slug)`` for one (b) result, per the rules in the module docstring."""
    if scope.startswith("region:"):
        code = scope.removeprefix("region:")
        name = authority_name(code, config.regional_authority_suffix)
        return [(name, "authority", slugify(f"authority-{code}-{name}"))]
    manufacturers = _distinct(name for row in evidence for name in split_firms(row.get("manufacturer")))
    shops = _distinct(name for row in evidence for name in split_firms(row.get("shop")))
    if scope.startswith("platform:"):
        if shops:
            return [(s, "shop", slugify(f"shop-{s}")) for s in shops]
        platform = scope.removeprefix("platform:")
        return [(platform, "platform", slugify(f"platform-{platform}"))]
    if manufacturers:
        return [(m, "manufacturer", slugify(f"manufacturer-{m}")) for m in manufacturers]
    if shops:
        return [(s, "shop", slugify(f"shop-{s}")) for s in shops]
    return [(config.national_authority, "authority", slugify(f"authority-national-{config.national_authority}"))]


def authority_name(region_code: str, suffix: str) -> str:
    """Market regulator of a GB/T 2260 division; unknown codes keep the code so nothing is lost."""
    from transforms.normalise.regions import region_name

    name = region_name(region_code)
    if name is None:
        return f"{region_code} {suffix}"
    if not region_code.endswith("00"):  # a district: name it with its municipality or city
        parent = region_name(region_code[:4] + "00") or region_name(region_code[:2] + "0000") or ""
        name = parent + name
    return name + suffix


def slugify(text: str) -> str:
    """File-safe, readable slug: word characters (CJK included) kept, the rest become ``-``.

    Long names are cut and suffixed with 8 hex digits of their sha256 so two long names stay apart.
    """
    slug = _SLUG_UNSAFE.sub("-", text.casefold()).strip("-_") or "recipient"
    if len(slug) <= _SLUG_LENGTH:
        return slug
    return f"{slug[: _SLUG_LENGTH - 9].rstrip('-')}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"


def _csv_row(
    recipient: str,
    recipient_type: str,
    result: dict[str, Any],
    evidence: list[dict[str, Any]],
    names: dict[str, str],
) -> dict[str, Any]:
    return {
        "recipient": recipient,
        "recipient_type": recipient_type,
        "analysis_id": result["analysis_id"],
        "period_start": result["period_start"].isoformat(),
        "period_end": result["period_end"].isoformat(),
        "category_code": result["category_code"],
        "category_name": names.get(result["category_code"], ""),
        "hazard_code": result["hazard_code"],
        "hazard_name": names.get(f"hazard:{result['hazard_code']}", ""),
        "scope": result["scope"],
        "hazard_degree": result["hazard_degree"],
        "signal_count": result["signal_count"],
        "signals_by_channel": json.dumps(result["signals_by_channel"], sort_keys=True),
        "trend": "" if result["trend"] is None else f"{result['trend']:.2f}",
        "regions": "|".join(result["regions"]),
        "platforms": "|".join(result["platforms"]),
        "special_populations": "|".join(result["special_populations"]),
        "rationale": result["rationale"],
        "evidence_ids": "|".join(result["evidence_ids"]),
        "evidence_urls": "|".join(sorted({row["source_url"] for row in evidence if row.get("source_url")})),
    }


def _code_names() -> dict[str, str]:
    from transforms import taxonomy

    products = taxonomy.load_product_kinds()
    hazards = taxonomy.load_hazards()
    names = dict(zip(products["code"], products["name_zh"], strict=True))
    names.update({f"hazard:{c}": n for c, n in zip(hazards["code"], hazards["name_zh"], strict=True)})
    return names


def _distinct(names: Any) -> list[str]:
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(" ".join(name.casefold().split()), name)
    return sorted(seen.values())
