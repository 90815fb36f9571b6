"""Disputed rejections: marketing challenges a rep's rejection, and the dispute is resolved on a clock.

A dispute is a `feedback` row (kind dispute, status open) pointing at the rejection it challenges. It
starts the playbook's `feedback` SLAs; a resolution (`upheld`: the rejection stands, `overturned`: it
was wrong) closes them. Both sides are notified through the outbox in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update

from leadflow.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from leadflow.services import notices, sla
from leadflow.services.context import Context
from leadflow.services.decisions import find_user
from leadflow.services.lifecycle import find_person
from leadflow.store.engine import transaction
from leadflow.store.tables import feedback, users

DISPUTERS = ("marketing", "marketing_lead", "admin")
RESOLVERS = ("sales_manager", "marketing_lead", "admin")
RESOLUTIONS = ("upheld", "overturned")


@dataclass(frozen=True)
class Dispute:
    """A dispute of a rejection and its state."""

    id: int
    person_id: int
    stage_change_id: int | None  # the rejection's history row
    status: str  # open | upheld | overturned
    at: datetime


def dispute(
    ctx: Context,
    person: str | int,
    user: str | int,
    *,
    note: str | None = None,
    feedback_id: int | None = None,
) -> Dispute:
    """Dispute a rejection (the person's latest unless feedback_id names one); starts the feedback SLA."""
    with transaction(ctx.engine) as conn:
        u = find_user(conn, user)
        if u.role not in DISPUTERS:
            raise PermissionDenied(
                f"{u.email} ({u.role}) may not dispute a rejection",
                where="dispute",
                hint="marketing disputes sales rejections",
            )
        ref = find_person(conn, person)
        query = select(feedback).where(
            feedback.c.person_id == ref.id, feedback.c.kind.in_(("reject", "disqualify"))
        )
        if feedback_id is not None:
            query = query.where(feedback.c.id == feedback_id)
        rejection = conn.execute(query.order_by(feedback.c.at.desc(), feedback.c.id.desc()).limit(1)).first()
        if rejection is None:
            raise NotFound(
                f"{ref.email or ref.id} has no rejection to dispute",
                where="dispute",
                hint="only a rejected or disqualified lead can be disputed",
            )
        already = conn.execute(
            select(feedback.c.id).where(
                feedback.c.kind == "dispute",
                feedback.c.stage_change_id == rejection.stage_change_id,
                feedback.c.person_id == ref.id,
                feedback.c.status == "open",
            )
        ).first()
        if already is not None:
            raise Conflict(
                "this rejection is already disputed",
                where=f"feedback {rejection.id}",
                hint=f"wait for the resolution of dispute {already.id}",
            )
        now = ctx.clock.now()
        dispute_id = int(
            conn.execute(
                insert(feedback)
                .values(
                    person_id=ref.id,
                    user_id=u.id,
                    kind="dispute",
                    reason=rejection.reason,
                    note=note,
                    at=now,
                    stage_change_id=rejection.stage_change_id,
                    status="open",
                )
                .returning(feedback.c.id)
            ).scalar_one()
        )
        sla.open_feedback_deadlines_in(conn, ctx, ref.id, now)
        rep = notices.contacts_in(conn, [rejection.user_id])
        recipients = [c.email for c in rep.values()]
        recipients += [
            c.email for c in notices.contacts_in(conn, [c.manager_id for c in rep.values()]).values()
        ]
        recipients += notices.team_leads_in(conn, "marketing")
        notices.send_in(
            conn,
            ctx,
            event="feedback.disputed",
            recipients=recipients,
            subject=f"Rejection of {ref.email or ref.id} ({rejection.reason}) is disputed",
            payload={
                "dispute_id": dispute_id,
                "person_id": ref.id,
                "rejection_id": rejection.id,
                "reason": rejection.reason,
                "note": note,
                "by": u.email,
                "at": now.isoformat(),
            },
        )
        return Dispute(dispute_id, ref.id, rejection.stage_change_id, "open", now)


def resolve_dispute(
    ctx: Context, dispute_id: int, user: str | int, outcome: str, *, note: str | None = None
) -> Dispute:
    """Resolve an open dispute: upheld (the rejection stands) or overturned (it was wrong)."""
    if outcome not in RESOLUTIONS:
        raise InvalidInput(
            f"unknown resolution {outcome!r}",
            where="field outcome",
            hint="use upheld (the rejection stands) or overturned (it was wrong)",
        )
    with transaction(ctx.engine) as conn:
        u = find_user(conn, user)
        if u.role not in RESOLVERS:
            raise PermissionDenied(
                f"{u.email} ({u.role}) may not resolve a dispute",
                where="dispute",
                hint="a sales manager or marketing lead resolves disputes",
            )
        row = conn.execute(
            select(feedback).where(feedback.c.id == dispute_id, feedback.c.kind == "dispute")
        ).first()
        if row is None:
            raise NotFound(f"no dispute {dispute_id}", where="dispute", hint="list disputes in the web UI")
        now = ctx.clock.now()
        done = conn.execute(
            update(feedback)
            .where(feedback.c.id == dispute_id, feedback.c.status == "open")
            .values(status=outcome, resolved_by=u.id, resolved_at=now, resolution_note=note)
        )
        if done.rowcount != 1:
            raise Conflict(
                f"dispute {dispute_id} is already {row.status}",
                where=f"dispute {dispute_id}",
                hint="reload it",
            )
        sla.close_deadlines_in(conn, ctx, row.person_id, sla_measure="feedback", at=now)
        disputer = conn.execute(select(users.c.email).where(users.c.id == row.user_id)).scalar_one_or_none()
        notices.send_in(
            conn,
            ctx,
            event="feedback.resolved",
            recipients=[disputer or ""],
            subject=f"Dispute {dispute_id}: rejection {outcome}",
            payload={
                "dispute_id": dispute_id,
                "person_id": row.person_id,
                "outcome": outcome,
                "note": note,
                "by": u.email,
                "at": now.isoformat(),
            },
        )
        return Dispute(dispute_id, int(row.person_id), row.stage_change_id, outcome, now)
