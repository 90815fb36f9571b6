"""Writing and reading stage history: the stage change row, the person's stage and per-stage entry times."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, insert, select, update

from leadflow.errors import Conflict
from leadflow.store.tables import persons, stage_changes, stage_entries


@dataclass(frozen=True)
class StageChange:
    """One row of a person's history."""

    id: int
    person_id: int
    from_stage: str | None
    to_stage: str
    at: datetime
    actor: str
    actor_role: str
    transition: str | None
    reason: str | None
    note: str | None
    fields: Mapping[str, Any]
    playbook_version: str
    source: str
    skipped: Sequence[str] | None = None


def record_entry(conn: Connection, person_id: int, stage: str, at: datetime) -> None:
    """Remember when the person first and last entered the stage."""
    done = conn.execute(
        update(stage_entries)
        .where(and_(stage_entries.c.person_id == person_id, stage_entries.c.stage == stage))
        .values(last_entered_at=at, times=stage_entries.c.times + 1)
    )
    if done.rowcount == 0:
        conn.execute(
            insert(stage_entries).values(
                person_id=person_id, stage=stage, first_entered_at=at, last_entered_at=at, times=1
            )
        )


def write_stage_change(
    conn: Connection,
    *,
    person_id: int,
    from_stage: str | None,
    to_stage: str,
    at: datetime,
    actor: str,
    actor_role: str,
    playbook_version: str,
    expected_version: int | None,
    transition: str | None = None,
    reason: str | None = None,
    note: str | None = None,
    fields: Mapping[str, Any] | None = None,
    skipped: Sequence[str] | None = None,
    source: str = "engine",
) -> StageChange:
    """Move the person (guarded by their version), append the history row and the stage entry."""
    guard = persons.c.id == person_id
    if expected_version is not None:
        guard = and_(guard, persons.c.version == expected_version)
    moved = conn.execute(
        update(persons)
        .where(guard)
        .values(stage=to_stage, stage_entered_at=at, updated_at=at, version=persons.c.version + 1)
    )
    if moved.rowcount != 1:
        raise Conflict(
            "someone else changed this person first",
            where=f"person {person_id} (version {expected_version})",
            hint="reload the person and try again",
        )
    row_fields = dict(fields or {})
    change_id = conn.execute(
        insert(stage_changes)
        .values(
            person_id=person_id,
            from_stage=from_stage,
            to_stage=to_stage,
            at=at,
            transition=transition,
            actor=actor,
            actor_role=actor_role,
            reason=reason,
            note=note,
            fields=row_fields,
            skipped=list(skipped) if skipped else None,
            playbook_version=playbook_version,
            source=source,
        )
        .returning(stage_changes.c.id)
    ).scalar_one()
    record_entry(conn, person_id, to_stage, at)
    return StageChange(
        change_id,
        person_id,
        from_stage,
        to_stage,
        at,
        actor,
        actor_role,
        transition,
        reason,
        note,
        row_fields,
        playbook_version,
        source,
        list(skipped) if skipped else None,
    )


def history(conn: Connection, person_id: int) -> list[StageChange]:
    """A person's stage changes, oldest first."""
    rows = conn.execute(
        select(stage_changes)
        .where(stage_changes.c.person_id == person_id)
        .order_by(stage_changes.c.at, stage_changes.c.id)
    ).mappings()
    return [
        StageChange(
            r["id"],
            r["person_id"],
            r["from_stage"],
            r["to_stage"],
            r["at"],
            r["actor"],
            r["actor_role"],
            r["transition"],
            r["reason"],
            r["note"],
            r["fields"] or {},
            r["playbook_version"],
            r["source"],
            r["skipped"],
        )
        for r in rows
    ]
