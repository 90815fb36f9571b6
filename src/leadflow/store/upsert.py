"""Insert-or-update one row by its key on SQLite and PostgreSQL (ON CONFLICT DO UPDATE)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def upsert(conn: Connection, table: Table, keys: Mapping[str, Any], values: Mapping[str, Any]) -> None:
    """Write `values` to the row identified by `keys` (the table's primary key or a unique index)."""
    make = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = (
        make(table)
        .values(**keys, **values)
        .on_conflict_do_update(index_elements=list(keys), set_=dict(values))
    )
    conn.execute(stmt)
