"""Bulk activity writes: SQLite executemany INSERT OR IGNORE; PostgreSQL COPY, then ON CONFLICT DO NOTHING.

Both return exactly which idempotency keys were new, so callers can count duplicates and react to the
persons whose activities were really added.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from leadflow.store.tables import activities

COLUMNS = (
    "idempotency_key",
    "person_id",
    "type",
    "channel",
    "campaign_id",
    "asset_id",
    "url",
    "occurred_at",
    "actor_id",
    "properties",
)
CHUNK = 900
# Activity rows as tuples in COLUMNS order; occurred_at is a naive UTC datetime, properties a dict or None.
ActivityRow = tuple[
    str, int, str, str | None, int | None, int | None, str | None, datetime, int | None, dict[str, Any] | None
]


def _sqlite_time(at: datetime) -> str:
    # the exact text SQLAlchemy's SQLite DateTime writes, so every reader sees one format
    return at.isoformat(" ", "microseconds")


def existing_keys(conn: Connection, keys: Sequence[str]) -> set[str]:
    """The keys already stored."""
    found: set[str] = set()
    col = activities.c.idempotency_key
    for i in range(0, len(keys), CHUNK):
        found.update(conn.execute(select(col).where(col.in_(keys[i : i + CHUNK]))).scalars())
    return found


def insert_activities(conn: Connection, rows: Sequence[ActivityRow]) -> set[str]:
    """Insert the rows whose idempotency key is new; return those keys."""
    if not rows:
        return set()
    if conn.dialect.name == "postgresql":
        return _postgres(conn, rows)
    return _sqlite(conn, rows)


def _sqlite(conn: Connection, rows: Sequence[ActivityRow]) -> set[str]:
    raw = conn.connection.driver_connection
    assert raw is not None
    # ids only grow inside our write transaction, so the rows above the old maximum are exactly the new ones
    before = raw.execute("SELECT coalesce(max(id), 0) FROM activities").fetchone()[0]
    changes = raw.total_changes
    fresh = [
        (
            *r[:7],
            _sqlite_time(r[7]),
            r[8],
            json.dumps(r[9], separators=(",", ":")) if r[9] is not None else None,
        )
        for r in rows
    ]
    sql = f"INSERT OR IGNORE INTO activities ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    raw.executemany(sql, fresh)
    added = raw.total_changes - changes
    if added == len({r[0] for r in rows}):
        return {r[0] for r in rows}
    if added == 0:
        return set()
    return {k for (k,) in raw.execute("SELECT idempotency_key FROM activities WHERE id > ?", (before,))}


def _postgres(conn: Connection, rows: Sequence[ActivityRow]) -> set[str]:
    raw = conn.connection.driver_connection
    assert raw is not None
    cols = ", ".join(COLUMNS)
    with raw.cursor() as cur:
        cur.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS lf_activity_stage ON COMMIT DELETE ROWS AS "
            f"SELECT {cols} FROM activities WITH NO DATA"
        )
        cur.execute("TRUNCATE lf_activity_stage")
        with cur.copy(f"COPY lf_activity_stage ({cols}) FROM STDIN") as copy:
            for r in rows:
                props = json.dumps(r[9], separators=(",", ":")) if r[9] is not None else None
                copy.write_row((*r[:9], props))
        cur.execute(
            f"INSERT INTO activities ({cols}) SELECT DISTINCT ON (idempotency_key) {cols} "
            f"FROM lf_activity_stage ON CONFLICT (idempotency_key) DO NOTHING RETURNING idempotency_key"
        )
        return {str(r[0]) for r in cur.fetchall()}
