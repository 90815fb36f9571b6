"""Sourcing and attribution wrappers: hand-computed credits, and credits always sum to the conversions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadflow.analytics.attribution import DEFAULT_MODELS, attribution, credit, journeys_for, sourcing
from leadflow.analytics.engines import connect_store
from leadflow.analytics.filters import Filters
from leadflow.domain.attribution import Journey, Touch
from leadflow.errors import InvalidInput
from leadflow.services.context import Context

T = datetime(2026, 1, 1, tzinfo=UTC)


def test_sourcing_categories(tiny_any: Context, q1: Filters) -> None:
    b = connect_store(tiny_any.engine, tiny_any.playbook.model)
    s = sourcing(b, q1).set_index("category")
    # ada's deal (10k, won) says marketing; bob's (50k, open) has no sourced_by: his person says marketing
    assert s.loc["marketing_sourced", "opportunities"] == 2
    assert s.loc["marketing_sourced", "pipeline"] == pytest.approx(60000.0)
    assert s.loc["marketing_sourced", "revenue"] == pytest.approx(10000.0)
    assert s.loc["sales_sourced", "pipeline"] == 0.0
    assert s.loc["total", "won"] == 1
    # both deals had a non-rep touch before creation (ada's form, bob's event)
    assert s.loc["marketing_influenced", "pipeline"] == pytest.approx(60000.0)


def test_journeys_flag_milestone_touches(tiny_sqlite: Context, q1: Filters) -> None:
    b = connect_store(tiny_sqlite.engine, tiny_sqlite.playbook.model)
    won = [j for j in journeys_for(b, q1, "won") if j.converted]
    assert len(won) == 1
    ada = won[0]
    assert ada.value == 10000.0
    assert [t.key for t in ada.touches] == ["paid_search", "paid_search", "email", "sales"]
    assert [t.is_lead_creation for t in ada.touches] == [False, True, False, False]  # the form on Jan 5
    assert [t.is_opportunity_creation for t in ada.touches] == [False, False, False, True]


def test_rule_credits_by_hand(tiny_sqlite: Context, q1: Filters) -> None:
    b = connect_store(tiny_sqlite.engine, tiny_sqlite.playbook.model)
    c = attribution(b, q1, "won", ("first_touch", "last_touch", "linear", "w_shaped"))
    got = {(r.model, r.key): r.conversions for r in c.itertuples()}
    assert got[("first_touch", "paid_search")] == 1.0
    assert got[("last_touch", "sales")] == 1.0
    assert got[("linear", "paid_search")] == pytest.approx(0.5)
    # W-shaped: first (page view) 0.3, lead creation (form) 0.3, opportunity creation (call) 0.3, email 0.1
    assert got[("w_shaped", "paid_search")] == pytest.approx(0.6)
    assert got[("w_shaped", "email")] == pytest.approx(0.1)
    value = {(r.model, r.key): r.value for r in c.itertuples()}
    assert value[("linear", "email")] == pytest.approx(2500.0)


@pytest.mark.parametrize("milestone", ["lead_created", "mql", "opportunity_created", "won"])
def test_every_model_sums_to_the_conversions(tiny_sqlite: Context, q1: Filters, milestone: str) -> None:
    b = connect_store(tiny_sqlite.engine, tiny_sqlite.playbook.model)
    journeys = journeys_for(b, q1, milestone)
    converted = sum(1 for j in journeys if j.converted)
    c = credit(journeys, DEFAULT_MODELS)
    for model, part in c.groupby("model"):
        assert part["conversions"].sum() == pytest.approx(converted), model


def test_unknown_model_and_milestone(tiny_sqlite: Context, q1: Filters) -> None:
    b = connect_store(tiny_sqlite.engine, tiny_sqlite.playbook.model)
    with pytest.raises(InvalidInput, match="unknown model"):
        attribution(b, q1, "won", ("magic",))
    with pytest.raises(InvalidInput, match="unknown milestone"):
        attribution(b, q1, "signed")


CHANNELS = st.sampled_from(["search", "email", "events", "social"])


@st.composite
def journeys(draw: st.DrawFn) -> list[Journey]:
    out = []
    for n in range(draw(st.integers(1, 12))):
        keys = draw(st.lists(CHANNELS, min_size=0, max_size=6))
        touches = tuple(
            Touch(
                k,
                T + timedelta(days=i),
                is_first=i == 0,
                is_lead_creation=i == min(1, len(keys) - 1),
                is_opportunity_creation=i == len(keys) - 1,
            )
            for i, k in enumerate(keys)
        )
        out.append(
            Journey(str(n), touches, draw(st.floats(0, 1e5)), draw(st.booleans()), T + timedelta(days=9))
        )
    return out


@settings(max_examples=40, deadline=None)
@given(journeys())
def test_wrapper_credits_sum_to_conversions_and_value(items: list[Journey]) -> None:
    c = credit(items, DEFAULT_MODELS)
    converted = [j for j in items if j.converted]
    for model, part in c.groupby("model"):
        assert part["conversions"].sum() == pytest.approx(len(converted), abs=1e-6), model
        assert part["value"].sum() == pytest.approx(sum(j.value for j in converted), rel=1e-6, abs=1e-6), (
            model
        )


def test_data_driven_models_on_a_period_without_touches(sqlite_ctx) -> None:  # type: ignore[no-untyped-def]
    """A period with conversions but no touches (or nothing at all) gives empty credits, not an error."""
    from leadflow.analytics import connect_store, make_filters
    from leadflow.analytics.attribution import attribution

    b = connect_store(sqlite_ctx.engine, sqlite_ctx.playbook.model)
    out = attribution(
        b, make_filters("2020-Q1", sqlite_ctx.clock.now()), "won", ("markov_1", "shapley", "linear")
    )
    assert out.empty or float(out["conversions"].sum()) == 0.0
