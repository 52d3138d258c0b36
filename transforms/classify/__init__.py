"""Text classifiers for the top-level product category and hazard of a record (zh, en and de), 5.3.1.

Use ``predict_frame`` / ``classify_with_source_labels`` from the pipeline; the command-line entry
points are in ``transforms.classify.cli``. Training is in ``train``, prediction in ``predict``.
"""

from __future__ import annotations

from transforms.classify.predict import (
    DEFAULT_REVIEW_THRESHOLD,
    classify_with_source_labels,
    predict_frame,
)
from transforms.classify.train import MODEL_DIR

__all__ = ["DEFAULT_REVIEW_THRESHOLD", "MODEL_DIR", "classify_with_source_labels", "predict_frame"]
