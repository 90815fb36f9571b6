"""Shared fixtures: a migrated store on SQLite and on PostgreSQL, a frozen clock, the CLI runner."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from leadflow.clock import FrozenClock
from leadflow.services.context import Context
from lf_testing import (
    IN_CI,
    PG_ADMIN_URL,
    SHARED_DATA,
    T0,
    make_context,
    require_postgres,
    require_shared_data,
)

__all__ = ["IN_CI", "SHARED_DATA", "T0", "make_context", "require_postgres", "require_shared_data"]


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_ADMIN_URL else "?"
    yield f"{PG_ADMIN_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite file."""
    return f"sqlite:///{tmp_path / 'leadflow.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'leadflow.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def clock() -> FrozenClock:
    """A clock frozen at T0 (Monday 2026-03-02 10:00 UTC)."""
    return FrozenClock(T0)


@pytest.fixture
def ctx(store_url: str, clock: FrozenClock) -> Iterator[Context]:
    """A migrated store (SQLite and PostgreSQL) under the default playbook and a frozen clock."""
    context = make_context(store_url, clock)
    yield context
    context.engine.dispose()


@pytest.fixture
def sqlite_ctx(sqlite_url: str, clock: FrozenClock) -> Iterator[Context]:
    """A migrated SQLite store only (for tests whose logic does not depend on the engine)."""
    context = make_context(sqlite_url, clock)
    yield context
    context.engine.dispose()


class CliResult:
    """Exit code and captured output of one `leadflow` run."""

    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> object:
    """Run the real CLI entry point in-process: cli("playbook", "check") -> CliResult."""
    from leadflow.cli import common
    from leadflow.cli.main import run

    # Tables as wide as a pipe gets them: test workers set COLUMNS=80, which would cut cells to ellipses.
    monkeypatch.setattr(common.console, "width", common.PIPED_WIDTH)

    def invoke(*args: str, env: dict[str, str] | None = None) -> CliResult:
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, value)
        capsys.readouterr()
        code = 0
        try:
            run(list(args))
        except SystemExit as exc:
            code = int(exc.code or 0) if not isinstance(exc.code, str) else 1
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return invoke
