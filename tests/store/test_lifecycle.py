"""The lifecycle engine on both stores: moves, refusals, history, replay and optimistic concurrency."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from leadflow.domain.lifecycle import Actor
from leadflow.errors import Conflict, InvalidInput, NotFound, TransitionNotAllowed
from leadflow.services.context import Context
from leadflow.services.lifecycle import create_person, move, show_person
from leadflow.store.tables import stage_changes, stage_entries

SYSTEM = Actor.system()
REP = Actor("rep@acme.test", "sales", "sales")
MARKETER = Actor("mo@acme.test", "marketing", "marketing")


def test_full_waterfall_writes_history_and_entries(ctx: Context) -> None:
    pid = create_person(ctx, {"email": "  Ada@Example.COM ", "first_name": "Ada"})
    clock = ctx.clock
    for target, actor, fields in [
        ("mql", SYSTEM, {}),
        ("sal", REP, {}),
        ("sql", REP, {"budget": "50k", "authority": "CFO", "need": "reporting", "timeline": "Q3"}),
        ("opportunity", REP, {"amount": "25000"}),
        ("customer", REP, {}),
    ]:
        clock.advance(timedelta(hours=3))  # type: ignore[attr-defined]
        move(ctx, "ada@example.com", target, actor, fields)
    view = show_person(ctx, pid)
    assert view.person["stage"] == "customer"
    assert [c.to_stage for c in view.history] == ["lead", "mql", "sal", "sql", "opportunity", "customer"]
    assert view.history[3].fields["budget"] == "50k"
    assert all(c.playbook_version == ctx.playbook.version for c in view.history)
    assert view.replayed_stage == "customer"
    assert {e["stage"] for e in view.entries} == {"lead", "mql", "sal", "sql", "opportunity", "customer"}
    assert view.person["version"] == 6


def test_refusals_say_why(ctx: Context) -> None:
    create_person(ctx, {"email": "bo@example.com"})
    with pytest.raises(TransitionNotAllowed, match="no move from Lead to Customer"):
        move(ctx, "bo@example.com", "customer", REP)
    with pytest.raises(TransitionNotAllowed, match="may not make the move 'qualify_mql'"):
        move(ctx, "bo@example.com", "mql", REP)
    move(ctx, "bo@example.com", "mql", SYSTEM)
    with pytest.raises(InvalidInput, match="requires reason"):
        move(ctx, "bo@example.com", "recycled", REP)
    with pytest.raises(InvalidInput, match="not an agreed recycle reason"):
        move(ctx, "bo@example.com", "recycled", REP, {"reason": "student"})
    with pytest.raises(InvalidInput, match="unknown stage"):
        move(ctx, "bo@example.com", "nowhere", REP)
    with pytest.raises(NotFound):
        move(ctx, "nobody@example.com", "sal", REP)
    change = move(ctx, "bo@example.com", "recycled", REP, {"reason": "bad_timing"}, note="call in Q3")
    assert change.reason == "bad_timing"
    with pytest.raises(TransitionNotAllowed, match="cool-down of 30d"):
        move(ctx, "bo@example.com", "mql", SYSTEM)
    ctx.clock.advance(timedelta(days=31))  # type: ignore[attr-defined]
    assert move(ctx, "bo@example.com", "mql", SYSTEM).to_stage == "mql"


def test_stale_version_is_a_conflict(ctx: Context) -> None:
    create_person(ctx, {"email": "cy@example.com"})
    move(ctx, "cy@example.com", "mql", SYSTEM)
    with pytest.raises(Conflict, match="changed since you loaded"):
        move(ctx, "cy@example.com", "sal", REP, expected_version=1)
    assert move(ctx, "cy@example.com", "sal", REP, expected_version=2).to_stage == "sal"


def test_twenty_reps_accept_the_same_mql_exactly_one_wins(ctx: Context) -> None:
    pid = create_person(ctx, {"email": "race@example.com"})
    move(ctx, pid, "mql", SYSTEM)
    version = show_person(ctx, pid).person["version"]
    barrier = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def accept(i: int) -> None:
        barrier.wait()
        try:
            move(ctx, pid, "sal", Actor(f"rep{i}@acme.test", "sales", "sales"), expected_version=version)
            result = "won"
        except Conflict:
            result = "conflict"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=accept, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes).count("won") == 1
    assert outcomes.count("conflict") == 19
    with ctx.engine.connect() as conn:
        n = conn.execute(
            select(func.count())
            .select_from(stage_changes)
            .where(stage_changes.c.person_id == pid, stage_changes.c.to_stage == "sal")
        ).scalar_one()
        times = conn.execute(select(stage_entries.c.times).where(stage_entries.c.stage == "sal")).scalar_one()
    assert n == 1
    assert times == 1


def test_marketing_may_not_accept_for_sales(ctx: Context) -> None:
    create_person(ctx, {"email": "di@example.com"})
    move(ctx, "di@example.com", "mql", MARKETER)
    with pytest.raises(TransitionNotAllowed, match="may not make the move 'accept'") as refused:
        move(ctx, "di@example.com", "sal", MARKETER)
    assert refused.value.hint == "this move is made by: sales"
    assert move(ctx, "di@example.com", "sal", Actor("root@acme.test", "admin")).to_stage == "sal"
