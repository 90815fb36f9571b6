"""`leadflow nurture due|send|export|enroll-backlog`: nurture steps, sent or handed to the marketing tool."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from leadflow.cli.common import DbOption, console, context
from leadflow.services.nurture import enroll_backlog
from leadflow.services.nurture_steps import NurtureRun, due_steps, export_due, send_due

nurture_app = typer.Typer(help="Nurture tracks of recycled persons.", no_args_is_help=True)


def _print_run(run: NurtureRun) -> None:
    console.print(
        f"sent {run.sent}, skipped {run.skipped} (do not contact), tracks completed {run.completed}; "
        f"still due {run.waiting}; destination {run.destination or 'none configured (use nurture export)'}",
        markup=False,
        highlight=False,
    )


@nurture_app.command("due")
def due_cmd(
    limit: Annotated[int, typer.Option(help="Most steps to list.")] = 100,
    db: DbOption = None,
) -> None:
    """List the nurture steps due now."""
    steps = due_steps(context(db), limit=limit)
    table = Table(title=f"{len(steps)} nurture step(s) due")
    for col in ("Person", "Track", "Step", "Asset", "Due (UTC)"):
        table.add_column(col)
    for s in steps:
        who = s.email or str(s.person_id)
        if s.do_not_contact:
            who += " (do not contact)"
        table.add_row(who, s.track, str(s.step), s.asset, f"{s.due_at:%Y-%m-%d %H:%M}")
    console.print(table)


@nurture_app.command("send")
def send_cmd(
    limit: Annotated[int, typer.Option(help="Most steps to send.")] = 1000,
    db: DbOption = None,
) -> None:
    """Queue the due steps as nurture.step messages to LEADFLOW_NURTURE_WEBHOOK_URL or _NURTURE_EMAIL."""
    _print_run(send_due(context(db), limit=limit))


@nurture_app.command("export")
def export_cmd(
    out: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    mark_sent: Annotated[bool, typer.Option(help="Record the exported steps as sent.")] = True,
    db: DbOption = None,
) -> None:
    """Write the due steps to a CSV for the marketing tool (and record them as sent)."""
    run = export_due(context(db), out, mark_sent=mark_sent)
    _print_run(run)


@nurture_app.command("enroll-backlog")
def backlog_cmd(db: DbOption = None) -> None:
    """Enrol everyone in a nurture stage who has no enrolment since entering it (e.g. after an import)."""
    result = enroll_backlog(context(db))
    console.print(f"enrolled {result.enrolled}")
    for reason, count in sorted(result.unmatched.items()):
        console.print(
            f"  no track matches reason {reason!r}: {count} person(s)", markup=False, highlight=False
        )


def register(app: typer.Typer) -> None:
    """Add the `nurture` group."""
    app.add_typer(nurture_app, name="nurture")
