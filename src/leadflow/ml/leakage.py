"""The leakage guard: finds features that give the outcome away or are filled in only after it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from leadflow.ml.dataset import LeadData

SINGLE_AUC_LIMIT = 0.95
PURE_RATE = 0.05
PURE_COVERAGE = 0.25
FILL_GAP = 0.25
STATUS_SHARE = 0.2
COFILL_SHARE = 0.95
# Words in a column's name or description that say "someone wrote this down during or after the sale".
_POST_OUTCOME_NAME = re.compile(
    r"\b(tags?|status|quality|stage|outcome|result|reason|disposition|closed?|won|lost|rating|notes?|comments?|"
    r"feedback|qualified|qualification|assigned|intuition|employee|sales ?rep|owner|churn(ed)?|deal)\b",
    re.IGNORECASE,
)
# Snapshot words: the value is the state when the file was exported, which may be after the outcome.
_SNAPSHOT_NAME = re.compile(r"\b(last|latest|modified|updated|score|index)\b", re.IGNORECASE)
# Values a sales team types into a status field after talking to a lead.
_STATUS_WORDS = re.compile(
    r"revert|closed by|lost to|\bwon\b|ringing|switched off|\bbusy\b|invalid number|wrong number|"
    r"number not provided|hang ?up|not interested|interested in|already a|call ?back|follow[- ]?up|"
    r"not reachable|unreachable|no answer|voice ?mail|left message|not eligible|financial problem|"
    r"in touch with|disqualified|junk|duplicate|do not contact|not doing|still thinking|next batch",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class LeakFinding:
    """What the guard found about one column: 'leak' (refused unless allowed) or 'borderline' (warned)."""

    column: str
    severity: str
    reasons: tuple[str, ...]
    single_auc: float
    pure_share: float
    fill_gap: float
    status_share: float

    def sentence(self) -> str:
        """The finding in plain words, as the refusal message and the model card print it."""
        return f"'{self.column}': " + "; ".join(self.reasons)


def inspect_leakage(
    data: LeadData, descriptions: Mapping[str, str] | None = None, folds: int = 5, seed: int = 0
) -> tuple[LeakFinding, ...]:
    """Every column with at least one warning sign, leaks first, each with its reasons in plain words."""
    y = data.outcome
    descriptions = descriptions or {}
    evidence: dict[str, list[str]] = {}
    weak: dict[str, list[str]] = {}
    metrics: dict[str, tuple[float, float, float, float]] = {}
    strong_hit: dict[str, bool] = {}
    for column in data.features.columns:
        values = data.features[column]
        kind = data.kinds[column]
        auc = single_feature_auc(_codes(values, kind), y, folds, seed)
        pure = _pure_share(values, y) if kind == "categorical" else 0.0
        gap = _fill_gap(values, y)
        status = _status_share(values) if kind == "categorical" else 0.0
        metrics[column] = (auc, pure, gap, status)
        strong, signs, soft = [], [], []
        if auc >= SINGLE_AUC_LIMIT:
            strong.append(
                f"on its own it predicts the outcome almost perfectly (cross-validated AUC {auc:.2f})"
            )
        if pure >= PURE_COVERAGE:
            strong.append(
                f"{pure:.0%} of leads have a value that is almost always one outcome"
                f" (e.g. {_pure_example(values, y)})"
            )
        text = f"{column} {descriptions.get(column, '')}"
        if _POST_OUTCOME_NAME.search(text):
            signs.append(
                "its name or description reads like something sales fills in (status, quality, tags...)"
            )
        elif _SNAPSHOT_NAME.search(text):
            soft.append(
                "its name reads like a snapshot ('last', 'score'...): check that it is computed as of the"
                " scoring time, not when the file was exported"
            )
        if abs(gap) >= FILL_GAP:
            pos, neg = _fill_rates(values, y)
            signs.append(f"it is filled in for {pos:.0%} of converted leads but {neg:.0%} of the others")
        if status >= STATUS_SHARE:
            signs.append(f"{status:.0%} of its values are sales-status words ({_status_example(values)})")
        evidence[column] = strong + signs
        weak[column] = soft
        strong_hit[column] = bool(strong) or len(signs) >= 2
    _add_cofill_evidence(data.features, evidence, strong_hit)
    findings = []
    for column in data.features.columns:
        reasons = evidence[column]
        if not reasons and not weak[column]:
            continue
        severity = "leak" if strong_hit[column] or len(reasons) >= 2 else "borderline"
        auc, pure, gap, status = metrics[column]
        findings.append(LeakFinding(column, severity, tuple(reasons + weak[column]), auc, pure, gap, status))
    return tuple(sorted(findings, key=lambda f: (f.severity != "leak", -f.single_auc)))


def single_feature_auc(codes: np.ndarray, y: np.ndarray, folds: int = 5, seed: int = 0) -> float:
    """Cross-validated AUC of one column used alone (out-of-fold outcome rate of its level or bin)."""
    oof = np.zeros(len(y))
    n_codes = int(codes.max()) + 1 if len(codes) else 1
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(codes, y):
        hits = np.bincount(codes[train], weights=y[train], minlength=n_codes)
        counts = np.bincount(codes[train], minlength=n_codes)
        prior = y[train].mean()
        rates = (hits + 10 * prior) / (counts + 10)  # shrink small levels towards the base rate
        oof[test] = rates[codes[test]]
    return float(roc_auc_score(y, oof))


def _codes(values: pd.Series, kind: str) -> np.ndarray:
    if kind == "numeric":
        numbers = values.to_numpy(dtype=float)
        filled = numbers[~np.isnan(numbers)]
        edges = np.unique(np.quantile(filled, np.linspace(0, 1, 21)[1:-1])) if len(filled) else np.zeros(0)
        codes = np.searchsorted(edges, numbers, side="right") + 1
        return np.where(np.isnan(numbers), 0, codes).astype(int)
    codes = np.asarray(pd.factorize(values.astype(object), use_na_sentinel=True)[0], dtype=int)
    return codes + 1


def _fill_rates(values: pd.Series, y: np.ndarray) -> tuple[float, float]:
    filled = values.notna().to_numpy()
    return float(filled[y == 1].mean()), float(filled[y == 0].mean())


def _fill_gap(values: pd.Series, y: np.ndarray) -> float:
    pos, neg = _fill_rates(values, y)
    return pos - neg


def _level_rates(values: pd.Series, y: np.ndarray) -> pd.DataFrame:
    table = pd.DataFrame({"level": values.astype(object), "y": y}).dropna()
    stats = table.groupby("level")["y"].agg(["count", "mean"])
    return stats[stats["count"] >= max(10, int(0.002 * len(values)))]


def _pure_share(values: pd.Series, y: np.ndarray) -> float:
    stats = _level_rates(values, y)
    base = float(y.mean())
    pure = (stats["mean"] >= 1 - PURE_RATE) & (base <= 0.75) | (stats["mean"] <= PURE_RATE) & (base >= 0.25)
    return float(stats.loc[pure, "count"].sum() / len(values))


def _pure_example(values: pd.Series, y: np.ndarray) -> str:
    stats = _level_rates(values, y)
    stats = stats[(stats["mean"] >= 1 - PURE_RATE) | (stats["mean"] <= PURE_RATE)]
    top = stats.sort_values("count", ascending=False).head(3)
    return ", ".join(f"'{level}' -> {rate:.0%} converted" for level, rate in top["mean"].items())


def _status_share(values: pd.Series) -> float:
    filled = values.dropna().astype(str)
    if filled.empty:
        return 0.0
    levels = pd.Series(filled.unique())
    matching = set(levels[levels.map(lambda v: bool(_STATUS_WORDS.search(v)))])
    if len(matching) < 2:
        return 0.0
    return float(filled.isin(matching).mean())


def _status_example(values: pd.Series) -> str:
    counts = values.dropna().astype(str).value_counts()
    words = [level for level in counts.index if _STATUS_WORDS.search(level)][:3]
    return ", ".join(f"'{w}'" for w in words)


def _add_cofill_evidence(
    features: pd.DataFrame, evidence: dict[str, list[str]], leak: dict[str, bool]
) -> None:
    """A column filled in almost only when a leaking column is filled in is written in the same sales step."""
    anchors = [c for c, is_leak in leak.items() if is_leak and features[c].notna().mean() < 0.9]
    for column in features.columns:
        if leak[column]:
            continue
        filled = features[column].notna().to_numpy()
        if filled.mean() < 0.05 or filled.mean() > 0.95:
            continue
        for anchor in anchors:
            anchor_filled = features[anchor].notna().to_numpy()
            together = anchor_filled[filled].mean()
            if together >= COFILL_SHARE and anchor_filled.mean() <= 0.85:
                evidence[column].append(
                    f"it is filled in almost only when '{anchor}' (a leak) is: {together:.0%} of the time,"
                    f" against {anchor_filled.mean():.0%} of all leads"
                )
                if len(evidence[column]) >= 2:
                    leak[column] = True
                break
