"""Creating or upgrading a database and recording the playbook version in force."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select, update

from leadflow.services.context import Context
from leadflow.store.engine import transaction
from leadflow.store.migrate import migrate
from leadflow.store.tables import playbook_versions


@dataclass(frozen=True)
class InitResult:
    """What `leadflow init` did."""

    url: str
    revision_before: str | None
    revision_after: str
    playbook_version: str
    playbook_recorded: bool


def record_playbook(ctx: Context) -> bool:
    """Make the context's playbook the active version in the store (True when it was new or not active)."""
    pb = ctx.playbook
    with transaction(ctx.engine) as conn:
        status = conn.execute(
            select(playbook_versions.c.status).where(playbook_versions.c.version == pb.version)
        ).scalar_one_or_none()
        if status == "active":
            return False
        now = ctx.clock.now()
        conn.execute(
            update(playbook_versions)
            .where(playbook_versions.c.status == "active")
            .values(status="superseded")
        )
        if status is None:
            conn.execute(
                insert(playbook_versions).values(
                    version=pb.version,
                    name=pb.model.name,
                    text=pb.text,
                    status="active",
                    note=pb.model.version_note,
                    created_at=now,
                    activated_at=now,
                )
            )
        else:
            conn.execute(
                update(playbook_versions)
                .where(playbook_versions.c.version == pb.version)
                .values(status="active", activated_at=now)
            )
        return True


def init_database(ctx: Context) -> InitResult:
    """Migrate the store to the newest schema and record the playbook in force."""
    before, after = migrate(ctx.engine)
    recorded = record_playbook(ctx)
    return InitResult(
        ctx.engine.url.render_as_string(hide_password=True), before, after, ctx.playbook.version, recorded
    )
