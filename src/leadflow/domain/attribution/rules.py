"""Rule-based attribution: first/last touch, linear, U-, W-shaped, full path and time decay."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from leadflow.domain.attribution.journey import NONE, Attribution, Journey, require_valid
from leadflow.errors import InvalidInput

Milestone = Literal["first", "lead_creation", "opportunity_creation", "closed_won", "last"]


@dataclass(frozen=True)
class MilestoneModel:
    """Fixed shares for named milestone touches; `rest` is spread evenly over all other touches."""

    name: str
    milestones: tuple[tuple[Milestone, float], ...]
    rest: float = 0.0

    def __post_init__(self) -> None:
        weights = [w for _, w in self.milestones] + [self.rest]
        if any(w < 0 for w in weights) or sum(weights) <= 0:
            raise InvalidInput(
                f"model {self.name!r} has weights {weights}",
                where=f"attribution model {self.name}",
                hint="weights must be non-negative with a positive sum, e.g. 40/40/20",
            )


@dataclass(frozen=True)
class LinearModel:
    """Every touch gets the same share."""

    name: str = "linear"


@dataclass(frozen=True)
class TimeDecayModel:
    """A touch's weight halves every `half_life_days` before the conversion."""

    half_life_days: float = 7.0
    name: str = "time_decay"

    def __post_init__(self) -> None:
        if not self.half_life_days > 0:
            raise InvalidInput(
                f"half-life {self.half_life_days} days",
                where="time_decay",
                hint="use a positive number of days",
            )


RuleModel = MilestoneModel | LinearModel | TimeDecayModel

FIRST_TOUCH = MilestoneModel("first_touch", (("first", 1.0),))
LAST_TOUCH = MilestoneModel("last_touch", (("last", 1.0),))
LINEAR = LinearModel()
W_SHAPED = MilestoneModel(
    "w_shaped", (("first", 0.3), ("lead_creation", 0.3), ("opportunity_creation", 0.3)), rest=0.1
)
FULL_PATH = MilestoneModel(
    "full_path",
    (("first", 0.225), ("lead_creation", 0.225), ("opportunity_creation", 0.225), ("closed_won", 0.225)),
    rest=0.1,
)


def position_based(first: float = 0.4, lead_creation: float = 0.4, middle: float = 0.2) -> MilestoneModel:
    """U-shaped: shares for the first and the lead-creation touch, `middle` spread over the others."""
    return MilestoneModel("position_based", (("first", first), ("lead_creation", lead_creation)), rest=middle)


POSITION_BASED = position_based()
RULE_MODELS: Mapping[str, RuleModel] = {
    m.name: m
    for m in (FIRST_TOUCH, LAST_TOUCH, LINEAR, POSITION_BASED, W_SHAPED, FULL_PATH, TimeDecayModel())
}


def rule_model(name: str) -> RuleModel:
    """A rule model with default parameters by its name."""
    try:
        return RULE_MODELS[name]
    except KeyError:
        raise InvalidInput(
            f"unknown attribution model {name!r}",
            where="attribution model",
            hint=f"choose one of {', '.join(sorted(RULE_MODELS))}, markov or shapley",
        ) from None


def _milestone_index(journey: Journey, milestone: Milestone) -> int | None:
    touches = journey.touches
    if milestone == "first":
        return next((i for i, t in enumerate(touches) if t.is_first), 0)
    if milestone == "last":
        return len(touches) - 1
    if milestone == "closed_won":
        flagged = [i for i, t in enumerate(touches) if t.is_closed_won]
        return flagged[-1] if flagged else len(touches) - 1
    if milestone == "lead_creation":
        return next((i for i, t in enumerate(touches) if t.is_lead_creation), None)
    return next((i for i, t in enumerate(touches) if t.is_opportunity_creation), None)


def _milestone_weights(journey: Journey, model: MilestoneModel) -> list[float]:
    count = len(journey.touches)
    weights = [0.0] * count
    marked: set[int] = set()
    for milestone, share in model.milestones:
        index = _milestone_index(journey, milestone)
        if index is not None:  # an absent milestone drops out; the others are renormalised
            weights[index] += share  # two milestones on one touch: that touch gets both shares
            marked.add(index)
    others = count - len(marked)
    if others and model.rest:
        for i in range(count):
            if i not in marked:
                weights[i] = model.rest / others
    if sum(weights) <= 0:  # only zero-weight components are present: fall back to linear
        weights = [1.0] * count
    return weights


def _decay_weights(journey: Journey, model: TimeDecayModel) -> list[float]:
    end = journey.converted_at or journey.touches[-1].at
    ages = [max(0.0, (end - t.at).total_seconds() / 86400.0) for t in journey.touches]
    youngest = min(ages)  # relative to the youngest touch, so very old journeys do not underflow to 0
    return [0.5 ** ((age - youngest) / model.half_life_days) for age in ages]


def touch_shares(journey: Journey, model: RuleModel) -> list[float]:
    """The share (summing to 1) of each touch of a journey with at least one touch."""
    if isinstance(model, LinearModel):
        weights = [1.0] * len(journey.touches)
    elif isinstance(model, TimeDecayModel):
        weights = _decay_weights(journey, model)
    else:
        weights = _milestone_weights(journey, model)
    total = sum(weights)
    return [w / total for w in weights]


def split_journey(journey: Journey, model: RuleModel) -> dict[str, float]:
    """The journey's value split over its channels; the credits sum to the value."""
    if not journey.touches:
        return {NONE: journey.value}
    credits: dict[str, float] = {}
    for touch, share in zip(journey.touches, touch_shares(journey, model), strict=True):
        if share > 0:  # channels a model gives nothing are left out, not listed with 0
            credits[touch.key] = credits.get(touch.key, 0.0) + share * journey.value
    return credits


def attribute(journeys: Iterable[Journey], model: RuleModel) -> Attribution:
    """Credits of every converted journey under a rule model, summed per channel."""
    conversions: dict[str, float] = {}
    value: dict[str, float] = {}
    for journey in journeys:
        require_valid(journey)
        if not journey.converted:
            continue
        if not journey.touches:
            conversions[NONE] = conversions.get(NONE, 0.0) + 1.0
            value[NONE] = value.get(NONE, 0.0) + journey.value
            continue
        for touch, share in zip(journey.touches, touch_shares(journey, model), strict=True):
            if share <= 0:
                continue
            conversions[touch.key] = conversions.get(touch.key, 0.0) + share
            value[touch.key] = value.get(touch.key, 0.0) + share * journey.value
    return Attribution(model.name, conversions, value)
