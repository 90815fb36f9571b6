"""The feature encoder: one-hot with rare levels grouped, numeric imputation with indicators, scaling."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

MISSING_LEVEL = "(missing)"
OTHER_LEVEL = "(other)"


@dataclass
class FeatureEncoder:
    """Turns normalised lead features into a centred, scaled matrix whose columns map back to sources."""

    kinds: dict[str, str]
    min_level_share: float = 0.005
    min_level_count: int = 5
    levels: dict[str, list[str]] = field(default_factory=dict)
    medians: dict[str, float] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    means: np.ndarray = field(default_factory=lambda: np.zeros(0))
    scales: np.ndarray = field(default_factory=lambda: np.ones(0))

    @property
    def columns(self) -> list[str]:
        """Source columns in encoding order."""
        return list(self.kinds)

    def fit(self, frame: pd.DataFrame) -> FeatureEncoder:
        """Learn levels, medians, means and scales from training rows only."""
        threshold = max(self.min_level_count, math.ceil(self.min_level_share * len(frame)))
        self.levels, self.medians, self.names, self.groups = {}, {}, [], []
        for column, kind in self.kinds.items():
            values = frame[column]
            if kind == "numeric":
                median = float(values.median()) if values.notna().any() else 0.0
                self.medians[column] = median
                self._add(column, column)
                if values.isna().any():
                    self._add(column, f"{column} {MISSING_LEVEL}")
                continue
            counts = values.value_counts()
            kept = sorted(str(level) for level, count in counts.items() if count >= threshold)
            rare = bool((counts < threshold).any())
            levels = kept + ([OTHER_LEVEL] if rare else []) + ([MISSING_LEVEL] if values.isna().any() else [])
            self.levels[column] = levels
            for level in levels:
                self._add(column, f"{column} = {level}")
        raw = self._raw(frame)
        self.means = raw.mean(axis=0)
        # Numbers are z-scored; 0/1 indicators are only centred, so a level seen twice cannot get a
        # huge standardised value (and with it an absurd per-lead contribution).
        measured = np.array([name == group for name, group in zip(self.names, self.groups, strict=True)])
        scales = raw.std(axis=0)
        self.scales = np.where(measured & (scales > 1e-12), scales, 1.0)
        return self

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """The standardised matrix; unseen levels count as '(other)' (nothing if no rare level was seen)."""
        return np.asarray((self._raw(frame) - self.means) / self.scales, dtype=float)

    def group_index(self) -> dict[str, np.ndarray]:
        """For each source column, the matrix columns that encode it."""
        groups = np.asarray(self.groups)
        return {column: np.flatnonzero(groups == column) for column in self.kinds}

    def _add(self, group: str, name: str) -> None:
        self.groups.append(group)
        self.names.append(name)

    def _raw(self, frame: pd.DataFrame) -> np.ndarray:
        blocks: list[np.ndarray] = []
        for column, kind in self.kinds.items():
            values = frame[column]
            if kind == "numeric":
                numbers = pd.to_numeric(values, errors="coerce").astype(float).to_numpy()
                missing = np.isnan(numbers)
                blocks.append(np.where(missing, self.medians[column], numbers)[:, None])
                if f"{column} {MISSING_LEVEL}" in self.names:
                    blocks.append(missing.astype(float)[:, None])
                continue
            levels = self.levels[column]
            other = levels.index(OTHER_LEVEL) if OTHER_LEVEL in levels else None
            missing_at = levels.index(MISSING_LEVEL) if MISSING_LEVEL in levels else None
            known = [level for level in levels if level not in (OTHER_LEVEL, MISSING_LEVEL)]
            codes = np.asarray(pd.Index(known, dtype=object).get_indexer(values.astype(object)), dtype=int)
            is_missing = values.isna().to_numpy()
            block = np.zeros((len(frame), len(levels)))
            rows = np.arange(len(frame))
            hit = codes >= 0
            block[rows[hit], codes[hit]] = 1.0
            if missing_at is not None:
                block[rows[is_missing], missing_at] = 1.0
            if other is not None:
                block[rows[~hit & ~is_missing], other] = 1.0
            blocks.append(block)
        return np.hstack(blocks) if blocks else np.zeros((len(frame), 0))
