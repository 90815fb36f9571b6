"""Predictive lead scoring on X Education's Leads.csv: 5-fold ROC AUC with the guard on, off and strict.

Prints one JSON object per figure. The data lives in ../shared/data (public, not part of the project);
when it is missing the script says so on stderr and prints nothing. BENCH_SCALE (default 1.0) keeps that
share of the rows (stratified, at least 20 %) for a quick look; AUC figures are only comparable at 1.0.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from leadflow.ml import TrainingOptions, evaluate, leaking_columns
from leadflow.ml.table import read_lead_table

LEADS = Path(__file__).resolve().parents[2] / "shared" / "data" / "x-education-leads" / "Leads.csv"
SCALE = min(1.0, max(0.2, float(os.environ.get("BENCH_SCALE", "1.0"))))
BORDERLINE = ("Last Activity", "Last Notable Activity")
PUBLIC = "public notebooks ~0.87"


def figure(
    name: str, value: float, unit: str, target: float | None, compared_to: str, **extra: object
) -> None:
    """Print one benchmark figure as a JSON line."""
    row = {"name": name, "value": round(value, 4), "unit": unit, "target": target, "compared_to": compared_to}
    print(json.dumps({**row, **extra}), flush=True)


def main() -> int:
    if not LEADS.exists():
        print(f"skipped: {LEADS} is missing (public data in ../shared/data)", file=sys.stderr)
        return 0
    frame = read_lead_table(LEADS)
    if SCALE < 1.0:
        frame = frame.groupby("Converted", group_keys=False).sample(frac=SCALE, random_state=0)
    started = time.perf_counter()
    leaks = tuple(leaking_columns(frame, "Converted"))
    guard_seconds = time.perf_counter() - started
    rows = len(frame)
    runs: list[tuple[str, TrainingOptions, float | None, str]] = [
        ("model_roc_auc_guarded", TrainingOptions(exclude=leaks), 0.88, PUBLIC),
        (
            "model_roc_auc_guard_off",
            TrainingOptions(allow_leaky=leaks),
            None,
            "guarded figure (the gap is the leak)",
        ),
        (
            "model_roc_auc_strict",
            TrainingOptions(exclude=leaks + BORDERLINE),
            None,
            "guarded, also without Last*",
        ),
        ("model_roc_auc_gbm_guarded", TrainingOptions(exclude=leaks, algorithm="gbm"), 0.88, PUBLIC),
    ]
    for name, options, target, compared_to in runs:
        started = time.perf_counter()
        result = evaluate(frame, "Converted", options)
        seconds = time.perf_counter() - started
        figure(
            name,
            result.roc_auc,
            "ROC AUC",
            target,
            compared_to,
            pr_auc=round(result.quality.pr_auc, 4),
            folds=[round(a, 4) for a in result.fold_auc],
            algorithm=options.algorithm,
            excluded=list(options.exclude),
            allowed_leaky=list(options.allow_leaky),
            rows=rows,
            seconds=round(seconds, 1),
        )
    figure("model_guard_seconds", guard_seconds, "s", None, "leakage guard on every column", rows=rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
