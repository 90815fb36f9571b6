"""The numbers-only batch query's cap shortcut (per-person sums; the per-period path only for persons a
cap may clip) agrees with the incremental scorer: no decay (caps reached exactly), negative rules with
lifetime and per-period caps, and enough per-period rules that the packed counts overflow their slots."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scoring_helpers import playbook_with
from test_scoring_paths import _compare, _load, _reset

from leadflow.clock import FrozenClock
from leadflow.config import get_settings
from leadflow.services.context import Context, open_context
from leadflow.services.scoring import model_for
from leadflow.services.scoring_sql import _bound, _packed_counts
from leadflow.services.setup import init_database
from leadflow.store.engine import make_engine

# 18 capped rules (16 per period, 2 lifetime) with small caps: the packed counts get 6-bit slots of
# sixteenths, so 4 undecayed activities of one word's rules overflow them (the person then takes the
# per-period path whatever the slots say).
DUMMIES = "\n".join(
    f"      - {{when: {{type: call, channel: ch{i}}}, points: 1, cap: 1, per: 1d, label: Call {i}}}"
    for i in range(13)
)
CAPS_YAML = f"""
scoring:
  fit:
    - {{when: {{title: [vp]}}, points: 30, label: VP}}
  engagement:
    lifespan: 20d
    rules:
      - {{when: {{type: page_view, url: "/pricing*"}}, points: 5, cap: 10, per: 1d, label: Pricing}}
      - {{when: {{type: page_view, url: "/careers*"}}, points: -4, cap: 8, per: 7d, label: Careers}}
      - {{when: {{type: page_view}}, points: 1, cap: 2, per: 1d, label: Page}}
      - {{when: {{type: email_click}}, points: 2.5, cap: 5, label: Click}}
      - {{when: {{type: unsubscribe}}, points: -30, cap: 40, label: Unsubscribed}}
      - {{when: {{type: form_submit}}, points: 7, label: Form}}
{DUMMIES}
  grades: {{fit: {{A: 40, B: 25, C: 10}}, engagement: {{"1": 30, "2": 15, "3": 5}}}}
  mql_rule: "fit_grade >= 'B' and engagement >= 15"
  recycle_cool_down: 30d
"""

activity_st = st.fixed_dictionaries(
    {
        "type": st.sampled_from(
            ["page_view", "page_view", "email_click", "unsubscribe", "form_submit", "call"]
        ),
        "url": st.sampled_from([None, "/pricing", "/careers/x", "/blog"]),
        "age_h": st.integers(-2, 24 * 22),
        "minute": st.integers(0, 59),
        "campaign": st.none(),
        "asset": st.none(),
        "properties": st.none(),
    }
)
person_st = st.fixed_dictionaries(
    {
        "title": st.sampled_from([None, "VP Sales"]),
        "domain": st.just("acme.com"),
        "country": st.none(),
        "properties": st.just({}),
        "account": st.none(),
        "activities": st.lists(activity_st, max_size=24),
    }
)


@pytest.fixture
def caps_playbook(tmp_path: Path) -> Path:
    path = tmp_path / "caps.yaml"
    path.write_text(playbook_with(CAPS_YAML), encoding="utf-8")
    return path


def _context(url: str, clock: FrozenClock, playbook: Path) -> Context:
    ctx = open_context(
        get_settings(database_url=url, playbook=playbook), clock=clock, engine=make_engine(url)
    )
    init_database(ctx)
    return ctx


@pytest.fixture
def caps_ctx(store_url: str, clock: FrozenClock, caps_playbook: Path) -> Iterator[Context]:
    ctx = _context(store_url, clock, caps_playbook)
    yield ctx
    ctx.engine.dispose()


@pytest.fixture
def sqlite_caps_ctx(sqlite_url: str, clock: FrozenClock, caps_playbook: Path) -> Iterator[Context]:
    ctx = _context(sqlite_url, clock, caps_playbook)
    yield ctx
    ctx.engine.dispose()


def test_packed_counts_overflow_after_four(sqlite_caps_ctx: Context) -> None:
    words = _packed_counts(model_for(sqlite_caps_ctx), "factor")
    assert len(words) == 2  # bounds up to 31 sixteenths: 6-bit slots, 9 rules per word
    assert f"w0 >= CAST('{1 << 60}' AS HUGEINT)" in words[0][1]  # 9 slots of 6 bits, Q >= 64 above them
    assert words[0][0].startswith("CAST(ceil(factor * 16) AS BIGINT) * ")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=st.lists(person_st, min_size=1, max_size=4))
def test_batch_equals_incremental_with_caps(sqlite_caps_ctx: Context, people: list[dict[str, Any]]) -> None:
    ctx = sqlite_caps_ctx
    _reset(ctx)
    _compare(ctx, _load(ctx, people, ctx.clock.now()))


def _acts(*items: tuple[str, str | None, int, int]) -> list[dict[str, Any]]:
    """(type, url, hours ago, how many) -> activities a minute apart."""
    return [
        {"type": t, "url": u, "age_h": h, "minute": i, "campaign": None, "asset": None, "properties": None}
        for t, u, h, n in items
        for i in range(n)
    ]


def _person(title: str | None, acts: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "title": title,
        "domain": "acme.com",
        "country": None,
        "properties": {},
        "account": None,
        "activities": acts,
    }


def test_caps_by_hand_on_both_stores(caps_ctx: Context) -> None:
    now = caps_ctx.clock.now()
    assert now.hour == 10  # activities 1-3 h ago fall on the same UTC day
    people = [
        # within every bound: 2 pricing views (10 = the cap, exactly), 2 page views (2 = the cap), 2 clicks
        _person(
            "VP",
            _acts(("page_view", "/pricing", 1, 2), ("page_view", "/blog", 2, 2), ("email_click", None, 3, 2)),
        ),
        # over the bounds: 3 pricing views in a day (15 -> 10), 3 careers views in a week (-12 -> -8),
        # 3 clicks (7.5 -> 5), 2 unsubscribes (-60 -> -40), a form (7, uncapped)
        _person(
            None,
            _acts(
                ("page_view", "/pricing", 1, 3),
                ("page_view", "/careers/x", 30, 3),
                ("email_click", None, 5, 3),
                ("unsubscribe", None, 6, 2),
                ("form_submit", None, 7, 1),
            ),
        ),
        # 9 undecayed page views in a day (Q = 9 x 16 = 144 -> 2) overflow the 6-bit slots (144 reads as 16,
        # within the bound of 31 sixteenths): per-period path
        _person(None, _acts(("page_view", "/blog", 2, 9))),
        # a page view 21 days ago is past the lifespan; one in the future does not count yet
        _person(None, _acts(("page_view", "/blog", 24 * 21, 1), ("page_view", "/blog", -1, 1))),
    ]
    ids = _load(caps_ctx, people, now)
    scores = _compare(caps_ctx, ids)
    assert [scores[i].engagement for i in ids] == pytest.approx([10 + 2 + 5, 10 - 8 + 5 - 40 + 7, 2, 0])
    assert [r.capped for r in scores[ids[1]].engagement_rules] == [True, True, True, True, False]
    assert timedelta(0) < now - scores[ids[0]].last_positive_at < timedelta(hours=4)  # type: ignore[operator]


def test_cap_bound_in_sixteenths_keeps_a_margin() -> None:
    # 25 points, cap 50: two undecayed form fills (32 sixteenths) reach the cap exactly, so the bound is
    # one sixteenth below; four form fills at half weight (4 x 8 = 32) are flagged too, three are not.
    assert _bound(25, 50) == 31
    assert _bound(-10, 30) == 47  # negative points clip at -cap: the size counts
    assert _bound(3, 10) == 52  # 10 x 16 / 3 = 53.3: 53 sixteenths stay within, one less for the margin
    assert _bound(1, 1e9) == 2**20  # a cap nothing reaches
