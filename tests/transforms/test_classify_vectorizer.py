"""The word-cached TF-IDF gives exactly the parent's matrix, so saved models predict as before (5.3)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from tests.conftest import realdata_path
from transforms.classify import vectorizer
from transforms.classify.features import RecordText
from transforms.classify.vectorizer import WordCachedTfidfVectorizer

SETTINGS = {"analyzer": "char_wb", "ngram_range": (1, 4), "sublinear_tf": True, "lowercase": False, "dtype": np.float32}
TRAIN = ["儿童玩具 小零件脱落", "power bank recalled, fire hazard", "Kinderwagen Bremse versagt", "电热毯 过热 起火"]


def assert_same_matrix(texts: list[str], fit_on: list[str], monkeypatch: pytest.MonkeyPatch | None = None) -> None:
    plain = TfidfVectorizer(**SETTINGS).fit(fit_on)
    cached = WordCachedTfidfVectorizer(**SETTINGS).fit(fit_on)
    assert plain.vocabulary_ == cached.vocabulary_
    expected, got = plain.transform(texts), cached.transform(texts)
    assert type(got) is type(expected) and got.shape == expected.shape and got.dtype == expected.dtype
    assert (expected != got).nnz == 0


def test_same_counts_on_edge_cases(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vectorizer, "BATCH_DOCUMENTS", 2)  # several batches, each with its own word cache
    texts = ["", "   ", "a", "power power power", "tab\tseparated\nlines  and  gaps", "儿童玩具", "未知词 unseen"]
    assert_same_matrix(texts, TRAIN)


def test_other_analyzers_fall_back_to_the_parent() -> None:
    words = WordCachedTfidfVectorizer(analyzer="word").fit(TRAIN)
    assert (words.transform(TRAIN) != TfidfVectorizer(analyzer="word").fit(TRAIN).transform(TRAIN)).nnz == 0


def test_same_matrix_on_real_records() -> None:
    from transforms.classify.dataset import load_real_records

    records, _ = load_real_records(realdata_path())
    texts = RecordText(600).transform(records)
    assert_same_matrix(texts, texts[::3])
