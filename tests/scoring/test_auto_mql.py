"""Automatic MQL on both stores: live activities, the batch run, and re-MQL only after a recycle cool-down."""

from __future__ import annotations

from datetime import timedelta

from scoring_helpers import add_account, add_activity
from sqlalchemy import select

from leadflow.clock import FrozenClock
from leadflow.domain.lifecycle import Actor
from leadflow.services import reactions
from leadflow.services.context import Context
from leadflow.services.lifecycle import create_person_in, move
from leadflow.services.scoring_batch import run_batch
from leadflow.store.engine import reading, transaction
from leadflow.store.tables import persons, score_details, stage_changes

REP = Actor("rep@acme.test", "sales", "sales")
DAY = timedelta(days=1)


def _person(ctx: Context, email: str) -> int:
    now = ctx.clock.now()
    with transaction(ctx.engine) as conn:
        account = add_account(conn, now, industry="software", employees=500)
        return create_person_in(
            conn, ctx, {"email": email, "title": "VP Marketing", "account_id": account}, at=now
        )


def _live(ctx: Context, pid: int, type_: str) -> None:
    """An activity arriving now through the live path (the reactions entry point)."""
    with transaction(ctx.engine) as conn:
        add_activity(conn, pid, ctx.clock.now(), type_)
        reactions.on_activities(conn, ctx, [pid])


def _stage(ctx: Context, pid: int) -> str:
    with reading(ctx.engine) as conn:
        return str(conn.execute(select(persons.c.stage).where(persons.c.id == pid)).scalar_one())


def test_live_activity_makes_an_mql_with_the_score_snapshot(ctx: Context) -> None:
    pid = _person(ctx, "ada@acme.com")
    _live(ctx, pid, "form_submit")  # fit 50 (A), engagement 25: not yet
    assert _stage(ctx, pid) == "lead"
    ctx.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
    _live(ctx, pid, "demo_request")  # engagement ~65
    assert _stage(ctx, pid) == "mql"
    with reading(ctx.engine) as conn:
        change = (
            conn.execute(
                select(stage_changes).where(
                    stage_changes.c.person_id == pid, stage_changes.c.to_stage == "mql"
                )
            )
            .mappings()
            .one()
        )
        detail = conn.execute(select(score_details).where(score_details.c.person_id == pid)).mappings().one()
        row = conn.execute(select(persons).where(persons.c.id == pid)).mappings().one()
    assert change["actor"] == "system" and change["transition"] == "qualify_mql"
    assert change["fields"]["grade"] == "A1" and change["fields"]["fit_score"] == 50
    assert "meet fit_grade >= 'B' and engagement >= 40" in change["note"]
    assert detail["grade"] == "A1" and {r["label"] for r in detail["detail"]["engagement"]} == {
        "Form fill",
        "Demo request",
    }
    assert row["grade"] == "A1" and row["engagement_score"] > 64


def test_remql_only_after_new_engagement_and_cool_down(ctx: Context) -> None:
    clock = ctx.clock
    assert isinstance(clock, FrozenClock)
    ada, bob = _person(ctx, "ada@acme.com"), _person(ctx, "bob@acme.com")
    for pid in (ada, bob):
        _live(ctx, pid, "demo_request")
        _live(ctx, pid, "form_submit")
        assert _stage(ctx, pid) == "mql"
    clock.advance(DAY)
    for email in ("ada@acme.com", "bob@acme.com"):
        move(ctx, email, "recycled", REP, {"reason": "bad_timing"})
    recycled_at = clock.now()
    clock.advance(DAY)
    _live(ctx, ada, "demo_request")  # new engagement, but within the 30 d cool-down
    assert _stage(ctx, ada) == "recycled"
    clock.set(recycled_at + 31 * DAY)
    result = run_batch(ctx)  # cool-down over: ada has new engagement since the recycle, bob has none
    assert result.mqls == 1
    assert _stage(ctx, ada) == "mql" and _stage(ctx, bob) == "recycled"
    with reading(ctx.engine) as conn:
        transitions = (
            conn.execute(
                select(stage_changes.c.transition)
                .where(stage_changes.c.person_id == ada)
                .order_by(stage_changes.c.id)
            )
            .scalars()
            .all()
        )
    assert transitions == ["create", "qualify_mql", "recycle", "remql"]
    _live(ctx, bob, "form_submit")  # bob engages after the cool-down: MQL again at once
    assert _stage(ctx, bob) == "mql"


def test_batch_run_scores_everyone_and_qualifies(ctx: Context) -> None:
    pids = [_person(ctx, f"p{i}@acme.com") for i in range(3)]
    with transaction(ctx.engine) as conn:
        for pid in pids[:2]:
            add_activity(conn, pid, ctx.clock.now() - DAY, "demo_request")  # history: no reactions
            add_activity(conn, pid, ctx.clock.now() - DAY, "form_submit")
    result = run_batch(ctx)
    assert (result.persons, result.mqls) == (3, 2)
    assert [_stage(ctx, p) for p in pids] == ["mql", "mql", "lead"]
    again = run_batch(ctx)
    assert again.mqls == 0
    with reading(ctx.engine) as conn:
        assert conn.execute(select(score_details.c.person_id)).scalars().all().__len__() == 3
