"""The score of one person as of a moment: fit, engagement, grades and every contribution behind them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from leadflow.domain.scoring.decay import age_us, clip, counts, decay_factor, period_of
from leadflow.domain.scoring.rules import ActivityFacts, PersonFacts, ScoringModel, first_rule, fit_matches


@dataclass(frozen=True)
class RuleContribution:
    """What one rule added: its points (engagement: decayed, capped), how many activities, whether capped."""

    rule: int
    label: str
    points: float
    activities: int = 0
    capped: bool = False


@dataclass(frozen=True)
class ActivityContribution:
    """One activity that counted: the rule it matched, its points and what is left of them after decay."""

    activity_id: int
    occurred_at: datetime
    rule: int
    label: str
    points: float
    factor: float
    decayed: float


@dataclass(frozen=True)
class PersonScore:
    """Fit, engagement and grades of a person as of `as_of`, with every contributing rule and activity."""

    person_id: int
    as_of: datetime
    fit: float
    engagement: float
    fit_grade: str
    engagement_grade: str
    fit_rank: int
    engagement_rank: int
    fit_rules: tuple[RuleContribution, ...]
    engagement_rules: tuple[RuleContribution, ...]
    activities: tuple[ActivityContribution, ...]
    last_positive_at: datetime | None

    @property
    def grade(self) -> str:
        """The combined grade, e.g. A1 (fit letter, engagement digit)."""
        return self.fit_grade + self.engagement_grade

    def detail(self) -> dict[str, Any]:
        """The JSON stored in score_details (the same from the batch and the incremental scorer)."""
        return {
            "as_of": self.as_of.isoformat(),
            "fit": [{"rule": r.rule, "label": r.label, "points": r.points} for r in self.fit_rules],
            "engagement": [
                {
                    "rule": r.rule,
                    "label": r.label,
                    "points": r.points,
                    "activities": r.activities,
                    "capped": r.capped,
                }
                for r in self.engagement_rules
            ],
        }


def finish(
    model: ScoringModel,
    person_id: int,
    as_of: datetime,
    fit_rules: tuple[RuleContribution, ...],
    engagement_rules: tuple[RuleContribution, ...],
    activities: tuple[ActivityContribution, ...] = (),
    last_positive_at: datetime | None = None,
) -> PersonScore:
    """Add up contributions and grade them (shared by both scorers, so grading cannot drift)."""
    fit = float(sum(r.points for r in fit_rules))
    engagement = float(sum(r.points for r in engagement_rules))
    fg, eg = model.fit_scale.grade(fit), model.engagement_scale.grade(engagement)
    return PersonScore(
        person_id,
        as_of,
        fit,
        engagement,
        fg,
        eg,
        model.fit_scale.rank(fg),
        model.engagement_scale.rank(eg),
        fit_rules,
        engagement_rules,
        activities,
        last_positive_at,
    )


def score_person(
    model: ScoringModel, person: PersonFacts, activities: Iterable[ActivityFacts], now: datetime
) -> PersonScore:
    """Score one person as of `now` (activities after `now` or past their lifespan do not count)."""
    fit_rules = tuple(
        RuleContribution(r.index, r.label, r.points) for r in model.fit_rules if fit_matches(model, r, person)
    )
    periods: dict[tuple[int, int], float] = {}
    used: dict[int, int] = {}
    contributions: list[ActivityContribution] = []
    last_positive: datetime | None = None
    for act in sorted(activities, key=lambda a: (a.occurred_at, a.id)):
        age = age_us(now, act.occurred_at)
        if not counts(age, model.lifespan_us):
            continue
        rule = first_rule(model, act)
        if rule is None:
            continue
        factor = decay_factor(age, model.half_life_us)
        decayed = rule.points * factor
        key = (rule.index, period_of(act.occurred_at, rule.per_us))
        periods[key] = periods.get(key, 0.0) + decayed
        used[rule.index] = used.get(rule.index, 0) + 1
        contributions.append(
            ActivityContribution(
                act.id, act.occurred_at, rule.index, rule.label, rule.points, factor, decayed
            )
        )
        if rule.points > 0:
            last_positive = act.occurred_at
    engagement_rules = []
    for rule in model.engagement_rules:
        if rule.index not in used:
            continue
        sums = [total for (idx, _), total in periods.items() if idx == rule.index]
        points = sum(clip(total, rule.cap) for total in sums)
        capped = any(clip(total, rule.cap) != total for total in sums)
        engagement_rules.append(RuleContribution(rule.index, rule.label, points, used[rule.index], capped))
    return finish(
        model, person.id, now, fit_rules, tuple(engagement_rules), tuple(contributions), last_positive
    )
