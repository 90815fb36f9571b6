"""Nurture: enrolment on recycle, steps due and sent by the clock, export, exit on re-engagement or re-MQL."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from leadflow.clock import FrozenClock
from leadflow.domain.lifecycle import Actor
from leadflow.playbook import load_playbook
from leadflow.services.context import Context
from leadflow.services.lifecycle import create_person_in, find_person, move_in
from leadflow.services.nurture import (
    check_tracks,
    enroll_in,
    enroll_person_in,
    exit_on_engagement_in,
    match_track,
)
from leadflow.services.nurture_steps import due_steps, export_due, send_due
from leadflow.store.engine import reading, transaction
from leadflow.store.history import StageChange
from leadflow.store.tables import activities, deadlines, nurture_enrollments, nurture_steps, outbox

REP = Actor("rep@example.com", "sales", "sales")


def recycled_person(ctx: Context, email: str, reason: str = "early_research", **values: Any) -> StageChange:
    """A person taken lead -> mql -> sal -> recycled now, with the nurture reaction applied."""
    now = ctx.clock.now()
    with transaction(ctx.engine) as conn:
        pid = create_person_in(conn, ctx, {"email": email, **values}, at=now - timedelta(days=3))
        move_in(conn, ctx, find_person(conn, pid), "mql", Actor.system(), at=now - timedelta(days=2))
        move_in(conn, ctx, find_person(conn, pid), "sal", REP, at=now - timedelta(days=1))
        change = move_in(conn, ctx, find_person(conn, pid), "recycled", REP, {"reason": reason})
        enroll_in(conn, ctx, change)  # idempotent: harmless if the stage-change reaction already did it
    return change


def enrollments(ctx: Context, person_id: int) -> list[dict[str, Any]]:
    with reading(ctx.engine) as conn:
        rows = conn.execute(
            select(nurture_enrollments)
            .where(nurture_enrollments.c.person_id == person_id)
            .order_by(nurture_enrollments.c.id)
        ).mappings()
        return [dict(r) for r in rows]


def steps(ctx: Context, enrollment_id: int) -> list[tuple[int, str, str]]:
    with reading(ctx.engine) as conn:
        rows = conn.execute(
            select(nurture_steps.c.step, nurture_steps.c.asset, nurture_steps.c.status)
            .where(nurture_steps.c.enrollment_id == enrollment_id)
            .order_by(nurture_steps.c.step)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def with_destination(ctx: Context, url: str = "https://marketing.example.com/hook") -> Context:
    return replace(ctx, settings=ctx.settings.model_copy(update={"nurture_webhook_url": url}))


def test_recycle_enrolls_by_reason_with_spaced_steps(ctx: Context) -> None:
    change = recycled_person(ctx, "ada@example.com", "early_research")
    [enr] = enrollments(ctx, change.person_id)
    assert (enr["track_id"], enr["status"], enr["enrolled_at"]) == (
        "early_research",
        "active",
        ctx.clock.now(),
    )
    assert steps(ctx, enr["id"]) == [
        (1, "buyers-guide", "due"),
        (2, "roi-calculator", "due"),
        (3, "customer-story", "due"),
    ]
    with reading(ctx.engine) as conn:
        dues = list(
            conn.execute(
                select(nurture_steps.c.due_at)
                .where(nurture_steps.c.enrollment_id == enr["id"])
                .order_by(nurture_steps.c.step)
            ).scalars()
        )
    t0 = ctx.clock.now()
    assert dues == [
        t0,
        t0 + timedelta(days=14),
        t0 + timedelta(days=44),
    ]  # each `after` counts from the previous
    other = recycled_person(ctx, "bob@example.com", "no_response")
    assert enrollments(ctx, other.person_id)[0]["track_id"] == "re_engage"
    with transaction(ctx.engine) as conn:  # calling the reaction twice does not enrol twice
        assert enroll_in(conn, ctx, change) == enr["id"]
    assert len(enrollments(ctx, change.person_id)) == 1


def test_steps_become_due_and_are_sent_as_outbox_messages(ctx: Context) -> None:
    clock = ctx.clock
    assert isinstance(clock, FrozenClock)
    ctx = with_destination(ctx)
    change = recycled_person(ctx, "ada@example.com")
    [enr] = enrollments(ctx, change.person_id)
    run = send_due(ctx)
    assert (run.sent, run.waiting, run.destination) == (1, 0, "webhook:https://marketing.example.com/hook")
    assert send_due(ctx).sent == 0  # nothing else due yet
    clock.advance(timedelta(days=13, hours=23))
    assert due_steps(ctx) == []
    clock.advance(timedelta(hours=1))
    assert [s.asset for s in due_steps(ctx)] == ["roi-calculator"]
    assert send_due(ctx).sent == 1
    clock.advance(timedelta(days=30))
    last = send_due(ctx)
    assert (last.sent, last.completed) == (1, 1)
    assert steps(ctx, enr["id"]) == [
        (1, "buyers-guide", "sent"),
        (2, "roi-calculator", "sent"),
        (3, "customer-story", "sent"),
    ]
    assert enrollments(ctx, change.person_id)[0]["status"] == "completed"
    with reading(ctx.engine) as conn:
        msgs = conn.execute(
            select(outbox.c.event, outbox.c.channel, outbox.c.payload).order_by(outbox.c.id)
        ).all()
    nurture = [m for m in msgs if m.event == "nurture.step"]
    assert [m.payload["asset"] for m in nurture] == ["buyers-guide", "roi-calculator", "customer-story"]
    assert {m.channel for m in nurture} == {"webhook"}
    assert (
        nurture[0].payload["email"] == "ada@example.com" and nurture[0].payload["track"] == "early_research"
    )


def test_export_writes_csv_and_marks_sent(sqlite_ctx: Context, tmp_path: Path) -> None:
    ctx = sqlite_ctx
    recycled_person(ctx, "ada@example.com")
    recycled_person(ctx, "dnc@example.com", do_not_contact=True)
    assert send_due(ctx).destination is None  # no destination configured: steps wait for export
    out = tmp_path / "nurture.csv"
    preview = export_due(ctx, out, mark_sent=False)
    assert preview.waiting == 2 and out.exists()
    run = export_due(ctx, out)
    assert (run.sent, run.skipped) == (1, 1)
    rows = list(csv.DictReader(out.open()))
    assert [(r["email"], r["asset"], r["track"]) for r in rows] == [
        ("ada@example.com", "buyers-guide", "early_research")
    ]
    assert due_steps(ctx) == []


def test_reengagement_after_enrolment_exits_the_track(ctx: Context) -> None:
    clock = ctx.clock
    assert isinstance(clock, FrozenClock)
    change = recycled_person(ctx, "ada@example.com")
    pid = change.person_id
    with transaction(ctx.engine) as conn:
        conn.execute(
            insert(activities),
            [
                {
                    "idempotency_key": "a-before",
                    "person_id": pid,
                    "type": "form_submit",
                    "occurred_at": clock.now() - timedelta(hours=1),
                },
                {
                    "idempotency_key": "a-call",
                    "person_id": pid,
                    "type": "call",
                    "occurred_at": clock.now() + timedelta(days=1),
                },
            ],
        )
        # An engagement before the enrolment, or a sales touch after it: still nurtured.
        assert exit_on_engagement_in(conn, ctx, [pid]) == 0
    clock.advance(timedelta(days=2))
    with transaction(ctx.engine) as conn:
        conn.execute(
            insert(activities).values(
                idempotency_key="a-webinar", person_id=pid, type="webinar_attended", occurred_at=clock.now()
            )
        )
        assert exit_on_engagement_in(conn, ctx, [pid]) == 1
    [enr] = enrollments(ctx, pid)
    assert (enr["status"], enr["ended_at"]) == ("exited", clock.now())
    assert "re-engaged" in enr["end_reason"]
    assert [s[2] for s in steps(ctx, enr["id"])] == ["skipped", "skipped", "skipped"]
    assert due_steps(ctx) == []  # an exited track sends nothing


def test_leaving_recycled_ends_the_track_and_recycling_again_reenrolls(sqlite_ctx: Context) -> None:
    ctx = sqlite_ctx  # engine-independent logic: one store is enough
    clock = ctx.clock
    assert isinstance(clock, FrozenClock)
    change = recycled_person(ctx, "ada@example.com")
    clock.advance(timedelta(days=31))
    with transaction(ctx.engine) as conn:
        back = move_in(conn, ctx, find_person(conn, change.person_id), "mql", Actor.system())
        enroll_in(conn, ctx, back)
    [enr] = enrollments(ctx, change.person_id)
    assert (enr["status"], enr["end_reason"]) == ("exited", "moved to mql")
    with transaction(ctx.engine) as conn:
        move_in(conn, ctx, find_person(conn, change.person_id), "sal", REP)
        again = move_in(
            conn, ctx, find_person(conn, change.person_id), "recycled", REP, {"reason": "no_response"}
        )
        enroll_in(conn, ctx, again)
    assert [(e["track_id"], e["status"]) for e in enrollments(ctx, change.person_id)] == [
        ("early_research", "exited"),
        ("re_engage", "active"),
    ]


def test_recycle_through_the_engine_meets_the_nurture_sla_and_late_enrolment_closes_it(ctx: Context) -> None:
    now = ctx.clock.now()
    with transaction(ctx.engine) as conn:
        pid = create_person_in(conn, ctx, {"email": "ada@example.com"}, at=now)
        move_in(conn, ctx, find_person(conn, pid), "mql", Actor.system())
        move_in(conn, ctx, find_person(conn, pid), "sal", REP)
        move_in(conn, ctx, find_person(conn, pid), "recycled", REP, {"reason": "bad_timing"})
    # The stage-change reaction enrolled the person in the same transaction: the SLA is met at once.
    assert [e["track_id"] for e in enrollments(ctx, pid)] == ["early_research"]
    assert nurture_deadline(ctx, pid) == ("met", now)

    # A person enrolled later by hand (e.g. after a playbook fix) closes the still-open deadline.
    later = now + timedelta(days=1)
    with transaction(ctx.engine) as conn:
        other = create_person_in(conn, ctx, {"email": "bob@example.com"}, at=now)
        conn.execute(
            insert(deadlines).values(
                person_id=other,
                sla_id="nurture_recycled",
                team="marketing",
                stage="recycled",
                started_at=now,
                due_at=now + timedelta(days=7),
                status="open",
                breach_count=0,
                playbook_version=ctx.playbook.version,
            )
        )
        enroll_person_in(conn, ctx, other, ctx.playbook.model.nurture_tracks[1], at=later)
    assert nurture_deadline(ctx, other) == ("met", later)


def nurture_deadline(ctx: Context, pid: int) -> tuple[str, Any]:
    with reading(ctx.engine) as conn:
        row = conn.execute(
            select(deadlines.c.status, deadlines.c.closed_at).where(
                deadlines.c.person_id == pid, deadlines.c.sla_id == "nurture_recycled"
            )
        ).one()
    return row[0], row[1]


def test_track_matching_and_checks() -> None:
    pb = load_playbook(None).model
    assert match_track(pb, {"reason": "price"}).id == "re_engage"  # type: ignore[union-attr]
    assert match_track(pb, {"reason": "student"}) is None
    assert match_track(pb, {}) is None
    assert check_tracks(pb) == []
    broken = pb.model_copy(update={"nurture_tracks": [pb.nurture_tracks[0], pb.nurture_tracks[0]]})
    assert check_tracks(broken) == ["nurture track 'early_research' is defined twice"]


def test_new_activity_through_the_reactions_ends_the_track(sqlite_ctx: Context) -> None:
    from leadflow.services import reactions

    ctx = sqlite_ctx
    clock = ctx.clock
    assert isinstance(clock, FrozenClock)
    pid = recycled_person(ctx, "ada@example.com").person_id
    clock.advance(timedelta(days=3))
    with transaction(ctx.engine) as conn:
        conn.execute(
            insert(activities).values(
                idempotency_key="demo-1", person_id=pid, type="demo_request", occurred_at=clock.now()
            )
        )
        reactions.on_activities(conn, ctx, [pid])
    [enr] = enrollments(ctx, pid)
    assert enr["status"] == "exited"


def test_playbook_refuses_unknown_track_conditions_with_the_line() -> None:
    import pytest

    from leadflow.errors import PlaybookInvalid
    from leadflow.playbook import parse_playbook

    text = load_playbook(None).text.replace("for: {reason: [early_research", "for: {why: [early_research")
    with pytest.raises(PlaybookInvalid) as caught:
        parse_playbook(text, "pb.yaml")
    [problem] = caught.value.problems
    assert "not on why" in problem.render() and problem.render().startswith("pb.yaml:")  # type: ignore[attr-defined]
