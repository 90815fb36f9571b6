"""Simulator speed and memory: 1M persons (~20M activities) to Parquet, HubSpot CSV, and bulk loads.

Each part runs in a child process so its peak memory (getrusage maxrss of the child) is its own.
Prints one JSON object per figure. BENCH_SCALE (default 1.0) scales the sizes down for quick runs.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid

SCALE = float(os.environ.get("BENCH_SCALE", "1.0"))
PEOPLE = max(2000, int(1_000_000 * SCALE))
LOAD_PEOPLE = max(1000, int(50_000 * SCALE))
PG_URL = os.environ.get("LEADFLOW_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

CHILD = """
import json, sys, time
from pathlib import Path
from leadflow.simulate import SimConfig, simulate
from leadflow.simulate.hubspot import write_hubspot
part, people, target = sys.argv[1], int(sys.argv[2]), sys.argv[3]
t = time.perf_counter()
result = simulate(SimConfig(people=people, seed=1))
sim = time.perf_counter() - t
out = {"simulate": sim, "activities": result.tables["activities"].num_rows,
       "stage_changes": result.tables["stage_changes"].num_rows}
if part == "load":  # the schema migration is not part of the bulk load: do it first
    from leadflow.clock import FrozenClock
    from leadflow.config import get_settings
    from leadflow.services.context import open_context
    from leadflow.services.setup import init_database
    from leadflow.simulate.bulk import load_into_store
    from leadflow.store.engine import make_engine
    settings = get_settings(database_url=target)
    ctx = open_context(settings, clock=FrozenClock(result.now), engine=make_engine(target))
    init_database(ctx)
t = time.perf_counter()
if part == "parquet":
    result.write_parquet(Path(target))
elif part == "hubspot":
    write_hubspot(result, Path(target))
else:
    report = load_into_store(ctx, result)
    out["rows"] = sum(report.rows.values())
out["write"] = time.perf_counter() - t
print(json.dumps(out))
"""


def child(part: str, people: int, target: str) -> tuple[dict[str, float], float, float]:
    """Run one part in a fresh interpreter: (its timings, wall seconds, its peak memory in MB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, part, str(people), target],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-2000:])
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the largest child so far: report it only when this child raised it
    return json.loads(proc.stdout.strip().splitlines()[-1]), wall, max(peak, before) / 1024


def figure(name: str, value: float, unit: str, target: float | None, compared_to: str) -> None:
    """Print one benchmark figure."""
    print(
        json.dumps(
            {
                "name": name,
                "value": round(value, 3),
                "unit": unit,
                "target": target,
                "compared_to": compared_to,
            }
        ),
        flush=True,
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        timings, wall, peak = child("parquet", PEOPLE, f"{tmp}/parquet")
        target = 60.0 * SCALE if SCALE < 1 else 60.0
        figure(
            "simulate_parquet_seconds",
            wall,
            "s",
            target,
            f"issue 3: {PEOPLE:,} persons, {int(timings['activities']):,} activities to Parquet in < 60 s "
            "(1M persons) on 2 cores; includes interpreter start",
        )
        figure("simulate_peak_memory", peak, "MB", 4096.0, "issue 3: < 4 GB for 1M persons")
        figure(
            "simulate_activities_per_second",
            timings["activities"] / (timings["simulate"] + timings["write"]),
            "rows/s",
            None,
            "generation + Parquet writing, without interpreter start",
        )
        timings, wall, _ = child("hubspot", max(1000, PEOPLE // 10), f"{tmp}/hubspot")
        figure(
            "simulate_hubspot_csv_seconds",
            timings["write"],
            "s",
            None,
            f"{int(timings['activities']):,} activities + contacts/companies/deals as HubSpot CSV",
        )
        timings, wall, _ = child("load", LOAD_PEOPLE, f"sqlite:///{tmp}/load.db")
        figure(
            "simulate_load_sqlite_rows_per_second",
            timings["rows"] / timings["write"],
            "rows/s",
            None,
            f"load_into_store, {int(timings['rows']):,} rows, executemany batches, one transaction per table",
        )
    pg = _pg_schema()
    if pg is not None:
        url, drop = pg
        try:
            timings, wall, _ = child("load", LOAD_PEOPLE, url)
            figure(
                "simulate_load_postgres_rows_per_second",
                timings["rows"] / timings["write"],
                "rows/s",
                None,
                f"load_into_store, {int(timings['rows']):,} rows via COPY (GUIDE: ~150k rows/s)",
            )
        finally:
            drop()


def _pg_schema() -> tuple[str, object] | None:
    """A fresh schema on the local PostgreSQL (None when it is not running)."""
    try:
        from sqlalchemy import create_engine, text

        admin = create_engine(PG_URL, connect_args={"connect_timeout": 2})
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # no server: skip the PostgreSQL figure
        print(f"# PostgreSQL not reachable ({type(exc).__name__}); skipping its figure", file=sys.stderr)
        return None

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}", drop


if __name__ == "__main__":
    main()
