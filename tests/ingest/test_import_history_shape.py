"""Set-based person import writes exactly the rows create_person_in + write_stage_change would write."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from leadflow.domain.lifecycle import find_transition, skipped_stages
from leadflow.services.context import Context
from leadflow.services.ingest import import_file
from leadflow.services.lifecycle import create_person_in, find_person
from leadflow.store.engine import reading, transaction
from leadflow.store.history import write_stage_change
from leadflow.store.tables import persons, stage_changes, stage_entries

CREATED = datetime.fromisoformat("2025-01-02T09:00:00+00:00")
MQL = datetime.fromisoformat("2025-01-10T10:00:00+00:00")
SQL = datetime.fromisoformat("2025-01-20T10:00:00+00:00")
SKIP = {"id", "person_id", "email", "external_id"}


def _rows(conn: Connection, email: str) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    person = dict(conn.execute(select(persons).where(persons.c.email == email)).mappings().one())
    changes = [
        {k: v for k, v in r.items() if k not in SKIP}
        for r in conn.execute(
            select(stage_changes)
            .where(stage_changes.c.person_id == person["id"])
            .order_by(stage_changes.c.id)
        ).mappings()
    ]
    entries = [
        {k: v for k, v in r.items() if k not in SKIP}
        for r in conn.execute(
            select(stage_entries)
            .where(stage_entries.c.person_id == person["id"])
            .order_by(stage_entries.c.stage)
        ).mappings()
    ]
    keep = ("stage", "stage_entered_at", "created_at", "updated_at", "version", "properties")
    return {k: person[k] for k in keep}, changes, entries


def test_imported_person_rows_match_the_lifecycle_engine(ctx: Context, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(
        "external_id,email,created_at,stage,entered_mql_at,entered_sql_at\n"
        f"x1,imported@acme.com,{CREATED.isoformat()},sql,{MQL.isoformat()},{SQL.isoformat()}\n",
        encoding="utf-8",
    )
    assert import_file(ctx, "persons", path).inserted == 1
    pb = ctx.playbook.model
    with transaction(ctx.engine) as conn:
        create_person_in(
            conn,
            ctx,
            {"email": "engine@acme.com", "external_id": "x2", "created_at": CREATED},
            at=CREATED,
            actor="import",
            source="import",
        )
        for target, at in (("mql", MQL), ("sql", SQL)):
            ref = find_person(conn, "engine@acme.com")
            t = find_transition(pb, ref.stage, target)
            write_stage_change(
                conn,
                person_id=ref.id,
                from_stage=ref.stage,
                to_stage=target,
                at=at,
                actor="import",
                actor_role="system",
                playbook_version=ctx.playbook.version,
                expected_version=ref.version,
                transition=t.name if t else None,
                skipped=skipped_stages(pb, ref.stage, target) or None,
                source="import",
            )
    with reading(ctx.engine) as conn:
        assert _rows(conn, "imported@acme.com") == _rows(conn, "engine@acme.com")
