"""Helpers every test area shares: PostgreSQL and shared-data guards, a migrated store, the fixed instant T0.

Imported as `lf_testing` (a unique module name: several test folders have a conftest.py of their own).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from leadflow.clock import FrozenClock
from leadflow.config import get_settings
from leadflow.services.context import Context, open_context
from leadflow.services.setup import init_database
from leadflow.store.engine import make_engine

PG_ADMIN_URL = os.environ.get("LEADFLOW_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
IN_CI = os.environ.get("CI", "").lower() == "true"
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday, mid-morning UTC


def _pg_available() -> str | None:
    try:
        eng = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 2})
        with eng.connect() as conn:
            conn.execute(text("SELECT 1"))
        eng.dispose()
        return None
    except Exception as exc:
        return f"PostgreSQL at {PG_ADMIN_URL} is not reachable ({type(exc).__name__}); run scripts/ensure-services"


_PG_PROBLEM: str | bool | None = False


def require_postgres() -> None:
    """Skip (or, in CI, fail) when PostgreSQL is not running."""
    global _PG_PROBLEM
    if _PG_PROBLEM is False:
        _PG_PROBLEM = _pg_available()
    if _PG_PROBLEM:
        if IN_CI:
            pytest.fail(f"CI=true but {_PG_PROBLEM}")
        pytest.skip(str(_PG_PROBLEM))


def require_shared_data(*parts: str) -> Path:
    """The path of a shared data set; skip (or fail in CI) when it is missing."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        if IN_CI:
            pytest.fail(f"CI=true but {path} is missing")
        pytest.skip(f"{path} is missing (the shared data sets are not on this machine)")
    return path


def make_context(url: str, clock: FrozenClock, playbook: Path | None = None) -> Context:
    """A migrated store at url with the playbook recorded."""
    settings = get_settings(database_url=url, playbook=playbook)
    ctx = open_context(settings, clock=clock, engine=make_engine(url))
    init_database(ctx)
    return ctx
