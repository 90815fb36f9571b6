"""The sales queue: a rep's assigned MQLs with their SLA clocks, and the decisions taken on them.

Every decision goes through the lifecycle engine (services.lifecycle.move_in) with optimistic versions;
accepts and rejections also write a `feedback` row, so marketing sees every verdict with its reason.
Web handlers and the REST API call these functions; each owns one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from leadflow.errors import InvalidInput
from leadflow.services.assignments import Assignment, assign_in, route_in
from leadflow.services.context import Context
from leadflow.services.deals import convert, lost, won
from leadflow.services.decisions import Decision, QueueUser, add_note, check_owner, find_user, write_feedback
from leadflow.services.disputes import dispute, resolve_dispute
from leadflow.services.lifecycle import find_person, move_in
from leadflow.store.engine import reading, transaction
from leadflow.store.tables import accounts, deadlines, persons

__all__ = [
    "Decision",
    "QueueItem",
    "QueueUser",
    "accept",
    "convert",
    "dispute",
    "find_user",
    "lost",
    "qualify",
    "queue_for",
    "reject",
    "resolve_dispute",
    "won",
]


@dataclass(frozen=True)
class QueueItem:
    """One person in a rep's queue with the SLA clock that runs on them."""

    person_id: int
    email: str | None
    name: str
    title: str | None
    account: str | None
    stage: str
    grade: str | None
    assigned_at: datetime | None
    version: int
    sla_id: str | None
    due_at: datetime | None
    breach_count: int
    overdue: bool


def queue_for(
    ctx: Context, user: str | int, stages: Sequence[str] = ("mql", "sal", "sql")
) -> list[QueueItem]:
    """A user's open work: owned people in these stages, most urgent SLA first."""
    now = ctx.clock.now()
    with reading(ctx.engine) as conn:
        u = find_user(conn, user)
        rows = conn.execute(
            select(
                persons.c.id,
                persons.c.email,
                persons.c.first_name,
                persons.c.last_name,
                persons.c.title,
                persons.c.stage,
                persons.c.grade,
                persons.c.assigned_at,
                persons.c.version,
                accounts.c.name.label("account"),
            )
            .select_from(persons.outerjoin(accounts, persons.c.account_id == accounts.c.id))
            .where(persons.c.owner_id == u.id, persons.c.stage.in_(list(stages)))
        ).all()
        clocks: dict[int, tuple[str, datetime, int]] = {}
        ids = [int(r.id) for r in rows]
        for start in range(0, len(ids), 500):
            for d in conn.execute(
                select(
                    deadlines.c.person_id, deadlines.c.sla_id, deadlines.c.due_at, deadlines.c.breach_count
                ).where(
                    deadlines.c.person_id.in_(ids[start : start + 500]),
                    deadlines.c.closed_at.is_(None),
                    deadlines.c.status.in_(("open", "breached")),
                    deadlines.c.owner_id == u.id,
                )
            ):
                best = clocks.get(int(d.person_id))
                if best is None or d.due_at < best[1]:
                    clocks[int(d.person_id)] = (d.sla_id, d.due_at, int(d.breach_count))
    items = []
    for r in rows:
        sla_id, due, breaches = clocks.get(int(r.id), (None, None, 0))
        name = " ".join(x for x in (r.first_name, r.last_name) if x) or (r.email or f"person {r.id}")
        items.append(
            QueueItem(
                int(r.id),
                r.email,
                name,
                r.title,
                r.account,
                r.stage,
                r.grade,
                r.assigned_at,
                int(r.version),
                sla_id,
                due,
                breaches,
                due is not None and due <= now,
            )
        )
    order = {s: i for i, s in enumerate(stages)}
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(items, key=lambda i: (not i.overdue, order.get(i.stage, 99), i.due_at or far, i.person_id))


def accept(
    ctx: Context,
    person: str | int,
    user: str | int,
    expected_version: int | None = None,
    note: str | None = None,
) -> Decision:
    """Accept an MQL (-> SAL); an unowned MQL becomes the accepting rep's."""
    with transaction(ctx.engine) as conn:
        u = find_user(conn, user)
        ref = find_person(conn, person)
        check_owner(ref, u)
        if ref.owner_id is None and (expected_version is None or expected_version == ref.version):
            # the rep takes an unrouted MQL: that keeps the routing promise, then the response one at once
            reason = f"accepted by {u.email}"
            assign_in(conn, ctx, ref.id, u.id, method="manual", reason=reason, actor=u.email)
        change = move_in(conn, ctx, ref, "sal", u.actor, {}, note=note, expected_version=expected_version)
        add_note(conn, ref.id, u, note, change.at)
        return Decision(change, write_feedback(conn, ctx, ref.id, u, "accept", change, note=note))


def rejection_target(ctx: Context, reason: str | None, outcome: str | None = None) -> str:
    """The stage a rejection leads to: recycled for a recycle reason, disqualified for a disqualify reason."""
    lists = ctx.playbook.model.rejection_reasons
    every = ", ".join(f"{k}: {', '.join(v)}" for k, v in lists.items())
    if not reason or not reason.strip():
        raise InvalidInput(
            "a rejection needs a reason from the agreed list",
            where="field reason",
            hint=f"give --reason; agreed reasons are {every}",
        )
    if outcome in ("recycled", "recycle"):
        return "recycled"
    if outcome in ("disqualified", "disqualify"):
        return "disqualified"
    if outcome is not None:
        raise InvalidInput(
            f"unknown rejection outcome {outcome!r}", where="field outcome", hint="use recycle or disqualify"
        )
    for key, target in (("recycle", "recycled"), ("disqualify", "disqualified")):
        if reason in lists.get(key, []):
            return target
    raise InvalidInput(
        f"{reason!r} is not an agreed rejection reason",
        where="field reason",
        hint=f"agreed reasons are {every}",
    )


def reject(
    ctx: Context,
    person: str | int,
    user: str | int,
    reason: str | None,
    *,
    note: str | None = None,
    outcome: str | None = None,
    expected_version: int | None = None,
) -> Decision:
    """Return a lead to marketing (recycled) or disqualify it; the reason comes from the playbook's list."""
    with transaction(ctx.engine) as conn:
        u = find_user(conn, user)
        ref = find_person(conn, person)
        target = rejection_target(ctx, reason, outcome)
        check_owner(ref, u)
        change = move_in(
            conn, ctx, ref, target, u.actor, {"reason": reason}, note=note, expected_version=expected_version
        )
        add_note(conn, ref.id, u, note, change.at)
        kind = "disqualify" if target == "disqualified" else "reject"
        return Decision(change, write_feedback(conn, ctx, ref.id, u, kind, change, reason=reason, note=note))


def qualify(
    ctx: Context,
    person: str | int,
    user: str | int,
    *,
    budget: str,
    authority: str,
    need: str,
    timeline: str,
    note: str | None = None,
    expected_version: int | None = None,
) -> Decision:
    """Qualify a SAL (-> SQL) with BANT: budget, authority, need and timeline."""
    with transaction(ctx.engine) as conn:
        u = find_user(conn, user)
        ref = find_person(conn, person)
        check_owner(ref, u)
        bant = {"budget": budget, "authority": authority, "need": need, "timeline": timeline}
        change = move_in(conn, ctx, ref, "sql", u.actor, bant, note=note, expected_version=expected_version)
        add_note(conn, ref.id, u, note, change.at)
        return Decision(change)


def assign(
    ctx: Context, person: str | int, user: str | int, *, actor: str = "system", reason: str | None = None
) -> Assignment:
    """Assign a person to a user by hand (method manual); the old owner's SLA clocks are cancelled."""
    with transaction(ctx.engine) as conn:
        ref = find_person(conn, person)
        u = find_user(conn, user)
        why = reason or f"assigned by {actor}"
        return assign_in(conn, ctx, ref.id, u.id, method="manual", reason=why, actor=actor)


def route(ctx: Context, person: str | int) -> Assignment | None:
    """Route one person by the playbook now (None when no rep can take them), in its own transaction."""
    with transaction(ctx.engine) as conn:
        return route_in(conn, ctx, find_person(conn, person).id, actor="system")
