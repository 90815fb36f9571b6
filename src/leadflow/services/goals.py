"""Revenue goals edited on the Plan page: stored rows override the playbook's goals for a period."""

from __future__ import annotations

from sqlalchemy import delete, insert

from leadflow.analytics.filters import parse_period
from leadflow.errors import InvalidInput, PermissionDenied
from leadflow.services.context import Context
from leadflow.services.users import User
from leadflow.store.audit import audit_in
from leadflow.store.engine import transaction
from leadflow.store.tables import goals

EDITORS = ("admin", "marketing_lead", "sales_manager")


def set_goal(ctx: Context, period: str, segment: str, revenue: float, user: User) -> None:
    """Set the revenue goal of a period and segment ('all' or a playbook segment)."""
    if user.role not in EDITORS:
        raise PermissionDenied(
            f"the {user.role} role may not change goals",
            where="goal",
            hint="a marketing lead or sales manager sets goals",
        )
    parse_period(period)
    if segment != "all" and segment not in ctx.playbook.model.segments:
        raise InvalidInput(
            f"unknown segment {segment!r}",
            where="field segment",
            hint="all or " + ", ".join(ctx.playbook.model.segments),
        )
    if not revenue > 0:
        raise InvalidInput(
            "the goal must be above zero", where="field revenue", hint="write the revenue target"
        )
    now = ctx.clock.now()
    with transaction(ctx.engine) as conn:
        conn.execute(delete(goals).where(goals.c.period == period, goals.c.segment == segment))
        conn.execute(
            insert(goals).values(
                period=period, segment=segment, revenue=float(revenue), updated_by=user.id, updated_at=now
            )
        )
        audit_in(
            conn,
            at=now,
            actor=user.email,
            action="goal.set",
            object_type="goal",
            object_id=f"{period}/{segment}",
            detail={"revenue": revenue},
        )
