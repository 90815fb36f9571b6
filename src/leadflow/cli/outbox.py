"""`leadflow outbox deliver|list|retry`: send due notifications, look at the outbox, revive dead messages."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from leadflow.cli.common import DbOption, console, context
from leadflow.notify.delivery import deliver_due
from leadflow.notify.outbox import count_by_status, list_messages, retry

outbox_app = typer.Typer(help="Notifications waiting, delivered and dead.", no_args_is_help=True)


@outbox_app.command("deliver")
def deliver_cmd(
    limit: Annotated[int, typer.Option(help="Most messages to send in this run.")] = 1000,
    as_json: Annotated[bool, typer.Option("--json", help="Print the delivery report as JSON.")] = False,
    db: DbOption = None,
) -> None:
    """Send the messages that are due now (what the worker does every few seconds)."""
    report = deliver_due(context(db), limit=limit)
    if as_json:
        typer.echo(json.dumps(report.as_dict()))
        return
    r = report
    console.print(f"claimed {r.claimed}: delivered {r.delivered}, retry later {r.retried}, dead {r.dead}")
    for message_id, reason in report.errors[:10]:
        console.print(f"  {message_id}: {reason}", markup=False, highlight=False)


@outbox_app.command("list")
def list_cmd(
    status: Annotated[str | None, typer.Option(help="pending, delivered or dead.")] = None,
    limit: Annotated[int, typer.Option(help="Newest messages to show.")] = 50,
    db: DbOption = None,
) -> None:
    """Show the newest messages with their status, tries and last error."""
    ctx = context(db)
    rows = list_messages(ctx, status=status, limit=limit)
    counts = count_by_status(ctx)
    table = Table(title=", ".join(f"{k} {v}" for k, v in counts.items()))
    for col in (
        "Message id",
        "Event",
        "Channel",
        "Recipient",
        "Status",
        "Tries",
        "Next try (UTC)",
        "Last error",
    ):
        table.add_column(col)
    for m in rows:
        table.add_row(
            m.message_id,
            m.event,
            m.channel,
            m.recipient,
            m.status,
            str(m.attempts),
            f"{m.next_attempt_at:%Y-%m-%d %H:%M}" if m.status == "pending" else "-",
            (m.last_error or "")[:80],
        )
    console.print(table)


@outbox_app.command("retry")
def retry_cmd(
    message_ids: Annotated[list[str] | None, typer.Argument(help="Message ids of dead messages.")] = None,
    all_dead: Annotated[bool, typer.Option("--all-dead", help="Retry every dead message.")] = False,
    db: DbOption = None,
) -> None:
    """Give dead messages a fresh set of tries, due now (after fixing the endpoint or the secret)."""
    revived = retry(context(db), message_ids or [], all_dead=all_dead)
    console.print(f"{revived} message(s) pending again")


def register(app: typer.Typer) -> None:
    """Add the `outbox` group."""
    app.add_typer(outbox_app, name="outbox")
