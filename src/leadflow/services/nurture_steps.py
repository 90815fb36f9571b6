"""Due nurture steps: list them, send them as `nurture.step` outbox messages, or export them as CSV."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, exists, func, select, update

from leadflow.config import Settings
from leadflow.errors import InvalidInput
from leadflow.notify.outbox import enqueue_many
from leadflow.services.nurture import STEP_EVENT
from leadflow.store.engine import reading, transaction
from leadflow.store.tables import assets, nurture_enrollments, nurture_steps, persons

if TYPE_CHECKING:
    from leadflow.services.context import Context
    from leadflow.services.worker import Job


@dataclass(frozen=True)
class DueStep:
    """A nurture step whose time has come, with what the marketing tool needs to send it."""

    step_id: int
    enrollment_id: int
    person_id: int
    email: str | None
    first_name: str | None
    last_name: str | None
    persona: str | None
    track: str
    step: int
    asset: str
    asset_url: str | None
    due_at: datetime
    do_not_contact: bool


@dataclass(frozen=True)
class NurtureRun:
    """What one send or export did: steps sent, skipped (do not contact), tracks completed, still due."""

    sent: int
    skipped: int
    completed: int
    waiting: int
    destination: (
        str | None
    )  # "webhook:<url>", "email:<address>", "export:<file>" or None (nothing configured)


def destination(settings: Settings) -> tuple[str, str] | None:
    """Where nurture.step messages go: the marketing tool's webhook, else its inbound email, else nowhere."""
    if settings.nurture_webhook_url:
        return "webhook", settings.nurture_webhook_url
    if settings.nurture_email:
        return "email", settings.nurture_email
    return None


def due_steps_in(conn: Connection, now: datetime, limit: int | None = None) -> list[DueStep]:
    """Steps still due at `now` of active enrolments, oldest first."""
    ns, ne, p = nurture_steps, nurture_enrollments, persons
    query = (
        select(
            ns.c.id,
            ne.c.id,
            p.c.id,
            p.c.email,
            p.c.first_name,
            p.c.last_name,
            p.c.persona,
            ne.c.track_id,
            ns.c.step,
            ns.c.asset,
            assets.c.url,
            ns.c.due_at,
            p.c.do_not_contact,
        )
        .select_from(
            ns.join(ne, ne.c.id == ns.c.enrollment_id)
            .join(p, p.c.id == ne.c.person_id)
            .outerjoin(assets, assets.c.external_id == ns.c.asset)
        )
        .where(ns.c.status == "due", ns.c.due_at <= now, ne.c.status == "active")
        .order_by(ns.c.due_at, ns.c.id)
    )
    if limit is not None:
        query = query.limit(limit)
    out = []
    for row in conn.execute(query):
        values = list(row)
        values[-1] = bool(values[-1])
        out.append(DueStep(*values))
    return out


def due_steps(ctx: Context, limit: int = 100) -> list[DueStep]:
    """The steps due now (for `leadflow nurture due`)."""
    with reading(ctx.engine) as conn:
        return due_steps_in(conn, ctx.clock.now(), limit)


def _payload(step: DueStep) -> dict[str, object]:
    data = asdict(step)
    data["due_at"] = step.due_at.isoformat()
    data.pop("do_not_contact")
    return data


def _mark_in(conn: Connection, steps: Sequence[DueStep], now: datetime) -> tuple[int, int, int]:
    sendable = [s.step_id for s in steps if not s.do_not_contact]
    blocked = [s.step_id for s in steps if s.do_not_contact]
    if sendable:
        conn.execute(
            update(nurture_steps).where(nurture_steps.c.id.in_(sendable)).values(status="sent", sent_at=now)
        )
    if blocked:
        conn.execute(update(nurture_steps).where(nurture_steps.c.id.in_(blocked)).values(status="skipped"))
    enrollment_ids = sorted({s.enrollment_id for s in steps})
    completed = 0
    if enrollment_ids:
        open_step = exists().where(
            nurture_steps.c.enrollment_id == nurture_enrollments.c.id, nurture_steps.c.status == "due"
        )
        done = conn.execute(
            update(nurture_enrollments)
            .where(
                nurture_enrollments.c.id.in_(enrollment_ids),
                nurture_enrollments.c.status == "active",
                ~open_step,
            )
            .values(status="completed", ended_at=now, end_reason="all steps sent")
        )
        completed = int(done.rowcount)
    return len(sendable), len(blocked), completed


def _waiting_in(conn: Connection, now: datetime) -> int:
    return int(
        conn.execute(
            select(func.count())
            .select_from(
                nurture_steps.join(
                    nurture_enrollments, nurture_enrollments.c.id == nurture_steps.c.enrollment_id
                )
            )
            .where(
                nurture_steps.c.status == "due",
                nurture_steps.c.due_at <= now,
                nurture_enrollments.c.status == "active",
            )
        ).scalar_one()
    )


def send_due(ctx: Context, limit: int = 1000) -> NurtureRun:
    """The worker job: queue one nurture.step message per due step to the configured destination."""
    target = destination(ctx.settings)
    now = ctx.clock.now()
    with transaction(ctx.engine) as conn:
        if target is None:
            # Export mode: the steps wait for `leadflow nurture export`.
            return NurtureRun(0, 0, 0, _waiting_in(conn, now), None)
        channel, recipient = target
        steps = due_steps_in(conn, now, limit)
        messages = [
            {
                "event": STEP_EVENT,
                "channel": channel,
                "recipient": recipient,
                "subject": f"Nurture {step.track} step {step.step}: {step.asset}",
                "payload": _payload(step),
            }
            for step in steps
            if not step.do_not_contact
        ]
        enqueue_many(conn, ctx, messages)
        sent, skipped, completed = _mark_in(conn, steps, now)
        return NurtureRun(sent, skipped, completed, _waiting_in(conn, now), f"{channel}:{recipient}")


EXPORT_COLUMNS = [f.name for f in fields(DueStep) if f.name != "do_not_contact"]


def export_due(ctx: Context, out: Path, *, mark_sent: bool = True, limit: int | None = None) -> NurtureRun:
    """Write the due steps to a CSV for the marketing tool and (by default) record them as sent."""
    now = ctx.clock.now()
    if out.exists() and out.is_dir():
        raise InvalidInput(f"{out} is a folder", where="--out", hint="give a file name such as nurture.csv")
    with transaction(ctx.engine) as conn:
        steps = due_steps_in(conn, now, limit)
        tmp = out.with_name(out.name + ".part")
        with tmp.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=EXPORT_COLUMNS)
            writer.writeheader()
            for step in steps:
                if not step.do_not_contact:
                    writer.writerow(_payload(step))
        tmp.replace(out)
        if not mark_sent:
            return NurtureRun(0, 0, 0, len(steps), f"export:{out}")
        sent, skipped, completed = _mark_in(conn, steps, now)
        return NurtureRun(sent, skipped, completed, _waiting_in(conn, now), f"export:{out}")


def worker_jobs() -> list[Job]:
    """The nurture job of the worker: queue due steps every five minutes (runs before outbox delivery)."""
    from leadflow.services.worker import Job

    def run(ctx: Context) -> dict[str, Any]:
        return asdict(send_due(ctx))

    return [
        Job("nurture_steps", run, timedelta(minutes=5), "queue due nurture steps as nurture.step messages")
    ]
