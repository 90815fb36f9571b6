"""What every decision on a person by a user shares: who acts, ownership, the feedback and note rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select

from leadflow.domain.lifecycle import Actor
from leadflow.errors import NotFound, PermissionDenied
from leadflow.services.context import Context
from leadflow.services.lifecycle import PersonRef
from leadflow.store.history import StageChange
from leadflow.store.tables import feedback, notes, users

MANAGERS = ("sales_manager", "admin")


@dataclass(frozen=True)
class QueueUser:
    """The user acting on the queue."""

    id: int
    email: str
    role: str
    team: str

    @property
    def actor(self) -> Actor:
        """The lifecycle actor for this user."""
        return Actor(self.email, self.role, self.team if self.team in ("sales", "marketing") else None)


@dataclass(frozen=True)
class Decision:
    """The outcome of a queue action: the history row, and the feedback or opportunity it wrote."""

    change: StageChange
    feedback_id: int | None = None
    opportunity_id: int | None = None


def find_user(conn: Connection, key: str | int) -> QueueUser:
    """A user by id or email; NotFound says what was tried."""
    text = str(key)
    # ASCII digits only ("²" is a digit to isdigit but not to int) and within the id range (else: no such user)
    by_id = text.isascii() and text.isdigit() and int(text) < 2**63
    cond = users.c.id == int(text) if by_id else users.c.email == text.strip().lower()
    row = conn.execute(
        select(users.c.id, users.c.email, users.c.role, users.c.team, users.c.active).where(cond)
    ).first()
    if row is None or not row.active:
        raise NotFound(
            f"no active user {key!r}", where="user", hint="give the email of an active user (--as)"
        )
    return QueueUser(int(row.id), row.email, row.role, row.team)


def check_owner(person: PersonRef, u: QueueUser) -> None:
    """Refuse a rep acting on someone else's person (managers and admins may)."""
    if person.owner_id is not None and person.owner_id != u.id and u.role not in MANAGERS:
        raise PermissionDenied(
            f"{person.email or person.id} is assigned to another rep",
            where=f"person {person.email or person.id}",
            hint="ask the owner or a sales manager, or reassign with `leadflow assign`",
        )


def write_feedback(
    conn: Connection,
    ctx: Context,
    person_id: int,
    u: QueueUser,
    kind: str,
    change: StageChange,
    reason: str | None = None,
    note: str | None = None,
) -> int:
    """Record an accept or rejection verdict tied to its history row."""
    return int(
        conn.execute(
            insert(feedback)
            .values(
                person_id=person_id,
                user_id=u.id,
                kind=kind,
                reason=reason,
                note=note,
                at=change.at,
                stage_change_id=change.id,
            )
            .returning(feedback.c.id)
        ).scalar_one()
    )


def add_note(conn: Connection, person_id: int, u: QueueUser, text: str | None, at: datetime) -> None:
    """Keep a free-text note on the person\'s timeline (blank notes are skipped)."""
    if text and text.strip():
        conn.execute(
            insert(notes).values(person_id=person_id, user_id=u.id, team=u.team, text=text.strip(), at=at)
        )
