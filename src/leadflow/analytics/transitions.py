"""First-order Markov attribution from transition counts (no path tuples, no per-journey Python objects).

The order-1 chain only needs, over all journeys: how often each channel starts a path, how often one
channel follows another (repeats in a row are one visit) and how often each channel ends a path converted
or not (with the value converted). These are counted with numpy over the engine's time-ordered touch codes;
the chain and its removal effects are exactly those `markov_attribution(paths, 1)` computes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from leadflow.analytics.attribution import OrderedTouches, ordered_touches
from leadflow.analytics.engines import Backend
from leadflow.analytics.filters import Filters
from leadflow.domain.attribution import NONE, MarkovResult
from leadflow.domain.attribution.markov import solve_chain


@dataclass(frozen=True)
class Transitions:
    """Order-1 counts per channel (sorted names): path starts, moves [from, to], ends converted / not."""

    names: list[str]
    starts: np.ndarray
    moves: np.ndarray
    conversions: np.ndarray
    nulls: np.ndarray
    value: np.ndarray

    @property
    def journeys(self) -> int:
        """How many journeys were counted (converted or not)."""
        return int(self.starts.sum())


def count_transitions(o: OrderedTouches) -> Transitions:
    """Counts from ordered touches; a journey without touches is the path ((none),) as in aggregate_paths."""
    names = sorted({*o.names, NONE})
    rank = np.asarray([names.index(n) for n in o.names], dtype=np.int64)
    code = rank[o.touch_code] if len(o.names) else np.zeros(0, np.int64)
    tc = o.touch_conv
    size = len(names)
    same_next = tc[1:] == tc[:-1]
    moved = same_next & (code[1:] != code[:-1])
    moves = np.bincount(code[:-1][moved] * size + code[1:][moved], minlength=size * size)
    first = np.r_[True, ~same_next] if len(tc) else np.zeros(0, bool)
    last = np.r_[~same_next, True] if len(tc) else np.zeros(0, bool)
    first_code = np.full(len(o.conv_ids), names.index(NONE), np.int64)
    last_code = first_code.copy()
    at = np.searchsorted(o.conv_ids, tc[first])
    first_code[at] = code[first]
    last_code[at] = code[last]
    won = o.converted
    return Transitions(
        names,
        np.bincount(first_code, minlength=size).astype(np.float64),
        moves.reshape(size, size).astype(np.float64),
        np.bincount(last_code[won], minlength=size).astype(np.float64),
        np.bincount(last_code[~won], minlength=size).astype(np.float64),
        np.bincount(last_code[won], o.values[won], minlength=size),
    )


def transitions_for(b: Backend, f: Filters, milestone: str = "won", by: str = "channel") -> Transitions:
    """The order-1 transition counts of the journeys to a milestone of the period."""
    return count_transitions(ordered_touches(b, f, milestone, by))


def markov_1(t: Transitions) -> MarkovResult:
    """Exact removal effects and credits of the first-order chain (as markov_attribution(paths, 1))."""
    used = np.flatnonzero((t.starts + t.moves.sum(0) + t.moves.sum(1) + t.conversions + t.nulls) > 0)
    names = [t.names[i] for i in used]
    size = len(used) + 1
    moves = t.moves[np.ix_(used, used)]
    conv_to = np.r_[0.0, t.conversions[used]]
    null_to = np.r_[0.0, t.nulls[used]]
    value_to = np.r_[0.0, t.value[used]]
    flow = np.zeros((size, size))
    flow[0, 1:] = t.starts[used]
    flow[1:, 1:] = moves
    out = flow.sum(1) + conv_to + null_to
    out[out == 0] = 1.0  # only the start of an empty chain; its row stays empty
    transient = sp.csr_matrix(flow / out[:, None])
    absorb = np.column_stack([conv_to / out, value_to / out])
    states = [(n,) for n in names]
    return solve_chain(states, transient, absorb, 1, float(t.conversions.sum()), float(t.value.sum()))
