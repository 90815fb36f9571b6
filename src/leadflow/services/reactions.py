"""What the engine does right after a change, inside the same transaction (or, for activities the API
ingests, in the reaction drainer's transaction just after: services.reaction_queue).

One entry point per kind of event, so every path (CLI, API, import of new activity, worker) gets the
same reactions: scoring and automatic MQL after activities; routing, SLA clocks, nurture and the
outbox after stage changes. Historical imports (source=import) do not react.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from leadflow.domain.lifecycle import Actor
from leadflow.services import handoff_reactions, scoring
from leadflow.store.history import StageChange

if TYPE_CHECKING:
    from leadflow.domain.scoring.score import PersonScore
    from leadflow.services.context import Context


def on_stage_change(conn: Connection, ctx: Context, change: StageChange, actor: Actor) -> None:
    """React to a move (routing an MQL, opening and closing SLA deadlines, nurture enrolment, notifications)."""
    handoff_reactions.on_stage_change(conn, ctx, change, actor)


def on_activities(
    conn: Connection,
    ctx: Context,
    person_ids: Collection[int],
    scored: Sequence[tuple[PersonScore, str, datetime]] | None = None,
) -> None:
    """React to new activities of these persons (rescoring, automatic MQL, first-touch SLAs, nurture exit).

    `scored`: their scores already computed from a read snapshot (the reaction drainer), each with the
    person's current stage and when they entered it; without it they are scored here.
    """
    if scored is None:
        scoring.rescore_in(conn, ctx, person_ids)
    else:
        scoring.apply_scores_in(conn, ctx, scored)
    handoff_reactions.on_activities(conn, ctx, person_ids)
