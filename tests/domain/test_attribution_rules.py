"""Rule-based attribution: the worked example of docs/attribution.md, edge cases, credit sums."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadflow.domain.attribution import (
    FIRST_TOUCH,
    FULL_PATH,
    LAST_TOUCH,
    LINEAR,
    NONE,
    POSITION_BASED,
    RULE_MODELS,
    W_SHAPED,
    Journey,
    MilestoneModel,
    TimeDecayModel,
    Touch,
    attribute,
    position_based,
    rule_model,
    split_journey,
)
from leadflow.errors import InvalidInput

WON = datetime(2026, 3, 1, 12, tzinfo=UTC)


def touch(key: str, days_before: float, **flags: bool) -> Touch:
    return Touch(key, WON - timedelta(days=days_before), **flags)


EXAMPLE = Journey(
    "opp-1",
    (
        touch("search", 28, is_first=True),
        touch("social", 21),
        touch("webinar", 14, is_lead_creation=True),
        touch("email", 7),
        touch("event", 7, is_opportunity_creation=True),
        touch("email", 0, is_closed_won=True),
    ),
    value=1000.0,
    converted_at=WON,
)


def rounded(credits: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 2) for k, v in sorted(credits.items())}


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (FIRST_TOUCH, {"search": 1000.0}),
        (LAST_TOUCH, {"email": 1000.0}),
        (LINEAR, {"email": 333.33, "event": 166.67, "search": 166.67, "social": 166.67, "webinar": 166.67}),
        (POSITION_BASED, {"email": 100.0, "event": 50.0, "search": 400.0, "social": 50.0, "webinar": 400.0}),
        (W_SHAPED, {"email": 66.67, "event": 300.0, "search": 300.0, "social": 33.33, "webinar": 300.0}),
        (FULL_PATH, {"email": 275.0, "event": 225.0, "search": 225.0, "social": 50.0, "webinar": 225.0}),
        (
            TimeDecayModel(half_life_days=7),
            {"email": 615.38, "event": 205.13, "search": 25.64, "social": 51.28, "webinar": 102.56},
        ),
    ],
    ids=lambda value: getattr(value, "name", ""),
)
def test_worked_example_from_the_docs(model: MilestoneModel, expected: dict[str, float]) -> None:
    assert rounded(split_journey(EXAMPLE, model)) == expected


@pytest.mark.parametrize("model", list(RULE_MODELS.values()), ids=list(RULE_MODELS))
def test_a_single_touch_gets_everything(model: MilestoneModel) -> None:
    journey = Journey("c", (touch("search", 3),), value=50.0)
    assert split_journey(journey, model) == {"search": 50.0}


@pytest.mark.parametrize("model", list(RULE_MODELS.values()), ids=list(RULE_MODELS))
def test_no_touches_credit_none(model: MilestoneModel) -> None:
    assert split_journey(Journey("c", (), value=70.0), model) == {NONE: 70.0}
    assert attribute([Journey("c", (), value=70.0)], model).conversions == {NONE: 1.0}


def test_two_touches_first_and_lead_creation_split_evenly() -> None:
    journey = Journey("c", (touch("ads", 5, is_first=True), touch("webinar", 1, is_lead_creation=True)))
    assert split_journey(journey, POSITION_BASED) == {"ads": 0.5, "webinar": 0.5}
    assert split_journey(journey, W_SHAPED) == {"ads": 0.5, "webinar": 0.5}  # no opportunity touch, no rest


def test_missing_milestone_drops_out_and_the_rest_is_renormalised() -> None:
    journey = Journey("c", (touch("ads", 5), touch("email", 1)))  # no lead-creation flag
    credits = split_journey(journey, POSITION_BASED)  # first 0.4, middle 0.2 -> 2/3 and 1/3
    assert credits == pytest.approx({"ads": 2 / 3, "email": 1 / 3})


def test_milestones_on_the_same_touch_add_up() -> None:
    journey = Journey(
        "c", (touch("ads", 5, is_lead_creation=True), touch("email", 3), touch("event", 1)), value=10.0
    )
    assert split_journey(journey, POSITION_BASED) == pytest.approx({"ads": 8.0, "email": 1.0, "event": 1.0})


def test_first_flag_overrides_position() -> None:
    journey = Journey("c", (touch("email", 9), touch("ads", 5, is_first=True)))
    assert split_journey(journey, FIRST_TOUCH) == {"ads": 1.0}


def test_time_decay_halves_per_half_life_and_uses_conversion_time() -> None:
    journey = Journey("c", (touch("ads", 14), touch("email", 7)), converted_at=WON)
    assert split_journey(journey, TimeDecayModel(7)) == pytest.approx({"ads": 1 / 3, "email": 2 / 3})
    old = Journey("c", (touch("ads", 7000), touch("email", 7001)), converted_at=WON)
    assert sum(split_journey(old, TimeDecayModel(1)).values()) == pytest.approx(1.0)  # no underflow to 0


def test_attribute_skips_non_converted_and_sums_value() -> None:
    lost = Journey("x", (touch("ads", 1),), value=500.0, converted=False)
    result = attribute([EXAMPLE, lost], LINEAR)
    assert result.total_conversions == pytest.approx(1.0)
    assert result.total_value == pytest.approx(1000.0)
    assert "ads" not in result.conversions


def test_bad_models_say_what_to_do() -> None:
    with pytest.raises(InvalidInput, match="unknown attribution model"):
        rule_model("u_shape")
    with pytest.raises(InvalidInput):
        position_based(first=-1)
    with pytest.raises(InvalidInput):
        TimeDecayModel(half_life_days=0)
    assert rule_model("w_shaped") is W_SHAPED


channels = st.sampled_from(["ads", "email", "search", "event", "webinar"])
touches = st.builds(
    lambda key, day, first, lead, opp, won: touch(
        key, day, is_first=first, is_lead_creation=lead, is_opportunity_creation=opp, is_closed_won=won
    ),
    channels,
    st.floats(min_value=0, max_value=400),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
journeys = st.builds(
    lambda ts, value, converted: Journey(
        "j", tuple(sorted(ts, key=lambda t: t.at)), value=value, converted=converted, converted_at=WON
    ),
    st.lists(touches, max_size=8),
    st.floats(min_value=0, max_value=1e6),
    st.booleans(),
)
models = st.one_of(
    st.sampled_from(list(RULE_MODELS.values())),
    st.builds(position_based, st.floats(0, 1), st.floats(0, 1), st.floats(0.01, 1)),
    st.builds(TimeDecayModel, st.floats(0.1, 60)),
)


@settings(max_examples=300, deadline=None)
@given(journey=journeys, model=models)
def test_credits_of_one_conversion_sum_to_its_value(journey: Journey, model: MilestoneModel) -> None:
    credits = split_journey(journey, model)
    assert all(c >= 0 for c in credits.values())
    assert sum(credits.values()) == pytest.approx(journey.value, rel=1e-9, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(batch=st.lists(journeys, max_size=20), model=models)
def test_totals_equal_conversions_and_value(batch: list[Journey], model: MilestoneModel) -> None:
    result = attribute(batch, model)
    won = [j for j in batch if j.converted]
    assert result.total_conversions == pytest.approx(len(won), abs=1e-9)
    assert result.total_value == pytest.approx(sum(j.value for j in won), rel=1e-9, abs=1e-6)


def test_every_model_runs_by_name() -> None:
    from leadflow.domain.attribution import MODEL_NAMES, run_model

    journeys = [EXAMPLE, Journey("x", (touch("ads", 3),), converted=False), Journey("y", (), value=5.0)]
    for name in (*MODEL_NAMES, "markov"):
        result = run_model(name, journeys)
        assert result.total_conversions == pytest.approx(2.0), name
        assert result.total_value == pytest.approx(1005.0), name
    with pytest.raises(InvalidInput, match="unknown attribution model"):
        run_model("markov_x", journeys)
    with pytest.raises(InvalidInput, match="negative value"):
        run_model("linear", [Journey("z", (), value=-1.0)])
