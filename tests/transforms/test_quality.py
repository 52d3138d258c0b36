"""Data-quality gates (5.2.1): broken rows are quarantined exactly, the rest pass, too many fail the run.

The good rows are real: CPSC recalls (shared/realdata/cpsc_recall_api_json) stored as raw documents and
mapped by the project's own loader. The broken rows are copies of real rows with one field spoiled each.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select, text

from tests.conftest import count_rows, realdata_path

pytestmark = [pytest.mark.integration, pytest.mark.warehouse]

END = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)  # after the newest real recall (2026-08-13)
FETCHED = END - dt.timedelta(hours=6)
CRAWL_ID = "test_quality:cpsc_recalls"


def store_real_recalls(url: str, limit: int | None = None) -> int:
    """Register the source and one successful crawl, store real recalls as raw documents, map them."""
    from ecmon.db import get_engine, upsert
    from sql.models import CrawlRun, Source
    from sql.raw import content_hash, document_id, insert_new_documents
    from transforms.risk_information.load import load_risk_information

    recalls = json.loads(realdata_path("cpsc_recall_api_json", "cpsc_recalls_api_dump.json").read_text())[:limit]
    with get_engine(url).begin() as conn:
        upsert(
            conn,
            Source.__table__,
            [{"source": "cpsc_recalls", "channel": "e", "freshness_hours": 24, "registered_at": FETCHED}],
            ["source"],
        )
        upsert(
            conn,
            CrawlRun.__table__,
            [
                {
                    "crawl_id": CRAWL_ID,
                    "source": "cpsc_recalls",
                    "channel": "e",
                    "mode": "replay",
                    "started_at": FETCHED - dt.timedelta(minutes=5),
                    "finished_at": FETCHED,
                    "finish_reason": "finished",
                    "errors": 0,
                    "stats": {},
                }
            ],
            ["crawl_id"],
        )
        documents = []
        for recall in recalls:
            body = json.dumps(recall, ensure_ascii=False)
            digest = content_hash(body)
            documents.append(
                {
                    "document_id": document_id("cpsc_recalls", digest),
                    "source": "cpsc_recalls",
                    "channel": "e",
                    "record_key": str(recall["RecallID"]),
                    "url": "https://www.saferproducts.gov/RestWebServices/Recall?format=json",
                    "record_url": recall.get("URL"),
                    "fetched_at": FETCHED,
                    "http_status": 200,
                    "content_type": "application/json",
                    "content_hash": digest,
                    "body": body,
                    "published_at": recall.get("RecallDate"),
                    "crawl_id": CRAWL_ID,
                }
            )
        insert_new_documents(conn, documents)
    return load_risk_information(FETCHED, sources=["cpsc_recalls"], url=url)["loaded"]


def _risk_frame(url: str):
    import pandas as pd

    from ecmon.db import get_engine
    from sql.models import RiskInformation

    with get_engine(url).connect() as conn:
        return pd.read_sql(select(RiskInformation.__table__).order_by(RiskInformation.risk_info_id), conn)


def _spoilt(frame, template_row: int, record_key: str, **changes):
    """A copy of a real row under a new key, with ``changes`` applied."""
    from transforms.risk_information.mapping import risk_info_id

    row = frame.iloc[template_row].to_dict()
    row.update(record_key=record_key, risk_info_id=risk_info_id("cpsc_recalls", record_key), **changes)
    return row


def _quarantine(url: str, run_id: str) -> set[tuple[str, str, str, str | None]]:
    from ecmon.db import get_engine

    with get_engine(url).connect() as conn:
        rows = conn.execute(
            text("select table_name, row_key, expectation, column_name from stg_quarantine where run_id = :r"),
            {"r": run_id},
        )
        return {tuple(r) for r in rows}


def test_broken_rows_are_quarantined_exactly_and_the_rest_pass(warehouse_url: str, tmp_path: Path) -> None:
    import pandas as pd

    from transforms.quality.gate import run_gate

    loaded = store_real_recalls(warehouse_url)
    real = _risk_frame(warehouse_url)
    assert len(real) == loaded > 400
    duplicate = real.iloc[1].to_dict() | {"title": "same source record mapped twice"}
    broken = {
        "channel_in_5_2_2": _spoilt(real, 0, "broken-channel", channel="z"),
        "category_code_in_taxonomy": _spoilt(real, 2, "broken-category", category_code="XYZ", subcategory_code=None),
        "published_date_in_range": _spoilt(real, 3, "broken-date", published_date=dt.date(2999, 1, 1)),
        "document_id_in_raw_document": _spoilt(real, 4, "broken-document", document_id="0" * 64),
    }
    bad_barcode = _spoilt(real, 5, "warn-barcode", barcode="012345678901")  # check digit should be 5
    frame = pd.concat([real, pd.DataFrame([*broken.values(), duplicate, bad_barcode])], ignore_index=True)

    result = run_gate("stg_risk_information", frame, "manual__broken", END, url=warehouse_url, data_dir=tmp_path)

    duplicate_key = duplicate["risk_info_id"]
    expected = {("stg_risk_information", row["risk_info_id"], rule, None) for rule, row in broken.items()}
    expected = {(t, key, rule, _column(rule)) for t, key, rule, _ in expected} | {
        ("stg_risk_information", duplicate_key, "risk_info_id_unique", "risk_info_id"),
        ("stg_risk_information", duplicate_key, "source_record_key_unique", "record_key"),
    }
    assert _quarantine(warehouse_url, "manual__broken") == expected
    # Both rows claiming the duplicated key are held back: nothing says which one is right.
    assert result.quarantined_rows == len(broken) + 2
    assert set(result.quarantined_keys) == {row["risk_info_id"] for row in broken.values()} | {duplicate_key}
    assert set(result.good_keys) == (set(real["risk_info_id"]) - {duplicate_key}) | {bad_barcode["risk_info_id"]}
    assert result.failures == dict.fromkeys(broken, 1) | {"risk_info_id_unique": 2, "source_record_key_unique": 2}
    assert result.warnings == {"barcode_gtin_check_digit": 1}
    assert not result.failed
    docs = Path(result.data_docs)
    assert docs == tmp_path / "data_docs" / "manual__broken" / "index.html" and docs.is_file()

    from ecmon.db import get_engine

    with get_engine(warehouse_url).connect() as conn:
        row_data = conn.execute(
            text("select row_data from stg_quarantine where expectation = 'channel_in_5_2_2'")
        ).scalar_one()
    row_data = json.loads(row_data) if isinstance(row_data, str) else row_data
    assert row_data["channel"] == "z" and row_data["record_key"] == "broken-channel"

    # Rerunning the same run replaces its quarantine rows instead of adding to them.
    run_gate("stg_risk_information", frame, "manual__broken", END, url=warehouse_url, data_dir=tmp_path)
    assert _quarantine(warehouse_url, "manual__broken") == expected
    # One quarantine row per failing row and rule: the two duplicate rows fail two rules each.
    assert count_rows(warehouse_url, "stg_quarantine") == len(broken) + 2 * 2


def _column(rule: str) -> str:
    return {
        "channel_in_5_2_2": "channel",
        "category_code_in_taxonomy": "category_code",
        "published_date_in_range": "published_date",
        "document_id_in_raw_document": "document_id",
    }[rule]


def test_published_date_is_judged_at_the_data_interval_end_not_today(warehouse_url: str, tmp_path: Path) -> None:
    from transforms.quality.gate import run_gate

    store_real_recalls(warehouse_url)
    # Three real recalls are dated 2026-08-06 and -13: after 2026-08-04 plus the one-day tolerance.
    early_end = dt.datetime(2026, 8, 4, tzinfo=dt.UTC)
    result = run_gate("stg_risk_information", None, "manual__early", early_end, url=warehouse_url, data_dir=tmp_path)
    assert result.failures == {"published_date_in_range": 3}
    dated = _risk_frame(warehouse_url).set_index("risk_info_id")["published_date"]
    assert sorted(dated[result.quarantined_keys].astype(str)) == ["2026-08-06", "2026-08-06", "2026-08-13"]


def test_too_many_failures_stop_the_run_loudly(warehouse_url: str, tmp_path: Path) -> None:
    import pandas as pd

    from transforms.quality.gate import QualityGateFailed, run_gate

    store_real_recalls(warehouse_url, limit=20)
    real = _risk_frame(warehouse_url)
    spoilt = [_spoilt(real, i, f"complaint-{i}", channel="z") for i in range(3)]
    frame = pd.concat([real, pd.DataFrame(spoilt)], ignore_index=True)

    with pytest.raises(QualityGateFailed) as failure:
        run_gate("stg_risk_information", frame, "manual__many", END, url=warehouse_url, data_dir=tmp_path)
    message = str(failure.value)
    assert "3 of 23 rows quarantined (13.0%, limit 5.0%)" in message
    assert "channel_in_5_2_2: 3 row(s)" in message
    # The evidence is kept for inspection even though the run stops.
    assert count_rows(warehouse_url, "stg_quarantine") == 3


def test_raw_document_gate_checks_provenance(warehouse_url: str, tmp_path: Path) -> None:
    import pandas as pd

    from ecmon.db import get_engine
    from sql.models import RawDocument
    from transforms.quality.gate import run_gate

    store_real_recalls(warehouse_url, limit=100)
    with get_engine(warehouse_url).connect() as conn:
        documents = pd.read_sql(select(RawDocument.__table__), conn)
    template = documents.iloc[0].to_dict()
    broken = [
        template | {"document_id": "1" * 64, "content_hash": "a" * 64, "crawl_id": "crawl that never ran"},
        template | {"document_id": "2" * 64, "content_hash": "b" * 64, "http_status": 404},
        template | {"document_id": "3" * 64, "content_hash": "c" * 64, "body": ""},
    ]
    frame = pd.concat([documents, pd.DataFrame(broken)], ignore_index=True)
    result = run_gate("raw_document", frame, "manual__docs", END, url=warehouse_url, data_dir=tmp_path)
    assert {(key, rule) for _, key, rule, _ in _quarantine(warehouse_url, "manual__docs")} == {
        ("1" * 64, "crawl_id_in_raw_crawl_run"),
        ("2" * 64, "http_status_2xx"),
        ("3" * 64, "body_not_empty"),
    }
    assert len(result.good) == len(documents)

    # The default query reads the table without bodies; the real documents all pass.
    clean = run_gate("raw_document", None, "manual__docs_db", END, url=warehouse_url, data_dir=tmp_path)
    assert (clean.rows, clean.quarantined_rows) == (100, 0)


def test_freshness_per_source_is_measured_at_the_interval_end(warehouse_url: str, tmp_path: Path) -> None:
    from ecmon.db import get_engine, upsert
    from sql.models import CrawlRun, Source
    from transforms.quality.config import load_quality_config
    from transforms.quality.gate import QualityGateFailed, run_gate

    def crawl(crawl_id: str, source: str, finished: dt.datetime, reason: str = "finished", errors: int = 0) -> dict:
        return {
            "crawl_id": crawl_id,
            "source": source,
            "channel": "b",
            "mode": "replay",
            "finished_at": finished,
            "finish_reason": reason,
            "errors": errors,
            "stats": {},
        }

    with get_engine(warehouse_url).begin() as conn:
        upsert(
            conn,
            Source.__table__,
            [
                {"source": name, "channel": "b", "freshness_hours": 24, "registered_at": END - dt.timedelta(days=30)}
                for name in ("fresh_source", "stale_source", "never_crawled")
            ],
            ["source"],
        )
        upsert(
            conn,
            CrawlRun.__table__,
            [
                crawl("f1", "fresh_source", END - dt.timedelta(hours=3)),
                crawl("s1", "stale_source", END - dt.timedelta(days=3)),
                crawl("s2", "stale_source", END - dt.timedelta(hours=1), reason="finished", errors=2),
                crawl("s3", "stale_source", END + dt.timedelta(hours=1)),  # after the interval: does not count
                crawl("n1", "never_crawled", END - dt.timedelta(hours=2), reason="shutdown"),
            ],
            ["crawl_id"],
        )
    result = run_gate("raw_source", None, "manual__fresh", END, url=warehouse_url, data_dir=tmp_path)
    assert result.warnings == {"source_fresh": 1, "source_has_successful_crawl": 1}
    assert result.quarantined_rows == 0 and count_rows(warehouse_url, "stg_quarantine") == 0
    stale = result.good.set_index("source")
    assert stale.loc["stale_source", "hours_since_success"] == pytest.approx(72.0)

    strict = load_quality_config().model_copy(
        update={"freshness": load_quality_config().freshness.model_copy(update={"fail_on_stale_sources": True})}
    )
    with pytest.raises(QualityGateFailed, match="source_fresh: 1 row"):
        run_gate("raw_source", None, "manual__fresh", END, url=warehouse_url, config=strict, data_dir=tmp_path)


@pytest.mark.unit
def test_quality_config_is_validated_on_load(tmp_path: Path) -> None:
    from transforms.quality.config import load_quality_config

    config = load_quality_config()
    assert config.max_failing_share_for("stg_risk_information") == 0.05
    bad = tmp_path / "quality.yaml"
    bad.write_text("max_failing_share: 1.5\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"quality.yaml: invalid quality-gate configuration"):
        load_quality_config(bad)
    bad.write_text("max_failing_shares: 0.1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="max_failing_shares"):
        load_quality_config(bad)
