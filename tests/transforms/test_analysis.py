"""Analysis results (5.3.1), dispositions (5.3.2) and notifications on a small, hand-made risk database.

The records are synthetic (fictional firms), written the way the mappers write real ones: Chinese text,
GB/T 2260 region codes, platform names, ``"; "``-joined firms, complaint status in ``attributes``.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

pytestmark = [pytest.mark.integration, pytest.mark.warehouse]

END = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)  # period 2026-01-01 … 2026-03-31, previous 2025-10-03 … 2025-12-31
SOURCES = {
    "heimao_tousu": "a",
    "samr_spotcheck": "b",
    "platform_notice": "c",
    "media_reports": "d",
    "cpsc_recalls": "e",
}
SHENZHEN_FIRM = "深圳市虚构电器有限公司"


def risk_row(source: str, record_key: str, published: str, **fields: Any) -> dict[str, Any]:
    """A stg_risk_information row with the defaults a mapper would leave."""
    from transforms.risk_information.mapping import risk_info_id

    row = {
        "risk_info_id": risk_info_id(source, record_key),
        "source": source,
        "channel": SOURCES[source],
        "record_key": record_key,
        "info_type": "spot_check",
        "title": None,
        "product_name": None,
        "category_code": None,
        "subcategory_code": None,
        "hazard_code": None,
        "region_code": None,
        "platform": None,
        "shop": None,
        "manufacturer": None,
        "injuries": None,
        "published_date": dt.date.fromisoformat(published),
        "source_url": f"https://example.org/{source}/{record_key}",
        "attributes": {},
        "cluster_id": None,
        "mapped_at": END - dt.timedelta(hours=2),
        "for_infants": False,
        "for_children": False,
        "for_pregnant": False,
        "for_elderly": False,
        "for_patients": False,
    }
    row.update(fields)
    return row


def insert_risk_rows(url: str, rows: list[dict[str, Any]]) -> None:
    """Store each row with the raw document and crawl it claims to come from (foreign keys hold)."""
    from ecmon.db import get_engine, upsert
    from sql.models import CrawlRun, RawDocument, RiskInformation, Source

    fetched = END - dt.timedelta(hours=3)
    with get_engine(url).begin() as conn:
        upsert(
            conn,
            Source.__table__,
            [{"source": s, "channel": c, "freshness_hours": 48, "registered_at": fetched} for s, c in SOURCES.items()],
            ["source"],
        )
        upsert(
            conn,
            CrawlRun.__table__,
            [
                {
                    "crawl_id": f"fixture:{s}",
                    "source": s,
                    "channel": c,
                    "mode": "replay",
                    "started_at": fetched - dt.timedelta(minutes=10),
                    "finished_at": fetched,
                    "finish_reason": "finished",
                    "errors": 0,
                    "stats": {},
                }
                for s, c in SOURCES.items()
            ],
            ["crawl_id"],
        )
        documents = []
        for row in rows:
            body = repr(sorted((k, str(v)) for k, v in row.items()))
            digest = hashlib.sha256(body.encode()).hexdigest()
            row["document_id"] = hashlib.sha256(f"{row['source']}\x1f{digest}\x1f".encode()).hexdigest()
            documents.append(
                {
                    "document_id": row["document_id"],
                    "source": row["source"],
                    "channel": row["channel"],
                    "record_key": row["record_key"],
                    "url": row["source_url"],
                    "record_url": row["source_url"],
                    "fetched_at": fetched,
                    "http_status": 200,
                    "content_type": "application/json",
                    "content_hash": digest,
                    "body": body,
                    "published_at": row["published_date"].isoformat() if row["published_date"] else None,
                    "crawl_id": f"fixture:{row['source']}",
                }
            )
        upsert(conn, RawDocument.__table__, documents, ["document_id"])
        upsert(conn, RiskInformation.__table__, rows, ["risk_info_id"])


def monitoring_rows() -> list[dict[str, Any]]:
    """Five situations, one per disposition rule family."""
    toy = {"category_code": "CHILD", "subcategory_code": "CHILD.TOY", "hazard_code": "CHOKING", "for_children": True}
    heater = {"category_code": "ELEC", "hazard_code": "FIRE", "manufacturer": SHENZHEN_FIRM}
    cream = {
        "category_code": "COSM",
        "hazard_code": "CHEMICAL",
        "region_code": "330100",
        "manufacturer": "杭州虚构日化有限公司",
    }
    return [
        # Children's toys, small parts: two sources report the same event (one cluster), a third elsewhere.
        risk_row("heimao_tousu", "toy-1", "2026-02-03", info_type="complaint", region_code="440300",
                 platform="淘宝", shop="虚构玩具旗舰店", cluster_id="cluster-toy", **toy),
        risk_row("media_reports", "toy-2", "2026-02-05", info_type="news", region_code="440300",
                 cluster_id="cluster-toy", **toy),
        risk_row("platform_notice", "toy-3", "2026-03-10", info_type="platform_notice", region_code="330100",
                 platform="京东", shop="虚构童趣专营店", **toy),
        # One heater model failing a spot check in Shenzhen: a confined problem.
        risk_row("samr_spotcheck", "heater-1", "2026-01-20", region_code="440300",
                 injuries="未造成人员受伤。", **heater),
        # A media report with no identifiable hazard.
        risk_row("media_reports", "blog-1", "2026-03-01", info_type="news", category_code="HOME"),
        # A labelling complaint the platform already closed (黑猫投诉 status 7 = 已完成).
        risk_row("heimao_tousu", "label-1", "2026-02-14", info_type="complaint", category_code="TEXT",
                 hazard_code="LABELLING", platform="拼多多", attributes={"status": "7"}),
        # Face cream with heavy metals: one signal last period, three now, all one firm in Hangzhou.
        risk_row("samr_spotcheck", "cream-0", "2025-11-20", **cream),
        risk_row("samr_spotcheck", "cream-1", "2026-01-15", **cream),
        risk_row("samr_spotcheck", "cream-2", "2026-02-15", **cream),
        risk_row("cpsc_recalls", "cream-3", "2026-03-15", info_type="recall",
                 injuries="The firm has received two reports of skin burns requiring medical treatment.", **cream),
    ]  # fmt: skip


def _results(url: str) -> dict[tuple[str, str, str], dict[str, Any]]:
    from ecmon.db import get_engine
    from sql.models import AnalysisResult

    with get_engine(url).connect() as conn:
        rows = conn.execute(select(AnalysisResult.__table__)).mappings().all()
    return {(r["category_code"], r["hazard_code"], r["scope"]): dict(r) for r in rows}


def _ids(*keys: str, source: str) -> list[str]:
    from transforms.risk_information.mapping import risk_info_id

    return sorted(risk_info_id(source, k) for k in keys)


def test_results_carry_5_3_1_items_and_5_3_2_dispositions(warehouse_url: str) -> None:
    from transforms.analysis.results import analyse_risk_information

    insert_risk_rows(warehouse_url, monitoring_rows())
    summary = analyse_risk_information(END, url=warehouse_url)
    assert summary["period_start"] == "2026-01-01" and summary["period_end"] == "2026-03-31"
    results = _results(warehouse_url)

    toys = results[("CHILD", "CHOKING", "national")]
    assert toys["signal_count"] == 2  # toy-1 and toy-2 share a cluster
    assert toys["signals_by_channel"] == {"a": 1, "b": 0, "c": 1, "d": 1, "e": 0}
    assert toys["regions"] == ["330100", "440300"] and toys["platforms"] == ["京东", "淘宝"]
    assert toys["special_populations"] == ["children"]
    assert toys["hazard_degree"] == "severe" and toys["disposition"] == "c"
    assert "rule c_special_populations_high_degree" in toys["rationale"]
    assert "special_population_count=1 ≥ 1; hazard_degree_rank=4 ≥ 3" in toys["rationale"]
    assert toys["evidence_ids"] == sorted(
        _ids("toy-1", source="heimao_tousu") + _ids("toy-2", source="media_reports")
        + _ids("toy-3", source="platform_notice")
    )  # fmt: skip
    assert toys["trend"] == 2.0  # two signals, none in the previous period

    heater = results[("ELEC", "FIRE", "national")]
    assert (heater["hazard_degree"], heater["disposition"]) == ("high", "b")  # "未造成人员受伤" is no injury
    assert "rule b_confined_to_one_firm_platform_or_region" in heater["rationale"]
    assert "firm_count=1 ≤ 1" in heater["rationale"]
    assert results[("ELEC", "FIRE", "region:440300")]["disposition"] == "b"

    blog = results[("HOME", "OTHER", "national")]
    assert (blog["disposition"], blog["hazard_degree"]) == ("a", "low")
    assert "rule a_unidentified_hazard_single_weak_signal" in blog["rationale"]

    label = results[("TEXT", "LABELLING", "national")]
    assert label["disposition"] == "a" and "rule a_resolved_complaints_only" in label["rationale"]

    cream = results[("COSM", "CHEMICAL", "national")]
    assert cream["signal_count"] == 3 and cream["trend"] == 2.0  # (3 - 1) / 1
    assert cream["hazard_degree"] == "severe"  # skin burns reported in the recall
    assert cream["disposition"] == "c" and "rule c_rising_trend" in cream["rationale"]
    assert "previous period 1, trend +2.00" in cream["rationale"]

    assert {scope for (_, _, scope) in results} == {
        "national", "region:440300", "region:330100", "platform:淘宝", "platform:京东", "platform:拼多多"
    }  # fmt: skip
    assert summary["results"] == len(results)


def test_rerun_gives_the_same_mart_and_stable_ids(warehouse_url: str) -> None:
    from transforms.analysis.results import analyse_risk_information, analysis_id
    from transforms.analysis.signals import AnalysisPeriod

    insert_risk_rows(warehouse_url, monitoring_rows())
    analyse_risk_information(END, url=warehouse_url)
    first = _results(warehouse_url)
    analyse_risk_information(END, url=warehouse_url)
    assert _results(warehouse_url) == first
    period = AnalysisPeriod(dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    expected = hashlib.sha256(b"2026-01-01\x1f2026-03-31\x1fCHILD\x1fCHOKING\x1fnational").hexdigest()
    assert first[("CHILD", "CHOKING", "national")]["analysis_id"] == analysis_id(
        period, "CHILD", "CHOKING", "national"
    ) == expected  # fmt: skip


def test_one_event_through_two_channels_regions_platforms_and_firm_roles(warehouse_url: str) -> None:
    """Grouping edge cases: a cluster reported through two channels from two regions and two platforms, one firm
    named as manufacturer in one record and (spelt differently) as shop in the other, undated records counted
    on the day they were mapped, and a product × hazard seen only in the previous period."""
    from transforms.analysis.results import analyse_risk_information
    from transforms.analysis.rules import load_analysis_rules

    kettle = {
        "category_code": "ELEC",
        "subcategory_code": "ELEC.KETTLE",
        "hazard_code": "LABELLING",
        "cluster_id": "cluster-kettle",
    }
    undated = {"category_code": "ELEC", "hazard_code": "PERFORMANCE", "published_date": None}
    rows = [
        risk_row("samr_spotcheck", "kettle-1", "2026-02-01", region_code="440300", platform="京东",
                 manufacturer="Acme Kettle Co.", **kettle),
        risk_row("samr_spotcheck", "kettle-1b", "2026-02-02", region_code="440300", platform="京东", **kettle),
        risk_row("cpsc_recalls", "kettle-2", "2026-02-03", info_type="recall", region_code="330100", platform="天猫",
                 shop="ACME  kettle co.", **{**kettle, "subcategory_code": None}),
        risk_row("samr_spotcheck", "undated-now", "2026-01-01", mapped_at=dt.datetime(2026, 3, 5, 12, tzinfo=dt.UTC),
                 **undated),
        risk_row("samr_spotcheck", "undated-before", "2026-01-01",
                 mapped_at=dt.datetime(2025, 12, 1, 12, tzinfo=dt.UTC), **undated),
        risk_row("samr_spotcheck", "undated-long-ago", "2026-01-01",
                 mapped_at=dt.datetime(2025, 1, 1, 12, tzinfo=dt.UTC), **undated),
        risk_row("samr_spotcheck", "toaster-0", "2025-11-11", category_code="ELEC", hazard_code="FIRE"),
    ]  # fmt: skip
    insert_risk_rows(warehouse_url, rows)
    analyse_risk_information(END, url=warehouse_url)
    results = _results(warehouse_url)

    national = results[("ELEC", "LABELLING", "national")]
    assert national["signal_count"] == 1  # one event …
    assert national["signals_by_channel"] == {"a": 0, "b": 1, "c": 0, "d": 0, "e": 1}  # … counted once per channel
    assert "Signals 1 from 3 record(s)" in national["rationale"]
    assert national["regions"] == ["330100", "440300"] and national["platforms"] == ["京东", "天猫"]
    assert national["evidence_ids"] == sorted(
        _ids("kettle-1", "kettle-1b", source="samr_spotcheck") + _ids("kettle-2", source="cpsc_recalls")
    )
    # One firm, once as manufacturer and once as shop: firm_count is 1, so the confined-to-one-firm rule fires.
    assert "manufacturers 1, shops 1." in national["rationale"]
    assert "rule b_confined_to_one_firm_platform_or_region" in national["rationale"]
    assert "firm_count=1 ≤ 1" in national["rationale"]
    # A region or platform result holds only the records of that region or platform, with all their scopes.
    shenzhen = results[("ELEC", "LABELLING", "region:440300")]
    assert (shenzhen["regions"], shenzhen["platforms"]) == (["440300"], ["京东"])
    assert shenzhen["evidence_ids"] == _ids("kettle-1", "kettle-1b", source="samr_spotcheck")
    tmall = results[("ELEC", "LABELLING", "platform:天猫")]
    assert (tmall["regions"], tmall["platforms"], tmall["signals_by_channel"]["e"]) == (["330100"], ["天猫"], 1)

    # Undated records count on the day they were mapped: one now, one in the previous period, one too early.
    performance = results[("ELEC", "PERFORMANCE", "national")]
    assert performance["signal_count"] == 1 and performance["trend"] == 0.0
    assert performance["evidence_ids"] == _ids("undated-now", source="samr_spotcheck")
    assert "previous period 1, trend +0.00" in performance["rationale"]
    assert ("ELEC", "FIRE", "national") not in results  # signals in the previous period only give no result

    defaults = load_analysis_rules()
    per_kind = defaults.period.model_copy(update={"product_level": "subcategory"})
    by_kind = defaults.model_copy(update={"period": per_kind})
    analyse_risk_information(END, url=warehouse_url, rules=by_kind)
    results = _results(warehouse_url)
    assert results[("ELEC.KETTLE", "LABELLING", "national")]["evidence_ids"] == _ids(
        "kettle-1", "kettle-1b", source="samr_spotcheck"
    )
    assert results[("ELEC", "LABELLING", "national")]["evidence_ids"] == _ids("kettle-2", source="cpsc_recalls")


def test_rows_quarantined_by_the_gate_of_this_run_are_left_out(warehouse_url: str) -> None:
    from ecmon.db import get_engine
    from sql.models import Quarantine
    from transforms.analysis.results import analyse_risk_information

    rows = monitoring_rows()
    insert_risk_rows(warehouse_url, rows)
    analyse_risk_information(END, url=warehouse_url, run_id="manual__1")
    assert ("HOME", "OTHER", "national") in _results(warehouse_url)

    blog = next(r for r in rows if r["record_key"] == "blog-1")
    cream = next(r for r in rows if r["record_key"] == "cream-3")
    with get_engine(warehouse_url).begin() as conn:
        conn.execute(
            Quarantine.__table__.insert(),
            [
                {"run_id": "manual__2", "table_name": "stg_risk_information", "row_key": blog["risk_info_id"],
                 "expectation": "category_code_in_taxonomy", "column_name": "category_code", "row_data": {}},
                {"run_id": "manual__2", "table_name": "raw_document", "row_key": cream["document_id"],
                 "expectation": "body_not_empty", "column_name": "body", "row_data": {}},
            ],
        )  # fmt: skip
    summary = analyse_risk_information(END, url=warehouse_url, run_id="manual__2")
    results = _results(warehouse_url)
    # The blog's result is gone (deleted as stale), the recall no longer counts for the face cream.
    assert ("HOME", "OTHER", "national") not in results and summary["removed_stale"] >= 1
    assert results[("COSM", "CHEMICAL", "national")]["signal_count"] == 2
    assert cream["risk_info_id"] not in results[("COSM", "CHEMICAL", "national")]["evidence_ids"]


def test_notifications_one_csv_per_recipient_with_bom(warehouse_url: str, tmp_path: Path) -> None:
    from transforms.analysis.notify import NOTIFICATION_COLUMNS, write_notifications
    from transforms.analysis.results import analyse_risk_information

    insert_risk_rows(warehouse_url, monitoring_rows())
    summary = analyse_risk_information(END, url=warehouse_url)
    files = write_notifications(summary["period_start"], summary["period_end"], url=warehouse_url, data_dir=tmp_path)
    folder = tmp_path / "notifications" / "2026-03-31"
    assert [Path(f).name for f in files] == [
        "authority-440300-深圳市市场监督管理局.csv",
        f"manufacturer-{SHENZHEN_FIRM}.csv",
    ]
    assert all(Path(f).parent == folder for f in files)

    raw = Path(files[1]).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with Path(files[1]).open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames) == NOTIFICATION_COLUMNS
        (row,) = list(reader)
    assert row["recipient"] == SHENZHEN_FIRM and row["recipient_type"] == "manufacturer"
    assert (row["category_code"], row["category_name"], row["hazard_code"], row["hazard_name"]) == (
        "ELEC", "电子电器", "FIRE", "火灾及灼烫"
    )  # fmt: skip
    assert row["scope"] == "national" and row["evidence_urls"] == "https://example.org/samr_spotcheck/heater-1"
    with Path(files[0]).open(encoding="utf-8-sig", newline="") as handle:
        (authority,) = list(csv.DictReader(handle))
    assert (authority["recipient"], authority["scope"]) == ("深圳市市场监督管理局", "region:440300")

    # A rerun rewrites the folder: same files, and a stale recipient's file disappears.
    (folder / "shop-gone.csv").write_text("old", encoding="utf-8")
    again = write_notifications(summary["period_start"], summary["period_end"], url=warehouse_url, data_dir=tmp_path)
    assert again == files and sorted(p.name for p in folder.iterdir()) == sorted(Path(f).name for f in files)


@pytest.mark.unit
def test_rules_file_is_validated_on_load(tmp_path: Path) -> None:
    import yaml

    from transforms.analysis.rules import DEFAULT_RULES_FILE, load_analysis_rules

    rules = load_analysis_rules()
    assert [r.disposition for r in rules.dispositions.rules][:2] == ["a", "a"]
    original = yaml.safe_load(DEFAULT_RULES_FILE.read_text(encoding="utf-8"))

    def refused(change, match: str) -> None:
        data = yaml.safe_load(DEFAULT_RULES_FILE.read_text(encoding="utf-8"))
        change(data)
        path = tmp_path / "rules.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        with pytest.raises(ValueError, match=match):
            load_analysis_rules(path)

    refused(lambda d: d["dispositions"]["rules"][0]["all"].append({"metric": "likes", "min": 1}), "unknown metric")
    refused(lambda d: d["dispositions"]["rules"][0]["all"].append({"metric": "hazard_code", "in": ["LAVA"]}), "LAVA")
    refused(lambda d: d["dispositions"]["rules"].append(d["dispositions"]["rules"][0]), "repeated")
    refused(lambda d: d["period"].update(window_days=0), "window_days")
    refused(lambda d: d["signals"]["injury_evidence"].update(columns=["no_such_column"]), "no_such_column")
    assert original["dispositions"]["default"]["disposition"] == "b"


@pytest.mark.unit
def test_authority_names_and_slugs() -> None:
    from transforms.analysis.notify import authority_name, slugify

    assert authority_name("440300", "市场监督管理局") == "深圳市市场监督管理局"
    assert authority_name("310115", "市场监督管理局") == "上海市浦东新区市场监督管理局"
    assert authority_name("999999", "市场监督管理局") == "999999 市场监督管理局"
    assert slugify("manufacturer-Acme Toys Co., Ltd.") == "manufacturer-acme-toys-co-ltd"
    long_name = "shop-" + "很长的店铺名称" * 20
    assert len(slugify(long_name)) == 60 and slugify(long_name) != slugify(long_name + "2")


def test_no_risk_information_gives_no_results(warehouse_url: str) -> None:
    from transforms.analysis.results import analyse_risk_information

    summary = analyse_risk_information(END, url=warehouse_url)
    assert (summary["results"], summary["records"]) == (0, 0)
    from ecmon.db import get_engine

    with get_engine(warehouse_url).connect() as conn:
        assert conn.execute(text("select count(*) from mart_analysis_result")).scalar_one() == 0
