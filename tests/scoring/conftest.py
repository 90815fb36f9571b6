"""Scoring fixtures: a playbook file exercising every rule feature, and the frozen time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from scoring_helpers import SCORING_YAML, playbook_with

from leadflow.clock import FrozenClock
from leadflow.config import get_settings
from leadflow.services.context import Context, open_context
from leadflow.services.setup import init_database
from leadflow.store.engine import make_engine


@pytest.fixture
def scoring_playbook(tmp_path: Path) -> Path:
    """A playbook file whose scoring section exercises every feature."""
    path = tmp_path / "scoring.yaml"
    path.write_text(playbook_with(SCORING_YAML), encoding="utf-8")
    return path


@pytest.fixture
def now(ctx: Context) -> datetime:
    """The frozen time of the context."""
    return ctx.clock.now()


def build_context(url: str, clock: FrozenClock, playbook: Path | None) -> Context:
    """A migrated store under the given playbook."""
    ctx = open_context(
        get_settings(database_url=url, playbook=playbook), clock=clock, engine=make_engine(url)
    )
    init_database(ctx)
    return ctx


@pytest.fixture
def sctx(store_url: str, clock: FrozenClock, scoring_playbook: Path) -> Iterator[Context]:
    """SQLite and PostgreSQL stores under the feature-complete scoring playbook."""
    ctx = build_context(store_url, clock, scoring_playbook)
    yield ctx
    ctx.engine.dispose()


@pytest.fixture
def sqlite_sctx(sqlite_url: str, clock: FrozenClock, scoring_playbook: Path) -> Iterator[Context]:
    """A SQLite store under the feature-complete scoring playbook."""
    ctx = build_context(sqlite_url, clock, scoring_playbook)
    yield ctx
    ctx.engine.dispose()
