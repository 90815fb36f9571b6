"""The worker: named scheduled jobs (SLA sweep, outbox delivery, nurture steps...) run in turn.

Registry: each module listed in JOB_MODULES exposes `worker_jobs() -> list[Job]`; `default_jobs()` imports
them in order. To add jobs, write `worker_jobs()` in your module and append its dotted name to JOB_MODULES.
A job's last run is stored in `job_runs`, so a restarted worker keeps each job's rhythm.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from leadflow.store.engine import reading, transaction
from leadflow.store.tables import job_runs
from leadflow.store.upsert import upsert

if TYPE_CHECKING:
    from leadflow.services.context import Context

log = logging.getLogger(__name__)

# Modules contributing jobs, in the order they run. A module that is not installed yet is skipped.
JOB_MODULES: list[str] = [
    "leadflow.services.reaction_queue",  # reactions deferred by the API's ingest, before the sweeps
    "leadflow.services.sla_sweep",
    "leadflow.services.nurture_steps",  # queues nurture.step messages ...
    "leadflow.notify.delivery",  # ... which delivery then sends
]


@dataclass(frozen=True)
class Job:
    """A named unit of scheduled work: `run(ctx)` returns a JSON-ready summary; `every` is its rhythm."""

    name: str
    run: Callable[[Context], Mapping[str, Any]]
    every: timedelta = timedelta(minutes=1)
    description: str = ""


@dataclass(frozen=True)
class JobRun:
    """What one job did in one pass (or the error it raised)."""

    name: str
    started_at: datetime
    summary: Mapping[str, Any] = field(default_factory=dict)
    error: str | None = None
    skipped: bool = False


def default_jobs(modules: Iterable[str] | None = None) -> list[Job]:
    """The jobs of every registered module, in registry order (missing modules are skipped)."""
    jobs: list[Job] = []
    for name in modules if modules is not None else JOB_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                log.warning("worker: job module %s is not installed; skipped", name)
                continue
            raise
        jobs.extend(module.worker_jobs())
    return jobs


def _last_runs(ctx: Context) -> dict[str, datetime]:
    with reading(ctx.engine) as conn:
        return {r.job: r.last_run_at for r in conn.execute(select(job_runs.c.job, job_runs.c.last_run_at))}


def run_once(ctx: Context, jobs: Iterable[Job] | None = None, *, force: bool = True) -> list[JobRun]:
    """Run each job once (only the due ones unless force); a failing job is reported, the others still run."""
    todo = list(jobs) if jobs is not None else default_jobs()
    last = {} if force else _last_runs(ctx)
    runs: list[JobRun] = []
    for job in todo:
        now = ctx.clock.now()
        previous = last.get(job.name)
        if previous is not None and previous + job.every > now:
            runs.append(JobRun(job.name, now, skipped=True))
            continue
        try:
            summary = dict(job.run(ctx))
            error = None
        except Exception as exc:
            log.exception("worker: job %s failed", job.name)
            summary, error = {}, f"{type(exc).__name__}: {exc}"
        with transaction(ctx.engine) as conn:
            upsert(
                conn,
                job_runs,
                {"job": job.name},
                {"last_run_at": now, "detail": {"summary": _jsonable(summary), "error": error}},
            )
        runs.append(JobRun(job.name, now, summary, error))
    return runs


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def run_forever(
    ctx: Context,
    *,
    interval: float = 30.0,
    jobs: Iterable[Job] | None = None,
    stop: threading.Event | None = None,
    on_pass: Callable[[list[JobRun]], None] | None = None,
) -> None:
    """Run due jobs every `interval` seconds until `stop` is set (Ctrl-C in the CLI)."""
    todo = list(jobs) if jobs is not None else default_jobs()
    stop = stop or threading.Event()
    while not stop.is_set():
        runs = run_once(ctx, todo, force=False)
        if on_pass is not None:
            on_pass(runs)
        stop.wait(interval)
