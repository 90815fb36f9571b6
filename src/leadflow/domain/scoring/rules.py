"""Scoring rules compiled from the playbook, the facts they look at, and the score of one person.

Fit: every matching fit rule adds its points. Engagement: each activity counts for the FIRST rule in file
order that matches it; its points decay with the half-life and stop counting after the lifespan; per rule
and per period (`per`, or the whole lifespan without one) the decayed points are summed, then clipped to
the cap; the engagement score is the sum over rules and periods.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from leadflow.domain.free_mail import free_mail_domains
from leadflow.domain.scoring.conditions import (
    Condition,
    norm_number,
    norm_text,
    parse_when,
)
from leadflow.domain.scoring.decay import duration_us
from leadflow.domain.scoring.grades import GradeScale
from leadflow.domain.scoring.mql_rule import MqlRule, parse_mql_rule
from leadflow.playbook.schema import Playbook


@dataclass(frozen=True)
class FitRule:
    """A compiled fit rule (index = its position in the playbook)."""

    index: int
    label: str
    points: float
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class EngagementRule:
    """A compiled engagement rule with its cap and cap period in microseconds."""

    index: int
    label: str
    points: float
    cap: float | None
    per_us: int | None
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class ScoringModel:
    """Everything needed to score: rules, decay, grades, the MQL rule, persona and segment derivation."""

    fit_rules: tuple[FitRule, ...]
    engagement_rules: tuple[EngagementRule, ...]
    half_life_us: int | None
    lifespan_us: int | None
    fit_scale: GradeScale
    engagement_scale: GradeScale
    mql: MqlRule
    personas: tuple[tuple[str, tuple[str, ...]], ...]
    segments: tuple[
        tuple[str, tuple[float | None, float | None] | None, tuple[float | None, float | None] | None], ...
    ]
    # Activity signature -> index of the first matching rule (-1: none); activities repeat a lot.
    match_cache: dict[tuple[Any, ...], int] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )
    activity_fields: tuple[str, ...] = ()


def _label(label: str | None, when: Mapping[str, Any]) -> str:
    return label or ", ".join(f"{k}={v}" for k, v in when.items()) or "any"


def compile_model(pb: Playbook) -> ScoringModel:
    """Compile the playbook's scoring section (the playbook checks have already accepted it)."""
    sc = pb.scoring
    free_mail = free_mail_domains(sc.free_mail_domains)
    fit = tuple(
        FitRule(
            i, _label(r.label, r.when), r.points, parse_when(r.when, engagement=False, free_mail=free_mail)[0]
        )
        for i, r in enumerate(sc.fit)
    )
    eng = tuple(
        EngagementRule(
            i,
            _label(r.label, r.when),
            r.points,
            r.cap,
            duration_us(r.per) if r.cap is not None else None,
            parse_when(r.when, engagement=True)[0],
        )
        for i, r in enumerate(sc.engagement.rules)
    )
    fit_scale = GradeScale.from_mapping(sc.grades.fit)
    eng_scale = GradeScale.from_mapping(sc.grades.engagement)
    personas = tuple((pid, tuple(w.lower() for w in p.title_matches)) for pid, p in pb.personas.items())
    segments = tuple(
        (
            sid.lower(),
            (s.employees.min, s.employees.max) if s.employees else None,
            (s.annual_revenue.min, s.annual_revenue.max) if s.annual_revenue else None,
        )
        for sid, s in pb.segments.items()
    )
    used = tuple(sorted({c.field for r in eng for c in r.conditions}))
    return ScoringModel(
        fit,
        eng,
        duration_us(sc.engagement.half_life),
        duration_us(sc.engagement.lifespan),
        fit_scale,
        eng_scale,
        parse_mql_rule(sc.mql_rule, fit_scale, eng_scale),
        personas,
        segments,
        activity_fields=used,
    )


@dataclass(frozen=True)
class AccountFacts:
    """The account fields fit rules can test."""

    domain: str | None = None
    industry: str | None = None
    employees: float | None = None
    annual_revenue: float | None = None
    segment: str | None = None
    country: str | None = None
    region: str | None = None
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PersonFacts:
    """The person fields fit rules can test (and their account)."""

    id: int
    email: str | None = None
    title: str | None = None
    country: str | None = None
    region: str | None = None
    persona: str | None = None
    committee_role: str | None = None
    source_channel: str | None = None
    sourced_by: str | None = None
    properties: Mapping[str, Any] = field(default_factory=dict)
    account: AccountFacts | None = None


@dataclass(frozen=True)
class ActivityFacts:
    """One activity as engagement rules see it (campaign and asset resolved to their slugs and kinds)."""

    id: int
    occurred_at: datetime
    type: str
    channel: str | None = None
    url: str | None = None
    campaign: str | None = None
    campaign_name: str | None = None
    campaign_kind: str | None = None
    asset: str | None = None
    asset_kind: str | None = None
    asset_stage: str | None = None
    properties: Mapping[str, Any] = field(default_factory=dict)


def _in_range(value: Any, bounds: tuple[float | None, float | None] | None) -> bool:
    number = norm_number(value)
    if bounds is None or number is None:
        return False
    lo, hi = bounds
    return (lo is None or number >= lo) and (hi is None or number <= hi)


def effective_persona(model: ScoringModel, person: PersonFacts) -> str | None:
    """The stored persona, else the first playbook persona whose words appear in the title."""
    if person.persona is not None:
        return norm_text(person.persona)
    title = norm_text(person.title)
    if title is None:
        return None
    return next((pid.lower() for pid, words in model.personas if any(w in title for w in words)), None)


def effective_segment(model: ScoringModel, account: AccountFacts | None) -> str | None:
    """The stored segment, else the first playbook segment whose ranges contain the account."""
    if account is None:
        return None
    if account.segment is not None:
        return norm_text(account.segment)
    for sid, employees, revenue in model.segments:
        if (
            (employees or revenue)
            and (employees is None or _in_range(account.employees, employees))
            and (revenue is None or _in_range(account.annual_revenue, revenue))
        ):
            return sid
    return None


def fit_values(model: ScoringModel, p: PersonFacts, field_name: str) -> Sequence[Any]:
    """The value(s) a fit condition on this field looks at."""
    a = p.account or AccountFacts()
    if field_name.startswith("account.properties."):
        return [a.properties.get(field_name.removeprefix("account.properties."))]
    if field_name.startswith("properties."):
        return [p.properties.get(field_name.removeprefix("properties."))]
    email_domain = None
    if p.email and "@" in p.email:
        found = re.search(r"@([^@]*)$", p.email)
        email_domain = found.group(1) if found else None
    simple: dict[str, Any] = {
        "email": p.email,
        "email_domain": email_domain,
        "title": p.title,
        "country": p.country if p.country is not None else a.country,
        "region": p.region if p.region is not None else a.region,
        "persona": effective_persona(model, p),
        "committee_role": p.committee_role,
        "source_channel": p.source_channel,
        "sourced_by": p.sourced_by,
        "industry": a.industry,
        "employees": a.employees,
        "annual_revenue": a.annual_revenue,
        "segment": effective_segment(model, p.account),
        "account_domain": a.domain,
        "account_country": a.country,
        "account_region": a.region,
    }
    return [simple[field_name]]


def activity_values(act: ActivityFacts, field_name: str) -> Sequence[Any]:
    """The value(s) an engagement condition on this field looks at (campaign: slug or name)."""
    if field_name.startswith("properties."):
        return [act.properties.get(field_name.removeprefix("properties."))]
    if field_name == "campaign":
        return [act.campaign, act.campaign_name]
    return [getattr(act, field_name)]


def fit_matches(model: ScoringModel, rule: FitRule, person: PersonFacts) -> bool:
    """Whether every condition of the fit rule holds for the person."""
    return all(any(c.matcher.matches(v) for v in fit_values(model, person, c.field)) for c in rule.conditions)


def first_rule(model: ScoringModel, act: ActivityFacts) -> EngagementRule | None:
    """The first engagement rule in file order that matches the activity."""
    key = tuple(repr(v) for f in model.activity_fields for v in activity_values(act, f))
    found = model.match_cache.get(key)
    if found is None:
        found = next(
            (
                rule.index
                for rule in model.engagement_rules
                if all(
                    any(c.matcher.matches(v) for v in activity_values(act, c.field)) for c in rule.conditions
                )
            ),
            -1,
        )
        if len(model.match_cache) > 100_000:
            model.match_cache.clear()
        model.match_cache[key] = found
    return None if found < 0 else model.engagement_rules[found]
