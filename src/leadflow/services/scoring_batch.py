"""The batch path: score every person in one DuckDB query over the store, write back in bulk, then MQL."""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Engine, func, select

from leadflow.errors import ConfigError
from leadflow.playbook.schema import SYSTEM_ACTOR
from leadflow.services import lifecycle
from leadflow.services.context import Context
from leadflow.services.scoring import model_for, qualify_in, score_persons_in
from leadflow.services.scoring_sql import lit, scoring_query
from leadflow.store.engine import reading, transaction
from leadflow.store.tables import activities

SOURCE_TABLES = ("persons", "accounts", "activities", "campaigns", "assets")
CHUNK = 50_000


def duckdb_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that loads extensions only from the installed duckdb-ext packages (no network)."""
    import duckdb_ext  # type: ignore[import-not-found,import-untyped,unused-ignore]

    folder = Path(next(iter(duckdb_ext.__path__))) / "extensions"
    # The scanners come from our pinned wheel; checking their signature costs ~0.8 s per connection, which
    # would dominate batch runs on small stores. Only our own SQL runs on this private connection.
    config: dict[str, str | bool | int | float | list[str]] = {
        "extension_directory": folder.as_posix(),
        "autoinstall_known_extensions": False,
        "allow_unsigned_extensions": True,
    }
    return duckdb.connect(config=config)


def attach_store(
    con: duckdb.DuckDBPyConnection, engine: Engine, tables: tuple[str, ...] = SOURCE_TABLES
) -> None:
    """Attach the store read-only and create lf_<table> views over it."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise ConfigError(
                "batch scoring cannot read an in-memory SQLite store",
                where=str(url),
                hint="use a SQLite file",
            )
        con.execute("LOAD sqlite")
        con.execute(f"ATTACH {lit(url.database)} AS store (TYPE sqlite, READ_ONLY)")
    elif url.get_backend_name() == "postgresql":
        con.execute("LOAD postgres")
        parts = {
            "host": url.host or "127.0.0.1",
            "port": url.port or 5432,
            "dbname": url.database,
            "user": url.username,
            "password": url.password,
        }
        dsn = " ".join(f"{k}={v}" for k, v in parts.items() if v)
        options = url.query.get("options")
        option = options if isinstance(options, str) else (options[0] if options else "")
        found = re.search(r"search_path=([A-Za-z0-9_]+)", option.replace("%3D", "="))
        schema = f", SCHEMA {lit(found.group(1))}" if found else ""
        con.execute(f"ATTACH {lit(dsn)} AS store (TYPE postgres, READ_ONLY{schema})")
    else:
        raise ConfigError(
            f"no batch scoring for {url.get_backend_name()!r}",
            where=str(url),
            hint="use SQLite or PostgreSQL",
        )
    for table in tables:
        con.execute(f"CREATE OR REPLACE VIEW lf_{table} AS SELECT * FROM store.{table}")


def batch_table(ctx: Context, as_of: datetime | None = None, *, details: bool = True) -> pa.Table:
    """Every person's score as of `as_of` (default: now) from the set-based query, as an Arrow table."""
    model = model_for(ctx)
    con = duckdb_connection()
    try:
        attach_store(con, ctx.engine)
        return con.execute(
            scoring_query(model, as_of or ctx.clock.now(), details=details)
        ).fetch_arrow_table()
    finally:
        con.close()


@dataclass(frozen=True)
class BatchRun:
    """What `score run` did (details: persons whose score_details row was refreshed)."""

    as_of: datetime
    persons: int
    skipped: int
    mqls: int
    query_seconds: float
    write_seconds: float
    details: int = 0


def _sqlite_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _driver_sql(conn: Connection, sql: str) -> str:
    """Positional placeholders for the driver (sqlite3: ?, psycopg: %s): executemany without SQLAlchemy."""
    return sql if conn.dialect.name == "sqlite" else sql.replace("?", "%s")


def _at(conn: Connection, as_of: datetime) -> Any:
    return (
        as_of.astimezone(UTC).replace(tzinfo=None)
        if conn.dialect.name == "postgresql"
        else _sqlite_time(as_of)
    )


def write_scores_in(conn: Connection, ctx: Context, table: pa.Table, as_of: datetime) -> None:
    """Bulk-write batch scores to persons (inside the caller's transaction); score_details is separate."""
    at = _at(conn, as_of)
    rows = zip(
        table.column("fit").to_pylist(),
        table.column("engagement").to_pylist(),
        table.column("grade").to_pylist(),
        itertools.repeat(at),
        table.column("person_id").to_pylist(),
    )
    sql = "UPDATE persons SET fit_score = ?, engagement_score = ?, grade = ?, scored_at = ? WHERE id = ?"
    conn.exec_driver_sql(_driver_sql(conn, sql), list(rows))


def write_details_in(conn: Connection, ctx: Context, table: pa.Table, as_of: datetime) -> None:
    """Upsert score_details rows (the explanation JSON) for the persons in `table` (caller's transaction)."""
    pg = conn.dialect.name == "postgresql"
    rows = zip(
        table.column("person_id").to_pylist(),
        itertools.repeat(_at(conn, as_of)),
        itertools.repeat(ctx.playbook.version),
        table.column("fit").to_pylist(),
        table.column("engagement").to_pylist(),
        table.column("grade").to_pylist(),
        table.column("detail").to_pylist(),
    )
    sql = (
        "INSERT INTO score_details (person_id, computed_at, playbook_version, fit_score,"
        f" engagement_score, grade, detail) VALUES (?, ?, ?, ?, ?, ?, {'CAST(? AS JSONB)' if pg else '?'})"
        " ON CONFLICT (person_id) DO UPDATE SET"
        " computed_at = excluded.computed_at, playbook_version = excluded.playbook_version,"
        " fit_score = excluded.fit_score, engagement_score = excluded.engagement_score,"
        " grade = excluded.grade, detail = excluded.detail"
    )
    conn.exec_driver_sql(_driver_sql(conn, sql), list(rows))


def score_store(ctx: Context, as_of: datetime) -> tuple[pa.Table, pa.Table]:
    """Numbers for everybody, and the detail JSON for those whose grade changed, in two DuckDB queries.

    Building the explanation costs as much as the scoring itself, so the batch refreshes score_details
    only where the grade changed (or there was none); the incremental path refreshes it on every activity.
    """
    model = model_for(ctx)
    con = duckdb_connection()
    try:
        attach_store(con, ctx.engine)
        scores = con.execute(
            scoring_query(model, as_of, details=False, previous_grade=True)
        ).fetch_arrow_table()
        previous = scores.column("previous_grade")
        changed = pc.or_kleene(pc.is_null(previous), pc.not_equal(previous, scores.column("grade")))
        only = scores.filter(pc.fill_null(changed, True)).select(["person_id"])
        con.register("lf_changed", only)
        detailed = con.execute(scoring_query(model, as_of, only="lf_changed")).fetch_arrow_table()
        return scores, detailed
    finally:
        con.close()


def _candidates(ctx: Context, table: pa.Table) -> list[int]:
    """Persons who meet the MQL rule and sit in a stage the system may move to MQL from."""
    pb = ctx.playbook.model
    target = pb.scoring.mql_stage
    eligible = {s for t in pb.transitions if t.to == target and SYSTEM_ACTOR in t.by for s in t.from_}
    meets = table.filter(table.column("mql"))
    return [
        p
        for p, s in zip(meets.column("person_id").to_pylist(), meets.column("stage").to_pylist(), strict=True)
        if s in eligible
    ]


def _without(table: pa.Table, ids: list[int]) -> pa.Table:
    if not ids:
        return table
    return table.filter(pc.invert(pc.is_in(table.column("person_id"), pa.array(ids, pa.int64()))))


def run_batch(ctx: Context) -> BatchRun:
    """Score the whole store as of now, save every score, and move those who meet the MQL rule."""
    now = ctx.clock.now()
    with reading(ctx.engine) as conn:
        last_seen = conn.execute(select(func.max(activities.c.id))).scalar() or 0
    started = time.perf_counter()
    table, detailed = score_store(ctx, now)
    query_seconds = time.perf_counter() - started
    started = time.perf_counter()
    with reading(ctx.engine) as conn:
        # Persons whose activities arrived after the read were rescored incrementally; keep those scores.
        newer = list(
            conn.execute(
                select(activities.c.person_id).where(activities.c.id > last_seen).distinct()
            ).scalars()
        )
    table, detailed = _without(table, newer), _without(detailed, newer)
    for i in range(0, table.num_rows, CHUNK):
        with transaction(ctx.engine) as conn:
            write_scores_in(conn, ctx, table.slice(i, CHUNK), now)
    for i in range(0, detailed.num_rows, CHUNK):
        with transaction(ctx.engine) as conn:
            write_details_in(conn, ctx, detailed.slice(i, CHUNK), now)
    mqls = 0
    candidates = _candidates(ctx, table)
    for i in range(0, len(candidates), 500):
        with transaction(ctx.engine) as conn:
            # The incremental scorer re-checks each candidate (same numbers) with the re-MQL conditions.
            for score in score_persons_in(conn, ctx, candidates[i : i + 500]):
                if qualify_in(conn, ctx, score, lifecycle.find_person(conn, score.person_id)) is not None:
                    mqls += 1
    return BatchRun(
        now,
        table.num_rows,
        len(newer),
        mqls,
        query_seconds,
        time.perf_counter() - started,
        detailed.num_rows,
    )
