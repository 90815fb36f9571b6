"""Create or upgrade a database to the newest schema with Alembic, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from leadflow.store.engine import check_reachable


def alembic_config(connection: object | None = None) -> Config:
    """Alembic settings pointing at the migrations shipped inside the package."""
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("leadflow.store").joinpath("migrations")))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest migration shipped with this LeadFlow."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at (None when it was never initialised)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: Engine) -> tuple[str | None, str]:
    """Upgrade the database to head; returns (revision before, revision after)."""
    check_reachable(engine)
    before = current_revision(engine)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    return before, head_revision()
