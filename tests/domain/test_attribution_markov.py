"""Exact Markov removal effects: hand-computed chain, state definitions, a dense reference, totals."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadflow.domain.attribution import (
    NONE,
    Journey,
    PathTotals,
    aggregate_paths,
    journey_rows,
    markov_attribution,
    path_states,
)
from leadflow.errors import InvalidInput


def test_hand_computed_chain_from_the_docs() -> None:
    # A>B converts, A alone does not, B alone converts:
    # start->A 2/3, start->B 1/3, A->B 1/2, A->null 1/2, B->conversion 1.
    paths = aggregate_paths([(["A", "B"], True, 100.0), (["A"], False, 0.0), (["B"], True, 50.0)])
    result = markov_attribution(paths)
    assert result.conversion_probability == pytest.approx(2 / 3)
    assert result.removal_effects == pytest.approx({"A": 0.5, "B": 1.0})
    assert result.attribution.conversions == pytest.approx({"A": 2 / 3, "B": 4 / 3})
    # value: B ends both converting paths (mean 75 per conversion), so the value effects equal the counts'
    assert result.value_removal_effects == pytest.approx({"A": 0.5, "B": 1.0})
    assert result.attribution.value == pytest.approx({"A": 50.0, "B": 100.0})


def test_value_effects_follow_the_value_of_paths_through_a_channel() -> None:
    paths = aggregate_paths([(["A"], True, 900.0), (["B"], True, 100.0), (["A"], False, 0.0)])
    result = markov_attribution(paths)
    assert result.removal_effects == pytest.approx({"A": 0.5, "B": 0.5})
    assert result.value_removal_effects == pytest.approx({"A": 0.9, "B": 0.1})
    assert result.attribution.value == pytest.approx({"A": 900.0, "B": 100.0})


def test_path_states_of_order_k() -> None:
    assert path_states(("a", "a", "b", "a"), 1) == ["a", "b", "a"]  # repeats in a row merge
    assert path_states(("a", "b", "c"), 2) == [("a", "b"), ("b", "c")]
    assert path_states(("a",), 2) == [("a",)]  # shorter than the order: the whole path is one state
    assert path_states(("a", "a", "a", "b"), 2) == [("a", "a"), ("a", "b")]
    assert path_states(("a", "b", "c", "d"), 3) == [("a", "b", "c"), ("b", "c", "d")]


def test_journeys_without_touches_are_the_none_channel() -> None:
    journeys = [Journey("1", (), value=10.0), Journey("2", (), converted=False)]
    result = markov_attribution(aggregate_paths(journey_rows(journeys)))
    assert result.attribution.conversions == {NONE: 1.0}
    assert result.attribution.value == {NONE: 10.0}


def test_no_conversions_give_zero_credits() -> None:
    result = markov_attribution(aggregate_paths([(["A", "B"], False, 0.0)]))
    assert result.conversion_probability == 0.0
    assert result.attribution.conversions == {"A": 0.0, "B": 0.0}


def test_bad_order_and_negative_values_are_refused() -> None:
    with pytest.raises(InvalidInput):
        markov_attribution({("A",): PathTotals(1, 0, 1)}, order=0)
    with pytest.raises(InvalidInput, match="negative value"):
        list(journey_rows([Journey("x", (), value=-5.0)]))


def dense_reference(paths: dict[tuple[str, ...], PathTotals], order: int) -> dict[str, float]:
    """Removal effects by a dense solve over explicitly listed states: an independent implementation."""
    counts: dict[Hashable, dict[Hashable, float]] = defaultdict(lambda: defaultdict(float))
    for path, totals in paths.items():
        states: list[Hashable] = ["(start)", *path_states(path, order)]
        for a, b in pairwise(states):
            counts[a][b] += totals.conversions + totals.nulls
        counts[states[-1]]["(conversion)"] += totals.conversions
        counts[states[-1]]["(null)"] += totals.nulls
    transient = list(counts)
    index = {s: i for i, s in enumerate(transient)}

    def p_conv(removed: str | None) -> float:
        n = len(transient)
        a, b = np.eye(n), np.zeros(n)
        for s, outs in counts.items():
            members = (s,) if order == 1 or s == "(start)" else s
            if removed is not None and removed in members:  # type: ignore[operator]
                continue
            total = sum(outs.values())
            for t, w in outs.items():
                if t == "(conversion)":
                    b[index[s]] += w / total
                elif t != "(null)":
                    a[index[s], index[t]] -= w / total
        return float(np.linalg.solve(a, b)[index["(start)"]])

    base = p_conv(None)
    channels = sorted({c for path in paths for c in path})
    return {c: 1 - p_conv(c) / base for c in channels}


def simulated_paths(seed: int, journeys: int, channels: int = 5) -> list[tuple[list[str], bool, float]]:
    rng = np.random.default_rng(seed)
    names = [f"ch{i}" for i in range(channels)]
    lift = rng.uniform(0.01, 0.2, channels)
    rows = []
    for _ in range(journeys):
        visited = rng.integers(0, channels, rng.integers(1, 7))
        converted = bool(rng.random() < 1 - np.prod(1 - lift[visited]))
        rows.append(
            ([names[i] for i in visited], converted, float(rng.integers(1, 10)) * 100 if converted else 0)
        )
    return rows


@pytest.mark.parametrize("order", [1, 2, 3])
def test_matches_a_dense_reference_solve(order: int) -> None:
    paths = aggregate_paths(simulated_paths(seed=order, journeys=400))
    expected = dense_reference(paths, order)
    assert markov_attribution(paths, order).removal_effects == pytest.approx(expected, abs=1e-9)


paths_strategy = st.lists(
    st.tuples(
        st.lists(st.sampled_from("ABCDE"), max_size=6),
        st.booleans(),
        st.floats(min_value=0, max_value=1000),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=120, deadline=None)
@given(rows=paths_strategy, order=st.integers(1, 3))
def test_credits_sum_to_total_conversions_and_value(
    rows: list[tuple[list[str], bool, float]], order: int
) -> None:
    paths = aggregate_paths(rows)
    result = markov_attribution(paths, order)
    conversions = sum(1 for _, won, _ in rows if won)
    value = sum(v for _, won, v in rows if won)
    assert result.attribution.total_conversions == pytest.approx(conversions, abs=1e-6)
    assert result.attribution.total_value == pytest.approx(value, rel=1e-9, abs=1e-6)
    assert all(-1e-9 <= e <= 1 + 1e-9 for e in result.removal_effects.values())
    if conversions:
        assert result.conversion_probability == pytest.approx(conversions / len(rows))
