"""A worker killed with SIGKILL mid-delivery loses nothing: its lease expires and another run redelivers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta

from notify_endpoints import Receiver
from sqlalchemy import select

from leadflow.clock import FrozenClock
from leadflow.notify.delivery import deliver_due
from leadflow.notify.outbox import enqueue
from leadflow.services.context import Context
from leadflow.store.engine import reading, transaction
from leadflow.store.tables import outbox

WORKER = """
import sys
from datetime import datetime
from leadflow.clock import FrozenClock
from leadflow.config import get_settings
from leadflow.notify.delivery import deliver_due
from leadflow.services.context import open_context
settings = get_settings(database_url=sys.argv[1], webhook_secret="s", notify_lease=60, notify_timeout=60)
deliver_due(open_context(settings, clock=FrozenClock(datetime.fromisoformat(sys.argv[2]))))
"""


def test_killed_worker_lease_expires_and_message_is_redelivered_with_same_id(
    ctx: Context, receiver: Receiver
) -> None:
    ctx = replace(ctx, settings=ctx.settings.model_copy(update={"webhook_secret": "s", "notify_lease": 60}))
    clock = ctx.clock
    assert isinstance(clock, FrozenClock)
    receiver.stall_first = True  # the first request hangs until the worker is dead
    with transaction(ctx.engine) as conn:
        mid = enqueue(
            conn,
            ctx,
            event="person.assigned",
            channel="webhook",
            recipient=receiver.url,
            subject=None,
            payload={"person": 1},
        )
    url = ctx.engine.url.render_as_string(hide_password=False)
    worker = subprocess.Popen([sys.executable, "-c", WORKER, url, clock.now().isoformat()])
    try:
        receiver.wait_for(1, timeout=30)
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
    assert worker.returncode == -signal.SIGKILL
    with reading(ctx.engine) as conn:
        held = conn.execute(select(outbox).where(outbox.c.message_id == mid)).mappings().one()
    assert held["status"] == "pending" and held["attempts"] == 1
    assert held["locked_until"] == clock.now() + timedelta(seconds=60)

    clock.advance(timedelta(seconds=30))
    assert deliver_due(ctx).claimed == 0  # the dead worker's lease still holds
    clock.advance(timedelta(seconds=31))
    report = deliver_due(ctx)
    assert (report.claimed, report.delivered) == (1, 1)
    with reading(ctx.engine) as conn:
        done = conn.execute(select(outbox).where(outbox.c.message_id == mid)).mappings().one()
    assert (done["status"], done["attempts"]) == ("delivered", 2)
    ids = [r.headers["X-LeadFlow-Message-Id"] for r in receiver.requests]
    assert ids == [mid, mid]  # delivered at least once; the receiver deduplicates on the id
