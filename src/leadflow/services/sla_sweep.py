"""The SLA sweep: breach every due deadline in one set-based UPDATE, then escalate, re-arm or reassign.

SLAs with `reassign_after_breaches: N` re-arm a breached deadline for another window; at the N-th
breach the person is routed to another rep (excluding the current owner) with a fresh deadline.
Notifications (owner, their manager, or the team's leads for unowned deadlines) go to the outbox in
the same transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, select, update

from leadflow.domain.deadlines import due_at, sla_by_id
from leadflow.playbook.schema import Sla
from leadflow.services import notices
from leadflow.services.sla import LIVE, calendar_for, sla_ids
from leadflow.services.worker import Job
from leadflow.store.engine import transaction
from leadflow.store.tables import deadlines, persons

if TYPE_CHECKING:
    from leadflow.services.context import Context


@dataclass
class SweepResult:
    """What one SLA sweep did."""

    breached: int = 0
    rearmed: int = 0
    reassigned: int = 0
    notified: int = 0
    by_sla: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready summary for the worker log."""
        return {
            "breached": self.breached,
            "rearmed": self.rearmed,
            "reassigned": self.reassigned,
            "notified": self.notified,
            "by_sla": dict(self.by_sla),
        }


def sweep_in(conn: Connection, ctx: Context, now: datetime) -> SweepResult:
    """Breach every open deadline due at or before now (one set-based UPDATE), then escalate in bulk."""
    from leadflow.services.assignments import route_many_in

    rows = conn.execute(
        update(deadlines)
        .where(deadlines.c.status == "open", deadlines.c.due_at <= now)
        .values(
            status="breached",
            breached_at=func.coalesce(deadlines.c.breached_at, now),
            breach_count=deadlines.c.breach_count + 1,
        )
        .returning(
            deadlines.c.id,
            deadlines.c.person_id,
            deadlines.c.sla_id,
            deadlines.c.owner_id,
            deadlines.c.breach_count,
            deadlines.c.team,
            deadlines.c.due_at,
        )
    ).all()
    result = SweepResult(breached=len(rows))
    if not rows:
        return result
    slas = sla_by_id(ctx.playbook.model)
    rearm: dict[tuple[str, int | None], list[int]] = defaultdict(list)
    moved: dict[int, int] = {}
    candidates: dict[int, Any] = {}  # person -> the breached row that triggers reassignment
    for row in rows:
        result.by_sla[row.sla_id] = result.by_sla.get(row.sla_id, 0) + 1
        sla = slas.get(row.sla_id)
        if sla is None or sla.reassign_after_breaches is None:
            continue
        if row.breach_count >= sla.reassign_after_breaches and row.owner_id is not None:
            candidates.setdefault(row.person_id, row)
        else:
            rearm[(row.sla_id, row.owner_id)].append(row.id)
    if candidates:
        pids = list(candidates)
        done = route_many_in(
            conn,
            ctx,
            pids,
            exclude={p: {candidates[p].owner_id} for p in pids},
            at=now,
            method="reassign",
            handover="breached",
        )
        for pid, assignment in zip(pids, done, strict=True):
            if assignment is not None:
                moved[pid] = assignment.user_id
                result.reassigned += 1
            else:  # nobody else can take it: the owner keeps it, on a new clock
                row = candidates[pid]
                rearm[(row.sla_id, row.owner_id)].append(row.id)
    for (sla_id, owner_id), ids in rearm.items():
        due = due_at(calendar_for(conn, ctx, slas[sla_id], owner_id), now, slas[sla_id].within)
        for start in range(0, len(ids), 500):
            conn.execute(
                update(deadlines)
                .where(deadlines.c.id.in_(ids[start : start + 500]))
                .values(status="open", due_at=due)
            )
        result.rearmed += len(ids)
    result.notified = _notify_breaches(conn, ctx, rows, slas, moved, now)
    return result


DIGEST_ITEMS = 200  # breaches listed in one message; the count covers them all


def _notify_breaches(
    conn: Connection,
    ctx: Context,
    rows: Sequence[Any],
    slas: dict[str, Sla],
    moved: dict[int, int],
    now: datetime,
) -> int:
    """One `sla.breached` digest per recipient per sweep (the owner, their manager, or the team leads)."""
    contacts = notices.contacts_in(conn, {r.owner_id for r in rows})
    contacts |= notices.contacts_in(conn, {c.manager_id for c in contacts.values()})
    leads = {team: notices.team_leads_in(conn, team) for team in {r.team for r in rows if r.owner_id is None}}
    emails: dict[int, str | None] = {}
    ids = sorted({r.person_id for r in rows})
    for start in range(0, len(ids), 500):
        chunk = select(persons.c.id, persons.c.email).where(persons.c.id.in_(ids[start : start + 500]))
        emails.update((int(r.id), r.email) for r in conn.execute(chunk))
    digests: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        owner = contacts.get(row.owner_id) if row.owner_id is not None else None
        if owner is None:
            for email in leads.get(row.team, []):
                digests[email].append(row)
            continue
        digests[owner.email].append(row)
        sla = slas.get(row.sla_id)
        manager = contacts.get(owner.manager_id) if owner.manager_id is not None else None
        if manager is not None and (sla is None or sla.escalate_to == "manager"):
            digests[manager.email].append(row)
    batch = notices.Batch()
    for email, items in digests.items():
        first = items[0]
        who = emails.get(first.person_id) or f"person {first.person_id}"
        subject = f"SLA {first.sla_id} breached for {who}"
        if len(items) > 1:
            subject = f"{len(items)} SLA breaches, e.g. {first.sla_id} for {who}"
        listed = [
            {
                "deadline_id": r.id,
                "person_id": r.person_id,
                "person": emails.get(r.person_id),
                "sla_id": r.sla_id,
                "team": r.team,
                "owner_id": r.owner_id,
                "breach_count": r.breach_count,
                "due_at": r.due_at.isoformat(),
                "reassigned_to": moved.get(r.person_id),
            }
            for r in items[:DIGEST_ITEMS]
        ]
        batch.add(
            event="sla.breached",
            recipients=[email],
            subject=subject,
            payload={"count": len(items), "breached_at": now.isoformat(), "breaches": listed},
        )
    return batch.flush(conn, ctx)


def sweep(ctx: Context) -> SweepResult:
    """The worker job: breach what is due now, in one transaction."""
    with transaction(ctx.engine) as conn:
        return sweep_in(conn, ctx, ctx.clock.now())


def route_pending(ctx: Context, limit: int = 500) -> dict[str, object]:
    """The worker job: try again to route MQLs that found no eligible rep (their routing deadline is live)."""
    from leadflow.services.assignments import route_many_in

    routing = sla_ids(ctx, measure="routing")
    if not routing:
        return {"pending": 0, "routed": 0}
    with transaction(ctx.engine) as conn:
        pending = (
            conn.execute(
                select(deadlines.c.person_id)
                .join(persons, persons.c.id == deadlines.c.person_id)
                .where(
                    deadlines.c.sla_id.in_(routing),
                    deadlines.c.status.in_(LIVE),
                    deadlines.c.closed_at.is_(None),
                    persons.c.stage == deadlines.c.stage,
                )
                .distinct()
                .limit(limit)
            )
            .scalars()
            .all()
        )
        routed = sum(1 for a in route_many_in(conn, ctx, [int(p) for p in pending]) if a is not None)
    return {"pending": len(pending), "routed": routed}


def worker_jobs() -> list[Job]:
    """The SLA jobs the worker runs: retry routing, then sweep due deadlines."""
    return [
        Job(
            "route_pending",
            lambda ctx: route_pending(ctx),
            timedelta(minutes=1),
            "route MQLs that found no eligible rep earlier",
        ),
        Job(
            "sla_sweep",
            lambda ctx: sweep(ctx).as_dict(),
            timedelta(minutes=1),
            "breach due deadlines, notify owners and managers, reassign after repeated breaches",
        ),
    ]
