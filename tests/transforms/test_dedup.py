"""Unit tests for transforms.dedup: field mapping, blocking, scoring, clustering, CLI and the real-data F1 floor."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from transforms.dedup.blocking import KEYS_PER_RECORD, WINDOW, candidate_pairs
from transforms.dedup.cli import InputError, dedup_command, evaluate_command, read_records
from transforms.dedup.evaluation import pairwise_metrics, tuning_mask
from transforms.dedup.fields import canonical_frame
from transforms.dedup.matcher import DEFAULT_THRESHOLD, cluster_records, score_records, stable_cluster_ids
from transforms.dedup.prepare import build_features, normalise_words, parse_days
from transforms.dedup.realdata import load_cpsc_sources
from transforms.dedup.union_find import UnionFind, connected_roots

pytestmark = pytest.mark.unit

# Pairwise F1 measured on all 2,254 CPSC records at DEFAULT_THRESHOLD is 0.953 (precision 0.961, recall 0.945);
# the floors leave a little room for harmless tuning changes, not for regressions.
REALDATA_F1_FLOOR = 0.94
REALDATA_PRECISION_FLOOR = 0.94
REALDATA_RECALL_FLOOR = 0.92


def _realdata_dir() -> Path:
    configured = os.environ.get("ECMON_REALDATA_DIR")
    path = Path(configured) if configured else Path(__file__).resolve().parents[2].parent / "shared" / "realdata"
    if not (path / "cpsc_recall_api_json").is_dir():
        pytest.skip(f"real CPSC fixtures absent under {path} (set ECMON_REALDATA_DIR to run this test)")
    return path


# One recall as four sources would report it (field layouts of the CPSC API, the CPSC CSV export, usa.gov and a
# generic crawled news item), plus an unrelated recall by another firm on the same day.
API_RECORD = {
    "id": "api-1",
    "RecallNumber": "26606",
    "RecallDate": "2026-07-09T00:00:00",
    "Title": "Best Buy Recalls Insignia® Gas Ranges Due to Risk of Serious Injury from a Fire Hazard",
    "URL": "https://www.cpsc.gov/Recalls/2026/Best-Buy-Recalls-Insignia-Gas-Ranges",
    "Description": "This recall involves Insignia gas ranges with model numbers NS-RGFGSS1 and NS-RGFCGS2.",
    "Products": [{"Name": "Insignia Front Control Gas Ranges", "Model": ""}],
    "Manufacturers": [],
    "Importers": [{"Name": "Best Buy Purchasing LLC, of Richfield, Minnesota"}],
    "ProductUPCs": [],
}
CSV_RECORD = {
    "id": "csv-1",
    "Recall Number": "26-606",
    "Date": "July 09, 2026",
    "Recall Heading": "Best Buy Recalls Insignia&#174; Gas Ranges Due to Risk of Serious Injury from a Fire Hazard",
    "Name of product": "Insignia Front Control Gas Ranges",
    "Importers": "Best Buy Purchasing LLC, of Richfield, Minnesota",
    "Manufacturers": "",
}
USA_GOV_RECORD = {
    "id": "usa-1",
    "recall_number": "26606",
    "recall_date": "2026-07-10",
    "recall_url": "http://cs.cpsc.gov/ConceptDemo/SearchCPSC.aspx?query=26606",
    "manufacturers": ["Best Buy"],
    "descriptions": ["Insignia front control gas ranges"],
    "upcs": None,
}
NEWS_RECORD = {
    "id": "news-1",
    "title": "Best Buy recalls Insignia gas ranges over fire risk",
    "text": "The recalled ranges have model number NS-RGFGSS1 or NS-RGFCGS2.",
    "brand": "Insignia",
    "manufacturer": "Best Buy",
    "published_date": "Fri, 10 Jul 2026 14:00:00 +0000",
}
OTHER_RECORD = {
    "id": "api-2",
    "RecallNumber": "26607",
    "RecallDate": "2026-07-09T00:00:00",
    "Title": "Biometric Gun Safes Recalled Due to Serious Injury Hazard; Sold Exclusively on Amazon.com by BBRKIN",
    "Products": [{"Name": "BBRKIN and MouTec Biometric Firearm Safes", "Model": ""}],
    "Manufacturers": [],
    "Importers": [{"Name": "BBRKIN, of China"}],
    "ProductUPCs": [],
}
FOUR_REPORTS = [API_RECORD, CSV_RECORD, USA_GOV_RECORD, NEWS_RECORD]


def _frame(records: list[dict[str, object]]) -> pd.DataFrame:
    return pd.DataFrame.from_records(records)


# --------------------------------------------------------------------------------------------------- fields


def test_canonical_frame_maps_every_layout() -> None:
    canonical = canonical_frame(_frame([*FOUR_REPORTS, OTHER_RECORD]))
    assert list(canonical["product"])[:3] == [
        "Insignia Front Control Gas Ranges",
        "Insignia Front Control Gas Ranges",
        "Insignia front control gas ranges",
    ]
    assert canonical["firm"].iloc[0] == "Best Buy Purchasing LLC, of Richfield, Minnesota"
    assert canonical["firm"].iloc[2] == "Best Buy"
    assert canonical["brand"].iloc[3] == "Insignia"
    assert canonical["date"].tolist()[:4] == [
        "2026-07-09T00:00:00",
        "July 09, 2026",
        "2026-07-10",
        "Fri, 10 Jul 2026 14:00:00 +0000",
    ]
    assert canonical["title"].iloc[1].startswith("Best Buy Recalls Insignia")


def test_canonical_frame_never_exposes_identifiers() -> None:
    record = dict(API_RECORD, Description="Recall 26606 (also 26-606) involves Insignia gas ranges.")
    canonical = canonical_frame(_frame([record, CSV_RECORD, USA_GOV_RECORD]))
    flattened = " ".join(canonical.astype(str).to_numpy().ravel())
    for identifier in ("26606", "26-606", "cpsc.gov", "query="):
        assert identifier not in flattened


def test_canonical_frame_handles_missing_fields() -> None:
    canonical = canonical_frame(pd.DataFrame({"id": ["a"], "unrelated": [3]}))
    assert canonical.iloc[0].tolist() == [""] * len(canonical.columns)


# --------------------------------------------------------------------------------------------------- prepare


def test_normalise_words() -> None:
    assert (
        normalise_words("Best Buy Recalls Insignia&#174; Gas Ranges Due to Fire Hazard")
        == "best buy insignia gas range"
    )
    assert normalise_words("Lowe’s and Lowe's stores") == "lowe lowe store"
    assert normalise_words("Samsung™ Range") == "samsung range"
    assert normalise_words("天猫纸尿裤") == "天猫 猫纸 纸尿 尿裤"
    assert normalise_words("合成：Kalomi牌充电宝") == "合成 kalomi 牌充 充电 电宝"  # the brand stays a word of its own
    assert normalise_words("Maytag retira lavaplatos por peligro de incendio") == "maytag lavaplato"


def test_parse_days_mixed_spellings() -> None:
    days = parse_days(pd.Series(["2026-07-09T00:00:00", "July 09, 2026", "09.07.2026", "", "garbage"]))
    assert days[:3].tolist() == [20643.0, 20643.0, 20643.0]
    assert np.isnan(days[3]) and np.isnan(days[4])


def test_features_extract_models_and_firm_keys() -> None:
    features = build_features(canonical_frame(_frame([API_RECORD, NEWS_RECORD])))
    assert (features.models[0] >= 0).sum() == 2  # NS-RGFGSS1 and NS-RGFCGS2 from the description
    assert set(features.models[0][features.models[0] >= 0]) == set(features.models[1][features.models[1] >= 0])
    assert "best buy purchasing" in features.firm[0]
    assert "bestbuypurchasing" in features.firm[0]  # spaceless variant of a 2-3 word key: "Wal-Mart" = "Walmart"
    assert "bestbuy" in features.firm[1] and "insignia" in features.firm[1]
    long_key = build_features(canonical_frame(_frame([{"manufacturer": "Army Air Force Exchange Service"}])))
    assert long_key.firm[0] == "army air force exchange service"  # no spaceless variant beyond three words


# --------------------------------------------------------------------------------------------------- blocking


def test_blocking_pairs_the_four_reports() -> None:
    features = build_features(canonical_frame(_frame([*FOUR_REPORTS, OTHER_RECORD])))
    pairs = set(zip(*(candidate_pairs(features).left.tolist(), candidate_pairs(features).right.tolist()), strict=True))
    for first in range(4):
        for second in range(first + 1, 4):
            assert (first, second) in pairs


def _synthetic(size: int, seed: int = 0, days: int = 365) -> tuple[pd.DataFrame, np.ndarray]:
    """Recall-like records, about 30% of them a second report (reworded title) of another record's event."""
    rng = np.random.default_rng(seed)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))

    def words(count: int, length: int) -> np.ndarray:
        return np.array(["".join(rng.choice(letters, size=length)) for _ in range(count)], dtype=object)

    events = int(size / 1.4)
    brand, firm, word = words(events, 6), words(events, 7), words(events, 8)
    product = rng.choice(np.array(["stroller", "crib", "heater", "charger", "kettle", "helmet"]), size=events)
    day = rng.integers(0, days, size=events)
    event = np.concatenate([np.arange(events), rng.integers(0, events, size=size - events)])
    rng.shuffle(event)
    reworded = rng.random(size) < 0.5
    title = np.where(
        reworded,
        word[event] + " " + brand[event] + " " + product[event] + " recalled",
        brand[event] + " Recalls " + word[event] + " " + product[event] + "s Due to Fire Hazard",
    )
    dates = pd.to_datetime(day[event] + rng.integers(0, 2, size=size), unit="D", origin="2020-01-01")
    frame = pd.DataFrame(
        {
            "id": [f"r{position:07d}" for position in range(size)],
            "title": title,
            "brand": brand[event],
            "manufacturer": firm[event] + " Inc., of Springfield, IL",
            "published_date": dates.strftime("%Y-%m-%d"),
        }
    )
    return frame, event


def test_blocking_is_linear() -> None:
    frame, _ = _synthetic(5000)
    features = build_features(canonical_frame(frame))
    pairs = candidate_pairs(features)
    assert len(pairs) <= len(frame) * KEYS_PER_RECORD * (WINDOW + 2)
    assert np.all(pairs.left < pairs.right)
    encoded = pairs.left * len(frame) + pairs.right
    assert len(np.unique(encoded)) == len(encoded)


def test_blocking_skips_pairs_too_far_apart_to_match() -> None:
    near = dict(NEWS_RECORD, id="near", published_date="2026-07-11")
    far = dict(NEWS_RECORD, id="far", published_date="2027-07-11")
    features = build_features(canonical_frame(_frame([NEWS_RECORD, near, far])))
    pairs = set(zip(candidate_pairs(features).left.tolist(), candidate_pairs(features).right.tolist(), strict=True))
    assert (0, 1) in pairs and (0, 2) not in pairs
    kept = candidate_pairs(features, max_day_gap=None)
    assert (0, 2) in set(zip(kept.left.tolist(), kept.right.tolist(), strict=True))


# --------------------------------------------------------------------------------------------------- clustering


def test_union_find() -> None:
    forest = UnionFind(5)
    forest.union(0, 1)
    forest.union(3, 4)
    forest.union(1, 3)
    assert forest.find(4) == forest.find(0) != forest.find(2)
    roots = connected_roots(4, np.array([0, 2]), np.array([1, 3]))
    assert roots[0] == roots[1] != roots[2] == roots[3]


def test_cluster_records_links_every_source_of_one_event() -> None:
    clusters = cluster_records(_frame([*FOUR_REPORTS, OTHER_RECORD]))
    assert clusters.name == "cluster_id"
    assert clusters.iloc[:4].nunique() == 1
    assert clusters.iloc[4] != clusters.iloc[0]


def test_cluster_ids_are_stable_and_derived_from_the_smallest_member() -> None:
    frame = _frame([*FOUR_REPORTS, OTHER_RECORD])
    first = cluster_records(frame)
    shuffled = frame.sample(frac=1.0, random_state=3)
    second = cluster_records(shuffled)
    assert first.to_dict() == second.reindex(first.index).to_dict()
    smallest = min(str(record["id"]) for record in FOUR_REPORTS)
    assert first.iloc[0] == "c" + hashlib.sha1(smallest.encode()).hexdigest()[:16]
    assert first.iloc[4] == "c" + hashlib.sha1(b"api-2").hexdigest()[:16]


def test_cluster_records_uses_the_index_without_id_column() -> None:
    frame = _frame([{key: value for key, value in record.items() if key != "id"} for record in FOUR_REPORTS])
    frame.index = [10, 11, 12, 13]
    clusters = cluster_records(frame)
    assert list(clusters.index) == [10, 11, 12, 13]
    assert clusters.nunique() == 1 and clusters.iloc[0] == "c" + hashlib.sha1(b"10").hexdigest()[:16]


def test_cluster_records_empty_frame() -> None:
    clusters = cluster_records(pd.DataFrame({"id": [], "title": []}))
    assert clusters.empty


def test_same_source_needs_near_identical_text() -> None:
    # One feed publishing two different recalls by the same firm on the same day: not one event.
    first = dict(NEWS_RECORD, id="n1", source="feed", title="Best Buy recalls Insignia gas ranges")
    second = dict(NEWS_RECORD, id="n2", source="feed", title="Best Buy recalls Insignia chest freezers", text="")
    clusters = cluster_records(_frame([first, second]))
    assert clusters.nunique() == 2


# SYNTHETIC: the same kind of product recalled for the same hazard in the same week by two different firms, as
# real feeds report daily (power banks for fire); once the brand words are removed the product words are equal.
KALOMI_POWER_BANK = {
    "id": "syn-kalomi",
    "source": "eu_safety_gate",
    "title": "Synthetic: Kalomi power bank recalled, overheating, fire hazard",
    "product_name": "power bank model M-12",
    "brand": "Kalomi",
    "model": "M-12",
    "manufacturer": "Acorn Boreal Co., Ltd.",
    "published_date": "2026-09-03",
}
TEVUZEN_POWER_BANK = {
    "id": "syn-tevuzen",
    "source": "cpsc_recalls",
    "title": "Synthetic: Tevuzen power bank recalled, overheating, fire hazard",
    "product_name": "power bank model M-45",
    "brand": "Tevuzen",
    "model": "M-45",
    "manufacturer": "Quartz Raven Co., Ltd.",
    "published_date": "2026-09-04",
}


@pytest.mark.parametrize("drop_models", [False, True], ids=["with-models", "without-models"])
def test_different_firms_same_product_same_week_are_not_merged(drop_models: bool) -> None:
    records = [dict(KALOMI_POWER_BANK), dict(TEVUZEN_POWER_BANK)]
    if drop_models:  # the firms alone must keep them apart, not only the disjoint model numbers
        for record in records:
            record["product_name"], record["model"] = "power bank", ""
    assert cluster_records(_frame(records)).nunique() == 2


def test_different_firms_same_product_across_languages() -> None:
    # The same two events, each reported once more by a Chinese feed (brand written against the Chinese title, the
    # maker named in Chinese only): each report joins its own event through the brand and model, not the other.
    zh_kalomi = dict(KALOMI_POWER_BANK, id="syn-kalomi-zh", source="samr_spot_checks",
                     title="合成：Kalomi牌充电宝过热起火", product_name="充电宝 型号 M-12",
                     manufacturer="深圳市华美康电器有限公司")  # fmt: skip
    zh_tevuzen = dict(TEVUZEN_POWER_BANK, id="syn-tevuzen-zh", source="samr_spot_checks",
                      title="合成：Tevuzen牌充电宝过热起火", product_name="充电宝 型号 M-45",
                      manufacturer="东莞市鑫达源电子有限公司")  # fmt: skip
    clusters = cluster_records(_frame([KALOMI_POWER_BANK, TEVUZEN_POWER_BANK, zh_kalomi, zh_tevuzen]))
    assert clusters.iloc[0] == clusters.iloc[2] and clusters.iloc[1] == clusters.iloc[3]
    assert clusters.iloc[0] != clusters.iloc[1]


def test_one_event_with_the_firm_spelled_differently_is_still_merged() -> None:
    # SYNTHETIC reports of one recall: the firm misspelt by the second source, and a third source naming the
    # importer instead of the maker but listing the same model number.
    recall = {
        "id": "a",
        "source": "cpsc",
        "title": "Hamilton Beach Recalls Slow Cookers Due to Burn Hazard",
        "product_name": "Hamilton Beach 6-quart slow cookers",
        "manufacturer": "Hamilton Beach Brands, Inc., of Glen Allen, Virginia",
        "model": "33662",
        "published_date": "2026-03-05",
    }
    misspelt = {
        "id": "b",
        "source": "news",
        "title": "Slow cookers recalled over burn risk",
        "product_name": "6-quart slow cooker",
        "manufacturer": "Hamliton Beach",
        "published_date": "2026-03-06",
    }
    importer = dict(misspelt, id="c", source="retailer", manufacturer="Walmart Inc.", model="33662")
    unrelated = dict(KALOMI_POWER_BANK, published_date="2026-03-05")
    clusters = cluster_records(_frame([recall, misspelt, importer, unrelated]))
    assert clusters.iloc[:3].nunique() == 1
    assert clusters.iloc[3] != clusters.iloc[0]
    # Each link on its own, so that neither merge depends on the other.
    assert cluster_records(_frame([recall, misspelt])).nunique() == 1
    assert cluster_records(_frame([recall, importer])).nunique() == 1


def test_stable_cluster_ids_helper() -> None:
    ids = np.array(["b", "a", "c"], dtype=object)
    names = stable_cluster_ids(ids, np.array([0, 0, 2]))
    assert names[0] == names[1] == "c" + hashlib.sha1(b"a").hexdigest()[:16]
    assert names[2] == "c" + hashlib.sha1(b"c").hexdigest()[:16]


def test_clustering_synthetic_quality_and_speed() -> None:
    frame, event = _synthetic(20_000, seed=1)
    started = time.perf_counter()
    clusters = cluster_records(frame)
    elapsed = time.perf_counter() - started
    metrics = pairwise_metrics(clusters.to_numpy(), event)
    assert metrics.f1 > 0.97
    assert elapsed < 20  # about 2 s here; the 1M-row run takes about a minute


# --------------------------------------------------------------------------------------------------- evaluation


def test_pairwise_metrics() -> None:
    metrics = pairwise_metrics(np.array(["x", "x", "x", "y"]), np.array([1, 1, 2, 2]))
    assert (metrics.true_pairs, metrics.predicted_pairs, metrics.correct_pairs) == (2, 3, 1)
    assert metrics.precision == pytest.approx(1 / 3) and metrics.recall == pytest.approx(0.5)
    assert metrics.f1 == pytest.approx(0.4)


def test_tuning_mask_keeps_clusters_whole() -> None:
    truth = np.array(["a", "b", "a", "c", "b", "d"] * 50, dtype=object)
    mask = tuning_mask(truth)
    for key in set(truth):
        assert len(set(mask[truth == key])) == 1
    assert np.array_equal(mask, tuning_mask(truth))


# --------------------------------------------------------------------------------------------------- CLI


def test_dedup_command(tmp_path: Path) -> None:
    source = tmp_path / "records.jsonl"
    lines = [json.dumps(record) for record in [*FOUR_REPORTS, OTHER_RECORD]]
    lines.insert(2, "")  # blank lines are allowed
    lines.append(json.dumps({"title": "Untitled crawl item without id"}))
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    target = tmp_path / "out" / "clusters.jsonl"
    assert dedup_command(["--in", str(source), "--out", str(target)]) == 0
    rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [row["id"] for row in rows] == ["api-1", "csv-1", "usa-1", "news-1", "api-2", "records.jsonl:7"]
    assert len({row["cluster_id"] for row in rows[:4]}) == 1
    assert rows[4]["cluster_id"] != rows[0]["cluster_id"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"id": "a", "title": "x"}\n{"id": "b", "title": \n', "records.jsonl:2: not valid JSON"),
        ('{"id": "a"}\n["not", "an", "object"]\n', "records.jsonl:2: expected a JSON object, got list"),
        ('{"id": "a"}\n{"id": "a"}\n', "records.jsonl:2: duplicate id 'a' (first on line 1)"),
        ('{"id": {"nested": 1}}\n', "records.jsonl:1: id must be a string or number"),
    ],
)
def test_dedup_command_bad_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    source = tmp_path / "records.jsonl"
    source.write_text(content, encoding="utf-8")
    assert dedup_command(["--in", str(source), "--out", str(tmp_path / "out.jsonl")]) == 2
    assert message in capsys.readouterr().err
    with pytest.raises(InputError, match=message.split(": ", 1)[1].split(" (")[0]):
        read_records(source)


def test_dedup_command_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert dedup_command(["--in", str(tmp_path / "absent.jsonl"), "--out", str(tmp_path / "o.jsonl")]) == 2
    assert "absent.jsonl" in capsys.readouterr().err


def test_evaluate_command_without_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert evaluate_command(["--realdata-dir", str(tmp_path)]) == 2
    assert "missing" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------------- real data


def test_realdata_records_hide_the_recall_number() -> None:
    labelled = load_cpsc_sources(_realdata_dir())
    assert len(labelled.records) == len(labelled.truth) > 2000
    hidden = {"RecallNumber", "Recall Number", "recall_number", "URL", "recall_url"}
    assert not any(hidden & record.keys() for record in labelled.records)
    assert all(number.isdigit() for number in labelled.truth.values())


def test_realdata_pairwise_f1_floor() -> None:
    labelled = load_cpsc_sources(_realdata_dir())
    frame = pd.DataFrame.from_records(labelled.records)
    truth = np.array([labelled.truth[record_id] for record_id in frame["id"]], dtype=object)
    clusters = score_records(frame).cluster_ids(DEFAULT_THRESHOLD)
    metrics = pairwise_metrics(clusters, truth)
    assert metrics.true_pairs == 290
    assert metrics.f1 >= REALDATA_F1_FLOOR, metrics
    assert metrics.precision >= REALDATA_PRECISION_FLOOR, metrics
    assert metrics.recall >= REALDATA_RECALL_FLOOR, metrics


def test_evaluate_command_realdata(capsys: pytest.CaptureFixture[str]) -> None:
    assert evaluate_command(["--realdata-dir", str(_realdata_dir())]) == 0
    output = capsys.readouterr().out
    assert "chosen threshold (best F1 on tuning split)" in output
    assert "held-out @" in output and "all @" in output
