"""`leadflow sla report`: SLA compliance per team, rep and SLA for a period (table, csv or json)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, time
from typing import Annotated

import typer
from rich.table import Table

from leadflow.cli.common import DbOption, PlaybookOption, console, context
from leadflow.errors import InvalidInput
from leadflow.services.sla_report import Compliance, sla_report

sla_app = typer.Typer(help="Service-level agreements: compliance on both sides.", no_args_is_help=True)


def _day(text: str | None, option: str) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.combine(date.fromisoformat(text), time(0), tzinfo=UTC)
    except ValueError:
        raise InvalidInput(f"{text!r} is not a date", where=option, hint="write YYYY-MM-DD") from None


def _rate(c: Compliance) -> str:
    return "-" if c.compliance is None else f"{c.compliance:.0%}"


@sla_app.command("report")
def report(
    start: Annotated[
        str | None, typer.Option("--from", help="First day (YYYY-MM-DD), default 30 days ago.")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Day after the last (YYYY-MM-DD), default now.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    db: DbOption = None,
    playbook: PlaybookOption = None,
) -> None:
    """Compliance of deadlines started in the period (met on time, breached, overdue) per SLA, team, rep."""
    if fmt not in ("table", "csv", "json"):
        raise InvalidInput(f"unknown format {fmt!r}", where="--format", hint="use table, csv or json")
    rep = sla_report(context(db, playbook), _day(start, "--from"), _day(end, "--to"))
    if fmt == "json":
        console.print_json(
            json.dumps(
                {
                    "from": rep.start.isoformat(),
                    "to": rep.end.isoformat(),
                    "as_of": rep.as_of.isoformat(),
                    "rows": [r.as_dict() for r in rep.rows],
                    "by_sla": [r.as_dict() for r in rep.by_sla],
                    "by_team": [r.as_dict() for r in rep.by_team],
                }
            )
        )
        return
    if fmt == "csv":
        out = io.StringIO()
        fields = [
            "sla_id",
            "side",
            "team",
            "rep",
            "total",
            "met_on_time",
            "breached",
            "open_overdue",
            "open",
            "cancelled",
            "compliance",
        ]
        writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for r in [*rep.rows, *rep.by_sla, *rep.by_team]:
            writer.writerow(r.as_dict())
        typer.echo(out.getvalue(), nl=False)
        return
    for title, rows in (
        ("SLA compliance by SLA, team and rep", rep.rows),
        ("Totals per SLA", rep.by_sla),
        ("Totals per team", rep.by_team),
    ):
        table = Table(title=f"{title}: {rep.start:%Y-%m-%d} .. {rep.end:%Y-%m-%d}")
        for col in (
            "SLA",
            "Side",
            "Team",
            "Rep",
            "Total",
            "Met on time",
            "Breached",
            "Open overdue",
            "Open",
            "Cancelled",
            "Compliance",
        ):
            table.add_column(col)
        for r in rows:
            c = r.counts
            table.add_row(
                r.sla_id,
                r.side,
                r.team,
                r.rep,
                str(r.total),
                str(c["met_on_time"]),
                str(c["breached"]),
                str(c["open_overdue"]),
                str(c["open"]),
                str(c["cancelled"]),
                _rate(r),
            )
        console.print(table)


def register(app: typer.Typer) -> None:
    """Add the `sla` group."""
    app.add_typer(sla_app, name="sla")
