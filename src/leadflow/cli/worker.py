"""`leadflow worker`: run the scheduled jobs (SLA sweep, routing retries, outbox delivery, nurture...)."""

from __future__ import annotations

import gc
import json
from typing import Annotated

import typer

from leadflow.cli.common import DbOption, PlaybookOption, console, context
from leadflow.errors import InvalidInput
from leadflow.services.worker import JobRun, default_jobs, run_forever, run_once


def _print(runs: list[JobRun]) -> None:
    for run in runs:
        if run.skipped:
            continue
        state = f"[red]failed: {run.error}[/]" if run.error else json.dumps(dict(run.summary), default=str)
        console.print(f"{run.started_at:%Y-%m-%d %H:%M:%S} {run.name}: {state}", highlight=False)


def worker(
    once: Annotated[bool, typer.Option("--once", help="Run every job once and exit.")] = False,
    interval: Annotated[float, typer.Option(help="Seconds between two passes.")] = 30.0,
    job: Annotated[list[str] | None, typer.Option(help="Only these jobs (repeatable).")] = None,
    db: DbOption = None,
    playbook: PlaybookOption = None,
) -> None:
    """Run the worker's jobs: every --interval seconds (each job at its own rhythm), or once with --once."""
    ctx = context(db, playbook)
    jobs = default_jobs()
    # A long-lived process: move everything imported so far out of the cyclic GC's sight, so bulk sweeps
    # (thousands of breaches and messages) do not pay for rescanning the libraries' objects.
    gc.freeze()
    if job:
        unknown = sorted(set(job) - {j.name for j in jobs})
        if unknown:
            raise InvalidInput(
                f"unknown job {', '.join(unknown)}",
                where="--job",
                hint="jobs: " + ", ".join(j.name for j in jobs),
            )
        jobs = [j for j in jobs if j.name in job]
    if once:
        runs = run_once(ctx, jobs, force=True)
        _print(runs)
        if any(r.error for r in runs):
            raise typer.Exit(1)
        return
    console.print(f"worker: {', '.join(j.name for j in jobs)} every {interval:g}s (Ctrl-C stops)")
    run_forever(ctx, interval=interval, jobs=jobs, on_pass=_print)


def register(app: typer.Typer) -> None:
    """Add `worker`."""
    app.command("worker")(worker)
