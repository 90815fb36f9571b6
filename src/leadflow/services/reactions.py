"""What the engine does right after a stage change, in the same transaction (routing, SLA clocks, outbox).

The handoff work plugs in here; keeping one entry point means every path (CLI, API, scoring, worker)
gets the same reactions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection

from leadflow.domain.lifecycle import Actor
from leadflow.store.history import StageChange

if TYPE_CHECKING:
    from leadflow.services.context import Context


def on_stage_change(conn: Connection, ctx: Context, change: StageChange, actor: Actor) -> None:
    """React to a move inside the caller's transaction."""
    return None
