"""Command-line entry points, wired by the lead as ``ecmon train-classifier``, ``ecmon evaluate-classifier``
and ``ecmon classify``. Each takes ``argv`` (without the sub-command) and returns an exit code.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from transforms.classify.dataset import default_realdata_dir, lexicon_records, load_real_records
from transforms.classify.evaluate import classification_figures, format_figures, held_out_predictions, review_figures
from transforms.classify.model import TARGETS
from transforms.classify.predict import DEFAULT_REVIEW_THRESHOLD, classify_with_source_labels, load_pipeline
from transforms.classify.train import MODEL_DIR, train_models

OUTPUT_FIELDS = ("id", "category", "category_confidence", "hazard", "hazard_confidence", "needs_review")
_TEXT_FIELDS = ("title", "text", "lang", "source_scheme", "source_category_label", "source_hazard_label")


class InputError(ValueError):
    """A record file that cannot be read; the message names file and line."""


def read_records(path: Path, *, label_fields: tuple[str, ...] = ()) -> pd.DataFrame:
    """JSON lines with ``id`` and optional ``title``, ``text``, ``lang`` (and source-label fields).

    Blank lines are skipped. Raises ``InputError`` naming the file and line for invalid JSON, a line
    that is not an object, a missing or empty ``id``, or a text field that is not a string.
    """
    rows = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: line {number}: invalid JSON: {exc.msg} (column {exc.colno})") from exc
        if not isinstance(record, dict):
            raise InputError(f"{path}: line {number}: expected a JSON object, got {type(record).__name__}")
        identifier = record.get("id")
        if identifier is None or (isinstance(identifier, str) and not identifier.strip()):
            raise InputError(f"{path}: line {number}: field 'id' is missing or empty")
        if not isinstance(identifier, str | int):
            raise InputError(f"{path}: line {number}: field 'id' must be a string or integer")
        for field in (*_TEXT_FIELDS, *label_fields):
            value = record.get(field)
            if value is not None and not isinstance(value, str):
                raise InputError(f"{path}: line {number}: field '{field}' must be a string or null")
        rows.append({"id": identifier, **{f: record.get(f) for f in (*_TEXT_FIELDS, *label_fields)}})
    return pd.DataFrame(rows, columns=["id", *_TEXT_FIELDS, *label_fields])


def classify_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="ecmon classify", description="Top-level category and hazard codes for JSON-lines records (5.3.1)."
    )
    parser.add_argument("--in", dest="input", type=Path, required=True, help="records.jsonl: id, title, text, lang")
    parser.add_argument("--out", dest="output", type=Path, required=True, help="labels.jsonl to write")
    parser.add_argument("--model-dir", type=Path, default=MODEL_DIR)
    parser.add_argument("--review-threshold", type=float, default=DEFAULT_REVIEW_THRESHOLD)
    args = parser.parse_args(argv)
    try:
        records = read_records(args.input)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    labelled = classify_with_source_labels(records, model_dir=args.model_dir, review_threshold=args.review_threshold)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with args.output.open("w", encoding="utf-8") as handle:
        for row in labelled[list(OUTPUT_FIELDS)].to_dict(orient="records"):
            row["needs_review"] = bool(row["needs_review"])
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    flagged = int(labelled["needs_review"].sum())
    print(f"classified {len(labelled)} records into {args.output} ({flagged} flagged for review)")
    return 0


def train_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="ecmon train-classifier",
        description="Train the category and hazard classifiers on shared/realdata and evaluate them source-held-out.",
    )
    parser.add_argument(
        "--realdata", type=Path, default=None, help="default: $ECMON_REALDATA_DIR or ../shared/realdata"
    )
    parser.add_argument("--model-dir", type=Path, default=MODEL_DIR)
    parser.add_argument("--as-of", default=None, help="date recorded in metadata (default: newest record date)")
    parser.add_argument("--folds", type=int, default=5, help="held-out folds of whole source files")
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--no-evaluate", action="store_true", help="skip the held-out evaluation (faster)")
    args = parser.parse_args(argv)
    realdata = args.realdata or default_realdata_dir()
    try:
        metadata = train_models(
            realdata,
            args.model_dir,
            as_of=args.as_of,
            n_splits=args.folds,
            random_state=args.random_state,
            evaluate=not args.no_evaluate,
        )
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    load_pipeline.cache_clear()  # a later classify in this process must read the new files
    for target, meta in metadata["targets"].items():  # type: ignore[union-attr]
        print(f"{target}: {meta['real_rows']} real + {meta['lexicon_rows']} lexicon rows; held-out {meta['scores']}")
    print(f"saved to {args.model_dir}")
    return 0


def evaluate_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="ecmon evaluate-classifier",
        description="Print the source-held-out evaluation saved with the model, or evaluate on labelled records.",
    )
    parser.add_argument("--model-dir", type=Path, default=MODEL_DIR)
    parser.add_argument(
        "--labelled", type=Path, default=None, help="JSON lines with id, title, text and the true category/hazard"
    )
    parser.add_argument("--recompute", action="store_true", help="re-run the held-out evaluation on --realdata")
    parser.add_argument("--realdata", type=Path, default=None)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)

    if args.labelled is not None:
        try:
            records = read_records(args.labelled, label_fields=TARGETS)
        except InputError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        predicted = classify_with_source_labels(records, model_dir=args.model_dir)
        for target in TARGETS:
            known = records[target].notna()
            if known.any():
                figures = classification_figures(records.loc[known, target], predicted.loc[known, target])
                print(format_figures(target, figures) + "\n")
        return 0

    if args.recompute:
        realdata = args.realdata or default_realdata_dir()
        records, _ = load_real_records(realdata)
        for target in TARGETS:
            labelled = records[records[target].notna()]
            held_out = held_out_predictions(labelled, lexicon_records(target), target, args.folds)
            figures = classification_figures(labelled[target], held_out.predictions)
            figures["review"] = review_figures(
                labelled[target], held_out.predictions, held_out.confidence, DEFAULT_REVIEW_THRESHOLD
            )
            figures["blend_weights_per_fold"] = held_out.blend_weights
            print(format_figures(target, figures) + "\n")
        return 0

    report_path = args.model_dir / "evaluation.json"
    if not report_path.exists():
        print(f"error: no evaluation at {report_path}; run `ecmon train-classifier`", file=sys.stderr)
        return 2
    report = json.loads(report_path.read_text(encoding="utf-8"))
    notes = args.model_dir / "evaluation.md"
    print(f"held-out evaluation saved with the model (whole source files held out); caveats in {notes}\n")
    for target in TARGETS:
        figures = report[target]
        print(format_figures(target, figures))
        print("by source (records, accuracy, macro-F1):")
        for source, row in figures["by_source"].items():
            print(f"  {source:<32} {row['records']:>6} {row['accuracy']!s:>7} {row['macro_f1']!s:>7}")
        print()
    return 0
