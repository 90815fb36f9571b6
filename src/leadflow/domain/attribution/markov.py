"""Data-driven attribution: exact removal effects of an absorbing Markov chain of order k."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import splu

from leadflow.domain.attribution.journey import Attribution, PathTotals, gc_paused
from leadflow.errors import InvalidInput

START = "(start)"
CONVERSION = "(conversion)"
NULL = "(null)"


@dataclass(frozen=True)
class MarkovResult:
    """Removal effects and credits of one Markov model (order, chain size, baseline conversion odds)."""

    order: int
    states: int
    conversion_probability: float
    expected_value: float
    removal_effects: Mapping[str, float]
    value_removal_effects: Mapping[str, float]
    attribution: Attribution


def path_states(path: Sequence[str], order: int) -> list[Hashable]:
    """The chain states a path visits: windows of `order` channels, repeats in a row merged."""
    states: list[Hashable]
    if order == 1:
        states = list(path)
    elif len(path) <= order:
        states = [tuple(path)]
    else:
        states = [tuple(path[i : i + order]) for i in range(len(path) - order + 1)]
    merged: list[Hashable] = []
    for state in states:
        if not merged or merged[-1] != state:
            merged.append(state)
    return merged


@dataclass
class _Chain:
    states: list[tuple[str, ...]]  # state i + 1 (0 is the start)
    transient: sp.csr_matrix  # Q: probabilities between transient states
    absorb: np.ndarray  # column 0: P(state -> conversion); column 1: that times mean value per conversion


def _windows(flat: np.ndarray, offsets: np.ndarray, lengths: np.ndarray, order: int, base: int) -> np.ndarray:
    """One integer code per window of `order` channels (a whole path when shorter), path by path."""
    counts = np.maximum(lengths - order + 1, 1)
    path_of = np.repeat(np.arange(len(lengths)), counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    starts = offsets[path_of] + (np.arange(len(path_of)) - first)
    width = np.minimum(lengths[path_of], order)
    codes = np.zeros(len(path_of), dtype=np.int64)
    for j in range(order):
        digit = np.where(j < width, flat[np.minimum(starts + j, len(flat) - 1)] + 1, 0)
        codes = codes * base + digit
    return codes


def _build_chain(paths: Mapping[tuple[str, ...], PathTotals], order: int) -> _Chain:
    channel_names = sorted({c for path in paths for c in path})
    base = len(channel_names) + 1
    if base**order >= 2**62:
        raise InvalidInput(
            f"{len(channel_names)} channels at order {order} make too many states",
            where="markov",
            hint="lower the order or group channels",
        )
    channel_id = {c: i for i, c in enumerate(channel_names)}
    count = len(paths)
    lengths = np.fromiter((len(p) for p in paths), dtype=np.int64, count=count)
    flat = np.fromiter((channel_id[c] for p in paths for c in p), dtype=np.int64, count=int(lengths.sum()))
    conv = np.fromiter((t.conversions for t in paths.values()), dtype=np.float64, count=count)
    null = np.fromiter((t.nulls for t in paths.values()), dtype=np.float64, count=count)
    value = np.fromiter((t.value for t in paths.values()), dtype=np.float64, count=count)
    used = (conv + null > 0) & (lengths > 0)
    if not used.all():
        flat = flat[np.repeat(used, lengths)]
        lengths, conv, null, value = lengths[used], conv[used], null[used], value[used]
    offsets = np.cumsum(lengths) - lengths
    codes = _windows(flat, offsets, lengths, order, base)
    path_of = np.repeat(np.arange(len(lengths)), np.maximum(lengths - order + 1, 1))
    opens_path = np.ones(len(codes), dtype=bool)
    opens_path[1:] = path_of[1:] != path_of[:-1]
    keep = opens_path.copy()
    keep[1:] |= codes[1:] != codes[:-1]  # a state repeated in a row is one visit (no self-loops)
    codes, path_of, opens_path = codes[keep], path_of[keep], opens_path[keep]
    unique_codes, inverse = np.unique(codes, return_inverse=True)
    sid = inverse.astype(np.int64) + 1
    previous = np.empty_like(sid)
    previous[0:1] = 0
    previous[1:] = sid[:-1]
    previous[opens_path] = 0
    passes = (conv + null)[path_of]
    closes_path = np.ones(len(sid), dtype=bool)
    closes_path[:-1] = path_of[1:] != path_of[:-1]
    last = sid[closes_path]
    size = len(unique_codes) + 1
    conv_to = np.bincount(last, conv, size)
    null_to = np.bincount(last, null, size)
    value_to = np.bincount(last, value, size)
    out = np.bincount(previous, passes, size) + conv_to + null_to
    out[out == 0] = 1.0  # only the start of an empty chain; its row stays empty
    transient = sp.csr_matrix((passes / out[previous], (previous, sid)), shape=(size, size))
    transient.sum_duplicates()
    states = [_decode(int(code), order, base, channel_names) for code in unique_codes]
    return _Chain(states, transient, np.column_stack([conv_to / out, value_to / out]))


def _decode(code: int, order: int, base: int, names: list[str]) -> tuple[str, ...]:
    digits = []
    for _ in range(order):
        code, digit = divmod(code, base)
        digits.append(digit)
    return tuple(names[d - 1] for d in reversed(digits) if d)


def _absorption(chain: _Chain, keep: np.ndarray | None) -> np.ndarray:
    """Conversion probability and expected value from the start, with states not kept sent to null."""
    size = chain.transient.shape[0]
    transient, absorb = chain.transient, chain.absorb
    if keep is not None:
        mask = sp.diags(keep.astype(np.float64))
        transient, absorb = mask @ transient, absorb * keep[:, None]
    system = (sp.identity(size, format="csc") - transient).tocsc()
    solution: np.ndarray = np.asarray(splu(system).solve(np.ascontiguousarray(absorb)))
    return np.asarray(solution[0])


def _channel_members(states: list[tuple[str, ...]]) -> dict[str, np.ndarray]:
    members: dict[str, list[int]] = {}
    for i, state in enumerate(states):
        for channel in set(state):
            members.setdefault(channel, []).append(i + 1)
    return {channel: np.asarray(sids, np.int64) for channel, sids in sorted(members.items())}


def _shares(effects: Mapping[str, float], total: float) -> dict[str, float]:
    norm = sum(effects.values())
    if norm <= 0:
        return dict.fromkeys(effects, 0.0)
    return {channel: effect / norm * total for channel, effect in effects.items()}


def solve_chain(
    states: Sequence[tuple[str, ...]],
    transient: sp.csr_matrix,
    absorb: np.ndarray,
    order: int,
    conversions: float,
    value: float,
) -> MarkovResult:
    """Exact removal effects and credits of an absorbing chain, however it was counted.

    State 0 is the start and state i + 1 is states[i] (the channels of a window of `order` touches);
    `transient` holds the probabilities between them, `absorb` per state the probability of converting next
    (column 0) and that times the mean value converted (column 1). A channel's removal effect is the share
    of conversions (and of value) lost when every state holding it leads to null instead; credits split
    `conversions` and `value` in proportion to the effects.
    """
    chain = _Chain(list(states), transient, absorb)
    size = transient.shape[0]
    base_conv, base_value = (float(x) for x in _absorption(chain, None))
    effects: dict[str, float] = {}
    value_effects: dict[str, float] = {}
    for channel, sids in _channel_members(chain.states).items():
        keep = np.ones(size, dtype=bool)
        keep[sids] = False
        conv, val = (float(x) for x in _absorption(chain, keep))
        effects[channel] = 1.0 - conv / base_conv if base_conv > 0 else 0.0
        value_effects[channel] = 1.0 - val / base_value if base_value > 0 else 0.0
    attribution = Attribution(f"markov_{order}", _shares(effects, conversions), _shares(value_effects, value))
    return MarkovResult(order, size, base_conv, base_value, effects, value_effects, attribution)


def markov_attribution(paths: Mapping[tuple[str, ...], PathTotals], order: int = 1) -> MarkovResult:
    """Exact removal effects of the order-k chain and credits normalised to conversions and value."""
    if order < 1:
        raise InvalidInput(f"Markov order {order}", where="markov", hint="use an order of 1 or more")
    with gc_paused():
        chain = _build_chain(paths, order)
    total_conv = float(sum(t.conversions for t in paths.values()))
    total_value = float(sum(t.value for t in paths.values()))
    return solve_chain(chain.states, chain.transient, chain.absorb, order, total_conv, total_value)
