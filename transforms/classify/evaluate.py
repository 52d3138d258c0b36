"""Source-held-out evaluation: whole files are held out, so every score is on files never trained on.

A file is one query result, feed snapshot or published table; records inside it share a product kind,
a publisher's wording and often a template. Splitting records at random would let the model recognise
the template instead of the product, so folds are made of whole files (``StratifiedGroupKFold``), and
every real record is predicted exactly once by a model that never saw its file. The taxonomy lexicon
rows are added to every training fold and never scored. The blend inside each fold model fits its
weights on a further split of that fold's training files (nested), so no held-out file informs them.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support
from sklearn.model_selection import StratifiedGroupKFold

from transforms.classify.model import build_pipeline

MODEL_INPUT_COLUMNS = ["title", "text"]


@dataclass
class HeldOut:
    """Out-of-fold results: predicted code and its confidence per record, fold of each file, blend weights."""

    predictions: pd.Series
    confidence: pd.Series
    fold_of_file: dict[str, int]
    blend_weights: list[dict[str, float]]


def held_out_predictions(
    records: pd.DataFrame, lexicon: pd.DataFrame, target: str, n_splits: int = 5, random_state: int = 0
) -> HeldOut:
    """Predict every labelled record once, by a model trained without the record's source file."""
    labelled = records[records[target].notna()]
    labels = labelled[target].to_numpy()
    groups = labelled["group"].to_numpy()
    result = HeldOut(
        pd.Series(index=labelled.index, dtype=object), pd.Series(index=labelled.index, dtype=float), {}, []
    )
    splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    with warnings.catch_warnings():
        # A class held by fewer files than folds (AGRI: one file) cannot be in every fold; that is expected.
        warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
        folds = list(splitter.split(labelled, labels, groups))
    for fold, (train_rows, test_rows) in enumerate(folds):
        train = pd.concat([labelled.iloc[train_rows], lexicon], ignore_index=True)
        pipeline = build_pipeline(target, random_state)
        pipeline.fit(train[MODEL_INPUT_COLUMNS], train[target].to_numpy(), groups=train["group"].to_numpy())
        held_out = labelled.iloc[test_rows]
        probabilities = pipeline.predict_proba(held_out[MODEL_INPUT_COLUMNS])
        result.predictions.loc[held_out.index] = pipeline.classes_[probabilities.argmax(axis=1)]
        result.confidence.loc[held_out.index] = probabilities.max(axis=1)
        result.fold_of_file.update(dict.fromkeys(held_out["group"].unique(), fold))
        result.blend_weights.append(pipeline.blend_weights())
    return result


def review_figures(y_true: Sequence[str], y_pred: Sequence[str], confidence: Sequence[float], threshold: float) -> dict:
    """How the review threshold splits the held-out predictions: share flagged and accuracy on each side."""
    correct = np.asarray(y_true, dtype=object) == np.asarray(y_pred, dtype=object)
    flagged = np.asarray(confidence, dtype=float) < threshold
    return {
        "threshold": threshold,
        "flagged_share": round(float(flagged.mean()), 4) if len(flagged) else None,
        "accuracy_flagged": round(float(correct[flagged].mean()), 4) if flagged.any() else None,
        "accuracy_not_flagged": round(float(correct[~flagged].mean()), 4) if (~flagged).any() else None,
    }


def classification_figures(y_true: Sequence[str], y_pred: Sequence[str]) -> dict[str, object]:
    """Per-class precision/recall/F1/support, macro-F1, accuracy and the confusion matrix.

    ``macro_f1`` averages over the classes present in ``y_true`` (a class the data never contains has
    no recall to measure); ``macro_f1_including_predicted_only`` also counts classes that were only
    predicted, as scikit-learn's default does, and is reported beside it for comparison.
    """
    y_true = np.asarray(y_true, dtype=object)
    y_pred = np.asarray(y_pred, dtype=object)
    present = sorted(set(y_true))
    every = sorted(set(y_true) | set(y_pred))
    precision, recall, f1, support = precision_recall_fscore_support(y_true, y_pred, labels=every, zero_division=0)
    per_class = {
        label: {
            "precision": round(float(p), 4),
            "recall": round(float(r), 4),
            "f1": round(float(f), 4),
            "support": int(s),
        }
        for label, p, r, f, s in zip(every, precision, recall, f1, support, strict=True)
    }
    return {
        "records": len(y_true),
        "accuracy": round(float((y_true == y_pred).mean()), 4) if len(y_true) else None,
        "macro_f1": round(float(np.mean([per_class[c]["f1"] for c in present])), 4) if present else None,
        "macro_f1_including_predicted_only": round(float(np.mean(f1)), 4) if len(every) else None,
        "per_class": per_class,
        "confusion_matrix": {
            "labels": every,
            "rows_are": "true class",
            "matrix": confusion_matrix(y_true, y_pred, labels=every).tolist(),
        },
    }


def figures_by_source(groups: pd.Series, y_true: pd.Series, y_pred: pd.Series) -> dict[str, dict[str, object]]:
    """Accuracy and macro-F1 per source family (top folder of the file)."""
    family = groups.str.split("/").str[0]
    out: dict[str, dict[str, object]] = {}
    with warnings.catch_warnings():
        # Many sources hold a single class; scikit-learn warns about that, which is expected here.
        warnings.simplefilter("ignore", UserWarning)
        for name in sorted(family.unique()):
            mask = family == name
            figures = classification_figures(y_true[mask], y_pred[mask])
            out[name] = {k: figures[k] for k in ("records", "accuracy", "macro_f1")}
    return out


def format_figures(target: str, figures: dict[str, object]) -> str:
    """Plain-text table for the terminal and evaluation.md."""
    lines = [
        f"{target}: macro-F1 {figures['macro_f1']} (classes present in the held-out truth), "
        f"accuracy {figures['accuracy']}, {figures['records']} records",
        f"{'class':<12} {'precision':>9} {'recall':>7} {'f1':>7} {'support':>8}",
    ]
    for label, row in figures["per_class"].items():  # type: ignore[union-attr]
        lines.append(
            f"{label:<12} {row['precision']:>9.3f} {row['recall']:>7.3f} {row['f1']:>7.3f} {row['support']:>8}"
        )
    matrix = figures["confusion_matrix"]
    labels = matrix["labels"]  # type: ignore[index]
    lines.append("confusion matrix (rows = true, columns = predicted):")
    lines.append(" " * 12 + "".join(f"{label[:6]:>7}" for label in labels))
    for label, row in zip(labels, matrix["matrix"], strict=True):  # type: ignore[index]
        lines.append(f"{label:<12}" + "".join(f"{value:>7}" for value in row))
    review = figures.get("review")
    if review:
        lines.append(
            f"review threshold {review['threshold']}: {review['flagged_share']} of records flagged; accuracy "
            f"{review['accuracy_not_flagged']} on the rest, {review['accuracy_flagged']} on the flagged"
        )
    files = figures.get("source_files_per_class")
    if files:
        lines.append("source files per class: " + ", ".join(f"{k} {v}" for k, v in files.items()))
    weights = figures.get("blend_weights_per_fold")
    if weights:
        lines.append(
            "blend weights per fold: " + "; ".join(", ".join(f"{k} {v}" for k, v in w.items()) for w in weights)
        )
    return "\n".join(lines)
