"""SLA clocks on both sides: deadlines opened and closed by the flow, swept by the worker, breaches escalated.

A deadline row is `open` until the promise is kept (`met`), becomes moot (`cancelled`) or its due time
passes (`breached`, counted in breach_count). SLAs with `reassign_after_breaches: N` re-arm a breached
deadline for another window and, at the N-th breach, route the person to another rep.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, and_, case, exists, insert, select, update

from leadflow.domain.business_time import BusinessCalendar
from leadflow.domain.deadlines import (
    MET_BY_LEAVING,
    OPENED_ON_ENTRY,
    OWNER_MEASURES,
    due_at,
    owner_calendar,
)
from leadflow.playbook.schema import Sla
from leadflow.store.tables import activities, deadlines, nurture_enrollments, persons, users

if TYPE_CHECKING:
    from leadflow.services.context import Context

LIVE = ("open", "breached")  # rows not yet closed may be in either status


def calendar_for(conn: Connection, ctx: Context, sla: Sla, owner_id: int | None) -> BusinessCalendar:
    """The owner's business hours (time zone, days, hours from users) over the SLA's calendar and holidays."""
    pb = ctx.playbook.model
    base = pb.calendars.get(sla.calendar) or next(iter(pb.calendars.values()))
    if owner_id is None or sla.measure not in OWNER_MEASURES:
        return owner_calendar(base, name=sla.calendar)
    user = conn.execute(
        select(users.c.timezone, users.c.work_days, users.c.work_start, users.c.work_end).where(
            users.c.id == owner_id
        )
    ).first()
    if user is None:
        return owner_calendar(base, name=sla.calendar)
    return owner_calendar(
        base,
        name=sla.calendar,
        timezone=user.timezone,
        work_days=user.work_days,
        work_start=user.work_start,
        work_end=user.work_end,
    )


def open_deadline_in(
    conn: Connection,
    ctx: Context,
    sla: Sla,
    person_id: int,
    owner_id: int | None,
    *,
    started_at: datetime,
    closed: bool = False,
) -> int:
    """Insert a deadline for one SLA (already met when `closed`, e.g. routed in the same move)."""
    due = due_at(calendar_for(conn, ctx, sla, owner_id), started_at, sla.within)
    return int(
        conn.execute(
            insert(deadlines)
            .values(
                person_id=person_id,
                sla_id=sla.id,
                team=sla.team,
                owner_id=owner_id,
                stage=sla.stage,
                started_at=started_at,
                due_at=due,
                status="met" if closed else "open",
                closed_at=started_at if closed else None,
                breach_count=0,
                playbook_version=ctx.playbook.version,
            )
            .returning(deadlines.c.id)
        ).scalar_one()
    )


def sla_ids(
    ctx: Context,
    *,
    measure: str | Collection[str] | None = None,
    stage: str | None = None,
    exclude_measures: Collection[str] = (),
) -> list[str]:
    """Ids of the playbook's SLAs with a measure and/or stage, leaving out some measures."""
    measures = {measure} if isinstance(measure, str) else (set(measure) if measure is not None else None)
    return [
        s.id
        for s in ctx.playbook.model.slas
        if (measures is None or s.measure in measures)
        and (stage is None or s.stage == stage)
        and s.measure not in exclude_measures
    ]


def _close(
    conn: Connection,
    person_ids: Collection[int],
    sla_ids: Sequence[str],
    outcome: str,
    now: datetime,
    owner_not: int | None = None,
) -> int:
    if not sla_ids or not person_ids:
        return 0
    cond = and_(
        deadlines.c.person_id.in_(list(person_ids)),
        deadlines.c.sla_id.in_(list(sla_ids)),
        deadlines.c.status.in_(LIVE),
        deadlines.c.closed_at.is_(None),
    )
    if owner_not is not None:
        cond = and_(cond, deadlines.c.owner_id.is_distinct_from(owner_not))
    done = conn.execute(
        update(deadlines)
        .where(cond)
        .values(status=case((deadlines.c.status == "open", outcome), else_=deadlines.c.status), closed_at=now)
    )
    return int(done.rowcount or 0)


def close_deadlines_in(
    conn: Connection,
    ctx: Context,
    person_id: int,
    *,
    sla_measure: str | None = None,
    sla_id: str | None = None,
    outcome: str = "met",
    at: datetime | None = None,
) -> int:
    """Close a person's live deadlines of one measure (e.g. 'nurture') or one SLA id; returns the count.

    Open rows become `outcome` (met or cancelled); already breached rows keep their status and get closed_at.
    """
    ids = [sla_id] if sla_id else sla_ids(ctx, measure=sla_measure)
    return _close(conn, [person_id], ids, outcome, at or ctx.clock.now())


def _has_live(conn: Connection, person_id: int, sla_id: str) -> bool:
    return (
        conn.execute(
            select(deadlines.c.id)
            .where(
                deadlines.c.person_id == person_id,
                deadlines.c.sla_id == sla_id,
                deadlines.c.status.in_(LIVE),
                deadlines.c.closed_at.is_(None),
            )
            .limit(1)
        ).first()
        is not None
    )


def on_stage_change_in(
    conn: Connection,
    ctx: Context,
    person_id: int,
    from_stage: str | None,
    to_stage: str,
    at: datetime,
    *,
    routed: bool | None = None,
) -> None:
    """Close the deadlines of the stage left, open those of the stage entered (after routing ran).

    `routed` says whether this move's routing found an owner (None: judge by the person having one).
    """
    pb = ctx.playbook.model
    if from_stage is not None:
        left = [s for s in pb.slas if s.stage == from_stage and s.measure != "feedback"]
        _close(conn, [person_id], [s.id for s in left if s.measure in MET_BY_LEAVING], "met", at)
        _close(conn, [person_id], [s.id for s in left if s.measure not in MET_BY_LEAVING], "cancelled", at)
    entered = [s for s in pb.slas if s.stage == to_stage and s.measure in OPENED_ON_ENTRY]
    if not entered:
        return
    owner_id = conn.execute(select(persons.c.owner_id).where(persons.c.id == person_id)).scalar_one_or_none()
    for sla in entered:
        if sla.measure == "routing":
            # routed by this very move: the promise is kept at once, and the report counts it
            kept = owner_id is not None if routed is None else routed
            open_deadline_in(conn, ctx, sla, person_id, None, started_at=at, closed=kept)
        elif sla.measure in OWNER_MEASURES:
            if owner_id is not None and not _has_live(conn, person_id, sla.id):
                open_deadline_in(conn, ctx, sla, person_id, owner_id, started_at=at)
        elif sla.measure == "nurture":
            enrolled = (
                conn.execute(
                    select(nurture_enrollments.c.id)
                    .where(
                        nurture_enrollments.c.person_id == person_id,
                        nurture_enrollments.c.enrolled_at >= at,
                        nurture_enrollments.c.status == "active",
                    )
                    .limit(1)
                ).first()
                is not None
            )
            open_deadline_in(conn, ctx, sla, person_id, None, started_at=at, closed=enrolled)


def on_assigned_many_in(
    conn: Connection,
    ctx: Context,
    items: Sequence[tuple[int, str, int]],
    *,
    at: datetime,
    handover: str = "cancelled",
) -> None:
    """New owners (person id, stage, owner): routing promises are met, old owners' clocks end, new ones start.

    Runs after persons.owner_id was updated; `handover` is the status given to the old owner's open rows.
    """
    if not items:
        return
    ids = [pid for pid, _, _ in items]
    for start in range(0, len(ids), 500):
        _close(conn, ids[start : start + 500], sla_ids(ctx, measure="routing"), "met", at)
    by_stage: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for pid, stage, owner in items:
        by_stage[stage].append((pid, owner))
    current = select(persons.c.owner_id).where(persons.c.id == deadlines.c.person_id).scalar_subquery()
    for stage, pairs in by_stage.items():
        for sla in ctx.playbook.model.slas:
            if sla.stage != stage or sla.measure not in OWNER_MEASURES:
                continue
            for start in range(0, len(pairs), 500):
                chunk = pairs[start : start + 500]
                live = and_(
                    deadlines.c.person_id.in_([p for p, _ in chunk]),
                    deadlines.c.sla_id == sla.id,
                    deadlines.c.status.in_(LIVE),
                    deadlines.c.closed_at.is_(None),
                )
                if sla.measure == "progress":  # the deal's clock does not restart with a new owner
                    conn.execute(update(deadlines).where(live).values(owner_id=current))
                    continue
                conn.execute(
                    update(deadlines)
                    .where(live, deadlines.c.owner_id.is_distinct_from(current))
                    .values(
                        status=case((deadlines.c.status == "open", handover), else_=deadlines.c.status),
                        closed_at=at,
                    )
                )
                kept = set(conn.execute(select(deadlines.c.person_id).where(live)).scalars())
                rows, dues = [], {}
                for pid, owner in chunk:
                    if pid in kept:
                        continue
                    if owner not in dues:
                        dues[owner] = due_at(calendar_for(conn, ctx, sla, owner), at, sla.within)
                    rows.append(
                        {
                            "person_id": pid,
                            "sla_id": sla.id,
                            "team": sla.team,
                            "owner_id": owner,
                            "stage": sla.stage,
                            "started_at": at,
                            "due_at": dues[owner],
                            "status": "open",
                            "closed_at": None,
                            "breach_count": 0,
                            "playbook_version": ctx.playbook.version,
                        }
                    )
                if rows:
                    conn.execute(insert(deadlines), rows)


def first_touch_in(conn: Connection, ctx: Context, person_ids: Collection[int]) -> int:
    """Meet first-touch deadlines of these persons that now have a qualifying activity (call, email...)."""
    done = 0
    now = ctx.clock.now()
    for sla in ctx.playbook.model.slas:
        if sla.measure != "first_touch" or not sla.satisfied_by or not person_ids:
            continue
        touched = exists().where(
            activities.c.person_id == deadlines.c.person_id,
            activities.c.type.in_(sla.satisfied_by),
            activities.c.occurred_at >= deadlines.c.started_at,
        )
        result = conn.execute(
            update(deadlines)
            .where(
                deadlines.c.person_id.in_(list(person_ids)),
                deadlines.c.sla_id == sla.id,
                deadlines.c.status.in_(LIVE),
                deadlines.c.closed_at.is_(None),
                touched,
            )
            .values(
                status=case((deadlines.c.status == "open", "met"), else_=deadlines.c.status), closed_at=now
            )
        )
        done += int(result.rowcount or 0)
    return done


def open_feedback_deadlines_in(conn: Connection, ctx: Context, person_id: int, at: datetime) -> None:
    """A disputed rejection starts the `feedback` SLAs (marketing answers within the agreed time)."""
    for sla in ctx.playbook.model.slas:
        if sla.measure == "feedback":
            open_deadline_in(conn, ctx, sla, person_id, None, started_at=at)
