"""Deferred reactions: the API's ingest queues persons; the drainer and the worker react, nothing is lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from leadflow.services import reaction_queue
from leadflow.services.context import Context
from leadflow.services.ingest.events import ingest_activities
from leadflow.services.lifecycle import create_person_in
from leadflow.services.worker import default_jobs, run_once
from leadflow.store.engine import reading, transaction
from leadflow.store.tables import accounts, pending_reactions, persons, stage_changes


def _lead(ctx: Context, email: str) -> int:
    """A person who becomes an MQL after a form fill and a demo request (fit A under the default playbook)."""
    now = ctx.clock.now()
    with transaction(ctx.engine) as conn:
        account = conn.execute(
            insert(accounts)
            .values(
                name="Acme", industry="software", employees=500, properties={}, created_at=now, updated_at=now
            )
            .returning(accounts.c.id)
        ).scalar_one()
        return create_person_in(
            conn, ctx, {"email": email, "title": "VP Marketing", "account_id": account}, at=now
        )


def _touches(ctx: Context, email: str, tag: str) -> list[dict[str, str]]:
    at = (ctx.clock.now() - timedelta(minutes=5)).isoformat()
    return [
        {"event_id": f"{tag}-1", "email": email, "type": "form_submit", "occurred_at": at},
        {"event_id": f"{tag}-2", "email": email, "type": "demo_request", "occurred_at": at},
    ]


def _stage(ctx: Context, pid: int) -> str:
    with reading(ctx.engine) as conn:
        return str(conn.execute(select(persons.c.stage).where(persons.c.id == pid)).scalar_one())


def _queued(ctx: Context) -> set[int]:
    with reading(ctx.engine) as conn:
        return set(conn.execute(select(pending_reactions.c.person_id)).scalars())


def test_deferred_ingest_queues_then_the_drain_reacts(ctx: Context) -> None:
    ada = _lead(ctx, "ada@acme.com")
    summary = ingest_activities(ctx, _touches(ctx, "ada@acme.com", "a"), defer=True)
    assert summary.accepted == 2
    assert _stage(ctx, ada) == "lead" and _queued(ctx) == {ada}  # answered before reacting
    again = ingest_activities(ctx, _touches(ctx, "ada@acme.com", "a"), defer=True)
    assert again.duplicate == 2 and _queued(ctx) == {ada}  # duplicates queue nothing new
    assert reaction_queue.pending(ctx) == 1
    assert reaction_queue.drain(ctx) == 1
    assert _stage(ctx, ada) == "mql" and _queued(ctx) == set()
    with reading(ctx.engine) as conn:  # moved by the system, with the score snapshot as the reason
        change = conn.execute(select(stage_changes).where(stage_changes.c.person_id == ada)).mappings().all()
    assert [(c["to_stage"], c["actor"]) for c in change][-1] == ("mql", "system")
    assert reaction_queue.drain(ctx) == 0


def test_a_failed_drain_keeps_the_persons_queued(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    ada = _lead(ctx, "ada@acme.com")
    ingest_activities(ctx, _touches(ctx, "ada@acme.com", "a"), defer=True)

    def crash(*args: object) -> None:
        raise RuntimeError("the process died mid-reaction")

    with monkeypatch.context() as m:
        m.setattr(reaction_queue.reactions.handoff_reactions, "on_activities", crash)
        with pytest.raises(RuntimeError):
            reaction_queue.drain(ctx)
    assert _queued(ctx) == {ada} and _stage(ctx, ada) == "lead"  # rolled back, still queued
    runs = {r.name: r for r in run_once(ctx, default_jobs())}  # the worker is the backstop
    assert runs["reactions"].summary == {"persons": 1} and runs["reactions"].error is None
    assert _stage(ctx, ada) == "mql" and _queued(ctx) == set()


def test_drain_takes_batches_oldest_first(ctx: Context) -> None:
    ids = [_lead(ctx, f"p{i}@acme.com") for i in range(5)]
    for i, pid in enumerate(ids):
        with transaction(ctx.engine) as conn:
            reaction_queue.queue_in(conn, [pid], ctx.clock.now() + timedelta(seconds=10 - i))
    first = reaction_queue.drain_batch(ctx, limit=2)
    assert (first.taken, first.reacted) == (2, 2)
    assert _queued(ctx) == set(ids[:3])  # the two queued first (latest ids) are done
    assert reaction_queue.drain(ctx, limit=2) == 3


def test_a_batch_says_how_long_its_oldest_person_waited(ctx: Context) -> None:
    """The drainer takes a larger share of the process once reactions lag (`waited` past LAG)."""
    late, recent = _lead(ctx, "late@acme.com"), _lead(ctx, "recent@acme.com")
    with transaction(ctx.engine) as conn:
        reaction_queue.queue_in(conn, [late], ctx.clock.now() - timedelta(seconds=45))
        reaction_queue.queue_in(conn, [recent], ctx.clock.now() - timedelta(seconds=2))
    assert reaction_queue.drain_batch(ctx, limit=1) == (1, 1, 45.0)
    assert reaction_queue.drain_batch(ctx, limit=1) == (1, 1, 2.0)
    assert reaction_queue.drain_batch(ctx) == (0, 0, 0.0)


def test_news_during_scoring_keeps_the_person_queued(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    """Scoring runs on a snapshot: a person queued again meanwhile is not saved from it, but scored again."""
    ada = _lead(ctx, "ada@acme.com")
    ingest_activities(ctx, _touches(ctx, "ada@acme.com", "a")[:1], defer=True)  # the form fill only
    score_facts_in = reaction_queue.scoring.score_facts_in
    calls = []

    def meanwhile(conn: object, c: Context, ids: list[int]) -> object:
        out = score_facts_in(conn, c, ids)  # type: ignore[arg-type]
        if not calls:  # the demo request lands while the first batch is being scored
            ingest_activities(ctx, _touches(ctx, "ada@acme.com", "a")[1:], defer=True)
        calls.append(ids)
        return out

    monkeypatch.setattr(reaction_queue.scoring, "score_facts_in", meanwhile)
    assert reaction_queue.drain_batch(ctx)[:2] == (1, 0)  # taken, left queued
    assert _queued(ctx) == {ada} and _stage(ctx, ada) == "lead"  # the stale score was not saved
    assert reaction_queue.drain(ctx) == 1 and len(calls) == 2
    assert _stage(ctx, ada) == "mql" and _queued(ctx) == set()
