"""How good a lead score is: ROC AUC, PR AUC, lift and capture by decile, and a calibration table."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score


@dataclass(frozen=True)
class DecileRow:
    """One tenth of the leads, best scores first: how many converted, lift over average, share captured."""

    decile: int
    leads: int
    converted: int
    rate: float
    lift: float
    capture: float
    cumulative_capture: float


@dataclass(frozen=True)
class CalibrationRow:
    """One tenth of the leads by predicted probability: mean prediction against the observed rate."""

    bin: int
    leads: int
    mean_predicted: float
    observed: float


@dataclass(frozen=True)
class ScoreQuality:
    """The figures a model card shows for a set of predictions against known outcomes."""

    roc_auc: float
    pr_auc: float
    brier: float
    base_rate: float
    leads: int
    deciles: tuple[DecileRow, ...]
    calibration: tuple[CalibrationRow, ...]


def score_quality(y: np.ndarray, probability: np.ndarray) -> ScoreQuality:
    """All quality figures for predictions `probability` of outcomes `y` (0/1)."""
    y = np.asarray(y, dtype=int)
    probability = np.asarray(probability, dtype=float)
    return ScoreQuality(
        roc_auc=float(roc_auc_score(y, probability)),
        pr_auc=float(average_precision_score(y, probability)),
        brier=float(brier_score_loss(y, probability)),
        base_rate=float(y.mean()),
        leads=len(y),
        deciles=lift_by_decile(y, probability),
        calibration=calibration_table(y, probability),
    )


def lift_by_decile(y: np.ndarray, probability: np.ndarray, bins: int = 10) -> tuple[DecileRow, ...]:
    """Leads ranked by score and cut into tenths; decile 1 holds the highest scores."""
    order = np.argsort(-probability, kind="stable")
    total_positive = max(int(y.sum()), 1)
    base = y.mean() if len(y) else 0.0
    rows, cumulative = [], 0
    for number, chunk in enumerate(np.array_split(order, bins), start=1):
        if len(chunk) == 0:
            continue
        converted = int(y[chunk].sum())
        cumulative += converted
        rate = converted / len(chunk)
        rows.append(
            DecileRow(
                decile=number,
                leads=len(chunk),
                converted=converted,
                rate=rate,
                lift=rate / base if base else 0.0,
                capture=converted / total_positive,
                cumulative_capture=cumulative / total_positive,
            )
        )
    return tuple(rows)


def calibration_table(y: np.ndarray, probability: np.ndarray, bins: int = 10) -> tuple[CalibrationRow, ...]:
    """Deciles of predicted probability (lowest first) with the observed outcome rate in each."""
    order = np.argsort(probability, kind="stable")
    rows = []
    for number, chunk in enumerate(np.array_split(order, bins), start=1):
        if len(chunk) == 0:
            continue
        rows.append(
            CalibrationRow(
                bin=number,
                leads=len(chunk),
                mean_predicted=float(probability[chunk].mean()),
                observed=float(y[chunk].mean()),
            )
        )
    return tuple(rows)
