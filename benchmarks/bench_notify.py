"""Notification delivery throughput (messages/s) to a local signed webhook, from a SQLite outbox.

Prints one JSON object per figure: enqueue rate, delivery with one sender, and with the default
concurrency. BENCH_SCALE (default 1.0) scales the 5,000 messages down for quick runs.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from leadflow.clock import FrozenClock
from leadflow.config import get_settings
from leadflow.notify.delivery import deliver_due
from leadflow.notify.outbox import enqueue
from leadflow.services.context import Context, open_context
from leadflow.services.setup import init_database
from leadflow.store.engine import make_engine, transaction

SCALE = float(os.environ.get("BENCH_SCALE", "1.0"))
MESSAGES = max(200, int(5000 * SCALE))
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


class Sink(BaseHTTPRequestHandler):
    """Accepts every webhook with 204, as a fast receiver would."""

    protocol_version = "HTTP/1.1"  # keep-alive, like a real receiver behind a load balancer
    received = 0
    lock = threading.Lock()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with Sink.lock:
            Sink.received += 1
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return None


def context(folder: Path, name: str, concurrency: int) -> Context:
    url = f"sqlite:///{folder / name}"
    settings = get_settings(database_url=url, webhook_secret="bench-secret", notify_concurrency=concurrency)
    ctx = open_context(settings, clock=FrozenClock(T0), engine=make_engine(url))
    init_database(ctx)
    return ctx


def fill(ctx: Context, url: str) -> float:
    started = time.perf_counter()
    with transaction(ctx.engine) as conn:
        for i in range(MESSAGES):
            enqueue(
                conn,
                ctx,
                event="person.assigned",
                channel="webhook",
                recipient=url,
                subject="New MQL",
                payload={"person_id": i, "email": f"p{i}@example.com", "owner": "rep@example.com"},
            )
    return MESSAGES / (time.perf_counter() - started)


def deliver_all(ctx: Context) -> float:
    started, delivered = time.perf_counter(), 0
    while True:
        report = deliver_due(ctx, limit=1000)
        delivered += report.delivered
        if report.claimed == 0:
            break
    assert delivered == MESSAGES, f"delivered {delivered} of {MESSAGES}"
    return MESSAGES / (time.perf_counter() - started)


def figure(name: str, value: float, unit: str, target: float | None, compared_to: str | None) -> None:
    print(
        json.dumps(
            {
                "name": name,
                "value": round(value, 1),
                "unit": unit,
                "target": target,
                "compared_to": compared_to,
                "messages": MESSAGES,
            }
        )
    )


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            one = context(folder, "one.db", concurrency=1)
            figure("notify_enqueue_sqlite", fill(one, url), "messages/s", 5000, "one transaction, SQLite WAL")
            sequential = deliver_all(one)
            figure(
                "notify_deliver_webhook_sequential",
                sequential,
                "messages/s",
                None,
                "one sender; signed webhook to 127.0.0.1",
            )
            many = context(folder, "many.db", concurrency=8)
            fill(many, url)
            figure(
                "notify_deliver_webhook",
                deliver_all(many),
                "messages/s",
                500,
                f"sequential sender: {sequential:.0f} messages/s",
            )
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
