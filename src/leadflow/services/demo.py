"""The demo: a simulated company's year of history, then three live days run by the real engine.

History comes from the simulator (bulk-loaded as imported history). The last three days are played
through the services with a moving clock: new engagement arrives, scoring makes MQLs, routing assigns
them, reps accept or reject some with reasons, the worker sweeps SLA deadlines (breaches on both
sides), recycled leads enter nurture; so every screen has something true to show.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select

from leadflow.clock import FrozenClock
from leadflow.errors import LeadflowError
from leadflow.services.context import Context
from leadflow.services.ingest.events import ingest_activities
from leadflow.services.scoring_batch import run_batch
from leadflow.services.setup import init_database
from leadflow.services.users import create_user, update_user
from leadflow.services.worker import default_jobs, run_once
from leadflow.simulate import SimConfig, simulate
from leadflow.simulate.bulk import load_into_store
from leadflow.store.engine import reading
from leadflow.store.tables import persons, users

DEMO_PASSWORD = "leadflow-demo"
LIVE_DAYS = 5  # at least three business days whatever the weekday, so multi-day SLAs can breach
ROLES_TO_SHOW = ("sales", "sales_manager", "marketing", "marketing_lead")


@dataclass
class DemoReport:
    """What the demo built: counts, logins and what happened in the live days."""

    database: str
    people: int
    loaded: dict[str, int]
    logins: list[tuple[str, str, str]]
    live: Counter[str] = field(default_factory=Counter)
    started: datetime | None = None
    ended: datetime | None = None


def _demo_logins(ctx: Context) -> list[tuple[str, str, str]]:
    """Give one user of each role the demo password, and add an admin."""
    logins = []
    with reading(ctx.engine) as conn:
        for role in ROLES_TO_SHOW:
            query = select(users.c.id, users.c.email).where(users.c.role == role, users.c.active.is_(True))
            if role == "sales":
                # the rep with the fullest queue makes the best first impression
                busiest = (
                    select(persons.c.owner_id, func.count().label("n"))
                    .where(persons.c.stage == "mql")
                    .group_by(persons.c.owner_id)
                    .subquery()
                )
                query = query.outerjoin(busiest, busiest.c.owner_id == users.c.id).order_by(
                    func.coalesce(busiest.c.n, 0).desc(), users.c.id
                )
            row = conn.execute(query.order_by(users.c.id).limit(1)).first()
            if row is not None:
                logins.append((role, row.email, int(row.id)))
    for _, _, uid in logins:
        update_user(ctx, uid, {"password": DEMO_PASSWORD}, actor="demo")
    create_user(
        ctx,
        {
            "email": "admin@leadflow-sim.example",
            "name": "Demo Admin",
            "role": "admin",
            "password": DEMO_PASSWORD,
        },
        actor="demo",
    )
    return [(role, email, DEMO_PASSWORD) for role, email, _ in logins] + [
        ("admin", "admin@leadflow-sim.example", DEMO_PASSWORD)
    ]


def _live_days(
    ctx: Context, start: datetime, end: datetime, rng: np.random.Generator, report: DemoReport
) -> None:
    """Live days of engagement, decisions and sweeps, every two hours of the working day.

    Reps work their queues except on the last day, so the queue and the sales SLA clocks have something
    running; marketing disputes a few rejections and answers only some. The outbox is left for the real
    worker: nobody is listening to the demo company's email.
    """
    from leadflow.services import disputes, queue

    clock = FrozenClock(start)
    live = Context(ctx.engine, ctx.playbook, clock, ctx.settings)
    report.live["batch_mqls"] += run_batch(live).mqls
    with reading(ctx.engine) as conn:
        leads = [
            int(i) for i in conn.execute(select(persons.c.id).where(persons.c.stage == "lead")).scalars()
        ]
    reasons = ctx.playbook.model.rejection_reasons
    jobs = [job for job in default_jobs() if job.name != "outbox_delivery"]
    with reading(ctx.engine) as conn:
        marketers = [
            int(i)
            for i in conn.execute(
                select(users.c.id)
                .where(users.c.role.in_(("marketing", "marketing_lead")), users.c.active.is_(True))
                .order_by(users.c.id)
            ).scalars()
        ]
        resolvers = [
            int(i)
            for i in conn.execute(
                select(users.c.id)
                .where(users.c.role == "sales_manager", users.c.active.is_(True))
                .order_by(users.c.id)
            ).scalars()
        ]
    for day in range(LIVE_DAYS):
        for hour in range(8, 18, 2):
            clock.set(start.replace(hour=0, minute=0) + timedelta(days=day, hours=hour))
            # new engagement from a handful of leads: scoring may make them MQLs, routing assigns them
            sample: list[int] = (
                [int(x) for x in rng.choice(leads, size=min(12, len(leads)), replace=False)] if leads else []
            )
            records = [
                {
                    "person_id": int(pid),
                    "type": str(rng.choice(["demo_request", "form_submit", "webinar_attended", "page_view"])),
                    "url": "/pricing",
                    "channel": "organic",
                    "occurred_at": clock.now().isoformat(),
                    "event_id": f"demo-{day}-{hour}-{pid}",
                }
                for pid in sample
            ]
            summary = ingest_activities(live, records)
            report.live["activities"] += summary.accepted
            # reps work part of their queue: accept most, return some with a reason, leave the rest
            with reading(ctx.engine) as conn:
                mqls = conn.execute(
                    select(persons.c.id, persons.c.owner_id).where(
                        persons.c.stage == "mql", persons.c.owner_id.is_not(None)
                    )
                ).all()
            for pid, owner in mqls if day < LIVE_DAYS - 1 else []:
                roll = rng.random()
                try:
                    if roll < 0.25:
                        queue.accept(live, int(pid), int(owner))
                        report.live["accepted"] += 1
                        if rng.random() < 0.6:  # most reps call soon after accepting (the first-touch SLA)
                            call = {
                                "person_id": int(pid),
                                "type": "call",
                                "channel": "outbound",
                                "occurred_at": clock.now().isoformat(),
                                "event_id": f"demo-call-{pid}",
                            }
                            report.live["calls"] += ingest_activities(live, [call]).accepted
                    elif roll < 0.35:
                        lst = "recycle" if rng.random() < 0.7 else "disqualify"
                        reason = str(rng.choice(reasons[lst]))
                        queue.reject(live, int(pid), int(owner), reason, note="demo: rep's call notes")
                        report.live["rejected_" + lst] += 1
                        if marketers and resolvers and rng.random() < 0.3:
                            opened = disputes.dispute(
                                live,
                                int(pid),
                                marketers[0],
                                note="demo: this lead asked for a demo twice last week",
                            )
                            report.live["disputed"] += 1
                            if rng.random() < 0.5:
                                disputes.resolve_dispute(
                                    live,
                                    opened.id,
                                    resolvers[0],
                                    "upheld",
                                    note="demo: agreed, nurture first",
                                )
                except LeadflowError:
                    report.live["conflicts"] += 1
            for job in run_once(live, jobs, force=True):
                for key, value in job.summary.items():
                    if isinstance(value, int) and key in (
                        "breached",
                        "reassigned",
                        "enrolled",
                        "routed",
                        "sent",
                    ):
                        report.live[f"{job.name}.{key}"] += value
    # the last sweep happens now, with nobody working the queue since yesterday evening
    clock.set(max(clock.now(), end))
    for job in run_once(live, jobs, force=True):
        for key, value in job.summary.items():
            if isinstance(value, int) and key in ("breached", "reassigned", "enrolled", "routed", "sent"):
                report.live[f"{job.name}.{key}"] += value
    report.ended = clock.now()


def build_demo(ctx: Context, *, people: int = 4000, seed: int = 7, now: datetime) -> DemoReport:
    """Simulate a year ending three days before now, load it, then run the three live days up to now."""
    init_database(ctx)
    live_start = (now - timedelta(days=LIVE_DAYS)).replace(minute=0, second=0, microsecond=0)
    sim_start = live_start - timedelta(days=365)
    result = simulate(SimConfig(people=people, seed=seed, months=12, start=sim_start), ctx.playbook)
    loaded = load_into_store(ctx, result)
    report = DemoReport(
        ctx.engine.url.render_as_string(hide_password=True),
        people,
        dict(loaded.rows),
        _demo_logins(ctx),
        started=live_start,
    )
    _live_days(ctx, live_start, now, np.random.default_rng(seed), report)
    return report


def remove_database(path: Path) -> None:
    """Delete a SQLite file and its WAL companions (the demo always starts clean)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def summary_rows(ctx: Context) -> dict[str, Any]:
    """People per stage, for the printed summary."""
    with reading(ctx.engine) as conn:
        per_stage: dict[str, int] = {
            str(s): int(n)
            for s, n in conn.execute(select(persons.c.stage, func.count()).group_by(persons.c.stage))
        }
    return {"per_stage": {s: int(per_stage.get(s, 0)) for s in ctx.playbook.model.stage_ids()}}
