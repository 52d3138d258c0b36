"""The two classifiers (category, hazard), built identically apart from a few settings.

Each is a ``KeywordBlendClassifier`` (see ``blend``) from a DataFrame with ``title``/``text`` to a
top-level code:

- base model: record text → [character n-gram TF-IDF | taxonomy lexicon hits | head product term] →
  LinearSVC with balanced class weights;
- keyword blocks: the taxonomy's own zh/en/de names and synonyms, matched in the text;
- blend: a softmax over ``a·svm + Σ b·keyword`` whose few shared weights are fitted on out-of-fold
  scores with whole source files held out, which also calibrates ``predict_proba`` for the review
  threshold (5.3.1: an analysis result names product and hazard; uncertain ones go to an analyst).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from transforms.classify.blend import KeywordBlendClassifier
from transforms.classify.dataset import LEXICON_GROUP_PREFIX
from transforms.classify.features import HeadTerm, LexiconHits, RecordText
from transforms.classify.vectorizer import WordCachedTfidfVectorizer

TARGETS: tuple[str, ...] = ("category", "hazard")
# Model predictions less confident than this are flagged ``needs_review`` (5.3.1 "analyse and verify").
DEFAULT_REVIEW_THRESHOLD = 0.6


@dataclass(frozen=True)
class PipelineSettings:
    # How much of ``text`` is read: the product is named early, the hazard statement may come later.
    max_text_chars: int
    # Weight of the lexicon-hit columns against the (L2-normalised) n-gram view inside the base model.
    lexicon_weight: float
    # Weight of the head-term columns inside the base model (0 = not used).
    head_weight: float
    # Inverse regularisation of the SVM; smaller = smoother, which generalises better to new sources.
    svm_c: float
    # Keyword blocks of the blend: "head" (head product term), "lexicon" (hits in the whole text),
    # "phrase" (hits in the product phrase only).
    keyword_blocks: tuple[str, ...]
    char_ngram_range: tuple[int, int] = (1, 4)
    # LinearSVC class weights: "balanced" (inverse class frequency) or None (every record counts once).
    class_weight: str | None = "balanced"
    # LinearSVC intercept_scaling: larger = the per-class intercept is regularised less.
    intercept_scaling: float = 1.0
    # Folds of whole source files for the out-of-fold scores the blend weights are fitted on.
    inner_splits: int = 4
    blend_l2: float = 0.01


# Chosen on the source-held-out evaluation (see evaluation.json); not tuned per class.
SETTINGS: dict[str, PipelineSettings] = {
    # intercept_scaling 3: with the default 1 the intercepts are shrunk so much that a record with no
    # known word falls to FOOD, the biggest class (held-out macro-F1 0.8988 → 0.9001, see evaluation.md).
    "category": PipelineSettings(
        max_text_chars=600,
        lexicon_weight=1.0,
        head_weight=1.0,
        svm_c=0.5,
        keyword_blocks=("head", "phrase"),
        intercept_scaling=3.0,
    ),
    # Hazard words are spread over the text; a hazard "head" means nothing, so only hits are used.
    "hazard": PipelineSettings(
        max_text_chars=2000, lexicon_weight=0.5, head_weight=0.0, svm_c=0.2, keyword_blocks=("lexicon",)
    ),
}


def _keyword_block(target: str, name: str) -> object:
    if name == "head":
        return HeadTerm(target)
    if name in ("lexicon", "phrase"):
        return LexiconHits(target, scope="text" if name == "lexicon" else "phrase")
    raise ValueError(f"unknown keyword block {name!r}")


def build_base_pipeline(target: str, random_state: int = 0) -> Pipeline:
    """The linear text model: record text → n-grams + lexicon (+ head term) → LinearSVC."""
    if target not in TARGETS:
        raise ValueError(f"target must be one of {TARGETS}, not {target!r}")
    settings = SETTINGS[target]
    views: list[tuple[str, object]] = [
        (
            "char_ngrams",
            WordCachedTfidfVectorizer(  # identical to TfidfVectorizer, faster to apply (see vectorizer)
                analyzer="char_wb",
                ngram_range=settings.char_ngram_range,
                sublinear_tf=True,
                lowercase=False,  # RecordText already normalised (NFKC, casefold)
                dtype=np.float32,
            ),
        ),
        ("lexicon", LexiconHits(target)),
    ]
    weights = {"char_ngrams": 1.0, "lexicon": settings.lexicon_weight}
    if settings.head_weight:
        views.append(("head", HeadTerm(target)))
        weights["head"] = settings.head_weight
    return Pipeline(
        [
            ("record_text", RecordText(settings.max_text_chars)),
            ("features", FeatureUnion(views, transformer_weights=weights)),
            (
                "classifier",
                LinearSVC(
                    C=settings.svm_c,
                    class_weight=settings.class_weight,
                    intercept_scaling=settings.intercept_scaling,
                    random_state=random_state,
                ),
            ),
        ]
    )


def build_pipeline(target: str, random_state: int = 0) -> KeywordBlendClassifier:
    """The full classifier; fit it with ``fit(records, labels, groups=source_files)``."""
    base = build_base_pipeline(target, random_state)  # rejects unknown targets
    settings = SETTINGS[target]
    return KeywordBlendClassifier(
        base,
        [(name, _keyword_block(target, name)) for name in settings.keyword_blocks],
        inner_splits=settings.inner_splits,
        l2=settings.blend_l2,
        always_train_prefix=LEXICON_GROUP_PREFIX,
    )


def settings_dict(target: str) -> dict[str, object]:
    return asdict(SETTINGS[target])
