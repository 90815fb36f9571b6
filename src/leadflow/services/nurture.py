"""Recycling into nurture: enrol recycled persons in the playbook's tracks and end tracks on re-engagement.

A track is a sequence of assets; each step waits `after` since the previous one (the first since the
enrolment). Steps are written at enrolment as `due` rows, become `sent` when the outbox message is
queued (or the export is written) and `skipped` when the track ends early. Sending and export live in
services/nurture_steps.py.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, exists, func, insert, select, update

from leadflow.domain.business_time import BusinessCalendar, add_business_time
from leadflow.domain.durations import parse_duration
from leadflow.playbook.schema import NURTURE_KEYS, NurtureTrack, Playbook
from leadflow.services import sla
from leadflow.store.engine import transaction
from leadflow.store.history import StageChange
from leadflow.store.tables import (
    accounts,
    activities,
    nurture_enrollments,
    nurture_steps,
    persons,
    stage_changes,
)

if TYPE_CHECKING:
    from leadflow.services.context import Context

STEP_EVENT = "nurture.step"
TRACK_KEYS = NURTURE_KEYS
_CHUNK = 500


def nurture_stages(pb: Playbook) -> frozenset[str]:
    """Stages whose entry enrols in nurture: those of `nurture` SLAs, else `recycled` when it exists."""
    stages = {sla.stage for sla in pb.slas if sla.measure == "nurture"}
    if not stages and "recycled" in pb.stage_ids():
        stages.add("recycled")
    return frozenset(stages)


def reengagement_types(pb: Playbook) -> frozenset[str]:
    """Activity types that count as re-engagement: those an engagement rule scores with positive points."""
    found: set[str] = set()
    for rule in pb.scoring.engagement.rules:
        kind = rule.when.get("type")
        if rule.points > 0 and kind is not None:
            found.update([kind] if isinstance(kind, str) else [str(k) for k in kind])
    return frozenset(found)


def _allows(condition: Any, value: str | None) -> bool:
    allowed = [condition] if isinstance(condition, str) else list(condition)
    return value is not None and value in [str(a) for a in allowed]


def match_track(pb: Playbook, facts: Mapping[str, str | None]) -> NurtureTrack | None:
    """The first track (file order) whose every `for` condition holds for these facts (TRACK_KEYS)."""
    for track in pb.nurture_tracks:
        if all(_allows(cond, facts.get(key)) for key, cond in track.for_.items()):
            return track
    return None


def check_tracks(pb: Playbook) -> list[str]:
    """Problems of the nurture_tracks section: unknown `for` keys, empty tracks, bad durations, duplicates."""
    problems, seen = [], set()
    for track in pb.nurture_tracks:
        if track.id in seen:
            problems.append(f"nurture track {track.id!r} is defined twice")
        seen.add(track.id)
        for key in sorted(set(track.for_) - set(TRACK_KEYS)):
            problems.append(f"nurture track {track.id!r} matches on unknown key {key!r} (use {TRACK_KEYS})")
        if not track.steps:
            problems.append(f"nurture track {track.id!r} has no steps")
        for step in track.steps:
            try:
                parse_duration(step.after)
            except ValueError as exc:
                problems.append(f"nurture track {track.id!r}: {exc}")
    return problems


def _calendar(pb: Playbook) -> BusinessCalendar:
    name = "default" if "default" in pb.calendars else next(iter(pb.calendars))
    return BusinessCalendar.from_playbook(pb.calendars[name], name=name)


def step_schedule(pb: Playbook, track: NurtureTrack, start: datetime) -> list[datetime]:
    """When each step is due for an enrolment at `start` (each `after` counts from the previous step)."""
    calendar, due, out = _calendar(pb), start, []
    for step in track.steps:
        due = add_business_time(calendar, due, parse_duration(step.after))
        out.append(due)
    return out


def _end_active_in(conn: Connection, person_id: int, *, status: str, reason: str, at: datetime) -> int:
    ids = list(
        conn.execute(
            select(nurture_enrollments.c.id).where(
                nurture_enrollments.c.person_id == person_id, nurture_enrollments.c.status == "active"
            )
        ).scalars()
    )
    return _end_enrollments_in(conn, ids, status=status, reason=reason, at=at)


def _end_enrollments_in(conn: Connection, ids: list[int], *, status: str, reason: str, at: datetime) -> int:
    if not ids:
        return 0
    conn.execute(
        update(nurture_enrollments)
        .where(nurture_enrollments.c.id.in_(ids), nurture_enrollments.c.status == "active")
        .values(status=status, ended_at=at, end_reason=reason[:200])
    )
    conn.execute(
        update(nurture_steps)
        .where(nurture_steps.c.enrollment_id.in_(ids), nurture_steps.c.status == "due")
        .values(status="skipped")
    )
    return len(ids)


def _facts_in(conn: Connection, person_id: int, change: StageChange) -> dict[str, str | None]:
    row = conn.execute(
        select(persons.c.persona, accounts.c.segment)
        .select_from(persons.outerjoin(accounts, accounts.c.id == persons.c.account_id))
        .where(persons.c.id == person_id)
    ).one()
    reason = change.reason or change.fields.get("reason") or change.fields.get("lost_reason")
    return {
        "reason": str(reason) if reason else None,
        "persona": row.persona,
        "from_stage": change.from_stage,
        "segment": row.segment,
    }


def enroll_in(conn: Connection, ctx: Context, change: StageChange) -> int | None:
    """The nurture reaction to a stage change: enrol on entering a nurture stage, end the track on leaving.

    Returns the new enrolment's id, or None when nothing was enrolled (no matching track leaves the
    person visible as leakage `recycled_not_enrolled`).
    """
    pb = ctx.playbook.model
    stages = nurture_stages(pb)
    if change.from_stage in stages and change.to_stage not in stages:
        _end_active_in(
            conn, change.person_id, status="exited", reason=f"moved to {change.to_stage}", at=change.at
        )
    if change.to_stage not in stages:
        return None
    track = match_track(pb, _facts_in(conn, change.person_id, change))
    if track is None:
        return None
    # Idempotent per stage change: a second call for the same move returns the same enrolment.
    same = conn.execute(
        select(nurture_enrollments.c.id).where(
            nurture_enrollments.c.person_id == change.person_id,
            nurture_enrollments.c.status == "active",
            nurture_enrollments.c.track_id == track.id,
            nurture_enrollments.c.enrolled_at == change.at,
        )
    ).scalar_one_or_none()
    if same is not None:
        return int(same)
    _end_active_in(conn, change.person_id, status="exited", reason=f"re-enrolled in {track.id}", at=change.at)
    return enroll_person_in(conn, ctx, change.person_id, track, at=change.at)


def enroll_person_in(
    conn: Connection, ctx: Context, person_id: int, track: NurtureTrack, *, at: datetime
) -> int:
    """Write one enrolment and its scheduled steps, and meet the person's open nurture SLA deadline."""
    enrollment_id = int(
        conn.execute(
            insert(nurture_enrollments)
            .values(person_id=person_id, track_id=track.id, enrolled_at=at, status="active")
            .returning(nurture_enrollments.c.id)
        ).scalar_one()
    )
    schedule = step_schedule(ctx.playbook.model, track, at)
    conn.execute(
        insert(nurture_steps),
        [
            {
                "enrollment_id": enrollment_id,
                "step": i + 1,
                "asset": step.asset,
                "due_at": due,
                "status": "due",
            }
            for i, (step, due) in enumerate(zip(track.steps, schedule, strict=True))
        ],
    )
    sla.close_deadlines_in(conn, ctx, person_id, sla_measure="nurture", outcome="met", at=at)
    return enrollment_id


def exit_on_engagement_in(conn: Connection, ctx: Context, person_ids: Collection[int]) -> int:
    """End the active tracks of persons who re-engaged after their enrolment; returns how many ended."""
    types = sorted(reengagement_types(ctx.playbook.model))
    if not types or not person_ids:
        return 0
    ne, act = nurture_enrollments, activities
    engaged = exists().where(
        act.c.person_id == ne.c.person_id, act.c.occurred_at > ne.c.enrolled_at, act.c.type.in_(types)
    )
    ended, ids = 0, sorted(set(person_ids))
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        found = list(
            conn.execute(
                select(ne.c.id).where(ne.c.person_id.in_(chunk), ne.c.status == "active", engaged)
            ).scalars()
        )
        ended += _end_enrollments_in(
            conn, found, status="exited", reason="re-engaged (new engagement activity)", at=ctx.clock.now()
        )
    return ended


@dataclass(frozen=True)
class Backlog:
    """What catching up on enrolments did: persons enrolled, and persons no track matches (by reason)."""

    enrolled: int
    unmatched: dict[str, int]


def enroll_backlog(ctx: Context, person_ids: Collection[int] | None = None) -> Backlog:
    """Enrol everyone (or these persons) sitting in a nurture stage without an enrolment since they entered it.

    The track is chosen from the reason of the move into the stage, exactly as a live move would; the
    enrolment (and its first step) is dated now. Imports do not react, so this catches them up.
    """
    pb, now = ctx.playbook.model, ctx.clock.now()
    ne, p, sc = nurture_enrollments, persons, stage_changes
    enrolled_since = exists().where(ne.c.person_id == p.c.id, ne.c.enrolled_at >= p.c.stage_entered_at)
    moves = stage_changes.alias("moves")
    last_move = (
        select(func.max(moves.c.id))
        .where(moves.c.person_id == p.c.id, moves.c.to_stage == p.c.stage)
        .correlate(p)
        .scalar_subquery()
    )
    query = (
        select(p.c.id, p.c.stage, p.c.persona, accounts.c.segment, sc.c.from_stage, sc.c.reason, sc.c.fields)
        .select_from(
            p.outerjoin(accounts, accounts.c.id == p.c.account_id).outerjoin(sc, sc.c.id == last_move)
        )
        .where(p.c.stage.in_(sorted(nurture_stages(pb))), ~enrolled_since)
        .order_by(p.c.id)
    )
    if person_ids is not None:
        query = query.where(p.c.id.in_(sorted(person_ids)))
    enrolled, unmatched = 0, dict[str, int]()
    with transaction(ctx.engine) as conn:
        for pid, _stage, persona, segment, from_stage, reason, fields in conn.execute(query).all():
            why = reason or (fields or {}).get("reason") or (fields or {}).get("lost_reason")
            facts = {"reason": why, "persona": persona, "from_stage": from_stage, "segment": segment}
            track = match_track(pb, facts)
            if track is None:
                key = str(why or "(no reason)")
                unmatched[key] = unmatched.get(key, 0) + 1
                continue
            _end_active_in(conn, pid, status="exited", reason=f"re-enrolled in {track.id}", at=now)
            enroll_person_in(conn, ctx, pid, track, at=now)
            enrolled += 1
    return Backlog(enrolled, unmatched)
