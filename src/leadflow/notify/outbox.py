"""The transactional outbox: messages written in the same transaction as the event that causes them."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, select, update

from leadflow.errors import InvalidInput
from leadflow.store.engine import reading, transaction
from leadflow.store.tables import outbox

if TYPE_CHECKING:
    from leadflow.services.context import Context

CHANNELS: tuple[str, ...] = ("email", "slack", "webhook")
STATUSES: tuple[str, ...] = ("pending", "delivered", "dead")

_lock = threading.Lock()
_last_ms = 0
_seq = 0


def new_message_id(at_ms: int | None = None) -> str:
    """A UUIDv7-style id: 48-bit millisecond time prefix, a counter, random tail; sorts by creation time."""
    global _last_ms, _seq
    with _lock:
        ms = at_ms if at_ms is not None else time.time_ns() // 1_000_000
        if ms <= _last_ms:
            ms = _last_ms
            _seq = (_seq + 1) & 0xFFF
            if _seq == 0:
                ms += 1
        else:
            _seq = int.from_bytes(os.urandom(2), "big") & 0x3FF
        _last_ms = ms
        seq = _seq
    rand = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | seq << 64 | 0b10 << 62 | rand
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def check_channel(channel: str, recipient: str) -> None:
    """Refuse an unknown channel or an empty recipient before anything is written."""
    if channel not in CHANNELS:
        raise InvalidInput(
            f"unknown notification channel {channel!r}",
            where="outbox.channel",
            hint=f"use one of {', '.join(CHANNELS)}",
        )
    if not recipient.strip():
        raise InvalidInput(
            "a notification needs a recipient",
            where="outbox.recipient",
            hint="give an email address (email) or an http(s) URL (slack, webhook)",
        )
    if channel in ("slack", "webhook") and not recipient.startswith(("http://", "https://")):
        raise InvalidInput(
            f"the {channel} recipient must be an http(s) URL, got {recipient!r}",
            where="outbox.recipient",
            hint="configure the webhook URL in the settings or the playbook",
        )


def enqueue(
    conn: Connection,
    ctx: Context,
    *,
    event: str,
    channel: str,
    recipient: str,
    subject: str | None,
    payload: dict[str, Any],
) -> str:
    """Write one pending message in the caller's transaction and return its message id."""
    check_channel(channel, recipient)
    now = ctx.clock.now()
    message_id = new_message_id(int(now.timestamp() * 1000))
    conn.execute(
        outbox.insert().values(
            message_id=message_id,
            event=event,
            channel=channel,
            recipient=recipient,
            subject=subject,
            payload=payload,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            locked_until=None,
            created_at=now,
        )
    )
    return message_id


def enqueue_many(conn: Connection, ctx: Context, messages: Sequence[dict[str, Any]]) -> list[str]:
    """Write many pending messages (dicts of enqueue's keyword arguments) in one statement; their ids."""
    if not messages:
        return []
    now = ctx.clock.now()
    rows = []
    for m in messages:
        check_channel(m["channel"], m["recipient"])
        rows.append(
            {
                "message_id": new_message_id(int(now.timestamp() * 1000)),
                "event": m["event"],
                "channel": m["channel"],
                "recipient": m["recipient"],
                "subject": m.get("subject"),
                "payload": m["payload"],
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "locked_until": None,
                "created_at": now,
            }
        )
    conn.execute(outbox.insert(), rows)
    return [r["message_id"] for r in rows]


@dataclass(frozen=True)
class OutboxEntry:
    """One outbox message as `outbox list` shows it."""

    message_id: str
    event: str
    channel: str
    recipient: str
    subject: str | None
    status: str
    attempts: int
    next_attempt_at: datetime
    locked_until: datetime | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


def list_messages(ctx: Context, *, status: str | None = None, limit: int = 50) -> list[OutboxEntry]:
    """The newest messages, optionally of one status (pending, delivered, dead)."""
    if status is not None and status not in STATUSES:
        raise InvalidInput(
            f"unknown outbox status {status!r}", where="--status", hint=f"use {', '.join(STATUSES)}"
        )
    cols = [outbox.c[name] for name in OutboxEntry.__dataclass_fields__]
    query = select(*cols).order_by(outbox.c.id.desc()).limit(limit)
    if status is not None:
        query = query.where(outbox.c.status == status)
    with reading(ctx.engine) as conn:
        return [OutboxEntry(*row) for row in conn.execute(query)]


def count_by_status(ctx: Context) -> dict[str, int]:
    """How many messages are pending, delivered and dead."""
    with reading(ctx.engine) as conn:
        rows = conn.execute(select(outbox.c.status, func.count()).group_by(outbox.c.status)).all()
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({str(status): int(n) for status, n in rows})
    return counts


def retry(ctx: Context, message_ids: Sequence[str] = (), *, all_dead: bool = False) -> int:
    """Give dead messages (the given ids, or every dead one) a fresh set of tries, due now."""
    if not message_ids and not all_dead:
        raise InvalidInput(
            "nothing to retry", where="outbox retry", hint="name message ids or pass --all-dead"
        )
    query = update(outbox).where(outbox.c.status == "dead")
    if not all_dead:
        query = query.where(outbox.c.message_id.in_(list(message_ids)))
    now = ctx.clock.now()
    with transaction(ctx.engine) as conn:
        done = conn.execute(
            query.values(status="pending", attempts=0, next_attempt_at=now, locked_until=None)
        )
        return int(done.rowcount)
