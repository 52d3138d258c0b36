"""Command-line entry points (wired by the lead as ``ecmon dedup`` and ``ecmon dedup-evaluate``).

``dedup_command``: JSON Lines in (one record per line, any of the supported field layouts, see
:mod:`transforms.dedup.fields`), JSON Lines out: ``{"id": …, "cluster_id": …}`` per input record, in input order.
A record without ``id`` is named ``<file name>:<line number>``. The feed a record came from is its ``source``
field; without one, records with the same set of field names are taken to come from the same feed.

``evaluate_command``: runs the matcher on the real CPSC records with the recall number hidden and prints pairwise
precision / recall / F1, the threshold sweep on the tuning split and the chosen threshold.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from transforms.dedup.evaluation import PairwiseMetrics, best_threshold, sweep, tuning_mask
from transforms.dedup.matcher import DEFAULT_THRESHOLD, score_records
from transforms.dedup.realdata import default_realdata_dir, load_cpsc_sources

TARGET_F1 = 0.95


class InputError(ValueError):
    """A bad input line; the message names the file and line number."""


def dedup_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ecmon dedup", description="Cluster records that report the same event.")
    parser.add_argument("--in", dest="input", required=True, type=Path, help="JSON Lines file of records")
    parser.add_argument("--out", dest="output", required=True, type=Path, help="JSON Lines file of id, cluster_id")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD, help="match score threshold (0-1)")
    args = parser.parse_args(argv)
    try:
        records = read_records(args.input)
    except (InputError, OSError) as error:
        print(f"ecmon dedup: {error}", file=sys.stderr)
        return 2
    frame = pd.DataFrame.from_records(records) if records else pd.DataFrame({"id": []})
    scored = score_records(frame, sources=_feed_labels(records))
    clusters = scored.cluster_ids(args.threshold)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with args.output.open("w", encoding="utf-8") as handle:
        for record_id, cluster_id in zip(scored.ids, clusters, strict=True):
            handle.write(json.dumps({"id": record_id, "cluster_id": cluster_id}, ensure_ascii=False) + "\n")
    print(f"{len(records)} records → {len(set(clusters.tolist()))} clusters ({args.output})", file=sys.stderr)
    return 0


def read_records(path: Path) -> list[dict[str, object]]:
    """Read JSON Lines; raise :class:`InputError` naming ``path`` and the line for any bad line."""
    records: list[dict[str, object]] = []
    seen_ids: dict[str, int] = {}
    with path.open(encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise InputError(f"{path}:{line_number}: not valid JSON ({error.msg})") from None
            if not isinstance(record, dict):
                raise InputError(f"{path}:{line_number}: expected a JSON object, got {type(record).__name__}")
            record_id = record.get("id")
            if record_id is None or record_id == "":
                record["id"] = f"{path.name}:{line_number}"
            elif isinstance(record_id, dict | list):
                raise InputError(f"{path}:{line_number}: id must be a string or number")
            key = str(record["id"])
            if key in seen_ids:
                raise InputError(f"{path}:{line_number}: duplicate id {key!r} (first on line {seen_ids[key]})")
            seen_ids[key] = line_number
            records.append(record)
    return records


def evaluate_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="ecmon dedup-evaluate",
        description="Pairwise precision/recall/F1 of the matcher on the real CPSC sources (recall number hidden).",
    )
    parser.add_argument("--realdata-dir", type=Path, default=default_realdata_dir())
    parser.add_argument("--tuning-fraction", type=float, default=0.5)
    args = parser.parse_args(argv)
    try:
        labelled = load_cpsc_sources(args.realdata_dir)
    except FileNotFoundError as error:
        print(f"ecmon dedup-evaluate: {error}", file=sys.stderr)
        return 2
    frame = pd.DataFrame.from_records(labelled.records)
    truth = np.array([labelled.truth[record_id] for record_id in frame["id"]], dtype=object)
    tuning = tuning_mask(truth, args.tuning_fraction)

    results = {}
    for split, mask in (("tuning", tuning), ("held-out", ~tuning), ("all", np.ones(len(frame), dtype=bool))):
        subset = frame[mask].reset_index(drop=True)
        results[split] = sweep(score_records(subset), truth[mask])
    chosen = best_threshold(results["tuning"])

    print(f"records: {len(frame)} from 3 CPSC sources; tuning {int(tuning.sum())}, held-out {int((~tuning).sum())}")
    print("threshold sweep on the tuning split (pairwise, after union-find):")
    print("  threshold  precision  recall   F1")
    for threshold, metrics in results["tuning"].items():
        marker = "  <- best" if threshold == chosen else ""
        print(f"  {threshold:9.2f}  {metrics.precision:9.3f}  {metrics.recall:6.3f}  {metrics.f1:6.4f}{marker}")
    print(f"chosen threshold (best F1 on tuning split): {chosen:.2f}; DEFAULT_THRESHOLD in code: {DEFAULT_THRESHOLD}")
    for split in ("tuning", "held-out", "all"):
        print(_summary(f"{split} @ {chosen:.2f}", results[split][chosen]))
    default = round(DEFAULT_THRESHOLD, 2)
    if default != chosen and default in results["all"]:
        print(_summary(f"all @ default {default:.2f}", results["all"][default]))
    verdict = "meets" if results["held-out"][chosen].f1 >= TARGET_F1 else "is below"
    print(f"held-out F1 {verdict} the target {TARGET_F1}")
    return 0


def _summary(label: str, metrics: PairwiseMetrics) -> str:
    return (
        f"{label:24} precision {metrics.precision:.3f}  recall {metrics.recall:.3f}  F1 {metrics.f1:.4f}"
        f"  (true pairs {metrics.true_pairs}, predicted {metrics.predicted_pairs}, correct {metrics.correct_pairs})"
    )


def _feed_labels(records: list[dict[str, object]]) -> np.ndarray:
    """The ``source`` of each record, else a label for its set of field names (one layout = one feed)."""
    labels = []
    for record in records:
        source = record.get("source")
        labels.append(str(source) if source not in (None, "") else "fields:" + ",".join(sorted(record)))
    return np.array(labels, dtype=object)


if __name__ == "__main__":  # pragma: no cover - manual use: python -m transforms.dedup.cli evaluate
    command = {"dedup": dedup_command, "evaluate": evaluate_command}[sys.argv[1]]
    raise SystemExit(command(sys.argv[2:]))
