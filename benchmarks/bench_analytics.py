"""Analytics speed: the Overview metric set on DuckDB over Parquet (1M persons, ~20M activities) and on the
SQLite store (100k persons), and engine-to-credits Markov attribution over 1M journeys.

Prints one JSON object per figure. BENCH_SCALE (default 1.0) scales the sizes down for quick runs;
BENCH_ANALYTICS_PARTS (comma-separated: duckdb, markov, sqlite) runs only those parts. Data comes from the
simulator (leadflow.simulate); each timing is the best of a few runs after one warm-up. The machine is shared, so each
figure carries the process CPU seconds of that run (all threads) and the 1-minute load average next to it.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCALE = float(os.environ.get("BENCH_SCALE", "1.0"))
PEOPLE = max(5000, int(1_000_000 * SCALE))
STORE_PEOPLE = max(2000, int(100_000 * SCALE))
ONLY = {
    p.strip() for p in os.environ.get("BENCH_ANALYTICS_PARTS", "duckdb,markov,sqlite").split(",") if p.strip()
}
START = datetime(2025, 1, 1, tzinfo=UTC)


def emit(name: str, value: float | None, unit: str, target: str, compared_to: str, **extra: object) -> None:
    load = round(os.getloadavg()[0], 2)
    print(
        json.dumps(
            {"name": name, "value": value, "unit": unit, "target": target, "compared_to": compared_to}
            | extra
            | {"load_1m": load}
        ),
        flush=True,
    )


def best(fn: Callable[[], Any], runs: int = 2, warm: bool = True) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of the fastest run."""
    if warm:
        fn()  # warm-up: imports, first compile, OS caches
    times = []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - t, time.process_time() - c))
    return min(times)


def main() -> None:
    from leadflow.analytics import connect_duckdb, connect_store, dashboard_metrics, make_filters
    from leadflow.analytics.dashboard import all_metrics
    from leadflow.analytics.transitions import markov_1, transitions_for
    from leadflow.clock import FrozenClock
    from leadflow.config import get_settings
    from leadflow.playbook import load_playbook
    from leadflow.services.context import open_context
    from leadflow.simulate import SimConfig, simulate
    from leadflow.simulate.bulk import load_into_store
    from leadflow.store.engine import make_engine

    pb = load_playbook(None).model

    def timed(name: str, seconds: tuple[float, float], target: str, compared_to: str) -> None:
        wall, cpu = seconds
        emit(name, round(wall, 3), "s", target, compared_to, cpu_s=round(cpu, 3))

    with tempfile.TemporaryDirectory() as tmp:
        if ONLY & {"duckdb", "markov"}:
            folder = Path(tmp) / "pq"
            t = time.perf_counter()
            result = simulate(SimConfig(people=PEOPLE, seed=3, months=12, start=START))
            result.write_parquet(folder)
            activities = result.tables["activities"].num_rows
            gen = time.perf_counter() - t
            end = result.now
            del result
            b = connect_duckdb(folder, pb)
        if "duckdb" in ONLY:
            f = make_filters("2025-H2", end)
            timed(
                "dashboard_metrics_duckdb_parquet",
                best(lambda: dashboard_metrics(b, f)),
                "< 5 s",
                f"{PEOPLE} persons, {activities} activities (Parquet, generated in {gen:.0f}s)",
            )
            timed(
                "all_metrics_duckdb_parquet",
                best(lambda: all_metrics(b, f, {"all": 1e7}), 1, warm=False),
                "-",
                f"every metric family incl. rule/Markov/Shapley attribution, {PEOPLE} persons",
            )
        if "markov" in ONLY:
            year = make_filters("2025-FY", end)
            journeys: dict[str, Any] = {}

            def markov() -> None:
                counts = transitions_for(b, year, "mql")  # what attribution() runs for markov_1
                journeys["n"] = counts.journeys
                markov_1(counts)

            timed(
                "markov_attribution_engine_to_credits",
                best(markov, 1, warm=False),
                "< 10 s",
                f"{journeys['n']} journeys to MQL (DuckDB joins and orders, numpy counts transitions and solves)",
            )
        if "sqlite" in ONLY:
            url = f"sqlite:///{Path(tmp) / 'store.db'}"
            small = simulate(SimConfig(people=STORE_PEOPLE, seed=4, months=12, start=START))
            ctx = open_context(
                get_settings(database_url=url), clock=FrozenClock(small.now), engine=make_engine(url)
            )
            load_into_store(ctx, small)
            sb = connect_store(ctx.engine, pb)
            sf = make_filters("2025-H2", small.now)
            timed(
                "dashboard_metrics_sqlite_store",
                best(lambda: dashboard_metrics(sb, sf), 3),
                "< 2 s",
                f"{STORE_PEOPLE} persons in the SQLite store",
            )


if __name__ == "__main__":
    main()
