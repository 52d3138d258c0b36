"""Warehouse models for all eight steps of the standard, in three layers.

Naming: ``raw_*`` (as fetched, with provenance), ``stg_*`` (staging: normalised, typed,
validated; includes master data such as shops and standards, and sample/inspection records
loaded from files) and ``mart_*`` (decisions and reports built from staging). Table and column
comments cite the clause each serves; on PostgreSQL they become ``COMMENT ON``.

Identifiers of raw documents and risk information are content- or key-hashes (``sha256`` hex),
so reruns land on the same rows and later steps can reference them stably.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

CHANNELS = ("a", "b", "c", "d", "e")  # 5.2.2 a–e
DISPOSITIONS = ("a", "b", "c")  # 5.3.2 a–c
PLAN_TYPES = ("routine", "emergency", "special")  # 5.1.1, 5.1.3

Hash = String(64)
Json = JSON()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --------------------------------------------------------------------------------------------
# raw layer — 5.2.1 / 5.2.2: what each channel served, unchanged, with provenance
# --------------------------------------------------------------------------------------------
class Source(Base):
    __tablename__ = "raw_source"
    __table_args__ = {"comment": "5.2.2: every source (spider or importer), its channel and freshness target."}

    source: Mapped[str] = mapped_column(String(80), primary_key=True, comment="Spider / importer name.")
    channel: Mapped[str] = mapped_column(String(1), comment="5.2.2 channel a–e.")
    freshness_hours: Mapped[int] = mapped_column(Integer, comment="Target: hours between successful crawls.")
    live_base_url: Mapped[str | None] = mapped_column(Text, comment="Real site root used in live mode.")
    registered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CrawlRun(Base):
    __tablename__ = "raw_crawl_run"
    __table_args__ = {"comment": "5.2.1: one row per crawl of one source, with Scrapy stats (freshness, faults)."}

    crawl_id: Mapped[str] = mapped_column(String(80), primary_key=True, comment="Run id (DAG run + source).")
    source: Mapped[str] = mapped_column(String(80), index=True, comment="Spider name = source id.")
    channel: Mapped[str] = mapped_column(String(1), comment="5.2.2 channel a–e.")
    mode: Mapped[str] = mapped_column(String(10), comment="replay or live.")
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finish_reason: Mapped[str | None] = mapped_column(String(80), comment="Scrapy finish_reason.")
    requests: Mapped[int] = mapped_column(Integer, default=0, comment="downloader/request_count.")
    responses: Mapped[int] = mapped_column(Integer, default=0, comment="downloader/response_count.")
    items: Mapped[int] = mapped_column(Integer, default=0, comment="item_scraped_count.")
    documents_new: Mapped[int] = mapped_column(Integer, default=0, comment="Raw documents not stored before.")
    items_dropped: Mapped[int] = mapped_column(Integer, default=0, comment="item_dropped_count.")
    errors: Mapped[int] = mapped_column(Integer, default=0, comment="log_count/ERROR + spider exceptions.")
    stats: Mapped[dict[str, Any]] = mapped_column(Json, default=dict, comment="All Scrapy stats, JSON.")


class CrawlFailure(Base):
    __tablename__ = "raw_crawl_failure"
    __table_args__ = {"comment": "5.2.1: every request or record that failed in a crawl, with URL and reason."}

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    crawl_id: Mapped[str] = mapped_column(ForeignKey("raw_crawl_run.crawl_id"), index=True)
    source: Mapped[str] = mapped_column(String(80), index=True)
    url: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(200), comment="Error type, e.g. http_500, timeout, parse_error.")
    detail: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SourceWatermark(Base):
    __tablename__ = "raw_source_watermark"
    __table_args__ = {"comment": "5.2.1: per-source incremental watermark (newest record date seen)."}

    source: Mapped[str] = mapped_column(String(80), primary_key=True)
    watermark: Mapped[str] = mapped_column(String(80), comment="Source-specific; usually an ISO date.")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    crawl_id: Mapped[str | None] = mapped_column(String(80))


class RawDocument(Base):
    __tablename__ = "raw_document"
    __table_args__ = (
        UniqueConstraint("source", "content_hash"),
        Index("ix_raw_document_source_record_key", "source", "record_key"),
        {"comment": "5.2.1/5.2.2: one fetched record (page, API object, feed entry, table row) with provenance."},
    )

    document_id: Mapped[str] = mapped_column(Hash, primary_key=True, comment="sha256(source, content_hash).")
    source: Mapped[str] = mapped_column(String(80), comment="Spider / importer name.")
    channel: Mapped[str] = mapped_column(
        String(1),
        comment="5.2.2 channel: a complaints, b regulators, "
        "c e-commerce platforms, d media, e standards / foreign agencies.",
    )
    record_key: Mapped[str] = mapped_column(String(200), comment="The source's own id (e.g. CPSC RecallID).")
    url: Mapped[str] = mapped_column(Text, comment="URL the record was fetched from.")
    record_url: Mapped[str | None] = mapped_column(Text, comment="Public page of the record, if any.")
    fetched_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), comment="Download time (UTC).")
    http_status: Mapped[int] = mapped_column(Integer, comment="HTTP status of the response.")
    content_type: Mapped[str] = mapped_column(String(100), comment="MIME type of body.")
    content_hash: Mapped[str] = mapped_column(Hash, comment="sha256 of body: unchanged records are not stored twice.")
    body: Mapped[str] = mapped_column(Text, comment="The record, decoded to text (JSON/HTML/XML/CSV row).")
    published_at: Mapped[str | None] = mapped_column(String(40), comment="Publication/update date the source gives.")
    crawl_id: Mapped[str] = mapped_column(String(80), index=True, comment="raw_crawl_run that first stored it.")


# --------------------------------------------------------------------------------------------
# staging — 5.2.1 risk-information database, entities, master data, samples and inspections
# --------------------------------------------------------------------------------------------
class RiskInformation(Base):
    __tablename__ = "stg_risk_information"
    __table_args__ = (
        UniqueConstraint("source", "record_key"),
        # Partial index of the rows enrichment has still to process (5.2.1): an incremental run finds its
        # few new rows without scanning a million enriched ones. Migration 0002.
        Index(
            "ix_stg_risk_information_pending",
            "risk_info_id",
            sqlite_where=text("enriched_at is null"),
            postgresql_where=text("enriched_at is null"),
        ),
        {"comment": "5.2.1/5.3.1: one risk-information record per source record, fields mapped faithfully."},
    )

    risk_info_id: Mapped[str] = mapped_column(Hash, primary_key=True, comment="sha256(source, record_key).")
    document_id: Mapped[str] = mapped_column(
        ForeignKey("raw_document.document_id"), index=True, comment="Latest raw document this row was mapped from."
    )
    source: Mapped[str] = mapped_column(String(80), index=True)
    channel: Mapped[str] = mapped_column(String(1), comment="5.2.2 a–e.")
    record_key: Mapped[str] = mapped_column(String(200))
    info_type: Mapped[str] = mapped_column(
        String(30), comment="recall, spot_check, complaint, news, alert, standard, listing, platform_notice."
    )
    title: Mapped[str | None] = mapped_column(Text)
    product_name: Mapped[str | None] = mapped_column(Text, comment="5.3.1 product name.")
    description: Mapped[str | None] = mapped_column(Text)
    category_code: Mapped[str | None] = mapped_column(
        String(40), index=True, comment="Top-level product code (shared/taxonomy)."
    )
    subcategory_code: Mapped[str | None] = mapped_column(String(60), comment="Second-level product kind.")
    category_label_source: Mapped[str | None] = mapped_column(String(20), comment="crosswalk | model | none.")
    category_confidence: Mapped[float | None] = mapped_column(Float)
    hazard_code: Mapped[str | None] = mapped_column(String(40), index=True, comment="Top-level hazard code.")
    hazard_label_source: Mapped[str | None] = mapped_column(String(20))
    hazard_confidence: Mapped[float | None] = mapped_column(Float)
    hazard_item: Mapped[str | None] = mapped_column(Text, comment="5.3.1 hazard item, as the source words it.")
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False, comment="Low-confidence classification.")
    region_code: Mapped[str | None] = mapped_column(String(12), comment="GB/T 2260 division code (5.1.1 regions).")
    country_code: Mapped[str | None] = mapped_column(String(2), comment="ISO 3166-1 alpha-2 (5.1.2 e).")
    platform: Mapped[str | None] = mapped_column(Text, comment="E-commerce platform (5.7.1 b).")
    shop: Mapped[str | None] = mapped_column(Text, comment="E-commerce operator / shop (5.4.1 b).")
    brand: Mapped[str | None] = mapped_column(Text)
    manufacturer: Mapped[str | None] = mapped_column(Text, comment="5.4.1 c manufacturer.")
    model: Mapped[str | None] = mapped_column(Text)
    barcode: Mapped[str | None] = mapped_column(String(40), comment="First GTIN/UPC; all in stg_risk_identifier.")
    published_date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    units: Mapped[str | None] = mapped_column(Text, comment="Units affected (5.1.2 c distribution).")
    injuries: Mapped[str | None] = mapped_column(Text, comment="Incidents/injuries reported (5.1.2 a, d).")
    remedy: Mapped[str | None] = mapped_column(Text)
    for_infants: Mapped[bool] = mapped_column(Boolean, default=False, comment="5.1.2 b special population.")
    for_children: Mapped[bool] = mapped_column(Boolean, default=False, comment="5.1.2 b special population.")
    for_pregnant: Mapped[bool] = mapped_column(Boolean, default=False, comment="5.1.2 b special population.")
    for_elderly: Mapped[bool] = mapped_column(Boolean, default=False, comment="5.1.2 b special population.")
    for_patients: Mapped[bool] = mapped_column(Boolean, default=False, comment="5.1.2 b special population.")
    source_url: Mapped[str | None] = mapped_column(Text, comment="Link to the evidence (5.3.1).")
    attributes: Mapped[dict[str, Any]] = mapped_column(
        Json, default=dict, comment="Source fields with no column of their own."
    )
    cluster_id: Mapped[str | None] = mapped_column(String(64), index=True, comment="Same-event cluster (dedup).")
    mapped_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), comment="Transform run time.")
    enriched_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), comment="5.3: when normalisation, classification and dedup last ran on this row."
    )


class RiskProduct(Base):
    __tablename__ = "stg_risk_product"
    __table_args__ = {"comment": "5.3.1: products named in a risk-information record (nested arrays kept)."}

    risk_info_id: Mapped[str] = mapped_column(
        ForeignKey("stg_risk_information.risk_info_id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str | None] = mapped_column(Text)
    model: Mapped[str | None] = mapped_column(Text)
    product_type: Mapped[str | None] = mapped_column(Text, comment="Source's own product type label.")
    units: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)


class RiskParty(Base):
    __tablename__ = "stg_risk_party"
    __table_args__ = {"comment": "5.4.1 b/c: firms in a record — manufacturer, importer, distributor, retailer."}

    risk_info_id: Mapped[str] = mapped_column(
        ForeignKey("stg_risk_information.risk_info_id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(
        String(20), primary_key=True, comment="manufacturer, importer, distributor, retailer, shop, complainee."
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    company_id: Mapped[str | None] = mapped_column(String(80))
    country_code: Mapped[str | None] = mapped_column(String(2))


class RiskFact(Base):
    __tablename__ = "stg_risk_fact"
    __table_args__ = {"comment": "5.3.1: list-valued facts of a record: hazard, injury, remedy, country, image..."}

    risk_info_id: Mapped[str] = mapped_column(
        ForeignKey("stg_risk_information.risk_info_id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(
        String(30), primary_key=True, comment="hazard, injury, remedy, remedy_option, country, image, inconjunction."
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)


class RiskIdentifier(Base):
    __tablename__ = "stg_risk_identifier"
    __table_args__ = {"comment": "5.1.2 e / 5.3.1: barcodes (UPC/GTIN), batch numbers of the products concerned."}

    risk_info_id: Mapped[str] = mapped_column(
        ForeignKey("stg_risk_information.risk_info_id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(20), primary_key=True, comment="upc, gtin, batch.")
    value: Mapped[str] = mapped_column(String(80), primary_key=True)
    valid_check_digit: Mapped[bool | None] = mapped_column(Boolean)


class Quarantine(Base):
    __tablename__ = "stg_quarantine"
    __table_args__ = {"comment": "5.2.1: rows stopped by a data-quality gate, with the failed expectation."}

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(120), index=True)
    table_name: Mapped[str] = mapped_column(String(80))
    row_key: Mapped[str] = mapped_column(String(200))
    expectation: Mapped[str] = mapped_column(String(200))
    column_name: Mapped[str | None] = mapped_column(String(80))
    row_data: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    quarantined_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Manufacturer(Base):
    __tablename__ = "stg_manufacturer"
    __table_args__ = {"comment": "5.4.1 c / 5.5.2: manufacturers, one per normalised name."}
    manufacturer_id: Mapped[str] = mapped_column(Hash, primary_key=True, comment="sha256(match_key).")
    match_key: Mapped[str] = mapped_column(String(300), unique=True, comment="Normalised name for matching.")
    name: Mapped[str] = mapped_column(Text, comment="Display name as first seen.")
    country_code: Mapped[str | None] = mapped_column(String(2))
    region_code: Mapped[str | None] = mapped_column(String(12))


class Brand(Base):
    __tablename__ = "stg_brand"
    __table_args__ = {"comment": "5.5.2: brands (not sampled twice in a scheme)."}
    brand_id: Mapped[str] = mapped_column(Hash, primary_key=True)
    match_key: Mapped[str] = mapped_column(String(300), unique=True)
    name: Mapped[str] = mapped_column(Text)


class Platform(Base):
    __tablename__ = "stg_platform"
    __table_args__ = {"comment": "5.5.2 / 5.7.1 b: e-commerce platforms."}
    platform_id: Mapped[str] = mapped_column(String(40), primary_key=True, comment="Short id, e.g. taobao, jd.")
    name: Mapped[str] = mapped_column(Text)
    base_url: Mapped[str | None] = mapped_column(Text)


class Shop(Base):
    __tablename__ = "stg_shop"
    __table_args__ = (
        UniqueConstraint("platform_id", "match_key"),
        {"comment": "5.4.1 b / 5.5.2: e-commerce operators (shops) on a platform."},
    )
    shop_id: Mapped[str] = mapped_column(Hash, primary_key=True)
    platform_id: Mapped[str | None] = mapped_column(ForeignKey("stg_platform.platform_id"))
    match_key: Mapped[str] = mapped_column(String(300))
    name: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    region_code: Mapped[str | None] = mapped_column(String(12))


class Standard(Base):
    __tablename__ = "stg_standard"
    __table_args__ = {"comment": "5.4.1 d / 5.4.2 / 5.2.2 e: product standards and test methods."}
    standard_no: Mapped[str] = mapped_column(String(80), primary_key=True, comment="e.g. GB 6675.1-2014.")
    title_zh: Mapped[str | None] = mapped_column(Text)
    title_en: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(20), comment="现行 / 废止 / 即将实施.")
    issued_on: Mapped[dt.date | None] = mapped_column(Date)
    implemented_on: Mapped[dt.date | None] = mapped_column(Date)
    replaced_by: Mapped[str | None] = mapped_column(String(80))
    is_test_method: Mapped[bool] = mapped_column(Boolean, default=False, comment="5.4.2 designated method.")
    source_url: Mapped[str | None] = mapped_column(Text)


class MysteryCustomer(Base):
    __tablename__ = "stg_mystery_customer"
    __table_args__ = {"comment": "3.4 / 5.4.1 e / 5.5.1: trained samplers. Identity is confidential (5.7.3)."}
    customer_id: Mapped[str] = mapped_column(String(40), primary_key=True, comment="Pseudonymous id.")
    alias: Mapped[str] = mapped_column(String(100))
    region_code: Mapped[str | None] = mapped_column(String(12))
    trained_on: Mapped[dt.date | None] = mapped_column(Date, comment="5.5.1 training date.")
    max_active_samples: Mapped[int] = mapped_column(Integer, default=10)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class InspectionBody(Base):
    __tablename__ = "stg_inspection_body"
    __table_args__ = {"comment": "5.4.1 i / 5.6: accredited laboratories."}
    body_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    accreditation_no: Mapped[str | None] = mapped_column(String(80))
    capacity_per_month: Mapped[int | None] = mapped_column(Integer)
    scope: Mapped[list[str]] = mapped_column(Json, default=list, comment="Product codes it may test.")


class Sample(Base):
    __tablename__ = "stg_sample"
    __table_args__ = {"comment": "5.5: one purchased sample and its current custody state."}
    sample_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    scheme_item_id: Mapped[str] = mapped_column(ForeignKey("mart_scheme_item.scheme_item_id"), index=True)
    order_no: Mapped[str | None] = mapped_column(String(100), comment="5.5.2 platform order number.")
    status: Mapped[str] = mapped_column(
        String(30),
        comment="ordered, received, registered, returned, resampled, sent_to_lab, at_lab, tested (5.5.3–5.5.6).",
    )
    seal_number: Mapped[str | None] = mapped_column(String(60), comment="5.5.6 seal.")
    resample_of: Mapped[str | None] = mapped_column(String(40), comment="5.5.4 b: the sample this replaces.")
    purchased_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    price: Mapped[float | None] = mapped_column(Float)


class CustodyEvent(Base):
    __tablename__ = "stg_custody_event"
    __table_args__ = {"comment": "5.5.3–5.5.6 / 5.6.1: custody chain of a sample, with evidence hashes."}
    sample_id: Mapped[str] = mapped_column(ForeignKey("stg_sample.sample_id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    event: Mapped[str] = mapped_column(
        String(30), comment="ordered, received, checked_ok, checked_bad, sealed, shipped, lab_received, ..."
    )
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str | None] = mapped_column(String(100))
    evidence_sha256: Mapped[str | None] = mapped_column(Hash, comment="5.5.4 a: hash of photo/video evidence.")
    seal_number: Mapped[str | None] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(Text, comment="5.6.1 appearance/state notes.")


class InspectionReport(Base):
    __tablename__ = "stg_inspection_report"
    __table_args__ = {"comment": "5.6: lab report for one sample."}
    report_id: Mapped[str] = mapped_column(String(60), primary_key=True, comment="Lab report number.")
    sample_id: Mapped[str] = mapped_column(ForeignKey("stg_sample.sample_id"), index=True)
    body_id: Mapped[str] = mapped_column(ForeignKey("stg_inspection_body.body_id"))
    issued_on: Mapped[dt.date] = mapped_column(Date, comment="5.6.5 within the scheme time limit.")
    conclusion: Mapped[str] = mapped_column(String(20), comment="pass, fail, untestable (5.6.3).")
    file_sha256: Mapped[str | None] = mapped_column(Hash)


class InspectionResult(Base):
    __tablename__ = "stg_inspection_result"
    __table_args__ = {"comment": "5.6.4 / 5.6.6: one test item of a report, with requirement and measured value."}
    report_id: Mapped[str] = mapped_column(ForeignKey("stg_inspection_report.report_id"), primary_key=True)
    item_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    test_item: Mapped[str] = mapped_column(Text)
    standard_no: Mapped[str | None] = mapped_column(String(80))
    requirement: Mapped[str | None] = mapped_column(Text)
    measured: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[str | None] = mapped_column(String(40))
    verdict: Mapped[str] = mapped_column(String(20), comment="pass, fail, not_applicable.")
    hazard_code: Mapped[str | None] = mapped_column(String(40))


# --------------------------------------------------------------------------------------------
# marts — decisions and reports: 5.1, 5.3, 5.4, 5.7, 5.8
# --------------------------------------------------------------------------------------------
class AnalysisResult(Base):
    __tablename__ = "mart_analysis_result"
    __table_args__ = (
        UniqueConstraint("period_start", "period_end", "category_code", "hazard_code", "scope"),
        {"comment": "5.3.1 analysis result per product kind × hazard item × scope, with 5.3.2 disposition."},
    )
    analysis_id: Mapped[str] = mapped_column(Hash, primary_key=True)
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    category_code: Mapped[str] = mapped_column(String(60), comment="5.3.1 product name (kind).")
    hazard_code: Mapped[str] = mapped_column(String(60), comment="5.3.1 hazard item.")
    scope: Mapped[str] = mapped_column(String(60), comment="5.3.1 scope: national, region code or platform.")
    hazard_degree: Mapped[str] = mapped_column(String(20), comment="5.3.1 hazard degree: low/medium/high/severe.")
    signal_count: Mapped[int] = mapped_column(Integer)
    signals_by_channel: Mapped[dict[str, int]] = mapped_column(Json, default=dict, comment="5.2.2 a–e counts.")
    trend: Mapped[float | None] = mapped_column(Float, comment="5.1.2 a: change vs previous period.")
    regions: Mapped[list[str]] = mapped_column(Json, default=list)
    platforms: Mapped[list[str]] = mapped_column(Json, default=list)
    special_populations: Mapped[list[str]] = mapped_column(Json, default=list, comment="5.1.2 b.")
    disposition: Mapped[str] = mapped_column(String(1), comment="5.3.2: a exclude, b notify, c scheme.")
    rationale: Mapped[str] = mapped_column(Text)
    evidence_ids: Mapped[list[str]] = mapped_column(Json, default=list, comment="risk_info_ids behind it.")
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class PriorityScore(Base):
    __tablename__ = "mart_priority_score"
    __table_args__ = {"comment": "5.1.2: priority per product kind, one sub-score per factor a–e, with evidence."}
    period_start: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    category_code: Mapped[str] = mapped_column(String(60), primary_key=True)
    score_a: Mapped[float] = mapped_column(Float, comment="5.1.2 a hazard / risk level / rising trend.")
    score_b: Mapped[float] = mapped_column(Float, comment="5.1.2 b special populations.")
    score_c: Mapped[float] = mapped_column(Float, comment="5.1.2 c distribution / consumption.")
    score_d: Mapped[float] = mapped_column(Float, comment="5.1.2 d domestic incidents / attention.")
    score_e: Mapped[float] = mapped_column(Float, comment="5.1.2 e problems abroad.")
    total: Mapped[float] = mapped_column(Float)
    evidence: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)


class MonitoringPlan(Base):
    __tablename__ = "mart_monitoring_plan"
    __table_args__ = {"comment": "5.1.1 / 5.1.3: monitoring plan (routine, emergency or special)."}
    plan_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    plan_type: Mapped[str] = mapped_column(String(10), comment="routine / emergency / special (5.1.3).")
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    budget: Mapped[float | None] = mapped_column(Float)
    rationale: Mapped[str | None] = mapped_column(Text)


class PlanItem(Base):
    __tablename__ = "mart_plan_item"
    __table_args__ = {"comment": "5.1.1: varieties, test items, regions, frequency, sample quantity."}
    plan_id: Mapped[str] = mapped_column(ForeignKey("mart_monitoring_plan.plan_id"), primary_key=True)
    category_code: Mapped[str] = mapped_column(String(60), primary_key=True, comment="5.1.1 product variety.")
    test_items: Mapped[list[str]] = mapped_column(Json, default=list, comment="5.1.1 monitoring items.")
    regions: Mapped[list[str]] = mapped_column(Json, default=list, comment="5.1.1 regions.")
    frequency: Mapped[str] = mapped_column(String(20), comment="5.1.1 frequency.")
    sample_quantity: Mapped[int] = mapped_column(Integer, comment="5.1.1 sample quantity.")


class MonitoringScheme(Base):
    __tablename__ = "mart_monitoring_scheme"
    __table_args__ = {"comment": "5.4: a monitoring scheme derived from a plan or a 5.3.2 c disposition."}
    scheme_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    plan_id: Mapped[str | None] = mapped_column(ForeignKey("mart_monitoring_plan.plan_id"))
    analysis_id: Mapped[str | None] = mapped_column(ForeignKey("mart_analysis_result.analysis_id"))
    created_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="draft")


class SchemeItem(Base):
    __tablename__ = "mart_scheme_item"
    __table_args__ = {"comment": "5.4.1 a–i: one sampling instruction."}
    scheme_item_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    scheme_id: Mapped[str] = mapped_column(ForeignKey("mart_monitoring_scheme.scheme_id"), index=True)
    sample_name: Mapped[str] = mapped_column(Text, comment="5.4.1 a sample name.")
    shop_id: Mapped[str | None] = mapped_column(ForeignKey("stg_shop.shop_id"), comment="5.4.1 b operator.")
    manufacturer_id: Mapped[str | None] = mapped_column(
        ForeignKey("stg_manufacturer.manufacturer_id"), comment="5.4.1 c manufacturer."
    )
    brand_id: Mapped[str | None] = mapped_column(ForeignKey("stg_brand.brand_id"), comment="5.5.2 brand.")
    standard_no: Mapped[str | None] = mapped_column(
        ForeignKey("stg_standard.standard_no"), comment="5.4.1 d standard / test method."
    )
    customer_id: Mapped[str | None] = mapped_column(
        ForeignKey("stg_mystery_customer.customer_id"), comment="5.4.1 e mystery customer."
    )
    sampling_scope: Mapped[str] = mapped_column(Text, comment="5.4.1 f sampling scope.")
    sampling_method: Mapped[str] = mapped_column(Text, comment="5.4.1 g sampling method.")
    deadline: Mapped[dt.date] = mapped_column(Date, comment="5.4.1 h time limit.")
    body_id: Mapped[str | None] = mapped_column(
        ForeignKey("stg_inspection_body.body_id"), comment="5.4.1 i inspection body."
    )


class RiskAssessment(Base):
    __tablename__ = "mart_risk_assessment"
    __table_args__ = {"comment": "5.7.1: GB/T 27921 §5.3 consequence × likelihood per product kind and hazard."}
    assessment_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    report_id: Mapped[str | None] = mapped_column(ForeignKey("mart_assessment_report.report_id"))
    category_code: Mapped[str] = mapped_column(String(60))
    hazard_code: Mapped[str] = mapped_column(String(60))
    consequence: Mapped[int] = mapped_column(Integer, comment="Severity level 1–5.")
    likelihood: Mapped[int] = mapped_column(Integer, comment="Likelihood level 1–5.")
    risk_level: Mapped[str] = mapped_column(String(20), comment="low / medium / high / serious.")
    method: Mapped[str] = mapped_column(String(40), default="gbt27921_matrix")
    evidence: Mapped[dict[str, Any]] = mapped_column(Json, default=dict, comment="Reports and analysis ids.")


class AssessmentReport(Base):
    __tablename__ = "mart_assessment_report"
    __table_args__ = {"comment": "5.7.1 a–g / 5.7.2: assessment report; released only after approval (5.7.3)."}
    report_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="draft", comment="draft / approved / released.")
    approved_by: Mapped[str | None] = mapped_column(String(100))
    released_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    content_sha256: Mapped[str | None] = mapped_column(Hash)
    path: Mapped[str | None] = mapped_column(Text)


class ArchiveManifest(Base):
    __tablename__ = "mart_archive_manifest"
    __table_args__ = {"comment": "5.8.1: archived materials, data and reports; hash-chained for tamper evidence."}
    object_path: Mapped[str] = mapped_column(String(500), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(Hash)
    previous_sha256: Mapped[str | None] = mapped_column(Hash, comment="Chain link to the previous entry.")
    archived_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class SharingRequest(Base):
    __tablename__ = "mart_sharing_request"
    __table_args__ = {"comment": "5.8.2 a–d: sharing requests between bodies and their response times."}
    request_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    requester: Mapped[str] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(Text)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    responded_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), comment="5.8.2 b.")
    status: Mapped[str] = mapped_column(String(20), default="open")
    fee: Mapped[float] = mapped_column(Float, default=0.0, comment="5.8.2 a free of charge: always 0.")


class AuditLog(Base):
    __tablename__ = "mart_audit_log"
    __table_args__ = {"comment": "5.7.3 / 5.8.2 d: who did what to which object, append-only."}
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)


def _document_remaining_columns() -> None:
    """Make every column comment cite a clause, borrowing its table's clause where it has none.

    Column-specific comments above say more; this guarantees no column is undocumented for
    analysts (sql/README.md and PostgreSQL ``\\d+`` show them).
    """
    import re

    clause_pattern = re.compile(r"\d+\.\d+(?:\.\d+)?(?: [a-i](?:–[a-i])?)?")
    for table in Base.metadata.tables.values():
        clauses = clause_pattern.findall(table.comment or "")
        prefix = "/".join(dict.fromkeys(clauses)) or "5.8"
        for column in table.columns:
            if not column.comment:
                column.comment = f"{prefix}: {column.name.replace('_', ' ')}."
            elif not clause_pattern.search(column.comment):
                column.comment = f"{prefix}: {column.comment}"


_document_remaining_columns()
