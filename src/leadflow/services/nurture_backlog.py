"""Enrolling recycled people that nobody enrolled (the Leakage page's bulk action)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from leadflow.errors import InvalidInput
from leadflow.services.context import Context
from leadflow.services.lifecycle import find_person
from leadflow.services.nurture import _facts_in, enroll_person_in, match_track, nurture_stages
from leadflow.store.audit import audit_in
from leadflow.store.engine import transaction
from leadflow.store.history import history
from leadflow.store.tables import nurture_enrollments


@dataclass(frozen=True)
class BacklogRun:
    """How many of the chosen people were enrolled, and why the others were not."""

    enrolled: int
    skipped: dict[int, str]


def enroll_backlog(ctx: Context, person_ids: Iterable[int], *, actor: str) -> BacklogRun:
    """Enrol each recycled person without an active track in the track their last move matches."""
    pb = ctx.playbook.model
    enrolled, skipped = 0, {}
    now = ctx.clock.now()
    with transaction(ctx.engine) as conn:
        for pid in person_ids:
            ref = find_person(conn, pid)
            if ref.stage not in nurture_stages(pb):
                skipped[ref.id] = f"in {ref.stage}, not a nurture stage"
                continue
            active = conn.execute(select(nurture_enrollments.c.id).where(
                nurture_enrollments.c.person_id == ref.id, nurture_enrollments.c.status == "active")).first()
            if active is not None:
                skipped[ref.id] = "already enrolled"
                continue
            last = history(conn, ref.id)[-1]
            track = match_track(pb, _facts_in(conn, ref.id, last))
            if track is None:
                skipped[ref.id] = "no nurture track matches their reason and persona"
                continue
            enroll_person_in(conn, ctx, ref.id, track, at=now)
            audit_in(conn, at=now, actor=actor, action="nurture.enroll", object_type="person", object_id=ref.id,
                     detail={"track": track.id})
            enrolled += 1
    if not enrolled and not skipped:
        raise InvalidInput("nobody was chosen", where="person", hint="tick the people to enrol")
    return BacklogRun(enrolled, skipped)
