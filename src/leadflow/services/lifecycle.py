"""Moving people through the agreed stages: every move checked against the playbook and written to history."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, or_, select

from leadflow.domain.lifecycle import Actor, decide, replay, skipped_stages
from leadflow.errors import Conflict, InvalidInput, NotFound
from leadflow.services.context import Context
from leadflow.store.engine import reading, transaction
from leadflow.store.history import StageChange, history, write_stage_change
from leadflow.store.tables import persons, stage_entries


@dataclass(frozen=True)
class PersonRef:
    """The identity and lifecycle state of a person, as a move needs it."""

    id: int
    email: str | None
    stage: str
    stage_entered_at: datetime
    version: int
    owner_id: int | None


def find_person(conn: Connection, key: str | int) -> PersonRef:
    """Look a person up by id, email (any case) or external id; NotFound says what was tried."""
    cols = (
        persons.c.id,
        persons.c.email,
        persons.c.stage,
        persons.c.stage_entered_at,
        persons.c.version,
        persons.c.owner_id,
    )
    if isinstance(key, int) or (isinstance(key, str) and key.isascii() and key.isdigit()):
        if int(key) > 2**63 - 1:
            raise NotFound(f"no person {key!r}", where="person", hint="search by email, id or external id")
        cond = persons.c.id == int(key)
    else:
        text = key.strip()
        cond = or_(persons.c.email == text.lower(), persons.c.external_id == text)
    row = conn.execute(select(*cols).where(cond).limit(1)).first()
    if row is None:
        raise NotFound(f"no person {key!r}", where="person", hint="search by email, id or external id")
    return PersonRef(*row)


def create_person_in(
    conn: Connection,
    ctx: Context,
    values: Mapping[str, Any],
    *,
    at: datetime,
    actor: str = "system",
    source: str = "engine",
) -> int:
    """Insert a person in the playbook's initial stage and write their first history row."""
    stage = ctx.playbook.model.initial_stage()
    row = {
        "properties": {},
        **values,
        "stage": stage,
        "stage_entered_at": at,
        "created_at": values.get("created_at", at),
        "updated_at": at,
        "version": 0,
    }
    if row.get("email"):
        row["email"] = str(row["email"]).strip().lower()
    person_id = int(conn.execute(insert(persons).values(**row).returning(persons.c.id)).scalar_one())
    write_stage_change(
        conn,
        person_id=person_id,
        from_stage=None,
        to_stage=stage,
        at=at,
        actor=actor,
        actor_role="system",
        playbook_version=ctx.playbook.version,
        expected_version=0,
        transition="create",
        source=source,
    )
    return person_id


def create_person(ctx: Context, values: Mapping[str, Any], *, actor: str = "system") -> int:
    """Create a person now, in their own transaction."""
    with transaction(ctx.engine) as conn:
        return create_person_in(conn, ctx, values, at=ctx.clock.now(), actor=actor)


def move_in(
    conn: Connection,
    ctx: Context,
    person: PersonRef,
    target: str,
    actor: Actor,
    fields: Mapping[str, Any] | None = None,
    *,
    note: str | None = None,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> StageChange:
    """Apply one transition inside the caller's transaction; the playbook decides whether it is allowed."""
    fields = {k: v for k, v in (fields or {}).items() if v is not None and v != ""}
    now = at or ctx.clock.now()
    if expected_version is not None and expected_version != person.version:
        raise Conflict(
            f"the person changed since you loaded them (version {expected_version}, now {person.version})",
            where=f"person {person.email or person.id}",
            hint="reload and decide again",
        )
    pb = ctx.playbook.model
    t = decide(
        pb,
        person.stage,
        target,
        actor,
        {k: str(v) for k, v in fields.items()},
        entered_current_at=person.stage_entered_at,
        now=now,
    )
    change = write_stage_change(
        conn,
        person_id=person.id,
        from_stage=person.stage,
        to_stage=target,
        at=now,
        actor=actor.name,
        actor_role=actor.role,
        playbook_version=ctx.playbook.version,
        expected_version=person.version,
        transition=t.name,
        reason=str(fields.get("reason") or fields.get("lost_reason") or "") or None,
        note=note,
        fields=fields,
        skipped=skipped_stages(pb, person.stage, target) or None,
    )
    # Imported here: the reactions (routing, scoring, SLAs) themselves move people through this module.
    from leadflow.services import reactions

    reactions.on_stage_change(conn, ctx, change, actor)
    return change


def move(
    ctx: Context,
    key: str | int,
    target: str,
    actor: Actor,
    fields: Mapping[str, Any] | None = None,
    *,
    note: str | None = None,
    expected_version: int | None = None,
) -> StageChange:
    """Move one person to a stage in its own transaction (stale version -> Conflict)."""
    with transaction(ctx.engine) as conn:
        person = find_person(conn, key)
        return move_in(conn, ctx, person, target, actor, fields, note=note, expected_version=expected_version)


@dataclass(frozen=True)
class PersonView:
    """A person with everything `person show` prints."""

    person: Mapping[str, Any]
    history: list[StageChange]
    entries: list[dict[str, Any]]
    replayed_stage: str | None


def show_person(ctx: Context, key: str | int) -> PersonView:
    """The person, their history and the stage the history replays to."""
    with reading(ctx.engine) as conn:
        ref = find_person(conn, key)
        row = conn.execute(select(persons).where(persons.c.id == ref.id)).mappings().one()
        changes = history(conn, ref.id)
        entries = [
            dict(r)
            for r in conn.execute(
                select(stage_entries)
                .where(stage_entries.c.person_id == ref.id)
                .order_by(stage_entries.c.first_entered_at)
            ).mappings()
        ]
    replayed = replay((c.from_stage, c.to_stage) for c in changes)
    if replayed != row["stage"]:
        raise InvalidInput(
            f"history replays to {replayed!r} but the person is in {row['stage']!r}",
            where=f"person {ref.email or ref.id}",
            hint="the store was edited outside LeadFlow; run `leadflow doctor`",
        )
    return PersonView(dict(row), changes, entries, replayed)
