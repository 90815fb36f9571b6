"""`leadflow leakage`: every person stuck between marketing and sales, with cause, owner and days stuck."""

from __future__ import annotations

import csv
import io
import json
from typing import Annotated

import typer
from rich.table import Table

from leadflow.cli.common import DbOption, PlaybookOption, console, context
from leadflow.errors import InvalidInput
from leadflow.services.leakage import LeakageReport, find_leakage

COLUMNS = ("cause", "person_id", "email", "name", "stage", "owner", "since", "days_stuck", "opportunity_id")


FORMATS = ("table", "csv", "json")


def check_format(fmt: str) -> str:
    """The output format, refused with a clear message when unknown."""
    if fmt not in FORMATS:
        raise InvalidInput(
            f"unknown format {fmt!r}", where="--format", hint=f"use one of {', '.join(FORMATS)}"
        )
    return fmt


def _records(report: LeakageReport) -> list[dict[str, object]]:
    return [
        {
            "cause": i.cause,
            "person_id": i.person_id,
            "email": i.email,
            "name": i.name,
            "stage": i.stage,
            "owner": i.owner,
            "since": i.since.isoformat(),
            "days_stuck": i.days_stuck,
            "opportunity_id": i.opportunity_id,
        }
        for i in report.items
    ]


def to_json(report: LeakageReport) -> str:
    """The report as one JSON document: as_of, counts, total, thresholds, items."""
    thresholds = [
        {
            "cause": t.cause,
            "sla": t.sla_id,
            "within": t.within,
            "checked": t.checked,
            "cutoff": t.cutoff.isoformat() if t.cutoff else None,
        }
        for t in report.thresholds
    ]
    document = {
        "as_of": report.as_of.isoformat(),
        "counts": report.counts,
        "total": report.total,
        "thresholds": thresholds,
        "items": _records(report),
    }
    return json.dumps(document, indent=2)


def to_csv(report: LeakageReport) -> str:
    """The leaking persons as CSV, one row per person and cause."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(_records(report))
    return out.getvalue()


def leakage(
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    limit: Annotated[int, typer.Option(help="Rows per cause in the table (csv and json list all).")] = 20,
    db: DbOption = None,
    playbook: PlaybookOption = None,
) -> None:
    """List every person in no-man's-land (unrouted, unanswered, not nurtured, untouched, stalled)."""
    check_format(fmt)
    report = find_leakage(context(db, playbook))
    if fmt == "json":
        typer.echo(to_json(report))
        return
    if fmt == "csv":
        typer.echo(to_csv(report), nl=False)
        return
    summary = Table(title=f"Leakage as of {report.as_of:%Y-%m-%d %H:%M} UTC")
    for col in ("Cause", "Count", "Threshold"):
        summary.add_column(col)
    for t in report.thresholds:
        rule = f"{t.within} ({t.sla_id})" if t.sla_id else (t.within or "no SLA in the playbook: not checked")
        summary.add_row(t.cause, str(report.counts.get(t.cause, 0)), rule)
    console.print(summary)
    for cause, count in report.counts.items():
        if not count:
            continue
        table = Table(title=f"{cause}: {count}")
        for col in ("Person", "Stage", "Owner", "Since (UTC)", "Days stuck"):
            table.add_column(col)
        rows = sorted(report.by_cause(cause), key=lambda leak: -leak.days_stuck)[:limit]
        for i in rows:
            who = i.email or i.name or (f"opportunity {i.opportunity_id}" if i.opportunity_id else "-")
            table.add_row(
                who, i.stage or "-", i.owner or "-", f"{i.since:%Y-%m-%d %H:%M}", f"{i.days_stuck:g}"
            )
        console.print(table)
        if count > limit:
            console.print(f"... and {count - limit} more (use --format csv for all)")


def register(app: typer.Typer) -> None:
    """Add `leakage`."""
    app.command("leakage")(leakage)
