"""The handoff's part of the reactions: routing a new MQL, SLA clocks on every move, first touches."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from leadflow.domain.lifecycle import Actor
from leadflow.services import nurture, sla
from leadflow.services.assignments import route_in
from leadflow.store.history import StageChange

if TYPE_CHECKING:
    from leadflow.services.context import Context


def routing_stages(ctx: Context) -> set[str]:
    """Stages whose entry routes the person: those with a routing SLA, else `mql`."""
    stages = {s.stage for s in ctx.playbook.model.slas if s.measure == "routing"}
    return stages or {"mql"}


def on_stage_change(conn: Connection, ctx: Context, change: StageChange, actor: Actor) -> None:
    """Route on entering the MQL stage, then close the left stage's deadlines and open the new ones."""
    if change.source != "engine":
        return
    routed = None
    if change.to_stage in routing_stages(ctx):
        routed = route_in(conn, ctx, change.person_id, at=change.at, actor=actor.name) is not None
    nurture.enroll_in(conn, ctx, change)
    sla.on_stage_change_in(
        conn, ctx, change.person_id, change.from_stage, change.to_stage, change.at, routed=routed
    )


def on_activities(conn: Connection, ctx: Context, person_ids: Collection[int]) -> None:
    """New activities may be the first touch a SAL was waiting for."""
    sla.first_touch_in(conn, ctx, person_ids)
    nurture.exit_on_engagement_in(conn, ctx, person_ids)
