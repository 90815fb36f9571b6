"""What every service needs: the store engine, the playbook in force, the clock and the settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select

from leadflow.clock import Clock, SystemClock
from leadflow.config import Settings, get_settings
from leadflow.playbook import LoadedPlaybook, load_playbook, parse_playbook
from leadflow.store.engine import make_engine
from leadflow.store.tables import playbook_versions


@dataclass(frozen=True)
class Context:
    """The dependencies of a use case, built once per process (CLI command, web app, worker)."""

    engine: Engine
    playbook: LoadedPlaybook
    clock: Clock
    settings: Settings

    def with_playbook(self, playbook: LoadedPlaybook) -> Context:
        """The same context under another playbook (backtests, proposals)."""
        return Context(self.engine, playbook, self.clock, self.settings)


def active_playbook(engine: Engine, path: Path | None) -> LoadedPlaybook:
    """The playbook in force: an explicit file, else the store's active version, else the shipped default."""
    if path is not None:
        return load_playbook(path)
    try:
        with engine.connect() as conn:
            text = conn.execute(
                select(playbook_versions.c.text).where(playbook_versions.c.status == "active")
            ).scalar_one_or_none()
    except Exception:
        text = None
    if text:
        return parse_playbook(text, "store:active playbook")
    return load_playbook(None)


def open_context(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    engine: Engine | None = None,
    playbook: LoadedPlaybook | None = None,
) -> Context:
    """Build a context from settings (the environment by default)."""
    settings = settings or get_settings()
    engine = engine or make_engine(settings.database_url)
    playbook = playbook or active_playbook(engine, settings.playbook)
    return Context(engine, playbook, clock or SystemClock(), settings)
