"""Rule evaluation, first-match, caps per period and decay against hand-computed cases (pure domain)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from scoring_helpers import playbook_with

from leadflow.domain.scoring import AccountFacts, ActivityFacts, PersonFacts, compile_model, score_person
from leadflow.domain.scoring.decay import clip, counts, decay_factor, duration_us, period_of
from leadflow.playbook import load_playbook, parse_playbook

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday
H = timedelta(hours=1)
D = timedelta(days=1)

HAND = """
scoring:
  fit:
    - {when: {title: [vp, chief]}, points: 15}
    - {when: {employees: [200, 1999]}, points: 20}
    - {when: {email_domain: free_mail}, points: -20}
    - {when: {properties.plan: pro}, points: 5}
  engagement:
    half_life: 10d
    lifespan: 60d
    rules:
      - {when: {type: form_submit}, points: 20, cap: 30, label: Form}
      - {when: {type: page_view, url: "/pricing*"}, points: 10, cap: 15, per: 7d, label: Pricing}
      - {when: {type: page_view}, points: 1, label: Page}
      - {when: {type: unsubscribe}, points: -30, label: Unsubscribe}
  grades: {fit: {A: 40, B: 25, C: 10}, engagement: {"1": 60, "2": 40, "3": 20}}
  mql_rule: "fit_grade >= 'B' and engagement >= 40"
"""


def _model(text: str = HAND):  # type: ignore[no-untyped-def]
    return compile_model(parse_playbook(playbook_with(text)).model)


def act(i: int, at: datetime, type_: str, url: str | None = None) -> ActivityFacts:
    return ActivityFacts(i, at, type_, url=url)


def test_decay_lifespan_and_periods() -> None:
    hl = duration_us("10d")
    assert hl is not None
    assert decay_factor(hl, hl) == 0.5
    assert decay_factor(2 * hl, hl) == 0.25
    assert decay_factor(123, None) == 1.0
    assert counts(0, hl) and not counts(hl, hl) and not counts(-1, hl)
    week = duration_us("7d")
    monday = datetime(2026, 3, 2, tzinfo=UTC)
    assert period_of(monday, week) == period_of(monday + 6 * D + 23 * H, week)
    assert period_of(monday - timedelta(microseconds=1), week) == period_of(monday, week) - 1
    assert clip(35, 30) == 30 and clip(-35, 30) == -30 and clip(12, None) == 12


def test_hand_computed_engagement() -> None:
    model = _model()
    person = PersonFacts(
        1,
        email="ada@acme.com",
        title="VP Sales",
        account=AccountFacts(employees=500),
        properties={"plan": "Pro"},
    )
    acts = [
        act(1, NOW, "form_submit"),  # 20
        act(2, NOW - 10 * D, "form_submit"),  # 10
        act(3, NOW - 20 * D, "form_submit"),  # 5 -> form total 35, capped at 30
        act(4, NOW - 1 * H, "page_view", "https://acme.com/pricing"),  # same week as 5: 10*0.5^(1/240)
        act(5, NOW - 2 * H, "page_view", "/pricing/enterprise"),  # + 10*0.5^(2/240) -> capped at 15
        act(6, NOW - 3 * D, "page_view", "/pricing"),  # previous week (Friday): 10*0.5^0.3
        act(7, NOW - 10 * D, "page_view", "/blog/x"),  # generic page view: 1*0.5
        act(8, NOW - 70 * D, "unsubscribe"),  # beyond the 60 d lifespan
        act(9, NOW + H, "form_submit"),  # in the future
    ]
    score = score_person(model, person, acts, NOW)
    assert score.fit == 15 + 20 + 5
    expected = 30 + 15 + 10 * 0.5**0.3 + 0.5
    assert score.engagement == pytest.approx(expected, abs=1e-9)
    by_rule = {r.label: r for r in score.engagement_rules}
    assert by_rule["Form"].points == 30 and by_rule["Form"].capped and by_rule["Form"].activities == 3
    assert by_rule["Pricing"].points == pytest.approx(15 + 10 * 0.5**0.3)
    assert by_rule["Pricing"].capped and by_rule["Pricing"].activities == 3
    assert by_rule["Page"].activities == 1  # first match: pricing views do not also count as page views
    assert "Unsubscribe" not in by_rule
    assert [a.activity_id for a in score.activities] == [3, 2, 7, 6, 5, 4, 1]
    assert score.grade == "A2"
    assert score.last_positive_at == NOW


def test_negative_points_and_uncapped_sum() -> None:
    model = _model()
    person = PersonFacts(2, email="kid@gmail.com", title="Student")
    score = score_person(
        model, person, [act(1, NOW - 10 * D, "unsubscribe"), act(2, NOW, "page_view", "/")], NOW
    )
    assert score.fit == -20
    assert score.engagement == pytest.approx(-15 + 1)
    assert score.grade == "D4"
    assert score.last_positive_at == NOW


def test_default_playbook_fit_and_derivations() -> None:
    model = compile_model(load_playbook(None).model)
    buyer = PersonFacts(
        1,
        email="cfo@bank.com",
        title="CFO",
        account=AccountFacts(industry="Financial_Services", employees=2500),
    )
    assert score_person(model, buyer, [], NOW).fit == 20 + 15 + 15
    stored_persona = PersonFacts(2, email="x@bank.com", title="CFO", persona="practitioner")
    assert score_person(model, stored_persona, [], NOW).fit == 5  # the stored persona wins over the title
    small = PersonFacts(
        3, email="a@gmail.com", title="intern", account=AccountFacts(employees=10, segment=None)
    )
    assert score_person(model, small, [], NOW).fit == 5 - 30 - 20


def test_no_half_life_and_no_lifespan() -> None:
    text = HAND.replace("    half_life: 10d\n    lifespan: 60d\n", "")
    model = _model(text)
    score = score_person(model, PersonFacts(1), [act(1, NOW - 400 * D, "page_view", "/")], NOW)
    assert score.engagement == 1
