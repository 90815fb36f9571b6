"""SLA deadlines: business-hours due times, the worker's sweep on a frozen clock, escalation, reassignment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handoff_support import add_lead, add_user, make_team
from sqlalchemy import insert, select

from leadflow.clock import FrozenClock
from leadflow.services import queue, reactions, sla, sla_sweep
from leadflow.services.context import Context
from leadflow.services.sla_report import sla_report
from leadflow.services.worker import default_jobs, run_once
from leadflow.store.engine import reading, transaction
from leadflow.store.tables import activities, assignments, deadlines, outbox, persons


def _deadlines(ctx: Context, pid: int) -> dict[str, dict[str, object]]:
    with reading(ctx.engine) as conn:
        rows = conn.execute(select(deadlines).where(deadlines.c.person_id == pid).order_by(deadlines.c.id))
        return {r.sla_id: dict(r._mapping) for r in rows}


def _clock(ctx: Context) -> FrozenClock:
    assert isinstance(ctx.clock, FrozenClock)
    return ctx.clock


def test_mql_deadline_counts_the_owners_business_hours(ctx: Context) -> None:
    # T0 is Monday 10:00 UTC = 05:00 in New York: the rep's day starts at 09:00 EST (14:00 UTC),
    # and 8 business hours end at 17:00 EST = 22:00 UTC the same day.
    ny = add_user(ctx, "ny@acme.test", timezone="America/New_York")
    pid = add_lead(ctx, "ada@x.example")
    rows = _deadlines(ctx, pid)
    assert rows["mql_response"]["owner_id"] == ny
    assert rows["mql_response"]["due_at"] == datetime(2026, 3, 2, 22, 0, tzinfo=UTC)
    assert rows["mql_response"]["status"] == "open"
    assert rows["route_mql"]["status"] == "met"  # routed in the same move
    # a Friday-afternoon MQL for a UTC rep with a Monday holiday is due Tuesday afternoon
    _clock(ctx).set(datetime(2026, 3, 6, 15, 0, tzinfo=UTC))
    data = ctx.playbook.model.model_dump(by_alias=True)
    data["calendars"]["default"]["extra_holidays"] = ["2026-03-09"]
    import yaml

    from leadflow.playbook.loader import parse_playbook

    holiday = ctx.with_playbook(parse_playbook(yaml.safe_dump(data), "holiday"))
    add_user(holiday, "utc@acme.test", timezone="UTC", sales_team="emea")
    with transaction(holiday.engine) as conn:
        from leadflow.store.tables import users

        conn.execute(users.update().where(users.c.id == ny).values(active=False))
    pid2 = add_lead(holiday, "bo@x.example")
    # Fri 15-17 (2h) + Tue 09-15 (6h): Monday the 9th is a holiday
    assert _deadlines(holiday, pid2)["mql_response"]["due_at"] == datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def test_worker_breaches_exactly_the_due_deadlines(ctx: Context) -> None:
    clock = _clock(ctx)
    reps = make_team(ctx, 2)
    early = add_lead(ctx, "early@x.example")  # due Tue 10:00
    clock.advance(timedelta(hours=3))
    late = add_lead(ctx, "late@x.example")  # due Tue 13:00
    clock.set(datetime(2026, 3, 3, 11, 0, tzinfo=UTC))
    runs = {r.name: r for r in run_once(ctx, default_jobs())}
    assert runs["sla_sweep"].error is None
    assert runs["sla_sweep"].summary["breached"] == 1
    assert _deadlines(ctx, early)["mql_response"]["breach_count"] == 1
    assert _deadlines(ctx, late)["mql_response"]["breach_count"] == 0
    with reading(ctx.engine) as conn:
        sent = (
            conn.execute(select(outbox.c.recipient).where(outbox.c.event == "sla.breached")).scalars().all()
        )
        owner = conn.execute(select(persons.c.owner_id).where(persons.c.id == early)).scalar_one()
    owner_email = next(e for e, i in reps.items() if i == owner)
    assert sorted(sent) == sorted([owner_email, "boss@acme.test"])  # the owner and their manager
    # running again at the same instant finds nothing new
    assert {r.name: r for r in run_once(ctx, default_jobs())}["sla_sweep"].summary["breached"] == 0


def test_second_breach_reassigns_to_another_rep(ctx: Context) -> None:
    clock = _clock(ctx)
    make_team(ctx, 2)
    pid = add_lead(ctx, "slow@x.example")
    first = _deadlines(ctx, pid)["mql_response"]["owner_id"]
    clock.set(datetime(2026, 3, 3, 10, 30, tzinfo=UTC))  # breach 1: re-armed for another 8 business hours
    assert sla_sweep.sweep(ctx_of(ctx)).as_dict()["rearmed"] == 1
    row = _deadlines(ctx, pid)["mql_response"]
    assert (row["status"], row["breach_count"], row["due_at"]) == (
        "open",
        1,
        datetime(2026, 3, 4, 10, 30, tzinfo=UTC),
    )
    clock.set(datetime(2026, 3, 4, 11, 0, tzinfo=UTC))  # breach 2: reassigned
    result = sla_sweep.sweep(ctx_of(ctx))
    assert result.reassigned == 1
    with reading(ctx.engine) as conn:
        rows = conn.execute(
            select(deadlines)
            .where(deadlines.c.person_id == pid, deadlines.c.sla_id == "mql_response")
            .order_by(deadlines.c.id)
        ).all()
        last = conn.execute(select(assignments).order_by(assignments.c.id.desc())).first()
    assert [(r.status, r.breach_count, r.closed_at is not None) for r in rows] == [
        ("breached", 2, True),
        ("open", 0, False),
    ]
    assert last is not None and last.method == "reassign" and last.previous_user_id == first
    assert rows[1].owner_id == last.user_id != first


def ctx_of(ctx: Context) -> Context:
    """A fresh context on the same store and clock (what the worker process has)."""
    from leadflow.services.context import open_context

    return open_context(ctx.settings, clock=ctx.clock)


def test_first_touch_nurture_and_feedback_clocks(ctx: Context) -> None:
    reps = make_team(ctx, 1)
    marketer = add_user(ctx, "mo@acme.test", role="marketing", team="marketing", sales_team=None)
    add_user(ctx, "ml@acme.test", role="marketing_lead", team="marketing", sales_team=None)
    del marketer
    pid = add_lead(ctx, "touch@x.example")
    queue.accept(ctx, pid, "rep0@acme.test")
    assert _deadlines(ctx, pid)["mql_response"]["status"] == "met"
    assert _deadlines(ctx, pid)["sal_first_touch"]["status"] == "open"
    with transaction(ctx.engine) as conn:
        conn.execute(
            insert(activities).values(
                idempotency_key="call-1",
                person_id=pid,
                type="call",
                occurred_at=ctx.clock.now(),
                actor_id=reps["rep0@acme.test"],
            )
        )
        reactions.on_activities(conn, ctx, [pid])
    assert _deadlines(ctx, pid)["sal_first_touch"]["status"] == "met"
    # rejection -> recycled: the nurture clock runs (or is met at once when nurture enrolled the person)
    queue.reject(ctx, pid, "rep0@acme.test", "bad_timing", note="call again in Q3")
    nurture_row = _deadlines(ctx, pid)["nurture_recycled"]
    with transaction(ctx.engine) as conn:
        sla.close_deadlines_in(conn, ctx, pid, sla_measure="nurture")
    assert _deadlines(ctx, pid)["nurture_recycled"]["status"] == "met"
    assert nurture_row["team"] == "marketing"
    d = queue.dispute(ctx, pid, "mo@acme.test", note="they asked for a demo")
    assert _deadlines(ctx, pid)["feedback_review"]["status"] == "open"
    queue.resolve_dispute(ctx, d.id, "boss@acme.test", "overturned", note="fair point")
    assert _deadlines(ctx, pid)["feedback_review"]["status"] == "met"


def test_sla_report_counts_met_breached_and_overdue(sqlite_ctx: Context) -> None:
    ctx = sqlite_ctx
    clock = _clock(ctx)
    make_team(ctx, 1)
    kept = add_lead(ctx, "kept@x.example")
    swept = add_lead(ctx, "swept@x.example")
    overdue = add_lead(ctx, "overdue@x.example")
    clock.advance(timedelta(hours=1))
    queue.accept(ctx, kept, "rep0@acme.test")
    clock.set(datetime(2026, 3, 3, 10, 30, tzinfo=UTC))
    sla_sweep.sweep(ctx)  # breaches swept and overdue alike
    add_lead(ctx, "fresh@x.example")  # open, not due
    with transaction(ctx.engine) as conn:  # an overdue row the sweep has not seen yet
        conn.execute(
            deadlines.update()
            .where(deadlines.c.person_id == overdue, deadlines.c.sla_id == "mql_response")
            .values(status="open", breach_count=0, due_at=clock.now() - timedelta(hours=1))
        )
    report = sla_report(ctx, datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 8, tzinfo=UTC))
    total = next(r for r in report.by_sla if r.sla_id == "mql_response")
    assert total.counts == {"met_on_time": 1, "breached": 1, "open_overdue": 1, "open": 1, "cancelled": 0}
    assert total.compliance == 1 / 3
    rep_row = next(r for r in report.rows if r.sla_id == "mql_response")
    assert (rep_row.team, rep_row.rep) == ("sales", "rep0@acme.test")
    routing = next(r for r in report.by_sla if r.sla_id == "route_mql")
    assert routing.counts["met_on_time"] == 4 and routing.side == "marketing", routing.counts
    del swept
