"""Planting specific situations (stuck MQLs, slow accepts, odd histories) on top of the random funnel."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from leadflow.clock import as_utc
from leadflow.errors import InvalidInput

if TYPE_CHECKING:
    from leadflow.simulate.simulator import SimResult


@dataclass(frozen=True)
class PlantedMove:
    """One history row of a planted person: entering `stage` at `at`, by whom, why."""

    stage: str
    at: datetime
    actor: str = "system"
    actor_role: str = "system"
    transition: str | None = None
    reason: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PlantedPerson:
    """A person placed on purpose; history[0] is their creation (stage lead), the last row their stage now."""

    email: str
    history: tuple[PlantedMove, ...]
    account_id: int = 1
    owner_email: str | None = None
    title: str | None = None
    source_channel: str = "organic"
    sourced_by: str = "marketing"
    activities: tuple[tuple[str, datetime], ...] = ()  # (type, occurred_at)


def _ts(at: datetime) -> datetime:
    return as_utc(at).replace(tzinfo=None)


def _next_id(table: pa.Table) -> int:
    return int(pc.max(table.column("id")).as_py() or 0) + 1 if table.num_rows else 1


def _append(table: pa.Table, rows: list[dict[str, Any]]) -> pa.Table:
    if not rows:
        return table
    extra = pa.Table.from_pylist(
        [{c: r.get(c) for c in table.column_names} for r in rows], schema=table.schema
    )
    return pa.concat_tables([table, extra])


def plant(result: SimResult, planted: Sequence[PlantedPerson]) -> SimResult:
    """Append planted persons with their stage history, stage entries and activities (ids continue)."""
    t = result.tables
    users = {
        e: i
        for e, i in zip(
            t["users"].column("email").to_pylist(), t["users"].column("id").to_pylist(), strict=True
        )
    }
    version = str(result.ground_truth.get("playbook_version", ""))
    pid, cid, aid = _next_id(t["persons"]), _next_id(t["stage_changes"]), _next_id(t["activities"])
    persons: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    acts: list[dict[str, Any]] = []
    for person in planted:
        if not person.history or person.history[0].stage != "lead":
            raise InvalidInput(
                "a planted person's history must start with their creation in stage lead",
                where=f"planted person {person.email}",
                hint="history[0] = PlantedMove('lead', at)",
            )
        owner = users.get(person.owner_email) if person.owner_email else None
        if person.owner_email and owner is None:
            raise InvalidInput(
                f"no simulated user {person.owner_email!r}",
                where=f"planted person {person.email}",
                hint="use an email from the users table",
            )
        last = person.history[-1]
        persons.append(
            {
                "id": pid,
                "external_id": f"planted-{pid}",
                "email": person.email.strip().lower(),
                "title": person.title,
                "account_id": person.account_id,
                "source_channel": person.source_channel,
                "sourced_by": person.sourced_by,
                "stage": last.stage,
                "stage_entered_at": _ts(last.at),
                "owner_id": owner,
                "assigned_at": _ts(person.history[1].at) if owner and len(person.history) > 1 else None,
                "do_not_contact": False,
                "properties": "{}",
                "created_at": _ts(person.history[0].at),
                "updated_at": _ts(last.at),
                "version": len(person.history),
            }
        )
        seen: dict[str, dict[str, Any]] = {}
        prev: str | None = None
        for i, move in enumerate(person.history):
            fields = dict(move.fields)
            if move.reason and "reason" not in fields and "lost_reason" not in fields:
                fields["reason"] = move.reason
            changes.append(
                {
                    "id": cid,
                    "person_id": pid,
                    "from_stage": prev,
                    "to_stage": move.stage,
                    "at": _ts(move.at),
                    "transition": move.transition or ("create" if i == 0 else None),
                    "actor": move.actor,
                    "actor_role": move.actor_role,
                    "reason": move.reason,
                    "fields": json.dumps(fields),
                    "playbook_version": version,
                    "source": "simulator",
                }
            )
            cid += 1
            entry = seen.setdefault(
                move.stage,
                {"person_id": pid, "stage": move.stage, "first_entered_at": _ts(move.at), "times": 0},
            )
            entry["last_entered_at"] = _ts(move.at)
            entry["times"] += 1
            prev = move.stage
        entries.extend(seen.values())
        for kind, at in person.activities:
            acts.append(
                {
                    "id": aid,
                    "idempotency_key": f"planted-{aid:010d}",
                    "person_id": pid,
                    "type": kind,
                    "occurred_at": _ts(at),
                }
            )
            aid += 1
        pid += 1
    return result.with_tables(
        persons=_append(t["persons"], persons),
        stage_changes=_append(t["stage_changes"], changes),
        stage_entries=_append(t["stage_entries"], entries),
        activities=_append(t["activities"], acts),
    )
