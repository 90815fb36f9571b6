"""Order-1 Markov from engine-ordered touch codes equals the path-based reference on every store engine."""

from __future__ import annotations

import pytest

from leadflow.analytics.attribution import journeys_for, paths_for
from leadflow.analytics.engines import connect_duckdb, connect_store
from leadflow.analytics.filters import Filters
from leadflow.analytics.transitions import markov_1, transitions_for
from leadflow.domain.attribution import aggregate_paths, journey_rows, markov_attribution
from leadflow.services.context import Context

MILESTONES = ["lead_created", "mql", "opportunity_created", "won"]


@pytest.mark.parametrize("milestone", MILESTONES)
@pytest.mark.parametrize("by", ["channel", "campaign"])
def test_paths_equal_the_journeys_paths(tiny_any: Context, q1: Filters, milestone: str, by: str) -> None:
    b = connect_store(tiny_any.engine, tiny_any.playbook.model)
    assert paths_for(b, q1, milestone, by) == aggregate_paths(
        journey_rows(journeys_for(b, q1, milestone, by))
    )


@pytest.mark.parametrize("milestone", MILESTONES)
@pytest.mark.parametrize("by", ["channel", "campaign"])
def test_markov_1_from_counts_equals_the_path_chain(
    tiny_any: Context, q1: Filters, milestone: str, by: str
) -> None:
    b = connect_store(tiny_any.engine, tiny_any.playbook.model)
    expected = markov_attribution(paths_for(b, q1, milestone, by), 1)
    got = markov_1(transitions_for(b, q1, milestone, by))
    assert got.states == expected.states
    assert got.conversion_probability == pytest.approx(expected.conversion_probability, rel=1e-12)
    assert got.expected_value == pytest.approx(expected.expected_value, rel=1e-12)
    assert got.removal_effects == pytest.approx(expected.removal_effects, rel=1e-9, abs=1e-12)
    assert got.attribution.conversions == pytest.approx(expected.attribution.conversions, rel=1e-9)
    assert got.attribution.value == pytest.approx(expected.attribution.value, rel=1e-9)


def test_markov_1_on_duckdb_attached_store(tiny_sqlite: Context, q1: Filters) -> None:
    store = connect_store(tiny_sqlite.engine, tiny_sqlite.playbook.model)
    duck = connect_duckdb(None, tiny_sqlite.playbook.model, tiny_sqlite.engine)
    expected = markov_attribution(paths_for(store, q1, "won"), 1).attribution
    got = markov_1(transitions_for(duck, q1, "won")).attribution
    assert got.conversions == pytest.approx(expected.conversions, rel=1e-9)
    assert transitions_for(duck, q1, "won").journeys == transitions_for(store, q1, "won").journeys


def test_markov_1_without_journeys(tiny_sqlite: Context) -> None:
    from leadflow.analytics.filters import make_filters

    b = connect_store(tiny_sqlite.engine, tiny_sqlite.playbook.model)
    f = make_filters("2020-Q1", tiny_sqlite.clock.now())
    got = markov_1(transitions_for(b, f, "won"))
    assert got.attribution.conversions == {} and got.attribution.value == {}
    assert got.states == markov_attribution({}, 1).states
