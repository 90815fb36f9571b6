"""Shapley attribution: hand-computed games, subset-sum vs closed form, totals."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadflow.domain.attribution import aggregate_paths, shapley_attribution
from leadflow.errors import InvalidInput


def rows(spec: list[tuple[str, int, int, float]]) -> list[tuple[list[str], bool, float]]:
    """(channels as letters, conversions, non-converting journeys, value per conversion) -> journey rows."""
    out: list[tuple[list[str], bool, float]] = []
    for letters, won, lost, value in spec:
        out += [(list(letters), True, value)] * won + [(list(letters), False, 0.0)] * lost
    return out


def test_hand_computed_conversions_game_from_the_docs() -> None:
    paths = aggregate_paths(
        rows([("A", 2, 0, 10.0), ("AB", 2, 0, 10.0), ("BCB", 3, 0, 20.0), ("C", 0, 1, 0.0)])
    )
    result = shapley_attribution(paths)
    assert result.conversions == pytest.approx({"A": 3.0, "B": 2.5, "C": 1.5})
    assert result.value == pytest.approx({"A": 30.0, "B": 40.0, "C": 30.0})


def test_hand_computed_conversion_rate_game() -> None:
    paths = aggregate_paths(rows([("A", 1, 1, 1.0), ("AB", 1, 0, 1.0), ("B", 0, 1, 0.0)]))
    result = shapley_attribution(paths, coalition_value="conversion_rate")
    # v(A) = 1/2, v(B) = 0, v(AB) = 2/4: phi_A = 1/2, phi_B = 0, scaled to 2 conversions
    assert result.conversions == pytest.approx({"A": 2.0, "B": 0.0})


def random_rows(seed: int, channels: int, journeys: int) -> list[tuple[list[str], bool, float]]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(journeys):
        chosen = [f"c{int(i)}" for i in rng.integers(0, channels, rng.integers(1, 5))]
        out.append((chosen, bool(rng.random() < 0.3), float(rng.integers(1, 100))))
    return out


def test_subset_sum_game_equals_the_closed_form() -> None:
    paths = aggregate_paths(random_rows(seed=7, channels=12, journeys=3000))
    exact = shapley_attribution(paths, exact=True)
    closed = shapley_attribution(paths, exact=False)
    assert exact.conversions == pytest.approx(closed.conversions, rel=1e-9)
    assert exact.value == pytest.approx(closed.value, rel=1e-9)


def test_too_many_channels_for_the_rate_game() -> None:
    paths = aggregate_paths(random_rows(seed=1, channels=30, journeys=300))
    with pytest.raises(InvalidInput, match="too many"):
        shapley_attribution(paths, coalition_value="conversion_rate")
    assert shapley_attribution(paths).total_conversions == pytest.approx(
        sum(1 for _, won, _ in random_rows(seed=1, channels=30, journeys=300) if won)
    )


@settings(max_examples=80, deadline=None)
@given(
    spec=st.lists(
        st.tuples(
            st.lists(st.sampled_from("ABCDEF"), min_size=1, max_size=4), st.booleans(), st.floats(0, 1e4)
        ),
        min_size=1,
        max_size=30,
    ),
    game=st.sampled_from(["conversions", "conversion_rate"]),
)
def test_totals_equal_conversions_and_value(spec: list[tuple[list[str], bool, float]], game: str) -> None:
    result = shapley_attribution(aggregate_paths(spec), coalition_value=game)  # type: ignore[arg-type]
    conversions = sum(1 for _, won, _ in spec if won)
    value = sum(v for _, won, v in spec if won)
    assert result.total_conversions == pytest.approx(conversions, abs=1e-6)
    assert result.total_value == pytest.approx(value, rel=1e-9, abs=1e-6)
