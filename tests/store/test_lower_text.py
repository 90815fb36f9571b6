"""Activity types and channels are stored lower case whoever writes them (the batch scorer compares them
with the rules' lower-case values as they are), and the migration lowers what an older store holds."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import insert, select, text

from leadflow.services.context import Context
from leadflow.store.engine import make_engine, transaction
from leadflow.store.migrate import alembic_config, migrate
from leadflow.store.tables import activities, persons

NOW = datetime(2026, 3, 2, tzinfo=UTC)


def _person(conn: object) -> int:
    row = {
        "email": "a@acme.test",
        "stage": "lead",
        "stage_entered_at": NOW,
        "created_at": NOW,
        "updated_at": NOW,
    }
    return int(conn.execute(insert(persons).values(**row).returning(persons.c.id)).scalar_one())  # type: ignore[attr-defined]


def test_types_and_channels_are_written_lower_case(ctx: Context) -> None:
    with transaction(ctx.engine) as conn:
        pid = _person(conn)
        conn.execute(
            insert(activities).values(
                idempotency_key="k1",
                person_id=pid,
                type="Form_Submit",
                channel="Paid_Social",
                occurred_at=NOW,
            )
        )
        conn.execute(
            insert(activities).values(idempotency_key="k2", person_id=pid, type="call", occurred_at=NOW)
        )
        stored = conn.execute(text("SELECT type, channel FROM activities ORDER BY idempotency_key")).all()
        assert [tuple(r) for r in stored] == [("form_submit", "paid_social"), ("call", None)]
        # A filter on the column is lowered the same way, so it finds them.
        assert conn.execute(select(activities.c.id).where(activities.c.type == "FORM_SUBMIT")).all()


def test_migration_lowers_an_older_store(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0001")
        pid = _person(conn)
        for key, type_, channel in (
            ("a", "Page_View", "Email"),
            ("b", "page_view", None),
            ("c", "ÉVÉNEMENT", "x"),
        ):
            conn.execute(
                text(
                    "INSERT INTO activities (idempotency_key, person_id, type, channel, occurred_at)"
                    " VALUES (:k, :p, :t, :c, '2026-03-01 10:00:00')"
                ),
                {"k": key, "p": pid, "t": type_, "c": channel},
            )
    before, after = migrate(engine)
    assert (before, after) == ("0001", "0002")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT type, channel FROM activities ORDER BY idempotency_key")).all()
    assert [tuple(r) for r in rows] == [("page_view", "email"), ("page_view", None), ("événement", "x")]
    engine.dispose()
