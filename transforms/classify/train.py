"""Train both classifiers on the real data, evaluate them source-held-out, and save them with metadata.

Writes to ``model_dir``: ``category.joblib``, ``hazard.joblib``, ``metadata.json`` (data snapshot with
sha256 and row counts, library versions, settings, scores) and ``evaluation.json`` / ``evaluation.md``
(per-class precision/recall/F1, macro-F1, confusion matrix, figures per source). Nothing depends on
the clock: the date recorded is passed in or taken as the newest record date in the data.
"""

from __future__ import annotations

import hashlib
import json
import platform
from dataclasses import asdict
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import scipy
import sklearn
from sklearn.pipeline import Pipeline

from transforms import taxonomy
from transforms.classify.dataset import FileSnapshot, lexicon_records, load_real_records
from transforms.classify.evaluate import (
    MODEL_INPUT_COLUMNS,
    classification_figures,
    figures_by_source,
    format_figures,
    held_out_predictions,
)
from transforms.classify.model import TARGETS, build_pipeline, settings_dict

MODEL_DIR = Path(__file__).resolve().parent / "model"
MODEL_FORMAT = 1


def model_file(model_dir: Path, target: str) -> Path:
    return model_dir / f"{target}.joblib"


def _snapshot_id(snapshots: list[FileSnapshot]) -> str:
    digest = hashlib.sha256()
    for snap in snapshots:
        digest.update(f"{snap.file}\t{snap.sha256}\n".encode())
    return digest.hexdigest()


def _strip_for_storage(pipeline: Pipeline) -> Pipeline:
    """Drop fitted attributes only needed for introspection, to keep the saved file small."""
    for _name, transformer in pipeline.named_steps["features"].transformer_list:
        if hasattr(transformer, "stop_words_"):
            transformer.stop_words_ = None
    return pipeline


def train_models(
    realdata_dir: Path,
    model_dir: Path = MODEL_DIR,
    *,
    as_of: str | None = None,
    n_splits: int = 5,
    random_state: int = 0,
    evaluate: bool = True,
) -> dict[str, object]:
    """Fit, evaluate and save both pipelines; return the metadata that was written."""
    records, snapshots = load_real_records(realdata_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    evaluation: dict[str, object] = {}
    target_meta: dict[str, object] = {}
    for target in TARGETS:
        lexicon = lexicon_records(target)
        labelled = records[records[target].notna()]
        if evaluate:
            predicted, fold_of_file = held_out_predictions(labelled, lexicon, target, n_splits, random_state)
            truth = labelled[target]
            figures = classification_figures(truth.to_numpy(), predicted.to_numpy())
            figures["by_source"] = figures_by_source(labelled["group"], truth, predicted)
            figures["held_out_fold_of_file"] = dict(sorted(fold_of_file.items()))
            evaluation[target] = figures
        training = pd.concat([labelled, lexicon], ignore_index=True)
        pipeline = build_pipeline(target, random_state)
        pipeline.fit(training[MODEL_INPUT_COLUMNS], training[target].to_numpy())
        joblib.dump(_strip_for_storage(pipeline), model_file(model_dir, target), compress=("xz", 6))
        target_meta[target] = {
            "file": model_file(model_dir, target).name,
            "classes": [str(c) for c in pipeline.classes_],
            "real_rows": len(labelled),
            "lexicon_rows": len(lexicon),
            "real_rows_per_class": {str(k): int(v) for k, v in labelled[target].value_counts().sort_index().items()},
            "settings": settings_dict(target),
            "scores": {k: evaluation[target][k] for k in ("macro_f1", "accuracy")} if evaluate else None,
        }

    dates = records["record_date"].dropna()
    metadata = {
        "model_format": MODEL_FORMAT,
        "as_of": as_of or (str(dates.max()) if len(dates) else None),
        "as_of_basis": "passed in" if as_of else "newest record date in the training data",
        "taxonomy_version": taxonomy.taxonomy_version(),
        "random_state": random_state,
        "evaluation": {
            "method": f"StratifiedGroupKFold(n_splits={n_splits}) with whole source files as groups",
            "file": "evaluation.json" if evaluate else None,
        },
        "targets": target_meta,
        "data_snapshot": {
            "id": _snapshot_id(snapshots),
            "realdata_dir_name": realdata_dir.name,
            "files": [asdict(s) for s in snapshots],
            "distinct_records": len(records),
        },
        "libraries": {
            "python": platform.python_version(),
            "scikit-learn": sklearn.__version__,
            "pandas": pd.__version__,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "joblib": joblib.__version__,
        },
    }
    _write_json(model_dir / "metadata.json", metadata)
    if evaluate:
        _write_json(model_dir / "evaluation.json", evaluation)
        report = "\n\n".join(format_figures(t, evaluation[t]) for t in TARGETS)  # type: ignore[arg-type]
        (model_dir / "evaluation.md").write_text(
            "# Classifier evaluation (whole source files held out)\n\n```\n" + report + "\n```\n", encoding="utf-8"
        )
    return metadata


def _write_json(path: Path, payload: object) -> None:
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1, sort_keys=False) + "\n", encoding="utf-8")
