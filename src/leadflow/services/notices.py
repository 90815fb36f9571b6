"""Who hears about a handoff event (assignment, breach, dispute) and the outbox messages that tell them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from leadflow.notify.outbox import enqueue, enqueue_many
from leadflow.store.tables import users

if TYPE_CHECKING:
    from leadflow.services.context import Context


@dataclass(frozen=True)
class Contact:
    """A user as notifications need them: id, email and manager."""

    id: int
    email: str
    manager_id: int | None


def contacts_in(conn: Connection, ids: Iterable[int | None]) -> dict[int, Contact]:
    """Users by id (unknown ids are left out)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = conn.execute(
        select(users.c.id, users.c.email, users.c.manager_id).where(users.c.id.in_(wanted))
    ).all()
    return {int(r.id): Contact(int(r.id), r.email, r.manager_id) for r in rows}


def team_leads_in(conn: Connection, team: str) -> list[str]:
    """Emails of the active leads of a team (marketing_lead or sales_manager): who hears about team SLAs."""
    role = "marketing_lead" if team == "marketing" else "sales_manager"
    rows = conn.execute(
        select(users.c.email).where(users.c.role == role, users.c.active.is_(True)).order_by(users.c.id)
    ).scalars()
    return list(rows)


def send_in(
    conn: Connection,
    ctx: Context,
    *,
    event: str,
    recipients: Iterable[str],
    subject: str,
    payload: Mapping[str, Any],
) -> int:
    """One email per distinct recipient, in the caller's transaction; returns how many were queued."""
    sent = 0
    for email in dict.fromkeys(r for r in recipients if r):
        enqueue(
            conn, ctx, event=event, channel="email", recipient=email, subject=subject, payload=dict(payload)
        )
        sent += 1
    return sent


@dataclass
class Batch:
    """Email notices collected during a bulk operation and written in one statement by `flush`."""

    messages: list[dict[str, Any]] = field(default_factory=list)

    def add(self, *, event: str, recipients: Iterable[str], subject: str, payload: Mapping[str, Any]) -> None:
        """Queue one email per distinct recipient."""
        seen: set[str] = set()
        for email in recipients:
            if not email or email in seen:
                continue
            seen.add(email)
            self.messages.append(
                {
                    "event": event,
                    "channel": "email",
                    "recipient": email,
                    "subject": subject,
                    "payload": dict(payload),
                }
            )

    def flush(self, conn: Connection, ctx: Context) -> int:
        """Write the collected messages to the outbox (caller's transaction); how many."""
        count = len(enqueue_many(conn, ctx, self.messages))
        self.messages.clear()
        return count
