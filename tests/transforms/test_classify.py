"""Category and hazard classifiers: CLI round trip, input errors, source labels, saved model, real texts."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from transforms import taxonomy
from transforms.classify import MODEL_DIR, classify_with_source_labels, predict_frame
from transforms.classify.blend import KeywordBlendClassifier
from transforms.classify.cli import classify_command, evaluate_command, read_records
from transforms.classify.dataset import load_real_records
from transforms.classify.features import RecordText
from transforms.classify.lexicon import TermMatcher, head_match, product_phrases
from transforms.classify.sources import read_cn_spotcheck_jsonl, read_cpsc_recall_api, read_foodmate_csv
from transforms.classify.text import normalise_text

pytestmark = pytest.mark.unit


def realdata_dir() -> Path:
    configured = os.environ.get("ECMON_REALDATA_DIR")
    path = Path(configured) if configured else Path(__file__).resolve().parents[2].parent / "shared" / "realdata"
    if not path.is_dir():
        pytest.skip(f"real data not available at {path} (set ECMON_REALDATA_DIR to the shared/realdata folder)")
    return path


def write_jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_classify_cli_round_trip(tmp_path):
    source = write_jsonl(
        tmp_path / "records.jsonl",
        [
            json.dumps(
                {"id": "a1", "title": "电热毯", "text": "不合格项目：泄漏电流、接地措施", "lang": "zh"},
                ensure_ascii=False,
            ),
            "",
            json.dumps({"id": 2, "title": "Power bank", "text": "The battery can overheat, posing a fire hazard."}),
            json.dumps({"id": "c3", "text": None}),
        ],
    )
    target = tmp_path / "out" / "labels.jsonl"
    assert classify_command(["--in", str(source), "--out", str(target)]) == 0
    rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["a1", 2, "c3"]
    for row in rows:
        assert set(row) == {"id", "category", "category_confidence", "hazard", "hazard_confidence", "needs_review"}
        assert row["category"] in taxonomy.PRODUCT_TOP_CODES
        assert row["hazard"] in taxonomy.HAZARD_TOP_CODES
        assert 0.0 <= row["category_confidence"] <= 1.0 and 0.0 <= row["hazard_confidence"] <= 1.0
    assert (rows[0]["category"], rows[0]["hazard"]) == ("ELEC", "ELECTRIC")
    assert (rows[1]["category"], rows[1]["hazard"]) == ("ELEC", "FIRE")


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (['{"id": "ok", "title": "x"}', '{"id": "broken", '], r"records\.jsonl: line 2: invalid JSON"),
        (['{"id": "ok"}', "", '{"title": "no id"}'], r"records\.jsonl: line 3: field 'id' is missing"),
        (['["not", "an", "object"]'], r"line 1: expected a JSON object"),
        (['{"id": "x", "text": 42}'], r"line 1: field 'text' must be a string"),
    ],
)
def test_bad_input_names_file_and_line(tmp_path, capsys, lines, message):
    source = write_jsonl(tmp_path / "records.jsonl", lines)
    assert classify_command(["--in", str(source), "--out", str(tmp_path / "labels.jsonl")]) == 2
    assert re.search(message, capsys.readouterr().err)
    assert not (tmp_path / "labels.jsonl").exists()


def test_read_records_keeps_optional_fields(tmp_path):
    source = write_jsonl(tmp_path / "r.jsonl", ['{"id": "1", "title": "t", "lang": "en"}'])
    frame = read_records(source)
    assert frame.loc[0, "lang"] == "en" and frame.loc[0, "text"] is None


# Constructed examples in the wording of Chinese spot-check notices and recall notices (not real records).
CONSTRUCTED = [
    ("电热毯", "不合格项目：泄漏电流、接地措施", "ELEC", "ELECTRIC"),
    ("儿童玩具 毛绒公仔", "不合格项目：小零件", "CHILD", "CHOKING"),
    ("LED台灯", "不合格项目：无线电骚扰、谐波电流", "ELEC", "EMC"),
    ("羽绒服", "不合格项目：含绒量、绒子含量", "TEXT", "PERFORMANCE"),
    ("插头插座", "不合格项目：插套、防触电保护", "BUILD", "ELECTRIC"),
    ("汽车用尿素", "不合格项目：尿素含量", "VEHI", "PERFORMANCE"),
    ("Frozen shrimp", "Products may be contaminated with Listeria monocytogenes.", "FOOD", "MICROBIO"),
    (
        "Bunk beds",
        "The guardrail spacing can entrap a child's head, posing an entrapment hazard.",
        "CHILD",
        "MECHANICAL",
    ),
    ("Cordless drill", "The switch can fail, posing a laceration hazard.", "TOOL", "MECHANICAL"),
]


def test_constructed_zh_and_en_examples():
    frame = pd.DataFrame([{"title": t, "text": x} for t, x, _, _ in CONSTRUCTED])
    result = predict_frame(frame)
    got = list(zip(result["category"], result["hazard"], strict=True))
    assert got == [(c, h) for _, _, c, h in CONSTRUCTED]


# Constructed product names of the rare classes, in zh, en and de (not real records): kinds the training
# data hardly holds, which the classifier reaches through the taxonomy's own vocabulary.
RARE_KINDS = [
    ("复合肥料 40kg", "AGRI"),
    ("Rasendünger mit Langzeitwirkung, 10 kg", "AGRI"),
    ("Organic lawn fertilizer, 20 lb bag", "AGRI"),
    ("乳胶漆 内墙", "BUILD"),
    ("Tile adhesive for bathroom walls", "BUILD"),
    ("ABC干粉灭火器 4kg", "SAFETY"),
    ("Wireless smoke alarm with 10-year battery", "SAFETY"),
    ("含氟牙膏 120g", "COSM"),
    ("Lipstick, matte red", "COSM"),
    ("一次性纸杯 250ml", "FCM"),
    ("Single-use central venous catheter kit", "OTHER"),
]


def test_rare_kinds_are_reached_through_the_taxonomy():
    frame = pd.DataFrame([{"title": title, "text": ""} for title, _ in RARE_KINDS])
    assert list(predict_frame(frame)["category"]) == [top for _, top in RARE_KINDS]


def test_real_texts_from_shared_realdata():
    folder = realdata_dir()
    failed_food = next(
        r for r in read_foodmate_csv(next((folder / "cn_food_spotcheck_foodmate").glob("*.csv"))) if r.hazard_labels
    )
    fluid = next(
        r
        for r in read_cn_spotcheck_jsonl(
            folder / "cn_product_spotcheck_derived" / "samr-china-2023-nonconforming-fluids.jsonl"
        )
    )
    crib = next(
        r
        for r in read_cpsc_recall_api(folder / "cpsc_recall_api_json" / "cpsc_recalls_api_dump.json")
        if "Crib" in r.title and "Suffocation" in r.title
    )
    frame = pd.DataFrame([{"title": r.title, "text": r.text} for r in (failed_food, fluid, crib)])
    result = predict_frame(frame)
    assert list(result["category"]) == ["FOOD", "VEHI", "CHILD"]
    assert list(result["hazard"]) == ["CHEMICAL", "PERFORMANCE", "CHOKING"]


def test_source_label_wins_over_the_model():
    frame = pd.DataFrame(
        [
            {
                "title": "Stroller",
                "text": "The stroller can collapse.",
                "source_scheme": "cpsc",
                "source_category_label": "Fans",
                "source_hazard_label": "Electrocution/Electric Shock",
            },
            {"title": "Stroller", "text": "The stroller can collapse.", "source_scheme": None},
        ]
    )
    result = classify_with_source_labels(frame)
    first, second = result.iloc[0], result.iloc[1]
    assert (first["category"], first["category_code"], first["category_source"]) == ("ELEC", "ELEC.FAN", "source_label")
    assert (first["hazard"], first["hazard_confidence"], first["hazard_source"]) == ("ELECTRIC", 1.0, "source_label")
    assert (second["category"], second["category_source"]) == ("CHILD", "model")


def test_review_threshold_is_configurable():
    frame = pd.DataFrame([{"title": "电热毯", "text": "泄漏电流"}, {"title": "", "text": ""}])
    assert predict_frame(frame, review_threshold=1.01)["needs_review"].all()
    assert not predict_frame(frame, review_threshold=0.0)["needs_review"].any()
    assert predict_frame(frame.iloc[0:0]).empty


def test_model_directory_is_overridable(tmp_path):
    with pytest.raises(FileNotFoundError, match="no category model"):
        predict_frame(pd.DataFrame([{"title": "x"}]), model_dir=tmp_path)


def test_saved_model_is_small_and_documented():
    files = list(MODEL_DIR.iterdir())
    assert sum(f.stat().st_size for f in files) < 15 * 1024 * 1024
    metadata = json.loads((MODEL_DIR / "metadata.json").read_text(encoding="utf-8"))
    assert metadata["taxonomy_version"] == taxonomy.taxonomy_version()
    assert all(len(f["sha256"]) == 64 and f["records"] > 0 for f in metadata["data_snapshot"]["files"])
    evaluation = json.loads((MODEL_DIR / "evaluation.json").read_text(encoding="utf-8"))
    for target in ("category", "hazard"):
        figures = evaluation[target]
        assert {"macro_f1", "accuracy", "per_class", "confusion_matrix", "by_source", "review"} <= set(figures)
        assert metadata["targets"][target]["scores"]["macro_f1"] == figures["macro_f1"]
        assert set(metadata["targets"][target]["blend_weights"]) >= {"model"}
    report = (MODEL_DIR / "evaluation.md").read_text(encoding="utf-8")
    assert "whole source files held out" in report and "optimistic" in report


def test_evaluate_command_prints_the_saved_figures(capsys):
    assert evaluate_command([]) == 0
    out = capsys.readouterr().out
    assert "category: macro-F1" in out and "hazard: macro-F1" in out and "confusion matrix" in out


def test_training_labels_come_through_the_crosswalks():
    records, snapshots = load_real_records(realdata_dir())
    assert {s.file.split("/")[0] for s in snapshots} >= {"cpsc_recall_api_json", "cn_food_spotcheck_foodmate"}
    assert set(records["category"].dropna()) <= set(taxonomy.PRODUCT_TOP_CODES)
    assert set(records["hazard"].dropna()) <= set(taxonomy.HAZARD_TOP_CODES)
    normalised = records["title"].fillna("") + "\u0001" + records["text"].fillna("")
    assert normalised.is_unique


def _matcher(*terms: str) -> TermMatcher:
    return TermMatcher({normalise_text(term): i for i, term in enumerate(terms)})


def _head(matcher: TermMatcher, text: str) -> str | None:
    found = head_match(matcher, normalise_text(text))
    return found.text if found else None


def test_german_compounds_are_split_only_in_german_text():
    matcher = _matcher("dünger", "blausäure", "glassplitter", "table")
    german = normalise_text("Rasendünger mit Langzeitwirkung; erhöhter Blausäuregehalt, Fund von Glassplittern")
    assert [m.text for m in matcher.matches(german, compounds=True)] == ["dünger", "blausäure", "glassplitter"]
    assert _head(matcher, "Rasendünger mit Langzeitwirkung, 10 kg") == "dünger"
    assert matcher.matches(normalise_text("vegetable tray"), compounds=False) == []


def test_head_term_is_the_last_product_word_of_the_product_phrase():
    matcher = _matcher(
        "power tool",
        "battery charger",
        "burn",
        "tea",
        "tea glass",
        "plastic cup",
        "pecorino",
        "arrow",
        "catheter",
        "儿童",
        "电动车",
        "充电器",
    )
    assert (
        _head(matcher, "Alltrade Tools Recalls Power Tool Battery Chargers Due to Burn Hazards") == "battery chargers"
    )
    assert _head(matcher, "Cost Plus World Market Moroccan Tea Glasses ; hazard: Lead") == "tea glasses"
    assert _head(matcher, "儿童电动车用充电器") == "充电器"
    # what follows the net quantity is packaging, and a one-word phrase before a comma is a brand
    assert _head(matcher, "Grated Pecorino Romano 8 oz plastic cup & lid") == "pecorino"
    assert _head(matcher, "Arrow, ArrowG+ARD Blue Plus Central Venous Catheter") == "catheter"
    assert product_phrases(normalise_text("CPSC, Kelty Inc. Announce Recall of Speedster Jogging Strollers")) == (
        "speedster jogging strollers",
        "speedster jogging strollers",
    )


class _KeywordColumns(BaseEstimator, TransformerMixin):
    """Test keyword block: one column per code, 1 where the code's keyword is in the text."""

    def __init__(self, keywords: tuple[tuple[str, str], ...] = ()):
        self.keywords = keywords

    def fit(self, texts: object, y: object = None) -> _KeywordColumns:
        self.codes_ = [code for code, _ in self.keywords]
        return self

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        return sparse.csr_matrix([[float(word in text) for _, word in self.keywords] for text in texts])


def test_blend_reaches_a_class_that_only_the_lexicon_knows():
    """Class C has no real record; its keyword still decides, because the blend weights are shared."""
    rows = [("the kettle boils water", "A", f"a{i % 3}") for i in range(12)]
    rows += [("the stroller folds flat", "B", f"b{i % 3}") for i in range(12)]
    rows += [("fertiliser", "C", "taxonomy:kinds"), ("fertiliser granules", "C", "taxonomy:kinds")]
    frame = pd.DataFrame(rows, columns=["text", "label", "group"]).assign(title="")
    base = Pipeline(
        [
            ("record_text", RecordText()),
            ("features", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3))),
            ("classifier", LinearSVC(class_weight="balanced", random_state=0)),
        ]
    )
    keywords = _KeywordColumns((("A", "kettle"), ("B", "stroller"), ("C", "fertiliser")))
    model = KeywordBlendClassifier(base, [("keywords", keywords)], inner_splits=3)
    model.fit(frame[["title", "text"]], frame["label"].to_numpy(), groups=frame["group"].to_numpy())
    unseen = pd.DataFrame({"title": ["", ""], "text": ["organic fertiliser for lawns", "a kettle with a whistle"]})
    assert list(model.predict(unseen)) == ["C", "A"]
    probabilities = model.predict_proba(unseen)
    assert np.allclose(probabilities.sum(axis=1), 1.0) and model.blend_weights()["keywords"] > 0
