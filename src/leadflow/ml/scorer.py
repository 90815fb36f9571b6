"""A fitted lead scorer: encoder plus calibrated classifier, with per-lead contributions of each column."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from leadflow.ml.features import FeatureEncoder

Algorithm = Literal["logistic", "gbm"]
ALGORITHMS: tuple[str, ...] = ("logistic", "gbm")


@dataclass
class Scorer:
    """Encoder + calibrated classifier; logit and contributions come from the uncalibrated base model."""

    encoder: FeatureEncoder
    calibrated: Any
    algorithm: str
    calibration: str
    baseline: dict[str, object]

    @property
    def base(self) -> Any:
        """The classifier fitted on all training rows (before calibration)."""
        return self.calibrated.calibrated_classifiers_[0].estimator

    def probability(self, features: pd.DataFrame) -> np.ndarray:
        """Calibrated probability that each lead reaches the outcome."""
        with threadpool_limits(limits=1):
            return np.asarray(
                self.calibrated.predict_proba(self.encoder.transform(features))[:, 1], dtype=float
            )

    def logit(self, features: pd.DataFrame) -> np.ndarray:
        """The base model's log-odds (ranking score) for each lead."""
        with threadpool_limits(limits=1):
            return np.asarray(self.base.decision_function(self.encoder.transform(features)), dtype=float)

    def contributions(self, features: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
        """Per-lead, per-source-column contributions to the logit, and the value they start from.

        Logistic regression: exact, coef x standardised value summed over the column's encoded features;
        start + row sum == logit. Gradient boosting: ablation, logit(lead) minus logit(lead with that column
        set to its training baseline); approximate, the row sum does not have to equal logit - start.
        """
        if self.algorithm == "logistic":
            matrix = self.encoder.transform(features)
            terms = matrix * self.base.coef_[0]
            out = {c: terms[:, idx].sum(axis=1) for c, idx in self.encoder.group_index().items()}
            start = np.full(len(features), float(self.base.intercept_[0]))
            return pd.DataFrame(out, index=features.index), start
        full = self.logit(features)
        out = {}
        for column in self.encoder.columns:
            changed = features.copy()
            changed[column] = _fill(changed[column], self.baseline[column])
            out[column] = full - self.logit(changed)
        reference = features.iloc[:1].copy()
        for column in self.encoder.columns:
            reference[column] = _fill(reference[column], self.baseline[column])
        start = np.full(len(features), float(self.logit(reference)[0]))
        return pd.DataFrame(out, index=features.index), start


def fit_scorer(
    features: pd.DataFrame, y: np.ndarray, kinds: dict[str, str], algorithm: str = "logistic", seed: int = 0
) -> Scorer:
    """Fit encoder and classifier on all given rows, then calibrate on internal cross-validation."""
    encoder = FeatureEncoder({c: kinds[c] for c in features.columns}).fit(features)
    matrix = encoder.transform(features)
    estimator: Any
    if algorithm == "logistic":
        estimator = LogisticRegression(C=1.0, max_iter=3000)
        method, folds = "sigmoid", 5
    elif algorithm == "gbm":
        estimator = HistGradientBoostingClassifier(
            learning_rate=0.1, max_iter=100, max_leaf_nodes=31, l2_regularization=1.0, random_state=seed
        )
        method, folds = ("isotonic" if len(y) >= 1000 else "sigmoid"), 3
    else:
        raise ValueError(f"unknown algorithm {algorithm}")
    calibrated = CalibratedClassifierCV(estimator, method=method, cv=folds, ensemble=False)
    # One BLAS thread: small dense problems run ~15x slower when threads fight over shared cores.
    with threadpool_limits(limits=1):
        calibrated.fit(matrix, y)
    baseline = {c: _baseline(features[c], kinds[c]) for c in features.columns}
    return Scorer(encoder, calibrated, algorithm, method, baseline)


def _baseline(values: pd.Series, kind: str) -> object:
    if kind == "numeric":
        return float(values.median()) if values.notna().any() else 0.0
    counts = values.value_counts()
    return counts.index[0] if len(counts) else None


def _fill(column: pd.Series, value: object) -> pd.Series:
    return pd.Series([value] * len(column), index=column.index, dtype=column.dtype)
