"""What the engine does right after a change, inside the same transaction (or, for activities the API
ingests, in the reaction drainer's transaction just after: services.reaction_queue).

One entry point per kind of event, so every path (CLI, API, import of new activity, worker) gets the
same reactions: scoring and automatic MQL after activities; routing, SLA clocks, nurture and the
outbox after stage changes. Historical imports (source=import) do not react.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from leadflow.domain.lifecycle import Actor
from leadflow.services import handoff_reactions, scoring
from leadflow.store.history import StageChange

if TYPE_CHECKING:
    from leadflow.services.context import Context


def on_stage_change(conn: Connection, ctx: Context, change: StageChange, actor: Actor) -> None:
    """React to a move (routing an MQL, opening and closing SLA deadlines, nurture enrolment, notifications)."""
    handoff_reactions.on_stage_change(conn, ctx, change, actor)


def on_activities(conn: Connection, ctx: Context, person_ids: Collection[int]) -> None:
    """React to new activities of these persons (rescoring, automatic MQL, first-touch SLAs, nurture exit)."""
    scoring.rescore_in(conn, ctx, person_ids)
    handoff_reactions.on_activities(conn, ctx, person_ids)
