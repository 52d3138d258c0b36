"""A calibrated blend of the linear text model and the taxonomy keyword matcher.

The linear model (character n-grams + lexicon features → LinearSVC) learns the wording of the sources it
was trained on; on a source or product kind it has never seen, its scores drift towards the big classes.
The keyword matcher knows every kind the taxonomy names (zh, en, de) but not the sources' wording. The
blend scores each class ``c`` of a record as

    score_c = a · svm_c + b_1 · block1_c + b_2 · block2_c …        p = softmax(score)

with ``svm_c`` the model's decision value and ``block_c`` a keyword view of the record (the head
product term is ``c``; share of taxonomy terms of ``c``; see ``features``). The few weights are shared by
all classes, so a class they were never fitted on (a tiny class whose only source file is held out) is
still reachable through its keywords. They are fitted by maximum likelihood on out-of-fold model scores
with whole source files held out, as in the evaluation, so the blend learns how far to trust the model
on unseen sources, and ``predict_proba`` is calibrated on that footing (it feeds the review threshold).
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, sparse
from scipy.special import logsumexp, softmax
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import Pipeline


class KeywordBlendClassifier(BaseEstimator, ClassifierMixin):
    """``base``: a Pipeline ``record_text`` → ``features`` → classifier with ``decision_function``.
    ``keyword_blocks``: (name, transformer of the record text) pairs, each with a column per top-level
    code (``codes_``). The blend has one weight for the model and one per block.

    ``fit(records, y, groups=...)``: ``groups`` names each row's source file. Rows whose group starts
    with ``always_train_prefix`` (the taxonomy lexicon rows) are in every inner training fold and never
    scored; the other rows are split into ``inner_splits`` folds of whole groups. Without ``groups``
    every row is its own group (then the blend weights are fitted on a random split, which trusts the
    model more than unseen sources warrant).
    """

    def __init__(
        self,
        base: Pipeline,
        keyword_blocks: list[tuple[str, object]],
        inner_splits: int = 4,
        l2: float = 0.01,
        always_train_prefix: str = "taxonomy:",
    ):
        self.base = base
        self.keyword_blocks = keyword_blocks
        self.inner_splits = inner_splits
        self.l2 = l2
        self.always_train_prefix = always_train_prefix

    def fit(self, records: object, y: object, groups: object = None) -> KeywordBlendClassifier:
        y = np.asarray(y, dtype=object)
        groups = np.asarray(groups if groups is not None else np.arange(len(y)).astype(str), dtype=object)
        always = np.array([str(g).startswith(self.always_train_prefix) for g in groups])
        self.classes_ = np.array(sorted(set(y)), dtype=object)
        self.blocks_ = [(name, clone(block).fit([], None)) for name, block in self.keyword_blocks]
        for name, block in self.blocks_:
            missing = set(self.classes_) - set(block.codes_)
            if missing:
                raise ValueError(f"keyword block {name!r} has no column for the classes {sorted(missing)}")
        self.block_columns_ = [[list(block.codes_).index(c) for c in self.classes_] for _name, block in self.blocks_]

        model_scores, scored = self._out_of_fold_scores(records, y, groups, always)
        keyword = self._keyword_features(_rows(records, scored))
        self.weights_ = self._fit_weights(model_scores, keyword, y[scored])
        self.base_ = clone(self.base).fit(records, y)
        return self

    def _out_of_fold_scores(
        self, records: object, y: np.ndarray, groups: np.ndarray, always: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        candidates = np.flatnonzero(~always)
        splits = min(self.inner_splits, len(set(groups[candidates])))
        if splits < 2:
            raise ValueError("the blend needs labelled rows from at least two groups (source files)")
        scores = np.zeros((len(candidates), len(self.classes_)))
        for train_part, test_part in GroupKFold(n_splits=splits).split(candidates, groups=groups[candidates]):
            train_rows = np.concatenate([np.flatnonzero(always), candidates[train_part]])
            model = clone(self.base).fit(_rows(records, train_rows), y[train_rows])
            scores[test_part] = _aligned_decision(model, _rows(records, candidates[test_part]), self.classes_)
        return scores, candidates

    def _fit_weights(self, model_scores: np.ndarray, keyword: list[np.ndarray], y: np.ndarray) -> np.ndarray:
        """Maximum-likelihood weights (model, then one per keyword block), every class weighted equally."""
        features = np.stack([model_scores, *keyword], axis=2)  # rows × classes × (1 + blocks)
        truth = np.searchsorted(self.classes_, y)
        counts = np.bincount(truth, minlength=len(self.classes_)).astype(float)
        sample_weight = 1.0 / counts[truth]
        sample_weight /= sample_weight.sum()
        rows = np.arange(len(y))

        def loss(weights: np.ndarray) -> tuple[float, np.ndarray]:
            scores = features @ weights
            log_p = scores - logsumexp(scores, axis=1, keepdims=True)
            value = -(sample_weight * log_p[rows, truth]).sum() + self.l2 * weights @ weights
            expected = np.einsum("rc,rcb->rb", np.exp(log_p), features)
            residual = features[rows, truth] - expected
            gradient = -(sample_weight[:, None] * residual).sum(axis=0) + 2 * self.l2 * weights
            return value, gradient

        result = optimize.minimize(loss, np.ones(features.shape[2]), jac=True, method="L-BFGS-B")
        return result.x

    def _keyword_features(self, records: object) -> list[np.ndarray]:
        return self._keyword_features_of(self.base.named_steps["record_text"].transform(records))

    def _keyword_features_of(self, texts: list[str]) -> list[np.ndarray]:
        return [
            _dense(block.transform(texts))[:, columns]
            for (_name, block), columns in zip(self.blocks_, self.block_columns_, strict=True)
        ]

    def decision_function(self, records: object) -> np.ndarray:
        # The record text is built once and fed to both the model's feature steps and the keyword blocks.
        texts = self.base_.named_steps["record_text"].transform(records)
        model_scores = _aligned_decision(self.base_[1:], texts, self.classes_)
        return np.stack([model_scores, *self._keyword_features_of(texts)], axis=2) @ self.weights_

    def predict_proba(self, records: object) -> np.ndarray:
        return softmax(self.decision_function(records), axis=1)

    def predict(self, records: object) -> np.ndarray:
        return self.classes_[self.decision_function(records).argmax(axis=1)]

    def blend_weights(self) -> dict[str, float]:
        names = ["model", *(name for name, _block in self.blocks_)]
        return {name: round(float(w), 4) for name, w in zip(names, self.weights_, strict=True)}


def _rows(records: object, rows: np.ndarray) -> object:
    return records.iloc[rows] if hasattr(records, "iloc") else [records[i] for i in rows]  # type: ignore[index]


def _dense(matrix: object) -> np.ndarray:
    return matrix.toarray() if sparse.issparse(matrix) else np.asarray(matrix)


def _aligned_decision(model: Pipeline, records: object, classes: np.ndarray) -> np.ndarray:
    """Decision values in the order of ``classes``; a class the model never saw gets the lowest value."""
    raw = model.decision_function(records)
    if raw.ndim == 1:  # two classes: one column, positive = the second class
        raw = np.column_stack([-raw, raw])
    out = np.full((raw.shape[0], len(classes)), raw.min() - 1.0 if raw.size else -1.0)
    position = {c: i for i, c in enumerate(classes)}
    for column, label in enumerate(model.classes_):
        out[:, position[label]] = raw[:, column]
    return out
