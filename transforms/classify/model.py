"""The two classification pipelines (category, hazard), built identically apart from a few settings.

Each is one scikit-learn ``Pipeline`` from a DataFrame with ``title``/``text`` to a top-level code:
record text → [character n-gram TF-IDF | taxonomy lexicon hits] → linear SVM, calibrated with
Platt scaling so that ``predict_proba`` gives a usable confidence for the review threshold (5.3.1:
an analysis result names product and hazard; uncertain ones go to an analyst).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from transforms.classify.features import LexiconHits, RecordText

TARGETS: tuple[str, ...] = ("category", "hazard")


@dataclass(frozen=True)
class PipelineSettings:
    # How much of ``text`` is read: the product is named early, the hazard statement may come later.
    max_text_chars: int
    # Weight of the lexicon view against the (L2-normalised) n-gram view.
    lexicon_weight: float
    # Inverse regularisation of the SVM; smaller = smoother, which generalises better to new sources.
    svm_c: float
    char_ngram_range: tuple[int, int] = (1, 4)


# Chosen on the source-held-out evaluation (see evaluation.json); not tuned per class.
SETTINGS: dict[str, PipelineSettings] = {
    "category": PipelineSettings(max_text_chars=600, lexicon_weight=1.0, svm_c=0.5),
    "hazard": PipelineSettings(max_text_chars=2000, lexicon_weight=0.5, svm_c=0.2),
}


def build_pipeline(target: str, random_state: int = 0) -> Pipeline:
    if target not in TARGETS:
        raise ValueError(f"target must be one of {TARGETS}, not {target!r}")
    settings = SETTINGS[target]
    features = FeatureUnion(
        [
            (
                "char_ngrams",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=settings.char_ngram_range,
                    sublinear_tf=True,
                    lowercase=False,  # RecordText already normalised (NFKC, casefold)
                    dtype=np.float32,
                ),
            ),
            ("lexicon", LexiconHits(target)),
        ],
        transformer_weights={"char_ngrams": 1.0, "lexicon": settings.lexicon_weight},
    )
    classifier = CalibratedClassifierCV(
        LinearSVC(C=settings.svm_c, class_weight="balanced", random_state=random_state),
        method="sigmoid",
        cv=3,
        ensemble=False,
    )
    return Pipeline(
        [("record_text", RecordText(settings.max_text_chars)), ("features", features), ("classifier", classifier)]
    )


def settings_dict(target: str) -> dict[str, object]:
    return asdict(SETTINGS[target])
