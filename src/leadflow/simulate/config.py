"""What the simulator is asked for (SimConfig) and the known parameters it draws from (FunnelParams)."""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from leadflow.clock import as_utc

if TYPE_CHECKING:
    from leadflow.simulate.scenario import PlantedPerson
    from leadflow.simulate.simulator import SimResult

SEGMENTS = ("smb", "mid_market", "enterprise")
CHANNELS = (
    "paid_search",
    "organic",
    "social",
    "email",
    "events",
    "webinars",
    "content_syndication",
    "referrals",
    "outbound",
)
OUTBOUND = CHANNELS.index("outbound")
# The transitions whose probabilities and durations are known (names as in ground_truth.json).
TRANSITIONS = (
    "lead_mql",
    "mql_sal",
    "sal_sql",
    "sql_opportunity",
    "opportunity_customer",
    "recycled_mql",
    "lead_sal",
)
DOWNSTREAM = ("mql_sal", "sal_sql", "sql_opportunity", "opportunity_customer")

SegTable = Mapping[str, tuple[float, float, float]]  # name -> (smb, mid_market, enterprise)


@dataclass(frozen=True)
class FunnelParams:
    """The ground truth: base rates and durations per segment, channel effects, deal sizes, mixes."""

    # Probability of eventually making the transition, given entering its from-stage (before channel effects).
    base_rate: SegTable = field(
        default_factory=lambda: {
            "lead_mql": (0.16, 0.20, 0.22),
            "mql_sal": (0.60, 0.68, 0.74),
            "sal_sql": (0.45, 0.50, 0.55),
            "sql_opportunity": (0.55, 0.60, 0.65),
            "opportunity_customer": (0.30, 0.25, 0.20),
            "recycled_mql": (0.25, 0.25, 0.25),
            "lead_sal": (0.30, 0.35, 0.40),  # outbound (sales-sourced) persons only: prospect, skipping MQL
        }
    )
    # Median days from entering the from-stage to the decision (advance or fall out), before channel speed.
    median_days: SegTable = field(
        default_factory=lambda: {
            "lead_mql": (10.0, 14.0, 21.0),
            "mql_sal": (0.6, 0.8, 1.0),
            "sal_sql": (12.0, 18.0, 25.0),
            "sql_opportunity": (14.0, 21.0, 30.0),
            "opportunity_customer": (25.0, 40.0, 60.0),
            "recycled_mql": (50.0, 55.0, 60.0),  # includes the 30-day cool-down: cool_down + lognormal extra
            "lead_sal": (7.0, 10.0, 14.0),
        }
    )
    sigma: float = 0.4  # lognormal sigma of every duration; draws are clipped at +-clip_z sigmas
    clip_z: float = 2.5
    cool_down_days: float = 30.0
    # Source channel effects: multiplier on lead->mql, and on every downstream transition.
    channel_mql_effect: Mapping[str, float] = field(
        default_factory=lambda: {
            "paid_search": 1.0,
            "organic": 1.1,
            "social": 0.6,
            "email": 0.9,
            "events": 1.3,
            "webinars": 1.4,
            "content_syndication": 0.7,
            "referrals": 1.8,
            "outbound": 0.0,
        }
    )
    channel_downstream_effect: Mapping[str, float] = field(
        default_factory=lambda: {
            "paid_search": 1.0,
            "organic": 1.05,
            "social": 0.85,
            "email": 1.0,
            "events": 1.1,
            "webinars": 1.1,
            "content_syndication": 0.8,
            "referrals": 1.3,
            "outbound": 1.0,
        }
    )
    channel_speed: Mapping[str, float] = field(
        default_factory=lambda: {
            "paid_search": 1.0,
            "organic": 1.0,
            "social": 1.1,
            "email": 1.0,
            "events": 0.9,
            "webinars": 0.9,
            "content_syndication": 1.2,
            "referrals": 0.8,
            "outbound": 1.0,
        }
    )
    # Assist touches (after creation, before the MQL decision): independent draws; each one present
    # multiplies the person's lead->mql probability by its lift. This is the causal effect attribution
    # should find.
    assist_share: Mapping[str, float] = field(
        default_factory=lambda: {
            "webinars": 0.12,
            "events": 0.06,
            "email": 0.35,
            "content_syndication": 0.10,
            "social": 0.15,
        }
    )
    assist_lift: Mapping[str, float] = field(
        default_factory=lambda: {
            "webinars": 1.3,
            "events": 1.25,
            "email": 1.1,
            "content_syndication": 1.05,
            "social": 1.0,
        }
    )
    # Fit effects on lead->mql, each averaging 1 over the simulated mix (so `rates` stay the segment/channel
    # averages): by the kind of title (the default playbook's personas) and by the account's industry.
    title_mql_effect: Mapping[str, float] = field(
        default_factory=lambda: {"economic": 1.4, "practitioner": 1.0, "other": 0.6}
    )
    industry_mql_effect: Mapping[str, float] = field(
        default_factory=lambda: {"software": 1.3, "financial_services": 1.3, "healthcare": 1.3}
    )
    other_industry_mql_effect: float = 0.764
    max_rate: float = 0.95
    source_mix: Mapping[str, float] = field(
        default_factory=lambda: {
            "paid_search": 0.22,
            "organic": 0.19,
            "social": 0.10,
            "email": 0.07,
            "events": 0.07,
            "webinars": 0.09,
            "content_syndication": 0.12,
            "referrals": 0.05,
            "outbound": 0.09,
        }
    )
    cost_per_lead: Mapping[str, float] = field(
        default_factory=lambda: {
            "paid_search": 120.0,
            "organic": 15.0,
            "social": 80.0,
            "email": 20.0,
            "events": 350.0,
            "webinars": 90.0,
            "content_syndication": 60.0,
            "referrals": 60.0,
            "outbound": 95.0,
        }
    )
    # Of those who do not advance from mql/sal/sql: the share disqualified (the rest are recycled).
    disqualify_share: tuple[float, float, float] = (0.25, 0.15, 0.10)
    student_share: float = 0.04  # students never reach MQL; most are disqualified by marketing
    student_disqualify_rate: float = 0.7
    deal_median: tuple[float, float, float] = (12_000.0, 45_000.0, 180_000.0)
    deal_sigma: float = 0.6
    account_segment_mix: tuple[float, float, float] = (0.62, 0.27, 0.11)
    persons_per_account_weight: tuple[float, float, float] = (1.0, 2.0, 4.0)
    # Mean activities per person (before the channel engagement factor); ~20 in total with sales touches.
    activities_per_person: float = 16.0
    channel_engagement: Mapping[str, float] = field(
        default_factory=lambda: {
            "paid_search": 1.0,
            "organic": 1.1,
            "social": 0.7,
            "email": 1.0,
            "events": 1.2,
            "webinars": 1.3,
            "content_syndication": 0.8,
            "referrals": 1.1,
            "outbound": 0.5,
        }
    )
    max_rounds: int = 6  # trips through mql (re-MQL after recycling); round 6 is reached by ~1e-6 of persons


@dataclass(frozen=True)
class SimConfig:
    """One simulation: how many people, the seed, the window and the known parameters."""

    people: int = 10_000
    seed: int = 1
    months: int = 12
    start: datetime = datetime(2025, 12, 1, tzinfo=UTC)
    params: FunnelParams = field(default_factory=FunnelParams)
    # Persons planted on top of the random ones (see simulate.scenario), e.g. stuck MQLs for leakage tests.
    planted: tuple[PlantedPerson, ...] = ()
    # Called with the finished result; returns a changed one (extra rows, edits). Runs after `planted`.
    scenario: Callable[[SimResult], SimResult] | None = None

    @property
    def end(self) -> datetime:
        """The simulation end: analytics should use it as 'now'."""
        return add_months(self.start, self.months)

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", as_utc(self.start))


def add_months(at: datetime, months: int) -> datetime:
    """The same day and time `months` later (the 31st becomes the month's last day when needed)."""
    month = at.month - 1 + months
    year, month = at.year + month // 12, month % 12 + 1
    return at.replace(year=year, month=month, day=min(at.day, calendar.monthrange(year, month)[1]))
