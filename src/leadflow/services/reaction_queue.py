"""Deferred reactions: live activities queue their persons; a drainer runs the reactions after the ingest.

The API's ingest writes the activities and the persons to react to (`pending_reactions`) in one transaction
and answers at once; the reactions (rescoring, automatic MQL, first touches, nurture exits) run in the
drainer's own transactions, a batch of persons at a time, oldest first.

A batch is scored from a read snapshot, without holding the store's write lock (SQLite has one writer, and
ingest must not wait for scoring), then saved in a short write transaction. A person whose queue entry
changed in between (new activities: `seq` went up) or whose row changed (`version`) is not saved from the
stale snapshot: they stay queued and are scored again in the next batch. Nothing is lost on a crash: a
queued person leaves the queue only in the transaction that saves their reactions.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import Connection, Select, delete, func, select, text

from leadflow.services import reactions, scoring
from leadflow.services.worker import Job
from leadflow.store.engine import reading, transaction
from leadflow.store.tables import pending_reactions, persons

if TYPE_CHECKING:
    from leadflow.services.context import Context

log = logging.getLogger(__name__)

BATCH = 200
# While the API is ingesting, the drainer rests YIELD times as long as each batch took (scoring is Python, and
# shares the interpreter with the requests): a burst is stored at nearly full speed (ingest keeps 90% of the
# process) and its reactions follow. Once the oldest queued person has waited LAG seconds, reactions take
# half, so under long heavy traffic they still keep up as well as the process allows.
YIELD = 9.0
YIELD_LATE = 1.0
LAG = 30.0
QUIET = 0.5  # seconds without ingest after which the drainer works flat out


def queue_in(conn: Connection, person_ids: Collection[int], at: datetime) -> None:
    """Queue these persons for reactions (a person already queued keeps their place; their `seq` goes up)."""
    if not person_ids:
        return
    ids = sorted(person_ids)
    naive = at if at.tzinfo is None else at.astimezone(UTC).replace(tzinfo=None)  # the store's UTC
    if conn.dialect.name == "postgresql":  # one statement for the whole set
        conn.execute(
            text(
                "INSERT INTO pending_reactions (person_id, queued_at, seq) "
                "SELECT unnest(CAST(:ids AS bigint[])), :at, 1 "
                "ON CONFLICT (person_id) DO UPDATE SET seq = pending_reactions.seq + 1"
            ),
            {"ids": ids, "at": naive},
        )
        return
    raw = conn.connection.driver_connection  # SQLite: the driver's executemany, without per-row compiling
    assert raw is not None
    when = naive.isoformat(" ", "microseconds")  # the text SQLAlchemy's SQLite DateTime writes
    raw.executemany(
        "INSERT INTO pending_reactions (person_id, queued_at, seq) VALUES (?, ?, 1) "
        "ON CONFLICT (person_id) DO UPDATE SET seq = seq + 1",
        [(i, when) for i in ids],
    )


def pending(ctx: Context) -> int:
    """How many persons wait for their reactions."""
    with reading(ctx.engine) as conn:
        return int(conn.execute(select(func.count()).select_from(pending_reactions)).scalar_one())


class Drained(NamedTuple):
    """What one batch did."""

    taken: int  # persons read from the queue (0: it was empty)
    reacted: int  # of them, reacted to and dequeued; the others changed meanwhile and stay queued
    waited: float = 0.0  # seconds the oldest of them had been queued


def drain_batch(ctx: Context, limit: int = BATCH) -> Drained:
    """React to up to `limit` queued persons (oldest first)."""
    queue = pending_reactions.c
    with reading(ctx.engine) as conn:  # score from a snapshot, without the write lock
        head = conn.execute(
            select(queue.person_id, queue.seq, queue.queued_at)
            .order_by(queue.queued_at, queue.person_id)
            .limit(limit)
        ).all()
        if not head:
            return Drained(0, 0)
        claimed = {int(r[0]): int(r[1]) for r in head}
        oldest = head[0][2]
        ids = list(claimed)
        versions = _pairs(conn, select(persons.c.id, persons.c.version).where(persons.c.id.in_(ids)))
        scored = {score.person_id: score for score, _ in scoring.score_facts_in(conn, ctx, ids)}
    with transaction(ctx.engine) as conn:
        # PostgreSQL: FOR UPDATE makes an ingest that queues them again wait for this commit
        seqs = _pairs(
            conn, select(queue.person_id, queue.seq).where(queue.person_id.in_(ids)).with_for_update()
        )
        rows = {
            r.id: r
            for r in conn.execute(
                select(persons.c.id, persons.c.version, persons.c.stage, persons.c.stage_entered_at).where(
                    persons.c.id.in_(ids)
                )
            )
        }
        fresh = [
            pid
            for pid in ids
            if seqs.get(pid) == claimed[pid] and pid in rows and rows[pid].version == versions.get(pid)
        ]
        ready = [(scored[pid], rows[pid].stage, rows[pid].stage_entered_at) for pid in fresh if pid in scored]
        reactions.on_activities(conn, ctx, fresh, scored=ready)
        gone = [pid for pid in ids if pid not in rows]
        conn.execute(delete(pending_reactions).where(queue.person_id.in_(fresh + gone)))
    return Drained(len(ids), len(fresh) + len(gone), max(0.0, (ctx.clock.now() - oldest).total_seconds()))


def _pairs(conn: Connection, stmt: Select[Any]) -> dict[int, int]:
    return {int(r[0]): int(r[1]) for r in conn.execute(stmt)}


def drain(ctx: Context, limit: int = BATCH) -> int:
    """Work the queue, a batch at a time, until it is empty; return how many persons were reacted to."""
    done = 0
    while True:
        batch = drain_batch(ctx, limit)
        if batch.taken == 0:
            break
        done += batch.reacted
    return done


class ReactionDrainer:
    """A thread beside the web app that drains the queue whenever an ingest says there is work.

    Ingest has priority: while requests keep arriving the drainer yields (see YIELD), so a burst is stored at
    full speed and its reactions follow; once ingest is quiet the queue is worked off as fast as possible.
    """

    def __init__(self, ctx: Context, poll: float = 5.0) -> None:
        self._ctx = ctx
        self._poll = poll  # also picks up persons queued by other processes
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._idle = threading.Condition()
        self._busy = False
        self._last_ingest = 0.0
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

    def notify(self, queued: bool = True) -> None:
        """An ingest happened (the drainer yields to the next ones); with `queued`, persons wait: drain soon."""
        self._last_ingest = time.monotonic()
        if queued:
            with self._idle:
                self._busy = True
            self._wake.set()

    def _drain(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            batch = drain_batch(self._ctx)
            if batch.taken == 0:
                return
            if started - self._last_ingest < QUIET:
                share = YIELD if batch.waited < LAG else YIELD_LATE
                self._stop.wait(min(share * (time.monotonic() - started), 5.0))

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until the queue was found empty after the last notify (True), or the timeout passed."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._busy, timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._poll)
            self._wake.clear()
            try:
                self._drain()
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
