"""Deferred reactions: live activities queue their persons; a drainer runs the reactions after the ingest.

The API's ingest writes the activities and the persons to react to (`pending_reactions`) in one transaction
and answers at once; the reactions (rescoring, automatic MQL, first touches, nurture exits) run in the
drainer's own transactions, a batch of persons at a time, oldest first. Nothing is lost on a crash: a queued
person stays queued until the transaction that reacted to them commits. On PostgreSQL a batch is claimed
with FOR UPDATE SKIP LOCKED, so several drainers (web servers, workers) share the queue, and an ingest that
queues a person being drained waits for that drain to commit, then queues them again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from leadflow.services import reactions
from leadflow.services.worker import Job
from leadflow.store.engine import reading, transaction
from leadflow.store.tables import pending_reactions

if TYPE_CHECKING:
    from leadflow.services.context import Context

log = logging.getLogger(__name__)

BATCH = 500


def queue_in(conn: Connection, person_ids: Collection[int], at: datetime) -> None:
    """Queue these persons for reactions (a person already queued keeps their place)."""
    if not person_ids:
        return
    make = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = make(pending_reactions).on_conflict_do_nothing(index_elements=["person_id"])
    conn.execute(stmt, [{"person_id": pid, "queued_at": at} for pid in sorted(person_ids)])


def pending(ctx: Context) -> int:
    """How many persons wait for their reactions."""
    with reading(ctx.engine) as conn:
        return int(conn.execute(select(func.count()).select_from(pending_reactions)).scalar_one())


def drain_batch(ctx: Context, limit: int = BATCH) -> int:
    """React to up to `limit` queued persons in one transaction; return how many were done (0: queue empty)."""
    with transaction(ctx.engine) as conn:
        ids = list(
            conn.execute(
                select(pending_reactions.c.person_id)
                .order_by(pending_reactions.c.queued_at, pending_reactions.c.person_id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).scalars()
        )
        if not ids:
            return 0
        reactions.on_activities(conn, ctx, ids)
        conn.execute(delete(pending_reactions).where(pending_reactions.c.person_id.in_(ids)))
    return len(ids)


def drain(ctx: Context, limit: int = BATCH, stop: threading.Event | None = None) -> int:
    """React to every queued person, a batch at a time, until the queue is empty; return how many."""
    done = 0
    while stop is None or not stop.is_set():
        n = drain_batch(ctx, limit)
        if n == 0:
            break
        done += n
    return done


class ReactionDrainer:
    """A thread beside the web app that drains the queue whenever an ingest says there is work."""

    def __init__(self, ctx: Context, poll: float = 5.0) -> None:
        self._ctx = ctx
        self._poll = poll  # also picks up persons queued by other processes
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._idle = threading.Condition()
        self._busy = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start draining on a daemon thread (queued persons left by a crash are drained first)."""
        self._wake.set()
        self._thread = threading.Thread(target=self._loop, name="leadflow-reactions", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Finish the current batch and stop; what is still queued stays queued for the next start."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=60)

    def notify(self) -> None:
        """New persons were queued: drain soon."""
        with self._idle:
            self._busy = True
        self._wake.set()

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until the queue was found empty after the last notify (True), or the timeout passed."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._busy, timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._poll)
            self._wake.clear()
            try:
                drain(self._ctx, stop=self._stop)
            except Exception:  # the batch rolled back and stays queued; retried on the next wake or poll
                log.exception("reactions: drain failed")
                self._stop.wait(1.0)
                continue
            with self._idle:
                if not self._wake.is_set():
                    self._busy = False
                    self._idle.notify_all()


def _job(ctx: Context) -> Mapping[str, Any]:
    return {"persons": drain(ctx)}


def worker_jobs() -> list[Job]:
    """The worker's backstop: drain what the web app's drainer has not (or another process queued)."""
    return [
        Job(
            "reactions",
            _job,
            every=timedelta(seconds=0),
            description="React to persons with new live activities (rescoring, automatic MQL, first touch).",
        )
    ]
