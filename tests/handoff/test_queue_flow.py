"""The sales queue end to end on SQLite and PostgreSQL: accept, reject, qualify, convert, won, lost."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from handoff_support import add_account, add_lead, add_user, make_team
from sqlalchemy import select

from leadflow.clock import FrozenClock
from leadflow.errors import Conflict, InvalidInput, PermissionDenied, TransitionNotAllowed
from leadflow.services import queue
from leadflow.services.context import Context
from leadflow.services.lifecycle import create_person
from leadflow.store.engine import reading
from leadflow.store.tables import deadlines, feedback, notes, opportunities, opportunity_contacts, persons


def test_full_flow_accept_qualify_convert_won(ctx: Context) -> None:
    clock = ctx.clock
    assert isinstance(clock, FrozenClock)
    reps = make_team(ctx, 1)
    rep = reps["rep0@acme.test"]
    acct = add_account(ctx, "Acme", owner_id=rep, segment="mid_market")
    pid = add_lead(ctx, "ada@acme.example", account_id=acct, first_name="Ada", title="Head of Ops")
    cfo = create_person(ctx, {"email": "cfo@acme.example", "account_id": acct})
    user = create_person(ctx, {"email": "analyst@acme.example", "account_id": acct})

    items = queue.queue_for(ctx, "rep0@acme.test")
    assert [(i.person_id, i.stage, i.sla_id) for i in items] == [(pid, "mql", "mql_response")]
    assert items[0].due_at == datetime(2026, 3, 3, 10, 0, tzinfo=UTC) and not items[0].overdue
    assert items[0].account == "Acme" and items[0].name == "Ada"

    clock.advance(timedelta(hours=1))
    accepted = queue.accept(ctx, pid, "rep0@acme.test", expected_version=items[0].version, note="looks good")
    assert accepted.change.to_stage == "sal" and accepted.feedback_id is not None
    assert queue.queue_for(ctx, rep)[0].sla_id == "sal_first_touch"
    with pytest.raises(InvalidInput, match="requires budget"):
        queue.qualify(ctx, pid, rep, budget="", authority="CFO", need="reporting", timeline="Q3")
    queue.qualify(ctx, pid, rep, budget="50k", authority="CFO signs", need="reporting", timeline="Q3")
    converted = queue.convert(
        ctx,
        pid,
        rep,
        amount=25000,
        expected_close="2026-06-30",
        committee={"decision_maker": ["cfo@acme.example"], "user": [user]},
    )
    assert converted.change.fields["committee"] == {
        "decision_maker": ["cfo@acme.example"],
        "user": ["analyst@acme.example", "ada@acme.example"],
    }
    assert queue.queue_for(ctx, rep) == []  # an opportunity is no longer in the queue
    done = queue.won(ctx, pid, rep, amount=27000)
    assert done.change.to_stage == "customer"
    with reading(ctx.engine) as conn:
        opp = conn.execute(select(opportunities).where(opportunities.c.id == converted.opportunity_id)).one()
        contacts = dict(
            conn.execute(
                select(opportunity_contacts.c.person_id, opportunity_contacts.c.role).where(
                    opportunity_contacts.c.opportunity_id == opp.id
                )
            ).all()
        )
        kinds = conn.execute(select(feedback.c.kind).where(feedback.c.person_id == pid)).scalars().all()
        texts = conn.execute(select(notes.c.text).where(notes.c.person_id == pid)).scalars().all()
    assert (opp.status, opp.amount, opp.owner_id, opp.account_id) == ("won", 27000.0, rep, acct)
    assert opp.expected_close == datetime(2026, 6, 30, tzinfo=UTC) and opp.closed_at == clock.now()
    assert contacts == {pid: "user", cfo: "decision_maker", user: "user"}
    assert kinds == ["accept"] and texts == ["looks good"]


def test_reject_lost_and_dispute(ctx: Context) -> None:
    make_team(ctx, 1)
    add_user(ctx, "mo@acme.test", role="marketing", team="marketing", sales_team=None)
    pid = add_lead(ctx, "bo@x.example")
    with pytest.raises(InvalidInput, match="needs a reason") as missing:
        queue.reject(ctx, pid, "rep0@acme.test", None)
    assert "no_budget_now" in missing.value.hint and "student" in missing.value.hint
    with pytest.raises(InvalidInput, match="not an agreed rejection reason"):
        queue.reject(ctx, pid, "rep0@acme.test", "meh")
    with pytest.raises(PermissionDenied, match="assigned to another rep"):
        add_user(ctx, "other@acme.test", sales_team="elsewhere")
        queue.accept(ctx, pid, "other@acme.test")
    rejected = queue.reject(ctx, pid, "rep0@acme.test", "student", note="intern")
    assert rejected.change.to_stage == "disqualified"
    with pytest.raises(PermissionDenied):
        queue.dispute(ctx, pid, "rep0@acme.test")
    opened = queue.dispute(ctx, pid, "mo@acme.test", note="she is the CTO's daughter, still a buyer")
    with pytest.raises(Conflict, match="already disputed"):
        queue.dispute(ctx, pid, "mo@acme.test")
    resolved = queue.resolve_dispute(ctx, opened.id, "boss@acme.test", "upheld")
    assert resolved.status == "upheld"
    with pytest.raises(Conflict, match="already upheld"):
        queue.resolve_dispute(ctx, opened.id, "boss@acme.test", "overturned")

    deal = add_lead(ctx, "deal@x.example")
    queue.accept(ctx, deal, "rep0@acme.test")
    queue.qualify(ctx, deal, "rep0@acme.test", budget="b", authority="a", need="n", timeline="t")
    conv = queue.convert(ctx, deal, "rep0@acme.test", amount="1000")
    with pytest.raises(InvalidInput, match="needs a lost reason"):
        queue.lost(ctx, deal, "rep0@acme.test", "")
    with pytest.raises(InvalidInput, match="not an agreed lost reason"):
        queue.lost(ctx, deal, "rep0@acme.test", "bad vibes")
    lost = queue.lost(ctx, deal, "rep0@acme.test", "price", note="too expensive")
    assert lost.change.to_stage == "recycled" and lost.change.reason == "price"
    with reading(ctx.engine) as conn:
        opp = conn.execute(select(opportunities).where(opportunities.c.id == conv.opportunity_id)).one()
    assert (opp.status, opp.lost_reason) == ("lost", "price")
    with pytest.raises(TransitionNotAllowed):
        queue.won(ctx, deal, "rep0@acme.test")


def test_an_unowned_mql_becomes_the_accepting_reps(ctx: Context) -> None:
    pid = add_lead(ctx, "nobody@x.example")  # no reps yet: stays unassigned
    rep = add_user(ctx, "late@acme.test")
    queue.accept(ctx, pid, "late@acme.test")
    with reading(ctx.engine) as conn:
        assert conn.execute(select(persons.c.owner_id).where(persons.c.id == pid)).scalar_one() == rep
    assert [i.sla_id for i in queue.queue_for(ctx, rep)] == ["sal_first_touch"]
    with reading(ctx.engine) as conn:
        states = dict(
            conn.execute(
                select(deadlines.c.sla_id, deadlines.c.status).where(deadlines.c.person_id == pid)
            ).all()
        )
    assert states == {"route_mql": "met", "mql_response": "met", "sal_first_touch": "open"}


def test_twenty_concurrent_accepts_one_wins(ctx: Context) -> None:
    make_team(ctx, 1)
    pid = add_lead(ctx, "race@x.example")
    version = queue.queue_for(ctx, "rep0@acme.test")[0].version
    barrier = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt() -> None:
        barrier.wait()
        try:
            queue.accept(ctx, pid, "rep0@acme.test", expected_version=version)
            result = "won"
        except Conflict:
            result = "conflict"
        except Exception as exc:
            result = f"{type(exc).__name__}: {exc}"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict"] * 19 + ["won"], outcomes
    with reading(ctx.engine) as conn:
        assert conn.execute(select(feedback.c.id).where(feedback.c.person_id == pid)).all().__len__() == 1
