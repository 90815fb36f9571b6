"""What commands share: building the context, the console, and output formats."""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from leadflow.config import get_settings
from leadflow.services.context import Context, open_context

PIPED_WIDTH = 200  # tables written to a file or pipe are not cut at 80 columns


def make_console(*, stderr: bool = False) -> Console:
    """A Rich console; when output is not a terminal (a pipe, a file, CI) tables get room instead of ellipses."""
    stream = sys.stderr if stderr else sys.stdout
    piped = not stream.isatty() and "COLUMNS" not in os.environ
    return Console(soft_wrap=True, stderr=stderr, width=PIPED_WIDTH if piped else None)


console = make_console()

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: LEADFLOW_DATABASE_URL or sqlite:///./leadflow.db)."),
]
PlaybookOption = Annotated[
    Path | None,
    typer.Option(
        "--playbook", help="Playbook YAML (default: the store's active one, else the shipped default)."
    ),
]


def context(db: str | None = None, playbook: Path | None = None) -> Context:
    """A context from the environment, with command-line overrides."""
    overrides: dict[str, object] = {}
    if db:
        overrides["database_url"] = db
    if playbook:
        overrides["playbook"] = playbook
    return open_context(get_settings(**overrides))


def as_of_instant(text: str | None) -> datetime | None:
    """The --as-of option as an aware UTC instant (None when not given); a clear error when unreadable."""
    from leadflow.clock import as_utc
    from leadflow.errors import InvalidInput

    if not text:
        return None
    try:
        return as_utc(datetime.fromisoformat(text))
    except ValueError:
        raise InvalidInput(
            f"{text!r} is not a date or time", where="--as-of", hint="write 2026-03-31 or 2026-03-31T18:00"
        ) from None
