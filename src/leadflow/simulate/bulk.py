"""Loading a simulation into the store fast: executemany batches on SQLite, COPY on PostgreSQL."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy import Connection, func, select

from leadflow.errors import ConfigError, Conflict
from leadflow.services.context import Context
from leadflow.services.setup import init_database
from leadflow.simulate.simulator import TABLES, SimResult
from leadflow.store.engine import transaction
from leadflow.store.tables import metadata
from leadflow.store.types import LowerText

# Which table each id column points to: loading into a store that already has rows shifts every id.
REFERENCES: dict[str, dict[str, str]] = {
    "users": {"id": "users", "manager_id": "users"},
    "accounts": {"id": "accounts", "owner_id": "users", "parent_id": "accounts"},
    "campaigns": {"id": "campaigns"},
    "assets": {"id": "assets", "created_by": "users"},
    "persons": {
        "id": "persons",
        "account_id": "accounts",
        "source_campaign_id": "campaigns",
        "owner_id": "users",
    },
    "stage_changes": {"id": "stage_changes", "person_id": "persons"},
    "stage_entries": {"person_id": "persons"},
    "activities": {
        "id": "activities",
        "person_id": "persons",
        "campaign_id": "campaigns",
        "asset_id": "assets",
        "actor_id": "users",
    },
    "opportunities": {
        "id": "opportunities",
        "account_id": "accounts",
        "person_id": "persons",
        "owner_id": "users",
    },
    "opportunity_contacts": {"opportunity_id": "opportunities", "person_id": "persons"},
}
BATCH_ROWS = 50_000


@dataclass(frozen=True)
class LoadReport:
    """What load_into_store wrote: rows per table and how long it took."""

    rows: dict[str, int]
    seconds: float
    id_offsets: dict[str, int]


def _plain(table: pa.Table) -> pa.Table:
    """Dictionary columns decoded, columns in the store's order (missing ones dropped)."""
    cols = []
    for name in table.column_names:
        col = table.column(name)
        if pa.types.is_dictionary(col.type):
            col = col.cast(col.type.value_type)
        cols.append(col)
    return pa.table(dict(zip(table.column_names, cols, strict=True)))


def _lowered(table: pa.Table, name: str) -> pa.Table:
    """Lower-case columns (LowerText, e.g. activity types) lowered, as SQLAlchemy writes would be."""
    for column in metadata.tables[name].columns:
        if isinstance(column.type, LowerText) and column.name in table.column_names:
            i = table.column_names.index(column.name)
            table = table.set_column(i, column.name, pc.utf8_lower(table.column(i)))
    return table


def _shift(table: pa.Table, name: str, offsets: dict[str, int]) -> pa.Table:
    for column, target in REFERENCES[name].items():
        if offsets.get(target) and column in table.column_names:
            i = table.column_names.index(column)
            table = table.set_column(i, column, pc.add(table.column(column), offsets[target]))
    return table


def _sqlite_batches(table: pa.Table) -> Iterator[list[tuple[Any, ...]]]:
    """Rows as tuples, timestamps in SQLAlchemy's SQLite text format, booleans as 0/1."""
    for batch in table.to_batches(BATCH_ROWS):
        cols: list[list[Any]] = []
        for field, col in zip(batch.schema, batch.columns, strict=True):
            if pa.types.is_timestamp(field.type):
                cols.append(pc.strftime(col, format="%Y-%m-%d %H:%M:%S").to_pylist())
            elif pa.types.is_boolean(field.type):
                cols.append(pc.cast(col, pa.int8()).to_pylist())
            else:
                cols.append(col.to_pylist())
        yield list(zip(*cols, strict=True))


def _load_sqlite(conn: Connection, name: str, table: pa.Table) -> None:
    cols = ", ".join(f'"{c}"' for c in table.column_names)
    marks = ", ".join("?" for _ in table.column_names)
    sql = f'INSERT INTO "{name}" ({cols}) VALUES ({marks})'
    for rows in _sqlite_batches(table):
        conn.exec_driver_sql(sql, rows)


def _load_postgres(conn: Connection, name: str, table: pa.Table) -> None:
    cols = ", ".join(f'"{c}"' for c in table.column_names)
    raw = conn.connection.dbapi_connection
    if not isinstance(raw, psycopg.Connection):
        raise ConfigError(
            "PostgreSQL bulk loads need the psycopg driver",
            where=str(conn.engine.url.drivername),
            hint="use a postgresql+psycopg:// URL",
        )
    with raw.cursor() as cur, cur.copy(f'COPY "{name}" ({cols}) FROM STDIN (FORMAT csv)') as copy:
        for batch in table.to_batches(BATCH_ROWS * 4):
            buf = io.BytesIO()
            pacsv.write_csv(batch, buf, pacsv.WriteOptions(include_header=False))
            copy.write(buf.getvalue())


def _offsets(conn: Connection) -> dict[str, int]:
    out: dict[str, int] = {}
    for name in TABLES:
        t = metadata.tables[name]
        if "id" in t.c:
            out[name] = int(conn.execute(select(func.coalesce(func.max(t.c.id), 0))).scalar_one())
    return out


def load_into_store(ctx: Context, result: SimResult) -> LoadReport:
    """Create/upgrade the store, then bulk-load every simulated table (one transaction per table).

    Rows get exactly the shapes the engine writes (persons' stage/version, stage_changes with
    source='simulator', stage_entries, time-ordered activity keys). Into a store that already has rows, ids
    are shifted past the existing ones; loading the same simulation twice fails on its unique emails/keys.
    """
    started = time.perf_counter()
    init_database(ctx)
    users = metadata.tables["users"]
    emails = result.tables["users"].column("email").to_pylist()
    with transaction(ctx.engine) as conn:
        offsets = _offsets(conn)
        taken = conn.execute(
            select(func.count()).select_from(users).where(users.c.email.in_(emails))
        ).scalar_one()
    if taken:
        raise Conflict(
            "this store already holds the simulated users (a simulation was loaded before)",
            where=ctx.engine.url.render_as_string(hide_password=True),
            hint="load into a fresh database, or drop it first",
        )
    postgres = ctx.engine.dialect.name == "postgresql"
    rows: dict[str, int] = {}
    for name in TABLES:
        table = _lowered(_shift(_plain(result.tables[name]), name, offsets), name)
        with transaction(ctx.engine) as conn:
            if postgres:
                _load_postgres(conn, name, table)
            else:
                _load_sqlite(conn, name, table)
        rows[name] = table.num_rows
    if postgres:
        with transaction(ctx.engine) as conn:
            for name in TABLES:
                if "id" in metadata.tables[name].c:
                    conn.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f'(SELECT COALESCE(MAX(id), 0) + 1 FROM "{name}"), false)'
                    )
    return LoadReport(rows, time.perf_counter() - started, offsets)
