"""Enrichment (5.2.1 processing ahead of 5.3): incremental runs equal one full run, reruns change nothing,
and classifying in worker processes gives what classifying in-process gives.

Records are SYNTHETIC (made here): events re-reported by two or three sources a few days apart, in zh and en.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import select

from ecmon.db import bulk_upsert, dispose_engines, get_engine
from sql.models import RawDocument, RiskInformation
from sql.warehouse import upgrade
from transforms import enrich

pytestmark = [pytest.mark.warehouse, pytest.mark.integration]

RUN_AT = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
PRODUCTS = [("充电宝", "power bank"), ("儿童玩具", "children's toy"), ("电热毯", "electric blanket"),
            ("婴儿推车", "baby stroller"), ("饼干", "cookies"), ("羽绒服", "down jacket")]  # fmt: skip
HAZARDS = [("过热起火", "overheating, fire hazard"), ("小零件脱落", "small parts, choking hazard"),
           ("菌落总数超标", "bacteria count above the limit"), ("标识不合格", "missing warning label")]  # fmt: skip
SOURCES = [("samr_spot_checks", "b", "zh"), ("heimao_tousu", "a", "zh"), ("cpsc_recalls", "e", "en"),
           ("eu_safety_gate", "e", "en")]  # fmt: skip
SYLLABLES = ["ka", "lo", "mi", "ra", "te", "vu", "zen", "po", "shi", "dar", "qu", "nel", "bo", "fi", "gan", "hu"]
FIRM_WORDS = [
    "Acorn",
    "Boreal",
    "Cobalt",
    "Delta",
    "Ember",
    "Fjord",
    "Granite",
    "Harbor",
    "Indigo",
    "Juniper",
    "Kestrel",
    "Lumen",
    "Meridian",
    "Nimbus",
    "Orchid",
    "Pioneer",
    "Quartz",
    "Raven",
    "Summit",
    "Tundra",
]
FIRM_CHARS = list("华美康达兴盛宏远金鑫瑞丰泰安佳源星辰")
SNAPSHOT = ["risk_info_id", "category_code", "category_label_source", "hazard_code", "cluster_id", "country_code",
            "region_code", "model", "needs_review"]  # fmt: skip


def synthetic_batch(events: range, seed: int, first_report: int = 0) -> tuple[list, list]:
    """Raw documents and risk rows for synthetic ``events``, each reported by 1–3 sources.

    An event's product, hazard, firm, brand and day depend on its number only, so a later batch can carry
    re-reports of earlier events (``first_report`` > 0: published that many days after the event).
    """
    rng = random.Random(seed)
    docs, risks = [], []
    for event in events:
        facts = random.Random(event)
        (zh, en), (hz_zh, hz_en) = facts.choice(PRODUCTS), facts.choice(HAZARDS)
        day = dt.date(2026, 9, 1) + dt.timedelta(days=facts.randrange(30))
        brand = "".join(facts.sample(SYLLABLES, 3)).capitalize()
        firm_en, firm_zh = " ".join(facts.sample(FIRM_WORDS, 2)), "".join(facts.sample(FIRM_CHARS, 3))
        for number, (source, channel, lang) in enumerate(rng.sample(SOURCES, rng.randint(1, 3)), first_report):
            key = f"syn-{event}-{number}"
            if lang == "zh":
                title, product = f"合成：{brand}牌{zh}{hz_zh}", f"{zh} 型号 M-{event}"
                maker, hazard = f"深圳市{firm_zh}电器有限公司", hz_zh
            else:
                title, product = f"Synthetic: {brand} {en} recalled, {hz_en}", f"{en} model M-{event}"
                maker, hazard = f"{firm_en} Co., Ltd.", hz_en
            body = f"synthetic {key}"
            doc_id = hashlib.sha256(f"{source}\x1f{body}".encode()).hexdigest()
            docs.append({"document_id": doc_id, "source": source, "channel": channel, "record_key": key,
                         "url": f"https://synthetic.invalid/{key}", "record_url": None, "fetched_at": RUN_AT,
                         "http_status": 200, "content_type": "text/plain", "content_hash": doc_id, "body": body,
                         "published_at": day.isoformat(), "crawl_id": "test"})  # fmt: skip
            risks.append({"risk_info_id": hashlib.sha256(f"{source}\x1f{key}".encode()).hexdigest(),
                          "document_id": doc_id, "source": source, "channel": channel, "record_key": key,
                          "info_type": "recall", "title": title, "product_name": product, "description": hazard,
                          "category_code": None, "hazard_item": hazard, "manufacturer": maker, "brand": brand,
                          "model": f"M-{event}", "published_date": day + dt.timedelta(days=number),
                          "needs_review": False, "attributes": {"synthetic": True}, "mapped_at": RUN_AT,
                          **dict.fromkeys(("for_infants", "for_children", "for_pregnant", "for_elderly",
                                           "for_patients"), False)})  # fmt: skip
    return docs, risks


def event_of(risk_info_ids: pd.Series, batches: Any) -> pd.Series:
    keys = {r["risk_info_id"]: r["record_key"].split("-")[1] for batch in batches for r in batch[1]}
    return risk_info_ids.map(keys)


def load(url: str, batch: tuple[list, list]) -> None:
    docs, risks = batch
    with get_engine(url).begin() as conn:
        bulk_upsert(conn, RawDocument.__table__, docs, ["document_id"], ())
        bulk_upsert(conn, RiskInformation.__table__, risks, ["risk_info_id"])


def snapshot(url: str) -> pd.DataFrame:
    table = RiskInformation.__table__
    with get_engine(url).connect() as conn:
        rows = conn.execute(select(*[table.c[c] for c in SNAPSHOT]).order_by(table.c.risk_info_id)).all()
    return pd.DataFrame(rows, columns=SNAPSHOT)


@pytest.fixture(scope="module")
def batches() -> tuple[tuple[list, list], tuple[list, list]]:
    # The second batch: 40 new events, and re-reports (3 days on) of 20 events of the first batch.
    fresh, again = synthetic_batch(range(150, 190), seed=2), synthetic_batch(range(20), seed=3, first_report=3)
    return synthetic_batch(range(150), seed=1), (fresh[0] + again[0], fresh[1] + again[1])


def same_cluster_pairs(snap: pd.DataFrame) -> set[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    for members in snap.groupby("cluster_id")["risk_info_id"]:
        ids = sorted(members[1])
        pairs.update((a, b) for i, a in enumerate(ids) for b in ids[i + 1 :])
    return pairs


def test_incremental_runs_agree_with_one_full_run(warehouse_url: str, tmp_path: Path, batches: Any) -> None:
    first, second = batches
    load(warehouse_url, first)
    assert enrich.enrich_risk_information(RUN_AT, url=warehouse_url)["enriched"] == len(first[1])
    load(warehouse_url, second)
    summary = enrich.enrich_risk_information(RUN_AT, url=warehouse_url)
    assert summary["enriched"] == len(second[1])
    assert summary["stored_rows_reclustered"] > 0  # the case under test: new reports join stored events
    incremental = snapshot(warehouse_url)

    once = f"sqlite:///{tmp_path / 'once.sqlite'}"
    upgrade(once)
    load(once, (first[0] + second[0], first[1] + second[1]))
    enrich.enrich_risk_information(RUN_AT, url=once)
    in_one_go = snapshot(once)
    dispose_engines()
    # Normalisation and classification are per row: identical.
    columns = [c for c in SNAPSHOT if c != "cluster_id"]
    pd.testing.assert_frame_equal(incremental[columns], in_one_go[columns])
    # Clustering: candidate pairs are chosen per batch (blocking), so a few pairs may differ; the clusters
    # must still agree almost everywhere (pairwise F1 of one against the other).
    a, b = same_cluster_pairs(incremental), same_cluster_pairs(in_one_go)
    shared = len(a & b)
    agreement = 2 * shared / (len(a) + len(b))
    assert agreement >= 0.9, (len(a), len(b), shared)
    # And the incremental clusters are the events (pairwise F1 against the true events).
    truth = same_cluster_pairs(incremental.assign(cluster_id=event_of(incremental["risk_info_id"], batches)))
    found = len(a & truth)
    assert 2 * found / (len(a) + len(truth)) >= 0.85, (len(a), len(truth), found)


def test_rerun_changes_nothing(warehouse_url: str, batches: Any) -> None:
    load(warehouse_url, batches[0])
    enrich.enrich_risk_information(RUN_AT, url=warehouse_url)
    before = snapshot(warehouse_url)
    assert enrich.enrich_risk_information(RUN_AT, url=warehouse_url) == {"enriched": 0}
    enrich.enrich_risk_information(RUN_AT, url=warehouse_url, full=True)
    pd.testing.assert_frame_equal(snapshot(warehouse_url), before)


def test_worker_processes_classify_like_the_caller(monkeypatch: pytest.MonkeyPatch, batches: Any) -> None:
    frame = pd.DataFrame(batches[0][1] + batches[1][1]).assign(hazard_code=None, category_label_source=None)
    frame["category_confidence"] = frame["hazard_confidence"] = None
    frame["hazard_label_source"] = None
    in_process = enrich.classify(frame)
    monkeypatch.setattr(enrich, "PARALLEL_MIN_ROWS", 1)
    monkeypatch.setattr(enrich, "CHUNK_ROWS", 25)  # many chunks: some run in workers, the rest in the caller
    pending = enrich.PendingClassification(frame, None)
    assert pending.futures, "the batch should have been queued to worker processes"
    pd.testing.assert_frame_equal(pending.finish(), in_process)
    assert in_process["category_code"].notna().all() and in_process["hazard_code"].notna().all()
