"""Training and evaluating a lead score from any pandas frame with an outcome column."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

from leadflow.clock import Clock, SystemClock
from leadflow.errors import ModelError
from leadflow.ml.dataset import LeadData, prepare
from leadflow.ml.leakage import LeakFinding, inspect_leakage
from leadflow.ml.metrics import ScoreQuality, score_quality
from leadflow.ml.scorer import ALGORITHMS, Scorer, fit_scorer

HOLDOUT_SHARE = 0.2


@dataclass(frozen=True)
class TrainingOptions:
    """How to learn: optional id/date columns, algorithm, columns allowed despite the guard or left out."""

    id_column: str | None = None
    date_column: str | None = None
    algorithm: str = "logistic"
    allow_leaky: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    descriptions: Mapping[str, str] = field(default_factory=dict)
    folds: int = 5
    seed: int = 0


@dataclass(frozen=True)
class Evaluation:
    """Out-of-sample quality: per-fold ROC AUC and the pooled figures of every held-out prediction."""

    scheme: str
    fold_auc: tuple[float, ...]
    quality: ScoreQuality
    window: dict[str, Any]

    @property
    def roc_auc(self) -> float:
        """Mean ROC AUC over folds (the single holdout for a time split)."""
        return float(np.mean(self.fold_auc))


@dataclass
class TrainedModel:
    """Everything needed to score new leads and to explain the model: scorer, columns, card."""

    scorer: Scorer
    outcome: str
    id_column: str | None
    features: tuple[str, ...]
    kinds: dict[str, str]
    card: dict[str, Any]


@dataclass(frozen=True)
class Checked:
    """A table that passed the input checks and the leakage guard: data, findings, columns to learn from."""

    data: LeadData
    findings: tuple[LeakFinding, ...]
    columns: tuple[str, ...]
    allowed_leaks: tuple[str, ...]


def check(frame: pd.DataFrame, outcome: str, options: TrainingOptions) -> Checked:
    """Check input, run the leakage guard, refuse flagged columns unless allowed; what to learn from."""
    if options.algorithm not in ALGORITHMS:
        raise ModelError(
            f"unknown algorithm '{options.algorithm}'",
            where="algorithm",
            hint=f"use one of {', '.join(ALGORITHMS)}",
        )
    data = prepare(frame, outcome, options.id_column, options.date_column, options.exclude)
    for name in options.allow_leaky:
        if name not in frame.columns:
            raise ModelError(
                f"--allow-leaky names unknown column '{name}'", where=f"column {name}", hint="check it"
            )
    # Excluded columns are inspected too, so the card says why they had to go; they are never refused.
    findings = inspect_leakage(data.with_set_aside(), options.descriptions, seed=options.seed)
    leaks = [f for f in findings if f.severity == "leak"]
    refused = [f for f in leaks if f.column not in options.allow_leaky and f.column in data.features]
    if refused:
        lines = "\n".join(f"  - {f.sentence()}" for f in refused)
        raise ModelError(
            f"refusing to train: {len(refused)} column(s) look like they leak the outcome:\n{lines}\n ",
            where="columns " + ", ".join(f"'{f.column}'" for f in refused),
            hint="leave them out with --exclude COLUMN, or, if you know a column is filled in before the"
            " outcome, keep it with --allow-leaky COLUMN (repeatable)",
        )
    columns = tuple(c for c in data.features.columns)
    allowed = tuple(f.column for f in leaks if f.column in options.allow_leaky)
    return Checked(data, findings, columns, allowed)


def evaluate(frame: pd.DataFrame, outcome: str, options: TrainingOptions | None = None) -> Evaluation:
    """Out-of-sample quality after the input checks and the guard (CV, or a time-ordered holdout)."""
    options = options or TrainingOptions()
    checked = check(frame, outcome, options)
    return evaluate_checked(checked, options)


def evaluate_checked(checked: Checked, options: TrainingOptions) -> Evaluation:
    """Stratified k-fold CV; with a date column, train on the oldest 80 % and test on the newest 20 %."""
    data = checked.data
    features = data.features.loc[:, list(checked.columns)]
    y = data.outcome
    if data.dates is not None:
        return _time_holdout(data, features, options)
    splitter = StratifiedKFold(n_splits=options.folds, shuffle=True, random_state=options.seed)
    oof = np.zeros(len(y))
    fold_auc = []
    for train_rows, test_rows in splitter.split(features, y):
        scorer = fit_scorer(
            features.iloc[train_rows], y[train_rows], data.kinds, options.algorithm, options.seed
        )
        oof[test_rows] = scorer.probability(features.iloc[test_rows])
        fold_auc.append(score_quality(y[test_rows], oof[test_rows]).roc_auc)
    window = {"kind": "rows", "rows": len(y), "unlabelled_rows": data.unlabelled_rows}
    scheme = f"stratified {options.folds}-fold cross-validation"
    return Evaluation(scheme, tuple(fold_auc), score_quality(y, oof), window)


def train(
    frame: pd.DataFrame,
    outcome: str,
    options: TrainingOptions | None = None,
    clock: Clock | None = None,
    fingerprint: str | None = None,
) -> TrainedModel:
    """Check, guard, evaluate out of sample, then fit on every labelled row and write the model card."""
    from leadflow.ml.card import build_card  # the card imports this module's types

    options = options or TrainingOptions()
    checked = check(frame, outcome, options)
    evaluation = evaluate_checked(checked, options)
    data = checked.data
    features = data.features.loc[:, list(checked.columns)]
    scorer = fit_scorer(features, data.outcome, data.kinds, options.algorithm, options.seed)
    importance = column_importance(scorer, features, options.seed)
    card = build_card(
        checked=checked,
        evaluation=evaluation,
        scorer=scorer,
        importance=importance,
        options=options,
        created_at=(clock or SystemClock()).now(),
        fingerprint=fingerprint,
    )
    kinds = {c: data.kinds[c] for c in checked.columns}
    return TrainedModel(scorer, data.outcome_name, options.id_column, checked.columns, kinds, card)


def column_importance(
    scorer: Scorer, features: pd.DataFrame, seed: int = 0, sample: int = 2000
) -> pd.DataFrame:
    """Mean absolute contribution of each source column over (a sample of) the training leads."""
    rows = features
    if len(features) > sample:
        rows = features.sample(n=sample, random_state=seed)
    contributions, _ = scorer.contributions(rows)
    table = pd.DataFrame(
        {
            "column": contributions.columns,
            "mean_abs_contribution": contributions.abs().mean().to_numpy(),
            "direction": [_direction(scorer, rows, c, contributions[c]) for c in contributions.columns],
        }
    )
    return table.sort_values("mean_abs_contribution", ascending=False).reset_index(drop=True)


def _direction(scorer: Scorer, rows: pd.DataFrame, column: str, contribution: pd.Series) -> str:
    values = rows[column]
    if scorer.encoder.kinds[column] == "numeric":
        filled = values.notna()
        if filled.sum() < 3 or values[filled].std() == 0:
            return ""
        corr = np.corrcoef(values[filled].to_numpy(dtype=float), contribution[filled].to_numpy())[0, 1]
        return "higher is better" if corr > 0 else "lower is better"
    labels = values.fillna("(missing)").astype(str)
    counts = labels.value_counts()
    common = counts[counts >= max(10, 0.01 * len(labels))].index  # a level seen 3 times is not a direction
    means = contribution[labels.isin(common)].groupby(labels[labels.isin(common)]).mean().sort_values()
    if means.empty:
        return ""
    return f"best: {means.index[-1]}; worst: {means.index[0]}"


def _time_holdout(data: LeadData, features: pd.DataFrame, options: TrainingOptions) -> Evaluation:
    assert data.dates is not None
    # Undated rows sort first, so they only ever train and never pose as the newest leads.
    dates_ns = data.dates.dt.tz_convert(None).to_numpy(dtype="datetime64[ns]")
    order = np.argsort(np.where(np.isnat(dates_ns), np.datetime64(0, "ns"), dates_ns), kind="stable")
    cut = round(len(order) * (1 - HOLDOUT_SHARE))
    train_rows, test_rows = order[:cut], order[cut:]
    y = data.outcome
    for name, rows in (("oldest 80 %", train_rows), ("newest 20 %", test_rows)):
        if len(np.unique(y[rows])) < 2:
            raise ModelError(
                f"the {name} of leads by '{options.date_column}' have only one outcome",
                where=f"column {options.date_column}",
                hint="use a longer history, or drop --date to use cross-validation",
            )
    scorer = fit_scorer(features.iloc[train_rows], y[train_rows], data.kinds, options.algorithm, options.seed)
    probability = scorer.probability(features.iloc[test_rows])
    quality = score_quality(y[test_rows], probability)
    dates = data.dates
    window = {
        "kind": "dates",
        "column": options.date_column,
        "train_from": _iso(dates.iloc[train_rows].min()),
        "train_to": _iso(dates.iloc[train_rows].max()),
        "test_from": _iso(dates.iloc[test_rows].min()),
        "test_to": _iso(dates.iloc[test_rows].max()),
        "rows": len(y),
        "train_rows": len(train_rows),
        "test_rows": len(test_rows),
        "undated_rows": int(dates.isna().sum()),
        "unlabelled_rows": data.unlabelled_rows,
    }
    scheme = "time-ordered holdout: oldest 80 % train, newest 20 % test"
    return Evaluation(scheme, (quality.roc_auc,), quality, window)


def _iso(value: object) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else None


def leaking_columns(frame: pd.DataFrame, outcome: str, options: TrainingOptions | None = None) -> list[str]:
    """Columns the guard would refuse (severity 'leak'), without training anything."""
    options = options or TrainingOptions()
    data = prepare(frame, outcome, options.id_column, options.date_column, options.exclude)
    return [
        f.column
        for f in inspect_leakage(data, options.descriptions, seed=options.seed)
        if f.severity == "leak"
    ]


def as_tuple(values: Sequence[str] | None) -> tuple[str, ...]:
    """A tuple of option values (Typer gives lists or None)."""
    return tuple(values or ())
