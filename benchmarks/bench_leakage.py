"""Leakage report time on a large store (1M persons on SQLite, BENCH_SCALE scales it down).

Prints one JSON object: seconds for `find_leakage` over every cause, with the leak count.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from leadflow.clock import FrozenClock
from leadflow.config import get_settings
from leadflow.services.context import Context, open_context
from leadflow.services.leakage import find_leakage
from leadflow.services.setup import init_database
from leadflow.store.engine import make_engine

SCALE = float(os.environ.get("BENCH_SCALE", "1.0"))
PERSONS = max(2000, int(1_000_000 * SCALE))
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
STAGES = (
    ["lead"] * 70
    + ["mql"] * 6
    + ["sal"] * 6
    + ["sql"] * 4
    + ["opportunity"] * 3
    + ["customer"] * 2
    + ["recycled"] * 6
    + ["disqualified"] * 3
)


def fmt(at: datetime) -> str:
    return at.replace(tzinfo=None).isoformat(sep=" ")


def build(ctx: Context) -> None:
    rng = random.Random(7)
    raw = ctx.engine.raw_connection()
    cur = raw.cursor()
    cur.execute("BEGIN")
    cur.executemany(
        "INSERT INTO users (id, email, name, team, role, routing_weight, active, timezone, work_days,"
        " work_start, work_end, properties, created_at, version)"
        " VALUES (?, ?, ?, 'sales', 'sales', 1, 1, 'UTC', 'mon,tue,wed,thu,fri',"
        " '09:00', '17:00', '{}', ?, 1)",
        [(i, f"rep{i}@example.com", f"Rep {i}", fmt(T0 - timedelta(days=900))) for i in range(1, 51)],
    )
    persons, acts, opps = [], [], []
    for pid in range(1, PERSONS + 1):
        stage = rng.choice(STAGES)
        entered = T0 - timedelta(minutes=rng.randint(1, 60 * 24 * 200))
        owner = rng.randint(1, 50) if stage != "lead" and rng.random() < 0.9 else None
        persons.append(
            (
                pid,
                f"p{pid}@example.com",
                stage,
                fmt(entered),
                owner,
                fmt(entered) if owner else None,
                fmt(entered - timedelta(days=30)),
                fmt(entered),
            )
        )
        if stage in ("sal", "sql", "opportunity") and rng.random() < 0.7:
            acts.append(
                (
                    f"k{pid}",
                    pid,
                    rng.choice(["call", "email_sent", "meeting", "page_view"]),
                    fmt(entered + timedelta(hours=rng.randint(1, 400))),
                )
            )
        if stage in ("opportunity", "sql") and rng.random() < 0.6:
            close = T0 + timedelta(days=rng.randint(-60, 90))
            opps.append((pid, owner, "open" if rng.random() < 0.8 else "won", fmt(close), fmt(entered)))
    cur.executemany(
        "INSERT INTO persons (id, email, stage, stage_entered_at, owner_id, assigned_at, created_at,"
        " updated_at, properties, do_not_contact, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '{}', 0, 1)",
        persons,
    )
    cur.executemany(
        "INSERT INTO activities (idempotency_key, person_id, type, occurred_at) VALUES (?, ?, ?, ?)", acts
    )
    cur.executemany(
        "INSERT INTO opportunities (person_id, owner_id, stage, status, expected_close, created_at,"
        " updated_at, properties, version) VALUES (?, ?, 'proposal', ?, ?, ?, ?, '{}', 1)",
        [(p, o, s, c, a, a) for p, o, s, c, a in opps],
    )
    cur.execute("COMMIT")
    cur.execute("ANALYZE")
    raw.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'leakage.db'}"
        ctx = open_context(get_settings(database_url=url), clock=FrozenClock(T0), engine=make_engine(url))
        init_database(ctx)
        build(ctx)
        started = time.perf_counter()
        report = find_leakage(ctx)
        seconds = time.perf_counter() - started
        print(
            json.dumps(
                {
                    "name": "leakage_report_sqlite",
                    "value": round(seconds, 2),
                    "unit": "s",
                    "target": 10,
                    "compared_to": f"{PERSONS} persons, {report.total} leaks",
                    "counts": report.counts,
                }
            )
        )


if __name__ == "__main__":
    main()
