"""`leadflow demo`: a believable company in ./leadflow-demo.db, a readable summary, then the dashboard."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from leadflow.cli.common import console
from leadflow.config import get_settings
from leadflow.services.context import open_context


def _pct(value: float | None) -> str:
    return (
        "-" if value is None or value != value else f"{value:.0%}"
    )  # NaN is the only value unequal to itself


def demo(
    path: Annotated[Path, typer.Option("--path", help="The demo database file (replaced).")] = Path(
        "leadflow-demo.db"
    ),
    people: Annotated[int, typer.Option(help="Leads to simulate over the year.")] = 4000,
    seed: Annotated[int, typer.Option(help="Simulation seed (same seed, same company).")] = 7,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the dashboard when done.")] = True,
    port: Annotated[int, typer.Option(help="Port for the dashboard.")] = 8000,
) -> None:
    """Build the demo database (a year of history + five live days) and print where the funnel leaks."""
    from leadflow.analytics import connect_store, make_filters
    from leadflow.analytics.funnel import funnel
    from leadflow.analytics.quality import sla_compliance
    from leadflow.services.demo import build_demo, remove_database, summary_rows
    from leadflow.services.leakage import find_leakage

    remove_database(path)
    url = f"sqlite:///{path}"
    ctx = open_context(get_settings(database_url=url, playbook=None))
    now = ctx.clock.now()
    with console.status("Simulating a year of marketing and sales, then three live days..."):
        report = build_demo(ctx, people=people, seed=seed, now=now)
    console.print(
        f"[bold]LeadFlow demo[/] in {path}: {report.loaded.get('persons', 0):,} people, "
        f"{report.loaded.get('activities', 0):,} activities, {report.loaded.get('opportunities', 0):,} deals, "
        f"{report.loaded.get('users', 0)} users."
    )
    per_stage = summary_rows(ctx)["per_stage"]
    t = Table(title="People per stage today")
    t.add_column("Stage")
    t.add_column("People", justify="right")
    for stage, n in per_stage.items():
        t.add_row(ctx.playbook.model.stage(stage).name, f"{n:,}")
    console.print(t)
    b = connect_store(ctx.engine, ctx.playbook.model)
    period = f"{(now - timedelta(days=365)).date()}..{now.date()}"
    fun = funnel(b, make_filters(period, now))
    t = Table(title=f"Stage-to-stage conversion, cohorts entering {period}")
    for col in ("Stage", "Entered", "Next", "Converted", "Median days", "To won"):
        t.add_column(col, justify="left" if col in ("Stage", "Next") else "right")
    for r in fun.itertuples():
        if r.stage in ctx.playbook.model.funnel_stages():
            days = "-" if r.to_next_p50_days != r.to_next_p50_days else f"{r.to_next_p50_days:.1f}"
            t.add_row(
                r.stage,
                f"{int(r.entered):,}",
                str(r.next_stage or "-"),
                _pct(r.to_next_rate),
                days,
                _pct(r.to_won_rate),
            )
    console.print(t)
    leak = find_leakage(ctx)
    t = Table(title=f"Where leads are stuck (leakage): {leak.total:,}")
    t.add_column("Cause")
    t.add_column("People", justify="right")
    for cause, n in leak.counts.items():
        t.add_row(cause.replace("_", " "), f"{n:,}")
    console.print(t)
    sla = sla_compliance(b, make_filters(f"{(now - timedelta(days=7)).date()}..{now.date()}", now))
    totals = sla[sla["sla_id"] == "(all)"]
    console.print(
        "SLA compliance this week: "
        + ", ".join(
            f"{r.team} {_pct(r.compliance)} ({int(r.breached)} breached)" for r in totals.itertuples()
        )
    )
    live = report.live
    console.print(
        f"Live days: {live['activities']} new activities, {live['batch_mqls']} MQLs from the rescoring, "
        f"{live['accepted']} accepted, {live['rejected_recycle']} recycled and "
        f"{live['rejected_disqualify']} disqualified by reps with a reason."
    )
    t = Table(title="Demo logins (password for all: " + report.logins[0][2] + ")")
    t.add_column("Role")
    t.add_column("Email")
    for role, email, _ in report.logins:
        t.add_row(role, email)
    console.print(t)
    if serve:
        from leadflow.cli.serve import serve as serve_cmd

        console.print(
            f"Open http://127.0.0.1:{port}/ and sign in with a login above. Ctrl-C stops the server."
        )
        serve_cmd(host="127.0.0.1", port=port, no_worker=False, demo=True, db=url, playbook=None)


def register(app: typer.Typer) -> None:
    """Add demo."""
    app.command("demo")(demo)
