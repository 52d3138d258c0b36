"""Classify records into top-level product category and hazard (5.3.1: product name, hazard item).

``predict_frame`` runs the saved models; ``classify_with_source_labels`` first trusts a record's own
label where the source has one (a CPSC product type, a Safety Gate risk type, a 不合格项目 list) and
uses the model only where the crosswalk gives nothing. Predictions whose calibrated confidence is
below the review threshold are flagged ``needs_review`` for an analyst (5.3.1 "analyse and verify").
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import joblib
import numpy as np
import pandas as pd

from transforms import taxonomy
from transforms.classify.blend import KeywordBlendClassifier
from transforms.classify.model import DEFAULT_REVIEW_THRESHOLD, TARGETS
from transforms.classify.train import MODEL_DIR, model_file

__all__ = ["DEFAULT_REVIEW_THRESHOLD", "classify_with_source_labels", "load_pipeline", "predict_frame"]
PREDICT_BATCH_ROWS = 20_000
_SOURCE_LABEL_COLUMNS = {"category": "source_category_label", "hazard": "source_hazard_label"}
_CROSSWALKS = {"category": taxonomy.crosswalk_category, "hazard": taxonomy.crosswalk_hazard}


@cache
def load_pipeline(model_dir: Path, target: str) -> KeywordBlendClassifier:
    path = model_file(model_dir, target)
    if not path.exists():
        raise FileNotFoundError(f"no {target} model at {path}; run `ecmon train-classifier` first")
    return joblib.load(path)


def _model_input(frame: pd.DataFrame) -> pd.DataFrame:
    columns = {}
    for column in ("title", "text"):
        values = frame[column] if column in frame else pd.Series("", index=frame.index)
        columns[column] = values.map(lambda v: v if isinstance(v, str) else "")
    return pd.DataFrame(columns, index=frame.index)


def predict_frame(
    frame: pd.DataFrame,
    *,
    model_dir: Path | None = None,
    review_threshold: float = DEFAULT_REVIEW_THRESHOLD,
) -> pd.DataFrame:
    """Copy of ``frame`` plus ``category``, ``category_confidence``, ``hazard``, ``hazard_confidence``,
    ``category_source``/``hazard_source`` (``"model"``) and ``needs_review``.

    Reads the optional columns ``title`` and ``text``; codes are top-level (shared/taxonomy/README.md).
    A ``lang`` column is not needed: character n-grams and the zh/en/de taxonomy lexicon serve all three.
    Confidences are the blend's calibrated probabilities (see ``blend``).
    """
    directory = Path(model_dir) if model_dir is not None else MODEL_DIR
    result = frame.copy()
    inputs = _model_input(frame)
    for target in TARGETS:
        if len(frame) == 0:
            result[target] = pd.Series(dtype=object)
            result[f"{target}_confidence"] = pd.Series(dtype=float)
        else:
            pipeline = load_pipeline(directory, target)
            # In batches: bounded memory, and the lexicon memo (lexicon.MEMO_ENTRIES) holds a whole batch.
            probabilities = np.vstack(
                [
                    pipeline.predict_proba(inputs.iloc[start : start + PREDICT_BATCH_ROWS])
                    for start in range(0, len(inputs), PREDICT_BATCH_ROWS)
                ]
            )
            best = probabilities.argmax(axis=1)
            result[target] = pipeline.classes_[best].astype(object)
            result[f"{target}_confidence"] = np.round(probabilities[np.arange(len(best)), best], 4)
        result[f"{target}_source"] = "model"
    result["needs_review"] = _needs_review(result, review_threshold)
    return result


def classify_with_source_labels(
    frame: pd.DataFrame,
    *,
    model_dir: Path | None = None,
    review_threshold: float = DEFAULT_REVIEW_THRESHOLD,
) -> pd.DataFrame:
    """Like ``predict_frame``, but a source's own label, crosswalked, wins over the model.

    Optional columns: ``source_scheme`` (one of ``taxonomy.SCHEMES``), ``source_category_label``,
    ``source_hazard_label``. Where the crosswalk maps a label, the output carries its top-level code
    with confidence 1.0, ``*_source = "source_label"`` and the specific code in ``*_code``.
    """
    result = predict_frame(frame, model_dir=model_dir, review_threshold=review_threshold)
    schemes = frame["source_scheme"] if "source_scheme" in frame else pd.Series(None, index=frame.index)
    for target in TARGETS:
        result[f"{target}_code"] = None
        label_column = _SOURCE_LABEL_COLUMNS[target]
        if label_column not in frame:
            continue
        for index, scheme, label in zip(frame.index, schemes, frame[label_column], strict=True):
            if not (isinstance(scheme, str) and scheme and isinstance(label, str) and label.strip()):
                continue
            code = _CROSSWALKS[target](scheme, label)
            if code is None:
                continue
            result.at[index, target] = taxonomy.top_level(code)
            result.at[index, f"{target}_confidence"] = 1.0
            result.at[index, f"{target}_source"] = "source_label"
            result.at[index, f"{target}_code"] = code
    result["needs_review"] = _needs_review(result, review_threshold)
    return result


def _needs_review(result: pd.DataFrame, threshold: float) -> pd.Series:
    flags = pd.Series(False, index=result.index)
    for target in TARGETS:
        from_model = result[f"{target}_source"] == "model"
        flags |= from_model & (result[f"{target}_confidence"] < threshold)
    return flags.astype(bool)
