"""Readers that turn the real published files under shared/realdata into labelled training records.

Every label is the source's own (a CPSC product type, a spot-check 产品分类, an FDA recall reason …)
passed through the taxonomy crosswalks; no record is labelled by hand. A file-level label is used only
where the whole file is one category by construction, and PROVENANCE.md says so (e.g. the FDA *food*
recalls feed, a complaint crawl for one product keyword).

The model text holds what a record says about the product and its defect (title, description, hazard
statement or failed test items) but never the category field the label came from, company names or
identifiers, so the classifier has to learn from wording that other sources also use.
"""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from transforms.classify.text import join_text


@dataclass(frozen=True)
class SourceRecord:
    title: str
    text: str
    category_scheme: str | None = None
    category_labels: tuple[str, ...] = ()
    hazard_scheme: str | None = None
    hazard_labels: tuple[str, ...] = ()
    record_date: str | None = None


Reader = Callable[[Path], Iterator[SourceRecord]]


def _texts(items: list[dict] | None, key: str) -> list[str]:
    return [str(i.get(key) or "").strip() for i in items or [] if str(i.get(key) or "").strip()]


def read_usa_gov_cpsc(path: Path) -> Iterator[SourceRecord]:
    """api.usa.gov/recalls responses: short product descriptions, CPSC product types and hazard names."""
    payload = json.loads(path.read_text(encoding="utf-8"))
    for item in payload["success"]["results"]:
        hazards = [h for h in item.get("hazards") or [] if h]
        yield SourceRecord(
            title="",
            text=join_text(*(item.get("descriptions") or []), *(f"hazard: {h}" for h in hazards)),
            category_scheme="cpsc",
            category_labels=tuple(t for t in item.get("product_types") or [] if t),
            hazard_scheme="cpsc",
            hazard_labels=tuple(hazards),
            record_date=item.get("recall_date"),
        )


def read_cpsc_recall_api(path: Path) -> Iterator[SourceRecord]:
    """saferproducts.gov Recall records; the category label is the CPSC product type of the record.

    Records without a product type get no category label. The ``_query_category`` key that one dump
    adds is not used as one: it is the ProductName search that returned the record, and that search
    matches product-name text, not a classification ("Cribside Space Heaters" and "Stroller Fans"
    answer the queries "crib" and "stroller"; a CO-alarm advisory answers "space heater").
    """
    for item in json.loads(path.read_text(encoding="utf-8")):
        products = item.get("Products") or []
        types = tuple(_texts(products, "Type"))
        hazards = _texts(item.get("Hazards"), "Name")
        yield SourceRecord(
            title=item.get("Title") or "",
            text=join_text(*_texts(products, "Name"), *hazards, item.get("Description")),
            category_scheme="cpsc",
            category_labels=types,
            hazard_scheme="cpsc",
            # The title ("... Due to Fire Hazard") is the source's own hazard statement when Hazards is empty.
            hazard_labels=tuple(hazards) or (item.get("Title") or "",),
            record_date=(item.get("RecallDate") or "")[:10] or None,
        )


def read_cpsc_csv_export(path: Path) -> Iterator[SourceRecord]:
    """cpsc.gov recalls CSV export: hazard labels only.

    The download was filtered to one cpsc.gov product category (id 187, "household/kitchen"), which mixes
    appliances with glassware, cookware and water bottles; no single product code fits that category, so
    it gives no category label.
    """
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            hazard = (row.get("Hazard Description") or "").strip()
            yield SourceRecord(
                title=row.get("Recall Heading") or "",
                text=join_text(row.get("Name of product"), hazard, row.get("Description")),
                hazard_scheme="cpsc",
                # Old press releases have no hazard description; their heading may name the hazard.
                hazard_labels=(hazard or row.get("Recall Heading") or "",),
                record_date=row.get("Date") or None,
            )


def read_foodmate_csv(path: Path) -> Iterator[SourceRecord]:
    """Chinese food spot-check rows: 物料名称, 产品分类 (label) and, for 不合格 rows, the failed 检测项目."""
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            failed = (row.get("判定") or "").strip() == "不合格"
            item = (row.get("检测项目") or "").strip() if failed else ""
            yield SourceRecord(
                title=row.get("物料名称") or "",
                text=join_text(f"不合格项目：{item}" if item else None),
                category_scheme="cn_spotcheck",
                category_labels=((row.get("产品分类") or "").strip(),),
                hazard_scheme="cn_spotcheck",
                hazard_labels=(item,) if item else (),
                record_date=row.get("发布日期") or None,
            )


def read_cn_spotcheck_jsonl(path: Path) -> Iterator[SourceRecord]:
    """Normalised SAMR / Shenzhen spot-check batches (automotive fluids); fields *_source_reported are verbatim."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        failed_items = (item.get("nonconforming_items_source_reported") or "").strip()
        yield SourceRecord(
            title=item.get("product_name") or "",
            text=join_text(f"不合格项目：{failed_items}" if failed_items else None),
            category_scheme="cn_spotcheck",
            category_labels=((item.get("product_kind_source_reported") or "").strip(),),
            hazard_scheme="cn_spotcheck",
            hazard_labels=(failed_items,) if failed_items else (),
            record_date=item.get("report_date"),
        )


def read_openfda_food(path: Path) -> Iterator[SourceRecord]:
    """openFDA food enforcement (array, or response with ``results``); the endpoint itself is food-only."""
    payload = json.loads(path.read_text(encoding="utf-8"))
    for item in payload["results"] if isinstance(payload, dict) else payload:
        reason = item.get("reason_for_recall") or ""
        yield SourceRecord(
            title=item.get("product_description") or "",
            text=reason,
            category_scheme="openfda",
            category_labels=(item.get("product_type") or "Food",),
            hazard_scheme="openfda",
            hazard_labels=(reason,),
            record_date=item.get("report_date"),
        )


def read_fda_ires(path: Path) -> Iterator[SourceRecord]:
    """FDA iRES enforcement report rows (food, devices, drugs, veterinary)."""
    for item in json.loads(path.read_text(encoding="utf-8"))["RESULT"]:
        reason = item.get("PRODUCTSHORTREASONTXT") or ""
        yield SourceRecord(
            title=item.get("PRODUCTDESCRIPTIONTXT") or "",
            text=reason,
            category_scheme="openfda",
            category_labels=(item.get("PRODUCTTYPESHORT") or "",),
            hazard_scheme="openfda",
            hazard_labels=(reason,),
            record_date=item.get("EVENTLMD"),
        )


def _rss_items(path: Path) -> Iterator[tuple[str, str, str, str]]:
    """(channel title, item title, item description, creator) for each RSS item."""
    root = ET.parse(path).getroot()
    channel = root.find("channel")
    channel_title = (channel.findtext("title") if channel is not None else "") or ""
    for item in root.iter("item"):
        creator = item.findtext("{http://purl.org/dc/elements/1.1/}creator") or ""
        yield channel_title, item.findtext("title") or "", item.findtext("description") or "", creator


def read_fda_food_rss(path: Path) -> Iterator[SourceRecord]:
    """FDA food-safety recalls feed: hazard labels only.

    The feed's only category statement is its channel title, a file-level label, and the file is not one
    category by construction: "food" in FDA's sense (FD&C Act 201(f)) includes animal food, so the feed
    also carries pet-treat and animal-feed recalls, which the taxonomy files under AGRI.FEED_VET. The
    record-level openFDA/iRES product types do tell the two apart ("Food" vs "Veterinary") and are used.
    """
    for _channel_title, title, description, _creator in _rss_items(path):
        yield SourceRecord(
            title=title,
            text=description,
            hazard_scheme="openfda",
            # Titles often say only "Because of Possible Health Risk"; the description names the risk.
            hazard_labels=(title, description),
        )


def read_fsis_rss(path: Path) -> Iterator[SourceRecord]:
    """USDA FSIS recalls feed; the category label is the issuing agency (dc:creator)."""
    for _channel_title, title, description, creator in _rss_items(path):
        yield SourceRecord(
            title=title,
            text=description,
            category_scheme="usda_fsis",
            category_labels=(creator,),
            hazard_scheme="usda_fsis",
            hazard_labels=(title,),
        )


def read_lebensmittelwarnung(path: Path) -> Iterator[SourceRecord]:
    """German food warnings: product, reason, warningtype (label)."""
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            reason = row.get("reason") or ""
            yield SourceRecord(
                title=row.get("product") or "",
                text=reason,
                category_scheme="lebensmittelwarnung",
                category_labels=((row.get("warningtype") or "").strip(),),
                hazard_scheme="lebensmittelwarnung",
                hazard_labels=(reason,),
                record_date=row.get("date") or None,
            )


def read_heimao(path: Path) -> Iterator[SourceRecord]:
    """黑猫投诉 complaints from a diaper (纸尿裤) keyword crawl (PROVENANCE); the hazard label is ``issue``."""
    for item in json.loads(path.read_text(encoding="utf-8"))["complaints"]:
        yield SourceRecord(
            title=item.get("title") or "",
            text=item.get("content") or "",
            category_scheme="cn_complaint",
            category_labels=("纸尿裤",),
            hazard_scheme="cn_complaint",
            hazard_labels=((item.get("issue") or "").strip(),),
            record_date=(item.get("timestamp") or "")[:10] or None,
        )


# Glob (relative to the realdata folder) → reader. Files not matched here (e.g. *-report.json
# summaries) are not training data.
READERS: tuple[tuple[str, Reader], ...] = (
    ("usa_gov_recalls_api_cpsc/*.json", read_usa_gov_cpsc),
    ("cpsc_recall_api_json/*.json", read_cpsc_recall_api),
    ("cpsc_recalls_csv_export/*.csv", read_cpsc_csv_export),
    ("cn_food_spotcheck_foodmate/*.csv", read_foodmate_csv),
    ("cn_product_spotcheck_derived/*.jsonl", read_cn_spotcheck_jsonl),
    ("openfda_food_enforcement/*.json", read_openfda_food),
    ("fda_ires_enforcement_api/*.json", read_fda_ires),
    ("fda_food_recalls_rss/*.xml", read_fda_food_rss),
    ("usda_fsis_recalls_rss/*.xml", read_fsis_rss),
    ("lebensmittelwarnung/*.csv", read_lebensmittelwarnung),
    ("heimao_tousu/*.json", read_heimao),
)


def source_files(realdata_dir: Path) -> list[tuple[Path, Reader]]:
    """Every readable file under ``realdata_dir``, sorted so that training is deterministic."""
    found = [(path, reader) for pattern, reader in READERS for path in realdata_dir.glob(pattern)]
    return sorted(found, key=lambda pair: pair[0].relative_to(realdata_dir).as_posix())
