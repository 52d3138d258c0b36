"""Pairwise precision / recall / F1 of a clustering against ground truth, and the threshold sweep.

Pairwise metrics count record pairs: a predicted pair is two records in one predicted cluster, a true pair two
records with the same ground-truth key. They are computed from cluster sizes (no pair enumeration):
``true positives = Σ over (predicted cluster, true key) cells of C(n, 2)``.

The tuning/held-out split is by a hash of the ground-truth key, so every true cluster falls wholly on one side
and the matcher never learns anything from the key itself.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from transforms.dedup.matcher import ScoredRecords

THRESHOLDS = tuple(round(value, 2) for value in np.arange(0.40, 0.951, 0.01))


@dataclass(frozen=True, slots=True)
class PairwiseMetrics:
    precision: float
    recall: float
    f1: float
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int


def pairwise_metrics(predicted: np.ndarray, truth: np.ndarray) -> PairwiseMetrics:
    """Compare predicted cluster labels with true labels, position by position."""
    frame = pd.DataFrame({"predicted": predicted, "truth": truth})
    correct = _pairs(frame.groupby(["predicted", "truth"]).size())
    predicted_pairs = _pairs(frame.groupby("predicted").size())
    true_pairs = _pairs(frame.groupby("truth").size())
    precision = correct / predicted_pairs if predicted_pairs else 1.0
    recall = correct / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PairwiseMetrics(precision, recall, f1, true_pairs, predicted_pairs, correct)


def sweep(scored: ScoredRecords, truth: np.ndarray, mask: np.ndarray | None = None) -> dict[float, PairwiseMetrics]:
    """Metrics at every threshold in ``THRESHOLDS``, over the records selected by ``mask`` (all by default)."""
    results: dict[float, PairwiseMetrics] = {}
    for threshold in THRESHOLDS:
        clusters = scored.cluster_ids(threshold)
        selected = slice(None) if mask is None else mask
        results[threshold] = pairwise_metrics(clusters[selected], truth[selected])
    return results


def best_threshold(results: dict[float, PairwiseMetrics]) -> float:
    """The threshold with the highest F1; ties go to the higher (more precise) threshold."""
    return max(results, key=lambda threshold: (round(results[threshold].f1, 6), threshold))


def tuning_mask(truth: np.ndarray, fraction: float = 0.5) -> np.ndarray:
    """True for records whose ground-truth key hashes into the tuning split."""
    buckets = np.fromiter(
        (int(hashlib.sha1(str(key).encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF for key in truth),
        dtype=np.float64,
        count=len(truth),
    )
    return buckets < fraction


def _pairs(sizes: pd.Series) -> int:
    counts = sizes.to_numpy(dtype=np.int64)
    return int((counts * (counts - 1) // 2).sum())
