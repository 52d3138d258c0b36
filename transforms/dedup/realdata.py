"""Load the three real CPSC sources as one list of raw records plus the hidden ground truth.

Used by ``ecmon dedup-evaluate`` and the real-data tests. Files (see ``shared/realdata/PROVENANCE.md``):

* ``cpsc_recall_api_json/*.json``: saferproducts.gov Recalls REST API records (PascalCase, nested)
* ``cpsc_recalls_csv_export/*.csv``: the cpsc.gov "download CSV" export (UTF-8 BOM, multi-line cells)
* ``usa_gov_recalls_api_cpsc/*.json``: usa.gov recalls API responses, one file per product category

The CPSC recall number ("94-096" in the CSV, "94096" elsewhere) identifies the event. It is moved out of each
record into ``truth`` (digits only) together with the URL fields, whose slugs can embed it; the records handed to
the matcher keep every other field as the source had it.
"""

from __future__ import annotations

import csv
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

API_DIR = "cpsc_recall_api_json"
CSV_DIR = "cpsc_recalls_csv_export"
USA_GOV_DIR = "usa_gov_recalls_api_cpsc"

_HIDDEN_FIELDS = ("RecallNumber", "Recall Number", "recall_number", "URL", "recall_url")


@dataclass(frozen=True, slots=True)
class LabelledRecords:
    records: list[dict[str, object]]  # each has an "id" and no recall number / URL
    truth: dict[str, str]  # record id → recall number (digits only)


def default_realdata_dir() -> Path:
    """``$ECMON_REALDATA_DIR``, else ``shared/realdata`` beside the project checkout."""
    configured = os.environ.get("ECMON_REALDATA_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2].parent / "shared" / "realdata"


def load_cpsc_sources(realdata_dir: Path) -> LabelledRecords:
    """Read the three CPSC sources under ``realdata_dir``; raises ``FileNotFoundError`` if one is missing."""
    records: list[dict[str, object]] = []
    truth: dict[str, str] = {}
    for source, record_id, raw in _iter_sources(realdata_dir):
        recall_number = next(raw[name] for name in ("RecallNumber", "Recall Number", "recall_number") if name in raw)
        truth[record_id] = re.sub(r"\D", "", str(recall_number))
        visible = {key: value for key, value in raw.items() if key not in _HIDDEN_FIELDS}
        visible["id"] = record_id
        visible["source"] = source  # which feed it came from, as a crawler records it
        records.append(visible)
    return LabelledRecords(records=records, truth=truth)


def _iter_sources(realdata_dir: Path):
    api_files = sorted((realdata_dir / API_DIR).glob("*.json"))
    csv_files = sorted((realdata_dir / CSV_DIR).glob("*.csv"))
    usa_files = sorted((realdata_dir / USA_GOV_DIR).glob("*.json"))
    if not (api_files and csv_files and usa_files):
        raise FileNotFoundError(f"CPSC real-data folders missing or empty under {realdata_dir}")
    for path in api_files:
        for position, raw in enumerate(json.loads(path.read_text(encoding="utf-8"))):
            yield "cpsc-api", f"cpsc-api:{path.stem}:{position}", raw
    for path in csv_files:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for position, raw in enumerate(csv.DictReader(handle)):
                yield "cpsc-csv", f"cpsc-csv:{path.stem}:{position}", dict(raw)
    for path in usa_files:
        results = json.loads(path.read_text(encoding="utf-8"))["success"]["results"]
        for position, raw in enumerate(results):
            yield "usagov", f"usagov:{path.stem}:{position}", raw
