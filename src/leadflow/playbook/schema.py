"""The playbook's shape: pydantic models for every section of the agreement file."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

TEAMS = ("marketing", "sales", "shared")
ROLES = ("admin", "marketing", "marketing_lead", "sales", "sales_manager", "viewer")
SYSTEM_ACTOR = "system"

# Fields a transition may require; a playbook can declare more under `fields`.
BUILTIN_FIELDS = (
    "reason",
    "note",
    "budget",
    "authority",
    "need",
    "timeline",
    "amount",
    "expected_close",
    "lost_reason",
    "committee",
)

DURATION_RE = re.compile(
    r"^\s*(\d+(?:\.\d+)?)\s*(m|min|minutes?|h|hours?|d|days?|w|weeks?|business_hours?|business_days?)\s*$"
)


def _as_list(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, (str, int, float)):
        return [value]
    return value


def _check_duration(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value}d"
    if isinstance(value, str) and DURATION_RE.match(value):
        return value.strip()
    raise ValueError(
        f"{value!r} is not a duration; write a number and a unit such as 15m, 8h, 30d, 8 business_hours or 2 business_days"
    )


StrList = Annotated[list[str], BeforeValidator(_as_list)]
Duration = Annotated[str, BeforeValidator(_check_duration)]


class Strict(BaseModel):
    """Base for sections: unknown keys are reported, not ignored."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class Stage(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    team: Literal["marketing", "sales", "shared"]
    definition: str = ""
    terminal: bool = False
    initial: bool = False
    # The order of the demand waterfall (funnel position); stages outside it (recycled, disqualified) have none.
    funnel: bool = True


class CoolDown(Strict):
    cool_down: Duration


class Transition(Strict):
    from_: StrList = Field(alias="from")
    to: str
    name: str | None = None
    by: StrList = Field(default_factory=lambda: [SYSTEM_ACTOR])
    requires: StrList = Field(default_factory=list)
    reasons: str | None = Field(
        None, description="Which rejection_reasons list the `reason` field must come from."
    )
    after: CoolDown | None = None


class Range(Strict):
    min: float | None = None
    max: float | None = None


def _range(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise ValueError("a range is two numbers [min, max]; use null for open ends")
        return {"min": value[0], "max": value[1]}
    return value


RangeField = Annotated[Range, BeforeValidator(_range)]


class Segment(Strict):
    employees: RangeField | None = None
    annual_revenue: RangeField | None = None
    description: str = ""


class Persona(Strict):
    title_matches: StrList
    description: str = ""
    committee_role: Literal["decision_maker", "recommender", "influencer", "user"] | None = None


class FitRule(Strict):
    when: dict[str, Any]
    points: float
    label: str | None = None


class EngagementRule(Strict):
    when: dict[str, Any]
    points: float
    cap: float | None = None
    per: Duration | None = None
    label: str | None = None


class Engagement(Strict):
    half_life: Duration | None = None
    lifespan: Duration | None = None
    rules: list[EngagementRule] = Field(default_factory=list)


class Grades(Strict):
    fit: dict[str, float] = Field(default_factory=lambda: {"A": 40.0, "B": 25.0, "C": 10.0})
    engagement: dict[str, float] = Field(default_factory=lambda: {"1": 60.0, "2": 40.0, "3": 20.0})


class Scoring(Strict):
    fit: list[FitRule] = Field(default_factory=list)
    engagement: Engagement = Field(default_factory=Engagement)
    grades: Grades = Field(default_factory=Grades)
    mql_rule: str = "fit_grade >= 'B' and engagement >= 40"
    mql_stage: str = Field(
        "mql", description="The stage a person enters automatically on meeting the MQL rule."
    )
    recycle_cool_down: Duration = "30d"
    free_mail_domains: StrList = Field(default_factory=list)


ROUTING_KEYS = ("segment", "country", "region", "persona", "product", "industry", "source_channel")


class RoutingRule(Strict):
    when: dict[str, Any]
    to: str = Field(pattern=r"^(team|user):\S+$", description="team:<sales_team> or user:<email>")
    label: str | None = None

    @field_validator("when")
    @classmethod
    def _keys(cls, value: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(value) - set(ROUTING_KEYS))
        if unknown:
            raise ValueError(f"routing rules match on {', '.join(ROUTING_KEYS)}; not on {', '.join(unknown)}")
        return value


class RoundRobin(Strict):
    among: str = "team:sales"
    weights_by: Literal["capacity", "equal"] = "capacity"
    skip_out_of_office: bool = True
    respect_working_hours: bool = True


class Routing(Strict):
    account_owner_first: bool = True
    rules: list[RoutingRule] = Field(default_factory=list)
    round_robin: RoundRobin = Field(default_factory=RoundRobin)


class Sla(Strict):
    id: str
    team: Literal["marketing", "sales"]
    stage: str
    within: Duration
    description: str = ""
    measure: Literal["response", "routing", "first_touch", "progress", "nurture", "feedback"] = "response"
    satisfied_by: StrList = Field(default_factory=list)
    calendar: str = "default"
    escalate_to: Literal["manager", "none"] = "manager"
    reassign_after_breaches: int | None = None


class Calendar(Strict):
    timezone: str = "UTC"
    days: StrList = Field(default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"])
    hours: tuple[str, str] = ("09:00", "17:00")
    holidays: str | None = None
    extra_holidays: StrList = Field(default_factory=list)

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: tuple[str, str]) -> tuple[str, str]:
        for item in value:
            if not re.match(r"^\d{2}:\d{2}$", item):
                raise ValueError(f"{item!r} is not a time; write HH:MM")
        if value[0] >= value[1]:
            raise ValueError(f"the working day must end after it starts ({value[0]} >= {value[1]})")
        return value


class NurtureStep(Strict):
    asset: str
    after: Duration


NURTURE_KEYS = ("reason", "persona", "from_stage", "segment")


class NurtureTrack(Strict):
    id: str
    for_: dict[str, Any] = Field(default_factory=dict, alias="for")
    steps: list[NurtureStep] = Field(min_length=1)

    @field_validator("for_")
    @classmethod
    def _keys(cls, value: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(value) - set(NURTURE_KEYS))
        if unknown:
            allowed = ", ".join(NURTURE_KEYS)
            raise ValueError(f"nurture tracks match on {allowed}; not on {', '.join(unknown)}")
        return value


class Goal(Strict):
    period: str = Field(pattern=r"^\d{4}-(Q[1-4]|\d{2}|H[12]|FY)$")
    revenue: float = Field(gt=0)
    segment: str = "all"


class Incentive(Strict):
    name: str
    measure: str
    target: float
    teams: StrList = Field(default_factory=list)


class Playbook(Strict):
    """The whole agreement."""

    name: str
    version_note: str = ""
    stages: list[Stage]
    transitions: list[Transition]
    fields: StrList = Field(default_factory=list, description="Custom fields transitions may require.")
    rejection_reasons: dict[str, StrList] = Field(default_factory=dict)
    lost_reasons: StrList = Field(default_factory=list)
    segments: dict[str, Segment] = Field(default_factory=dict)
    personas: dict[str, Persona] = Field(default_factory=dict)
    scoring: Scoring = Field(default_factory=Scoring)
    routing: Routing = Field(default_factory=Routing)
    slas: list[Sla] = Field(default_factory=list)
    calendars: dict[str, Calendar] = Field(default_factory=lambda: {"default": Calendar()})
    nurture_tracks: list[NurtureTrack] = Field(default_factory=list)
    goals: list[Goal] = Field(default_factory=list)
    incentives: list[Incentive] = Field(default_factory=list)

    def stage(self, stage_id: str) -> Stage:
        """The stage with this id (KeyError when unknown)."""
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
        raise KeyError(stage_id)

    def stage_ids(self) -> list[str]:
        """Stage ids in file order."""
        return [stage.id for stage in self.stages]

    def initial_stage(self) -> str:
        """The stage new persons start in: the one marked initial, else the first."""
        for stage in self.stages:
            if stage.initial:
                return stage.id
        return self.stages[0].id

    def funnel_stages(self) -> list[str]:
        """The demand waterfall in order (stages with funnel: true)."""
        return [stage.id for stage in self.stages if stage.funnel]
