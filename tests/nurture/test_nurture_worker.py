"""The worker runs the nurture job, then outbox delivery, from its registry."""

from __future__ import annotations

import socket
from dataclasses import replace

from test_nurture_tracks import recycled_person

from leadflow.services.context import Context
from leadflow.services.worker import default_jobs, run_once


def test_worker_queues_due_steps_then_tries_to_deliver_them(sqlite_ctx: Context) -> None:
    with socket.socket() as sock:  # a port nobody listens on: delivery fails and is retried later
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    ctx = replace(
        sqlite_ctx,
        settings=sqlite_ctx.settings.model_copy(
            update={"nurture_webhook_url": f"http://127.0.0.1:{port}/hook", "webhook_secret": "s"}
        ),
    )
    recycled_person(ctx, "ada@example.com")
    jobs = [j for j in default_jobs() if j.name in ("nurture_steps", "outbox_delivery")]
    assert [j.name for j in jobs] == ["nurture_steps", "outbox_delivery"]
    runs = {r.name: r for r in run_once(ctx, jobs)}
    assert runs["nurture_steps"].error is None and runs["nurture_steps"].summary["sent"] == 1
    delivery = runs["outbox_delivery"].summary
    assert (delivery["claimed"], delivery["retried"]) == (1, 1)
