"""Rule scoring: batch over 1M persons / 20M activities (DuckDB) vs a bare GROUP BY, and incremental latency.

Prints one JSON object per figure. BENCH_SCALE (default 1.0) scales persons and activities down.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

from leadflow.clock import FrozenClock
from leadflow.config import get_settings
from leadflow.domain.scoring.decay import EPOCH, MICROSECOND
from leadflow.services.context import Context, open_context
from leadflow.services.scoring import model_for, rescore_in
from leadflow.services.scoring_batch import duckdb_connection, run_batch
from leadflow.services.scoring_sql import scoring_query
from leadflow.services.setup import init_database
from leadflow.store.engine import make_engine, transaction
from leadflow.store.tables import accounts, activities, persons

SCALE = float(os.environ.get("BENCH_SCALE", "1.0"))
PERSONS = max(1000, int(1_000_000 * SCALE))
ACTIVITIES = PERSONS * 20
ACCOUNTS = max(100, PERSONS // 10)
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
ROUNDS = 5
TYPES = [
    "page_view",
    "page_view",
    "page_view",
    "email_click",
    "email_open",
    "form_submit",
    "content_download",
    "webinar_attended",
    "demo_request",
    "unsubscribe",
]
URLS = ["/pricing", "/pricing/enterprise", "/blog/a", "/careers/jobs", "/product", "/"]
INDUSTRIES = ["software", "healthcare", "retail", "financial_services", "education"]
TITLES = ["VP Marketing", "Marketing Manager", "Student", "CFO", "Data Analyst", "Intern", None]


def emit(
    name: str, value: float, unit: str, target: str | None = None, compared_to: str | None = None
) -> None:
    print(
        json.dumps(
            {
                "name": name,
                "value": round(value, 4),
                "unit": unit,
                "target": target,
                "compared_to": compared_to,
            }
        ),
        flush=True,
    )


def load_duckdb(con: object) -> None:
    """Generate the data with numpy straight into DuckDB tables named like the store views."""
    rng = np.random.default_rng(7)
    now_us = (T0 - EPOCH) // MICROSECOND
    acc = pa.table(
        {
            "id": np.arange(1, ACCOUNTS + 1),
            "industry_i": rng.integers(0, len(INDUSTRIES), ACCOUNTS),
            "employees": rng.integers(1, 10_000, ACCOUNTS),
        }
    )
    per = pa.table(
        {
            "id": np.arange(1, PERSONS + 1),
            "account_id": rng.integers(1, ACCOUNTS + 1, PERSONS),
            "title_i": rng.integers(0, len(TITLES), PERSONS),
            "free": rng.random(PERSONS) < 0.1,
        }
    )
    n = ACTIVITIES
    act = pa.table(
        {
            "id": np.arange(1, n + 1),
            "person_id": rng.integers(1, PERSONS + 1, n),
            "type_i": rng.integers(0, len(TYPES), n),
            "url_i": rng.integers(0, len(URLS), n),
            "at_us": now_us - rng.integers(0, 365 * 86_400 * 1_000_000, n),
        }
    )
    run = con.execute  # type: ignore[attr-defined]
    con.register("acc_src", acc)  # type: ignore[attr-defined]
    con.register("per_src", per)  # type: ignore[attr-defined]
    con.register("act_src", act)  # type: ignore[attr-defined]
    ind, tit, typ, url = (
        f"[{', '.join(repr(x) if x else 'NULL' for x in xs)}]" for xs in (INDUSTRIES, TITLES, TYPES, URLS)
    )
    run(f"""CREATE TABLE lf_accounts AS SELECT id, 'acme' || id || '.com' AS domain,
            {ind}[industry_i + 1] AS industry, employees, NULL::DOUBLE AS annual_revenue,
            NULL::VARCHAR AS segment, 'DE' AS country,
            NULL::VARCHAR AS region, '{{}}' AS properties FROM acc_src""")
    run(f"""CREATE TABLE lf_persons AS SELECT id,
            'p' || id || CASE WHEN free THEN '@gmail.com' ELSE '@corp.com' END AS email,
            {tit}[title_i + 1] AS title, NULL::VARCHAR AS country, NULL::VARCHAR AS region,
            NULL::VARCHAR AS persona, NULL::VARCHAR AS committee_role, NULL::VARCHAR AS source_channel,
            NULL::VARCHAR AS sourced_by, '{{}}' AS properties, account_id, 'lead' AS stage,
            TIMESTAMP '2026-01-01' AS stage_entered_at FROM per_src""")
    run(f"""CREATE TABLE lf_activities AS SELECT id, person_id, {typ}[type_i + 1] AS type,
            NULL::VARCHAR AS channel, NULL::BIGINT AS campaign_id, NULL::BIGINT AS asset_id,
            CASE WHEN type_i < 3 THEN {url}[url_i + 1] END AS url, make_timestamp(at_us) AS occurred_at,
            NULL::VARCHAR AS properties FROM act_src""")
    run("CREATE TABLE lf_campaigns (id BIGINT, external_id VARCHAR, name VARCHAR, kind VARCHAR)")
    run("CREATE TABLE lf_assets (id BIGINT, external_id VARCHAR, kind VARCHAR, buyer_stage VARCHAR)")
    for name in ("acc_src", "per_src", "act_src"):
        con.unregister(name)  # type: ignore[attr-defined]


def timed(con: object, sql: str, repeat: int = 3) -> tuple[float, float, pa.Table]:
    """Best-of-`repeat` wall and CPU seconds (all threads of this process) of one query, and its result."""
    best_wall, best_cpu, result = float("inf"), float("inf"), pa.table({})
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = con.execute(sql).fetch_arrow_table()  # type: ignore[attr-defined]
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return best_wall, best_cpu, result


def loadavg() -> float:
    """The 1-minute load average of the machine (the figures are only as quiet as the machine)."""
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except OSError:
        return float("nan")


def bench_batch(ctx: Context) -> None:
    con = duckdb_connection()
    con.execute("SET threads = 2")
    load_duckdb(con)
    model = model_for(ctx)
    load = loadavg()
    floor_sql, query_sql = (
        "SELECT person_id, count(*) AS n FROM lf_activities GROUP BY person_id",
        scoring_query(model, T0, details=False),
    )
    # Floor and query alternate, so that a drift of the machine's speed (it is shared) hits both alike.
    rounds = [(timed(con, floor_sql, 1), timed(con, query_sql, 1)) for _ in range(ROUNDS)]
    bare, bare_cpu = min(f[0] for f, _ in rounds), min(f[1] for f, _ in rounds)
    query, query_cpu = min(q[0] for _, q in rounds), min(q[1] for _, q in rounds)
    result = rounds[-1][1][2]
    assert result.num_rows == PERSONS
    ratios = sorted(q[0] / f[0] for f, q in rounds)
    with_details, _, _ = timed(con, scoring_query(model, T0), repeat=1)
    changed = pa.table({"person_id": np.arange(1, PERSONS + 1, 20)})  # 5 % of the persons
    con.register("lf_changed", changed)
    changed_details, _, _ = timed(con, scoring_query(model, T0, only="lf_changed"))
    setup = f"{PERSONS} persons, {ACTIVITIES} activities, DuckDB 2 threads"
    size = f"{setup}, best of {ROUNDS} (alternating with the floor), load average {load:.1f}"
    emit("scoring_batch_query_seconds", query, "s", "< 5 s at 1M persons / 20M activities", size)
    emit("group_by_person_count_seconds", bare, "s", None, size)
    emit(
        "scoring_batch_vs_group_by_ratio",
        query / bare,
        "x",
        "<= 3",
        "bare GROUP BY person count over the same activities, same engine (wall time)",
    )
    emit(
        "scoring_batch_vs_group_by_ratio_median",
        statistics.median(ratios),
        "x",
        None,
        f"median over {ROUNDS} rounds of query / floor measured back to back (wall time); "
        f"range {ratios[0]:.2f}-{ratios[-1]:.2f}",
    )
    emit("scoring_batch_query_cpu_seconds", query_cpu, "s", None, size + "; CPU time of both threads")
    emit("group_by_person_count_cpu_seconds", bare_cpu, "s", None, size + "; CPU time of both threads")
    emit(
        "scoring_batch_vs_group_by_cpu_ratio",
        query_cpu / bare_cpu,
        "x",
        None,
        "CPU-time ratio (less sensitive to other load on the machine than wall time)",
    )
    emit(
        "scoring_batch_query_with_details_seconds",
        with_details,
        "s",
        None,
        f"{setup}, one run, load average {load:.1f}; score_details JSON for every person (a first run)",
    )
    emit(
        "scoring_batch_details_for_changed_seconds",
        changed_details,
        "s",
        None,
        f"score_details JSON for {changed.num_rows} persons (5 %: those whose grade changed), best of 3",
    )
    con.close()
    emit(
        "scoring_batch_peak_rss_mb",
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "MB",
        None,
        "whole process incl. generated data",
    )


def bench_incremental(ctx: Context) -> None:
    n_persons = max(200, int(20_000 * SCALE))
    rng = np.random.default_rng(3)
    now = ctx.clock.now()
    with transaction(ctx.engine) as conn:
        conn.execute(
            accounts.insert(),
            [
                {
                    "id": i,
                    "name": f"a{i}",
                    "industry": "software",
                    "employees": 500,
                    "properties": {},
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(1, 101)
            ],
        )
        conn.execute(
            persons.insert(),
            [
                {
                    "id": i,
                    "email": f"p{i}@corp.com",
                    "title": "VP Sales",
                    "account_id": 1 + i % 100,
                    "stage": "lead",
                    "stage_entered_at": now,
                    "created_at": now,
                    "updated_at": now,
                    "properties": {},
                    "version": 1,
                }
                for i in range(1, n_persons + 1)
            ],
        )
        conn.execute(
            activities.insert(),
            [
                {
                    "idempotency_key": f"h{i:010d}",
                    "person_id": int(rng.integers(1, n_persons + 1)),
                    "type": "page_view",
                    "url": "/blog",
                    "occurred_at": now - timedelta(seconds=int(rng.integers(0, 180 * 86400))),
                }
                for i in range(n_persons * 20)
            ],
        )
    started = time.perf_counter()
    run = run_batch(ctx)
    store = f"`score run` on a SQLite store: {n_persons} persons, {n_persons * 20} activities"
    emit("scoring_batch_run_sqlite_seconds", time.perf_counter() - started, "s", None, store)
    emit(
        "scoring_batch_run_sqlite_query_seconds",
        run.query_seconds,
        "s",
        None,
        store + f"; both DuckDB queries via the sqlite scanner (details for {run.details} persons)",
    )
    emit("scoring_batch_run_sqlite_write_seconds", run.write_seconds, "s", None, store + "; write-back + MQL")
    timings, cpu = [], []
    for i in range(1000):
        pid = int(rng.integers(1, n_persons + 1))
        started, cpu_started = time.perf_counter(), time.thread_time()
        with transaction(ctx.engine) as conn:
            conn.execute(
                activities.insert().values(
                    idempotency_key=f"n{i:010d}", person_id=pid, type="email_click", occurred_at=now
                )
            )
            rescore_in(conn, ctx, [pid])
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - cpu_started) * 1000)
    timings.sort()
    cpu.sort()
    size = (
        f"SQLite, {n_persons} persons x 20 activities; insert + rescore + commit; "
        f"load average {loadavg():.1f}"
    )
    emit("scoring_incremental_p50_ms", statistics.median(timings), "ms", None, size)
    emit("scoring_incremental_p99_ms", timings[int(len(timings) * 0.99) - 1], "ms", "< 5 ms", size)
    emit(
        "scoring_incremental_cpu_p99_ms",
        cpu[int(len(cpu) * 0.99) - 1],
        "ms",
        None,
        size + "; CPU time of the calling thread (wall minus waiting for the CPU or the disk)",
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        ctx = open_context(get_settings(database_url=url), clock=FrozenClock(T0), engine=make_engine(url))
        init_database(ctx)
        bench_batch(ctx)
        bench_incremental(ctx)
        ctx.engine.dispose()


if __name__ == "__main__":
    main()
