"""Shapley attribution over channels: coalition value = conversions of journeys inside the coalition."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from math import factorial
from typing import Literal

import numpy as np

from leadflow.domain.attribution.journey import Attribution, PathTotals
from leadflow.errors import InvalidInput

MAX_EXACT_CHANNELS = 20  # 2^20 coalitions: ~1 s; above that only the closed form is practical

CoalitionValue = Literal["conversions", "conversion_rate"]


@dataclass(frozen=True)
class _Sets:
    channels: list[str]
    masks: np.ndarray  # one bitmask of distinct channels per aggregated path
    conversions: np.ndarray
    journeys: np.ndarray
    value: np.ndarray


def _channel_sets(paths: Mapping[tuple[str, ...], PathTotals]) -> _Sets:
    channels = sorted({c for path in paths for c in path})
    bit = {c: 1 << i for i, c in enumerate(channels)}
    masks, conv, seen, value = [], [], [], []
    for path, totals in paths.items():
        mask = 0
        for channel in path:
            mask |= bit[channel]
        masks.append(mask)
        conv.append(totals.conversions)
        seen.append(totals.conversions + totals.nulls)
        value.append(totals.value)
    return _Sets(channels, np.asarray(masks, np.int64), np.asarray(conv), np.asarray(seen), np.asarray(value))


def _subset_sums(masks: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """v(S) = sum of weights of the masks that are subsets of S, for every S (a zeta transform)."""
    table = np.bincount(masks, weights, 1 << n).astype(np.float64)
    for i in range(n):
        view = table.reshape(-1, 2, 1 << i)
        view[:, 1, :] += view[:, 0, :]
    return table


def _shapley(game: np.ndarray, n: int) -> np.ndarray:
    """Exact Shapley values of a game given as a table of 2^n coalition values."""
    coalitions = np.arange(1 << n, dtype=np.int64)
    sizes = np.zeros(1 << n, dtype=np.int64)
    for i in range(n):
        sizes += (coalitions >> i) & 1
    weight_by_size = np.array([factorial(s) * factorial(n - s - 1) / factorial(n) for s in range(n)])
    values = np.zeros(n)
    for i in range(n):
        without = coalitions[(coalitions >> i) & 1 == 0]
        gain = game[without | (1 << i)] - game[without]
        values[i] = float(np.dot(weight_by_size[sizes[without]], gain))
    return values


def _closed_form(sets: _Sets, weights: np.ndarray) -> np.ndarray:
    """For the 'conversions' game each journey's weight splits evenly over its distinct channels."""
    n = len(sets.channels)
    values = np.zeros(n)
    sizes = np.array([bin(int(m)).count("1") for m in sets.masks])
    for i in range(n):
        has = (sets.masks >> i) & 1 == 1
        values[i] = float(np.sum(weights[has] / sizes[has]))
    return values


def shapley_attribution(
    paths: Mapping[tuple[str, ...], PathTotals],
    coalition_value: CoalitionValue = "conversions",
    exact: bool | None = None,
) -> Attribution:
    """Shapley credits per channel, scaled so they sum to total conversions and total value."""
    sets = _channel_sets(paths)
    n = len(sets.channels)
    if n == 0:
        return Attribution("shapley", {}, {})
    use_subsets = exact if exact is not None else n <= 15
    if coalition_value == "conversion_rate" and n > MAX_EXACT_CHANNELS:
        raise InvalidInput(
            f"{n} channels are too many for the conversion-rate Shapley game",
            where="shapley",
            hint=f"group channels to at most {MAX_EXACT_CHANNELS} or use coalition_value='conversions'",
        )
    if coalition_value == "conversion_rate":
        reached = _subset_sums(sets.masks, sets.journeys, n)
        rate = np.divide(
            _subset_sums(sets.masks, sets.conversions, n),
            reached,
            out=np.zeros_like(reached),
            where=reached > 0,
        )
        per_value = np.divide(
            _subset_sums(sets.masks, sets.value, n), reached, out=np.zeros_like(reached), where=reached > 0
        )
        conv_values, value_values = _shapley(rate, n), _shapley(per_value, n)
    elif use_subsets:
        if n > MAX_EXACT_CHANNELS:
            raise InvalidInput(
                f"{n} channels: 2^{n} coalitions",
                where="shapley",
                hint="pass exact=False for the closed form",
            )
        conv_values = _shapley(_subset_sums(sets.masks, sets.conversions, n), n)
        value_values = _shapley(_subset_sums(sets.masks, sets.value, n), n)
    else:
        conv_values, value_values = _closed_form(sets, sets.conversions), _closed_form(sets, sets.value)
    name = "shapley" if coalition_value == "conversions" else "shapley_rate"
    return Attribution(
        name,
        _scaled(sets.channels, conv_values, float(sets.conversions.sum())),
        _scaled(sets.channels, value_values, float(sets.value.sum())),
    )


def _scaled(channels: list[str], values: np.ndarray, total: float) -> dict[str, float]:
    """Credits rescaled to `total` (the game's grand-coalition value may be a rate, not a count)."""
    norm = float(values.sum())
    if norm == 0:
        return dict.fromkeys(channels, 0.0)
    return {c: float(v) / norm * total for c, v in zip(channels, values, strict=True)}
