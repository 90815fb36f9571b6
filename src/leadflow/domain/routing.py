"""Routing rules: which rule matches a person, which reps are eligible, and fair weighted round-robin.

Fairness is stride scheduling: every rep of a pool has a stored pass value (virtual finish time) and the
pool has a virtual clock. The eligible rep with the smallest pass wins and advances by 1/weight; the clock
advances by 1/(sum of eligible weights). A rep who was away (out of office, at capacity, new in the pool)
re-enters at the clock, so nobody is flooded on return and nobody loses their share: the state is data,
so restarts and other processes continue the same sequence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from leadflow.playbook.schema import Routing, RoutingRule

# Tie-breaking and float noise: passes closer than this are equal, the lower user id wins.
_EPSILON = 1e-9


@dataclass(frozen=True)
class PersonFacts:
    """What routing rules can look at for one person (from the person and their account)."""

    segment: str | None = None
    country: str | None = None
    region: str | None = None
    persona: str | None = None
    industry: str | None = None
    source_channel: str | None = None
    product: tuple[str, ...] = ()

    def values(self, key: str) -> tuple[str, ...]:
        """The person's values for a rule key, lower case (products may be several)."""
        if key == "product":
            return tuple(p.lower() for p in self.product)
        value = getattr(self, key)
        return (str(value).lower(),) if value not in (None, "") else ()


def _wanted(spec: Any) -> set[str]:
    items = spec if isinstance(spec, (list, tuple, set)) else [spec]
    return {str(item).lower() for item in items}


def rule_matches(when: Mapping[str, Any], facts: PersonFacts) -> bool:
    """True when every key of the rule matches one of the person's values (lists mean any of)."""
    return all(set(facts.values(key)) & _wanted(spec) for key, spec in when.items())


def matching_rules(routing: Routing, facts: PersonFacts) -> list[tuple[int, RoutingRule]]:
    """The rules that match, in file order, with their index."""
    return [(i, rule) for i, rule in enumerate(routing.rules) if rule_matches(rule.when, facts)]


def describe_rule(index: int, rule: RoutingRule) -> str:
    """A short human description of a rule for assignment reasons."""
    label = f" {rule.label!r}" if rule.label else ""
    cond = ", ".join(f"{k}={v}" for k, v in rule.when.items())
    return f"rule {index + 1}{label} ({cond}) -> {rule.to}"


@dataclass(frozen=True)
class Rep:
    """A rep as routing sees them at one moment."""

    id: int
    email: str
    weight: float = 1.0
    out_of_office_from: datetime | None = None
    out_of_office_until: datetime | None = None
    max_open_mqls: int | None = None
    open_mqls: int = 0
    max_new_per_day: int | None = None
    new_today: int = 0
    working_now: bool = True

    def out_of_office(self, now: datetime) -> bool:
        """True inside the out-of-office window (an open end means indefinitely)."""
        if self.out_of_office_from is None and self.out_of_office_until is None:
            return False
        starts = self.out_of_office_from is None or self.out_of_office_from <= now
        ends = self.out_of_office_until is None or now < self.out_of_office_until
        return starts and ends

    def blocked(self, now: datetime, *, skip_out_of_office: bool = True) -> str | None:
        """Why the rep cannot take a new lead now (out of office, capacity), or None."""
        if skip_out_of_office and self.out_of_office(now):
            return "out of office"
        if self.max_open_mqls is not None and self.open_mqls >= self.max_open_mqls:
            return f"at capacity ({self.open_mqls}/{self.max_open_mqls} open MQLs)"
        if self.max_new_per_day is not None and self.new_today >= self.max_new_per_day:
            return f"daily limit reached ({self.new_today}/{self.max_new_per_day} new today)"
        return None


@dataclass(frozen=True)
class Eligibility:
    """The reps that may take the lead now, and why the others were skipped."""

    eligible: list[Rep]
    skipped: dict[str, str] = field(default_factory=dict)  # email -> reason
    outside_hours_fallback: bool = False


def eligible_reps(
    reps: Iterable[Rep], now: datetime, *, skip_out_of_office: bool = True, respect_working_hours: bool = True
) -> Eligibility:
    """Filter reps by out-of-office and capacity, then prefer those in working hours.

    When nobody free is in working hours (a lead at night) every free rep stays eligible: the SLA
    clock starts at the owner's next working moment anyway, and an unrouted lead helps nobody.
    """
    free: list[Rep] = []
    skipped: dict[str, str] = {}
    for rep in reps:
        why = rep.blocked(now, skip_out_of_office=skip_out_of_office)
        if why:
            skipped[rep.email] = why
        else:
            free.append(rep)
    if not respect_working_hours:
        return Eligibility(free, skipped)
    working = [rep for rep in free if rep.working_now]
    if working:
        for rep in free:
            if not rep.working_now:
                skipped[rep.email] = "outside working hours"
        return Eligibility(working, skipped)
    return Eligibility(free, skipped, outside_hours_fallback=bool(free))


@dataclass(frozen=True)
class Turn:
    """A rep's stored round-robin state: their pass (None when new to the pool) and weight."""

    user_id: int
    weight: float
    pass_value: float | None


@dataclass(frozen=True)
class Pick:
    """The outcome of one round-robin turn: the winner and the new stored values."""

    user_id: int
    new_pass: float
    new_clock: float


def pick(turns: Sequence[Turn], clock: float) -> Pick:
    """Stride scheduling: the smallest effective pass wins (lower id on ties); ValueError when empty."""
    if not turns:
        raise ValueError("no eligible rep")
    best: tuple[float, int, float] | None = None
    total = 0.0
    for turn in turns:
        weight = turn.weight if turn.weight > 0 else 1.0
        total += weight
        # A rep who was away or is new restarts at the pool clock: no backlog of turns to catch up.
        effective = clock if turn.pass_value is None else max(turn.pass_value, clock)
        if (
            best is None
            or effective < best[0] - _EPSILON
            or (abs(effective - best[0]) <= _EPSILON and turn.user_id < best[1])
        ):
            best = (effective, turn.user_id, weight)
    assert best is not None
    effective, user_id, weight = best
    return Pick(user_id, effective + 1.0 / weight, clock + 1.0 / total)
