"""Writing assignments: the assignments row with its reason, the person's owner, SLA clocks and a notice.

`route_in` / `route_many_in` ask services.routing who gets the person; `assign_in` names the owner by
hand. Both write in bulk, inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, bindparam, insert, update

from leadflow.errors import InvalidInput, NotFound
from leadflow.services import notices, sla
from leadflow.services.routing import RoutedPerson, Router, load_persons
from leadflow.store.tables import assignments, persons

if TYPE_CHECKING:
    from leadflow.services.context import Context

_SET_OWNER = (
    update(persons)
    .where(persons.c.id == bindparam("pid"))
    .values(owner_id=bindparam("uid"), assigned_at=bindparam("at"), updated_at=bindparam("at"))
)


@dataclass(frozen=True)
class Assignment:
    """One routing decision as written to the assignments table."""

    person_id: int
    user_id: int
    email: str
    method: str  # account_owner | rule | round_robin | manual | reassign
    reason: str
    at: datetime
    previous_user_id: int | None = None


def _write(
    conn: Connection,
    ctx: Context,
    router: Router,
    picks: Sequence[tuple[RoutedPerson, int, str, str]],
    *,
    at: datetime,
    actor: str,
    handover: str,
) -> list[Assignment]:
    if not picks:
        router.flush()
        return []
    conn.execute(
        insert(assignments),
        [
            {
                "person_id": p.id,
                "user_id": uid,
                "previous_user_id": p.owner_id,
                "at": at,
                "method": method,
                "reason": reason,
                "actor": actor,
            }
            for p, uid, method, reason in picks
        ],
    )
    conn.execute(_SET_OWNER, [{"pid": p.id, "uid": uid, "at": at} for p, uid, _, _ in picks])
    router.flush()
    sla.on_assigned_many_in(
        conn, ctx, [(p.id, p.stage, uid) for p, uid, _, _ in picks], at=at, handover=handover
    )
    done = []
    batch = notices.Batch()
    for p, uid, method, reason in picks:
        email = router.users[uid].email
        done.append(Assignment(p.id, uid, email, method, reason, at, p.owner_id))
        batch.add(
            event="person.assigned",
            recipients=[email],
            subject=f"New {p.stage.upper()} for you: {p.email or p.id}",
            payload={
                "person_id": p.id,
                "email": p.email,
                "stage": p.stage,
                "method": method,
                "reason": reason,
                "previous_user_id": p.owner_id,
                "at": at.isoformat(),
            },
        )
    batch.flush(conn, ctx)
    return done


def route_many_in(
    conn: Connection,
    ctx: Context,
    person_ids: Sequence[int],
    *,
    exclude: Mapping[int, Collection[int]] | None = None,
    at: datetime | None = None,
    actor: str = "system",
    method: str | None = None,
    handover: str = "cancelled",
) -> list[Assignment | None]:
    """Route persons in order inside the caller's transaction; None for each one no rep can take now."""
    now = at or ctx.clock.now()
    found = load_persons(conn, person_ids)
    router = Router(conn, ctx, now)
    picks: list[tuple[RoutedPerson, int, str, str]] = []
    for pid in person_ids:
        person = found.get(pid)
        if person is None:
            raise NotFound(f"no person {pid}", where="routing", hint="route an existing person")
        decision = router.decide(person, (exclude or {}).get(pid, ()))
        if decision is not None:
            router.record(decision[0], person.stage)
            picks.append((person, decision[0], method or decision[1], decision[2]))
    written = {
        a.person_id: a for a in _write(conn, ctx, router, picks, at=now, actor=actor, handover=handover)
    }
    return [written.get(pid) for pid in person_ids]


def route_in(
    conn: Connection,
    ctx: Context,
    person_id: int,
    *,
    exclude: Collection[int] = (),
    at: datetime | None = None,
    actor: str = "system",
    method: str | None = None,
    handover: str = "cancelled",
) -> Assignment | None:
    """Route one person inside the caller's transaction; None when no rep can take them now."""
    return route_many_in(
        conn,
        ctx,
        [person_id],
        exclude={person_id: exclude},
        at=at,
        actor=actor,
        method=method,
        handover=handover,
    )[0]


def assign_in(
    conn: Connection,
    ctx: Context,
    person_id: int,
    user_id: int,
    *,
    method: str = "manual",
    reason: str,
    actor: str = "system",
    at: datetime | None = None,
    handover: str = "cancelled",
) -> Assignment:
    """Make user_id the person's owner by hand: the old owner's SLA clocks end, new ones start."""
    now = at or ctx.clock.now()
    person = load_persons(conn, [person_id]).get(person_id)
    if person is None:
        raise NotFound(f"no person {person_id}", where="assignment", hint="assign an existing person")
    router = Router(conn, ctx, now)
    router.record(user_id, person.stage)
    if user_id not in router.users:
        raise InvalidInput(
            f"user {user_id} does not exist or is inactive",
            where="assignment",
            hint="assign to an active user",
        )
    return _write(
        conn, ctx, router, [(person, user_id, method, reason)], at=now, actor=actor, handover=handover
    )[0]
