"""The web app under load: Overview latency, batch and single activity ingest over HTTP on 127.0.0.1.

A simulated company (100,000 persons, ~2M activities; BENCH_SCALE scales it) is bulk-loaded into an SQLite
file; the real app is started with `leadflow serve` (uvicorn, no worker) in a subprocess; this process then
sends a fixed number of requests with httpx (bounded in count and time) and prints one JSON object per figure.
BENCH_WEB_DB=<folder> keeps the built store there and reuses it on the next run (rebuilt when missing);
BENCH_WEB_PHASES=single (or overview, batch; comma-separated) runs only those phases.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from leadflow.clock import SystemClock
from leadflow.config import get_settings
from leadflow.services.context import open_context
from leadflow.services.setup import init_database
from leadflow.services.users import create_user, issue_token
from leadflow.simulate import SimConfig, simulate
from leadflow.simulate.bulk import load_into_store
from leadflow.store.engine import make_engine
from leadflow.store.tables import pending_reactions, persons

SCALE = float(os.environ.get("BENCH_SCALE", "1.0"))
PEOPLE = max(2000, int(100_000 * SCALE))
OVERVIEW_REQUESTS = 60
BATCH_EVENTS = max(20_000, int(200_000 * SCALE))
BATCH_SIZE = 2000
SINGLE_REQUESTS = max(2000, int(10_000 * SCALE))
CONCURRENCY = 16
PHASES = os.environ.get("BENCH_WEB_PHASES", "overview,batch,single").split(",")  # to look at one phase alone
TIME_CAP = 60.0  # seconds per measured phase; a phase stops early (and says so) when it is reached


def emit(name: str, value: float, unit: str, target: str, compared_to: str) -> None:
    """One figure as a JSON line."""
    print(
        json.dumps(
            {
                "name": name,
                "value": round(value, 2),
                "unit": unit,
                "target": target,
                "compared_to": compared_to,
            }
        ),
        flush=True,
    )


def note(text: str) -> None:
    """Progress for the human watching (stderr, so stdout stays JSON)."""
    print(text, file=sys.stderr, flush=True)


def build_store(folder: Path) -> tuple[str, str, list[str]]:
    """The simulated store (built once per folder), a marketing user's API token and some person emails."""
    db = folder / "leadflow.db"
    url = f"sqlite:///{db}"
    marker = folder / f"built-{PEOPLE}"
    if not marker.exists():
        for old in folder.glob("leadflow.db*"):
            old.unlink()
        started = time.perf_counter()
        # the simulated year ends today, so the Overview's default period (this quarter) has data
        today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        result = simulate(SimConfig(people=PEOPLE, seed=1, start=today - timedelta(days=365)))
        ctx = open_context(get_settings(database_url=url), clock=SystemClock(), engine=make_engine(url))
        init_database(ctx)
        report = load_into_store(ctx, result)
        note(
            f"built {PEOPLE} persons, {report.rows.get('activities', 0)} activities "
            f"in {time.perf_counter() - started:.0f} s"
        )
        ctx.engine.dispose()
        del result
        marker.write_text(json.dumps(report.rows))
    ctx = open_context(get_settings(database_url=url), clock=SystemClock(), engine=make_engine(url))
    stamp = int(time.time())
    uid = create_user(ctx, {"email": f"bench-{stamp}@acme.test", "name": "Bench", "role": "marketing"})
    token = issue_token(ctx, uid, "bench_web", actor="bench")
    with ctx.engine.connect() as conn:
        emails = [
            e
            for e in conn.execute(
                select(persons.c.email)
                .where(persons.c.email.is_not(None))
                .order_by(persons.c.id)
                .limit(20_000)
            ).scalars()
        ]
    ctx.engine.dispose()
    return url, token, emails


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(url: str, port: int) -> Iterator[str]:
    """`leadflow serve` on 127.0.0.1:port (no background worker, so only our requests load it)."""
    cli = Path(sys.executable).parent / "leadflow"
    command = (
        [str(cli)] if cli.exists() else [sys.executable, "-c", "from leadflow.cli.main import run; run()"]
    )
    proc = subprocess.Popen(
        [*command, "serve", "--db", url, "--host", "127.0.0.1", "--port", str(port), "--no-worker", "--demo"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    "the server exited: " + (proc.stderr.read().decode()[-2000:] if proc.stderr else "")
                )
            try:
                if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not answer within 120 s")
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) of values, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def timed(call: Callable[[], httpx.Response]) -> float:
    """Milliseconds one request took; a non-2xx answer stops the benchmark with its body."""
    started = time.perf_counter()
    r = call()
    elapsed = (time.perf_counter() - started) * 1000
    if r.status_code >= 300:
        raise RuntimeError(f"{r.request.method} {r.request.url.path} -> {r.status_code}: {r.text[:500]}")
    return elapsed


def bench_overview(base: str, headers: dict[str, str]) -> None:
    """The Overview page: the first (cold) request computes the dashboard, later ones hit the cache."""
    with httpx.Client(base_url=base, headers=headers, timeout=300) as client:
        cold = timed(lambda: client.get("/overview"))
        emit(
            "web overview cold (first request)", cold, "ms", "informative (computes every metric)", "warm p95"
        )
        warm = [timed(lambda: client.get("/overview")) for _ in range(OVERVIEW_REQUESTS)]
        emit("web overview warm p50", statistics.median(warm), "ms", "< 150", "cold first request")
        emit("web overview warm p95", pct(warm, 95), "ms", "< 150", "cold first request")
        seg = timed(lambda: client.get("/overview", params={"segment": "enterprise"}))
        emit("web overview cold, another filter (segment)", seg, "ms", "informative", "warm p95")


def activity(email: str, event_id: str, at: datetime, i: int) -> dict[str, Any]:
    """One page view of a known person."""
    return {
        "event_id": event_id,
        "email": email,
        "type": "page_view",
        "occurred_at": at.isoformat(),
        "url": f"/blog/post-{i % 300}",
        "channel": "organic",
    }


def bench_batch(base: str, headers: dict[str, str], emails: list[str], per_person: int) -> None:
    """POST /api/v1/activities/batch: BATCH_EVENTS new page views in batches, `per_person` of them per person."""
    run = f"{int(time.time() * 1000):013x}"  # time-ordered ids: indexes stay append-mostly
    at = datetime.now(UTC) - timedelta(minutes=30)
    offset = 0 if per_person == 1 else len(emails) // 2  # the two runs touch different persons
    batches = [
        [
            activity(
                emails[(offset + (b * BATCH_SIZE + j) // per_person) % len(emails)],
                f"wb{per_person}-{run}-{b:06d}-{j:05d}",
                at,
                j,
            )
            for j in range(BATCH_SIZE)
        ]
        for b in range(BATCH_EVENTS // BATCH_SIZE)
    ]
    # encoded before the clock starts, as a loader streaming from a queue would send them: the load generator's
    # own JSON encoding (it waits for each answer) is not counted against the server
    bodies = [json.dumps({"activities": batch}, separators=(",", ":")).encode() for batch in batches]
    accepted = 0
    started = time.perf_counter()
    capped = False
    with httpx.Client(
        base_url=base, headers={**headers, "Content-Type": "application/json"}, timeout=300
    ) as client:
        for body in bodies:
            r = client.post("/api/v1/activities/batch", content=body)
            if r.status_code != 200:
                raise RuntimeError(f"batch -> {r.status_code}: {r.text[:500]}")
            accepted += int(r.json()["accepted"])
            if time.perf_counter() - started > TIME_CAP:
                capped = True
                break
    elapsed = time.perf_counter() - started
    shape = (
        "every event a different person" if per_person == 1 else f"{per_person} events per person (sessions)"
    )
    emit(
        f"web activity batch ingest, {shape}",
        accepted / elapsed,
        "events/s",
        ">= 20000",
        f"{accepted} events in batches of {BATCH_SIZE}{' (time cap hit)' if capped else ''}",
    )


async def _post_loop(
    port: int, token: str, bodies: list[bytes], deadline: float, latencies: list[float]
) -> None:
    """One keep-alive HTTP/1.1 connection posting `bodies` one after another (a light client: raw asyncio
    streams, so the load generator's own CPU does not cap the figure the way a full HTTP client would)."""
    import asyncio

    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (
        "POST /api/v1/activities HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {token}\r\n"
    )
    try:
        for body in bodies:
            request = f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body
            started = time.perf_counter()
            writer.write(request)
            status_line = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            answer = await reader.readexactly(length)
            latencies.append((time.perf_counter() - started) * 1000)
            if not status_line.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(f"POST /api/v1/activities -> {status_line!r}: {answer[:500]!r}")
            if time.monotonic() > deadline:
                break
    finally:
        writer.close()


def bench_single(port: int, token: str, emails: list[str]) -> None:
    """POST /api/v1/activities one at a time over CONCURRENCY connections: requests/s and latency percentiles."""
    import asyncio

    run = f"{int(time.time() * 1000):013x}"
    at = datetime.now(UTC) - timedelta(minutes=10)
    per_worker = SINGLE_REQUESTS // CONCURRENCY
    bodies = [
        [
            json.dumps(
                activity(emails[(n * 7) % len(emails)], f"ws-{run}-{n:08d}", at, n), separators=(",", ":")
            ).encode()
            for n in range(w * per_worker, (w + 1) * per_worker)
        ]
        for w in range(CONCURRENCY)
    ]
    latencies: list[float] = []

    async def load() -> None:
        deadline = time.monotonic() + TIME_CAP
        await asyncio.gather(*(_post_loop(port, token, b, deadline, latencies) for b in bodies))

    started = time.perf_counter()
    asyncio.run(load())
    elapsed = time.perf_counter() - started
    scope = f"{len(latencies)} requests over {CONCURRENCY} keep-alive connections"
    emit("web single activity POST throughput", len(latencies) / elapsed, "req/s", ">= 1000", scope)
    emit("web single activity POST p50", statistics.median(latencies), "ms", "informative", scope)
    emit("web single activity POST p99", pct(latencies, 99), "ms", "< 50", scope)


def bench_reactions_drained(url: str, after: str) -> None:
    """After an ingest phase: how fast the drainer works off the persons the API queued for reactions."""
    engine = make_engine(url)

    def queued() -> int:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(pending_reactions)).scalar_one())

    waiting = queued()
    started = time.perf_counter()
    left = waiting
    while left and time.perf_counter() - started < 5 * TIME_CAP:
        time.sleep(0.5)
        left = queued()
    elapsed = time.perf_counter() - started
    engine.dispose()
    emit(
        f"web reactions drained after {after}",
        (waiting - left) / elapsed if elapsed > 0 else 0.0,
        "persons/s",
        "informative (rescoring, automatic MQL, first touch, nurture exit)",
        f"{waiting} persons queued when ingest ended, {left} left after {elapsed:.0f} s",
    )


def main() -> None:
    """Build (or reuse) the store, start the server, run each phase."""
    keep = os.environ.get("BENCH_WEB_DB")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(keep) if keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        url, token, emails = build_store(folder)
        emit(
            "machine load average (1 min) at start",
            os.getloadavg()[0],
            "processes",
            "informative",
            f"{os.cpu_count()} CPUs; figures are from a shared machine",
        )
        headers = {"Authorization": f"Bearer {token}"}
        port = free_port()
        with server(url, port) as base:
            if "overview" in PHASES:
                bench_overview(base, headers)
            # each ingest phase starts with no reactions queued (the previous phase's are drained and timed)
            if "batch" in PHASES:
                bench_batch(base, headers, emails, 1)
                bench_reactions_drained(url, "batch ingest, every event a different person")
                bench_batch(base, headers, emails, 10)
                bench_reactions_drained(url, "batch ingest, 10 events per person")
            if "single" in PHASES:
                bench_single(port, token, emails)
                bench_reactions_drained(url, "single POSTs")


if __name__ == "__main__":
    main()
