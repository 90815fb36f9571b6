"""Delivering the outbox: claim due messages under a lease, send them, record delivered, retry or dead.

At least once: a message is marked delivered only after the endpoint accepted it, so a worker killed
mid-delivery leaves it claimed until its lease (locked_until) expires, and another run sends it again
with the same message id. Each claim counts as a try, so a message that kills every worker still
reaches the dead letter instead of looping forever.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Row, and_, or_, select, update

from leadflow.notify.channels import Message, Sender, SendFailed
from leadflow.notify.retry import RetryPolicy
from leadflow.store.engine import transaction
from leadflow.store.tables import outbox

if TYPE_CHECKING:
    from leadflow.services.context import Context
    from leadflow.services.worker import Job

CHUNK = 100  # messages claimed per transaction; the lease must outlast sending one chunk


@dataclass(frozen=True)
class Outcome:
    """What happened to one claimed message."""

    message: Message
    error: SendFailed | None


@dataclass
class DeliveryReport:
    """What one delivery run did: messages claimed, delivered, scheduled for retry, and dead-lettered."""

    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)  # (message id, reason), first 50

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready summary (worker logs, CLI --json)."""
        return {
            "claimed": self.claimed,
            "delivered": self.delivered,
            "retried": self.retried,
            "dead": self.dead,
            "errors": [{"message_id": m, "reason": r} for m, r in self.errors],
        }


def _message(row: Row[Any]) -> Message:
    m = row._mapping
    return Message(
        id=m["id"],
        message_id=m["message_id"],
        event=m["event"],
        channel=m["channel"],
        recipient=m["recipient"],
        subject=m["subject"],
        payload=m["payload"] or {},
        attempts=m["attempts"],
        created_at=m["created_at"],
    )


def claim_in(conn: Connection, ctx: Context, *, limit: int, now: datetime) -> tuple[list[Message], datetime]:
    """Take up to `limit` due messages whose lease is free, count the try, and lease them to this run."""
    lease = now + timedelta(seconds=ctx.settings.notify_lease)
    due = (
        select(outbox.c.id)
        .where(
            outbox.c.status == "pending",
            outbox.c.next_attempt_at <= now,
            or_(outbox.c.locked_until.is_(None), outbox.c.locked_until <= now),
        )
        .order_by(outbox.c.next_attempt_at, outbox.c.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = [int(i) for i in conn.execute(due).scalars()]
    if not ids:
        return [], lease
    conn.execute(
        update(outbox).where(outbox.c.id.in_(ids)).values(locked_until=lease, attempts=outbox.c.attempts + 1)
    )
    rows = conn.execute(select(outbox).where(outbox.c.id.in_(ids)).order_by(outbox.c.id)).all()
    return [_message(r) for r in rows], lease


def record_in(
    conn: Connection,
    outcomes: Sequence[Outcome],
    *,
    lease: datetime,
    now: datetime,
    policy: RetryPolicy,
    report: DeliveryReport,
) -> None:
    """Write each outcome, but only while this run still holds the message's lease."""
    for outcome in outcomes:
        msg = outcome.message
        mine = and_(
            outbox.c.id == msg.id,
            outbox.c.status == "pending",
            outbox.c.locked_until == lease,
            outbox.c.attempts == msg.attempts,
        )
        if outcome.error is None:
            values: dict[str, object] = {"status": "delivered", "delivered_at": now, "locked_until": None}
            report.delivered += 1
        elif outcome.error.permanent or policy.is_exhausted(msg.attempts):
            values = {"status": "dead", "locked_until": None, "last_error": outcome.error.reason[:2000]}
            report.dead += 1
        else:
            values = {
                "next_attempt_at": policy.next_attempt(msg.attempts, now),
                "locked_until": None,
                "last_error": outcome.error.reason[:2000],
            }
            report.retried += 1
        if outcome.error is not None and len(report.errors) < 50:
            report.errors.append((msg.message_id, outcome.error.reason))
        conn.execute(update(outbox).where(mine).values(**values))


def _send_all(sender: Sender, messages: Sequence[Message], now: datetime, workers: int) -> list[Outcome]:
    def one(message: Message) -> Outcome:
        try:
            sender.send(message, now)
        except SendFailed as exc:
            return Outcome(message, exc)
        # A bug in one channel must not lose the results of the other messages of the chunk.
        except Exception as exc:
            return Outcome(message, SendFailed(f"{type(exc).__name__}: {exc}"))
        return Outcome(message, None)

    if workers <= 1 or len(messages) <= 1:
        return [one(m) for m in messages]
    with ThreadPoolExecutor(max_workers=min(workers, len(messages))) as pool:
        return list(pool.map(one, messages))


def deliver_due(ctx: Context, limit: int = 1000) -> DeliveryReport:
    """The worker job: send up to `limit` due messages, chunk by chunk, and record what happened."""
    policy = RetryPolicy.from_settings(ctx.settings)
    report = DeliveryReport()
    sender = Sender(ctx.settings)
    try:
        while report.claimed < limit:
            with transaction(ctx.engine) as conn:
                messages, lease = claim_in(
                    conn, ctx, limit=min(CHUNK, limit - report.claimed), now=ctx.clock.now()
                )
            if not messages:
                break
            report.claimed += len(messages)
            outcomes = _send_all(sender, messages, ctx.clock.now(), ctx.settings.notify_concurrency)
            with transaction(ctx.engine) as conn:
                record_in(conn, outcomes, lease=lease, now=ctx.clock.now(), policy=policy, report=report)
    finally:
        sender.close()
    return report


def worker_jobs() -> list[Job]:
    """The delivery job of the worker: send due outbox messages on every pass."""
    from leadflow.services.worker import Job

    def run(ctx: Context) -> dict[str, object]:
        return deliver_due(ctx).as_dict()

    return [
        Job("outbox_delivery", run, timedelta(seconds=0), "deliver due notifications (retries, dead letter)")
    ]
