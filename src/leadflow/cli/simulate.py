"""`leadflow simulate` (a synthetic funnel with known ground truth) and `leadflow export parquet`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from leadflow.cli.common import DbOption, PlaybookOption, console, context
from leadflow.errors import InvalidInput
from leadflow.playbook import load_playbook

export_app = typer.Typer(help="Dump the store for analytics engines.", no_args_is_help=True)


def _start(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError:
        raise InvalidInput(
            f"--start {text!r} is not a date", where="--start", hint="write e.g. 2025-12-01"
        ) from None


def simulate_cmd(
    people: Annotated[int, typer.Option("--people", help="How many persons (leads) to simulate.")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: the same seed gives the same data.")] = 1,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write Parquet tables, ground_truth.json and hubspot/*.csv here."),
    ] = None,
    db: DbOption = None,
    months: Annotated[int, typer.Option("--months", help="Length of the simulated window.")] = 12,
    start: Annotated[str, typer.Option("--start", help="First day of the window (UTC).")] = "2025-12-01",
    hubspot: Annotated[
        bool, typer.Option("--hubspot/--no-hubspot", help="Also write HubSpot-format CSV.")
    ] = True,
    playbook: PlaybookOption = None,
) -> None:
    """Generate a realistic B2B funnel with known conversion rates (the ground truth is written too)."""
    from leadflow.simulate.config import SimConfig  # numpy/pyarrow load only when simulating
    from leadflow.simulate.run import run_simulation

    config = SimConfig(people=people, seed=seed, months=months, start=_start(start))
    ctx = context(db, playbook) if db else None
    chosen = ctx.playbook if ctx is not None else (load_playbook(playbook) if playbook else None)
    report = run_simulation(config, out=out, ctx=ctx, hubspot=hubspot, playbook=chosen)
    rows = report.result.ground_truth["realised"]["rows"]
    table = Table(
        title=f"Simulated {people:,} persons, seed {seed}, {config.start:%Y-%m-%d} to {config.end:%Y-%m-%d}"
    )
    table.add_column("Table")
    table.add_column("Rows", justify="right")
    for name, count in rows.items():
        table.add_row(name, f"{count:,}")
    console.print(table)
    if out is not None:
        console.print(f"wrote {out} (Parquet, ground_truth.json" + (", hubspot/*.csv)" if hubspot else ")"))
    if ctx is not None:
        console.print(f"loaded {ctx.engine.url.render_as_string(hide_password=True)}")
    timing = ", ".join(f"{k} {v:.1f}s" for k, v in report.seconds.items())
    console.print(f"{timing}; analytics on this data should use {config.end:%Y-%m-%d %H:%M} UTC as 'now'")


@export_app.command("parquet")
def export_parquet_cmd(
    out: Annotated[Path, typer.Argument(help="Directory for <table>.parquet files.")],
    db: DbOption = None,
    table: Annotated[
        list[str] | None, typer.Option("--table", help="Only these tables (repeatable).")
    ] = None,
) -> None:
    """Dump every store table to DIR/<table>.parquet (chunked; timestamps naive UTC, JSON as text)."""
    from leadflow.store.export import export_parquet

    ctx = context(db)
    report = export_parquet(ctx.engine, out, table)
    total = sum(report.rows.values())
    console.print(f"wrote {len(report.files)} tables, {total:,} rows to {out}")


def register(app: typer.Typer) -> None:
    """Add simulate and export."""
    app.command("simulate")(simulate_cmd)
    app.add_typer(export_app, name="export")
