"""Routing throughput: MQLs routed per second (target >= 2,000/s), in bulk and one by one.

10,000 MQLs (BENCH_SCALE scales it) on accounts of every segment, 40 reps in two teams with weights and
capacity limits: each routing writes the assignment, the owner, the response deadline in the rep's
business hours, the round-robin state and the rep's notification. Prints JSON figures.
"""

from __future__ import annotations

import gc
import json
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select

from leadflow.clock import FrozenClock
from leadflow.config import get_settings
from leadflow.services.assignments import route_in, route_many_in
from leadflow.services.context import Context, open_context
from leadflow.services.setup import init_database
from leadflow.store.engine import make_engine, transaction
from leadflow.store.tables import accounts, persons, users

SCALE = float(os.environ.get("BENCH_SCALE", "1.0"))
LEADS = max(500, int(10_000 * SCALE))
SINGLES = max(100, LEADS // 20)
BATCH = 1000
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
SEGMENTS = ("smb", "mid_market", "enterprise")


def _setup(url: str) -> tuple[Context, list[int]]:
    ctx = open_context(get_settings(database_url=url), clock=FrozenClock(T0), engine=make_engine(url))
    init_database(ctx)
    with transaction(ctx.engine) as conn:
        conn.execute(
            insert(users),
            [
                {
                    "email": f"rep{i}@bench.test",
                    "name": f"rep{i}",
                    "team": "sales",
                    "role": "sales",
                    "sales_team": "enterprise" if i % 4 == 0 else "sales",
                    "routing_weight": 1.0 + i % 3,
                    "max_open_mqls": 100_000 if i % 5 == 0 else None,
                    "max_new_per_day": 100_000 if i % 7 == 0 else None,
                    "timezone": ("UTC", "Europe/Berlin", "America/New_York")[i % 3],
                    "created_at": T0,
                }
                for i in range(40)
            ],
        )
        conn.execute(
            insert(accounts),
            [
                {
                    "name": f"Account {i}",
                    "segment": SEGMENTS[i % 3],
                    "created_at": T0,
                    "updated_at": T0,
                    "properties": {},
                }
                for i in range(LEADS // 5)
            ],
        )
        first_account = int(conn.execute(select(accounts.c.id).order_by(accounts.c.id).limit(1)).scalar_one())
        conn.execute(
            insert(persons),
            [
                {
                    "email": f"mql{i}@bench.example",
                    "stage": "mql",
                    "stage_entered_at": T0,
                    "created_at": T0,
                    "updated_at": T0,
                    "version": 1,
                    "properties": {},
                    "account_id": first_account + i % (LEADS // 5),
                    "country": ("DE", "US", "FR")[i % 3],
                }
                for i in range(LEADS + SINGLES)
            ],
        )
        ids = list(conn.execute(select(persons.c.id).order_by(persons.c.id)).scalars())
    return ctx, ids


def main() -> None:
    url = os.environ.get("BENCH_ROUTING_URL") or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench_routing.db'}"
    ctx, ids = _setup(url)
    engine = url.split(":", 1)[0]
    gc.collect()
    gc.freeze()  # as `leadflow worker` does after start-up
    bulk, singles = ids[:LEADS], ids[LEADS:]
    started = time.perf_counter()
    routed = 0
    for start in range(0, len(bulk), BATCH):
        with transaction(ctx.engine) as conn:
            routed += sum(1 for a in route_many_in(conn, ctx, bulk[start : start + BATCH]) if a is not None)
    elapsed = time.perf_counter() - started
    print(
        json.dumps(
            {
                "name": f"routing_mqls_per_second_{engine}",
                "value": round(routed / elapsed),
                "unit": "MQLs/s",
                "target": 2000,
                "compared_to": f"{routed:,} MQLs in batches of {BATCH} (route_many_in, worker/import path)",
            }
        )
    )
    started = time.perf_counter()
    for pid in singles:
        with transaction(ctx.engine) as conn:
            route_in(conn, ctx, pid)
    elapsed = time.perf_counter() - started
    print(
        json.dumps(
            {
                "name": f"routing_single_mqls_per_second_{engine}",
                "value": round(len(singles) / elapsed),
                "unit": "MQLs/s",
                "target": None,
                "compared_to": f"{len(singles):,} MQLs one transaction each (the live reaction path)",
            }
        )
    )


if __name__ == "__main__":
    main()
