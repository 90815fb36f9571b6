"""Insert-or-update keyed by external id (then other keys): the same file imported twice changes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select, update

CHUNK = 900
NEVER_COMPARED = frozenset({"id", "created_at", "updated_at", "version", "stage", "stage_entered_at"})


def _key(value: Any, lower: bool) -> Any:
    return value.strip().lower() if lower and isinstance(value, str) else value


def fill_defaults(table: Table, rows: list[dict[str, Any]]) -> None:
    """Give every row the same keys (executemany needs it), using the column's default or None."""
    keys: set[str] = set()
    for row in rows:
        keys.update(row)
    for name in keys:
        arg = getattr(table.c[name].default, "arg", None)
        default = None if callable(arg) else arg
        for row in rows:
            row.setdefault(name, default)


def insert_returning_ids(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert many rows in one statement batch and return their ids in order."""
    if not rows:
        return []
    fill_defaults(table, rows)
    if conn.dialect.name != "sqlite":
        result = conn.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
        return [int(r[0]) for r in result]
    # SQLite would run RETURNING row by row; inside our write transaction (the write lock is held from
    # BEGIN IMMEDIATE) new rowids are handed out in insertion order above the old maximum, so read them back.
    before = conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
    conn.execute(insert(table), rows)
    ids = [
        int(i)
        for i in conn.execute(select(table.c.id).where(table.c.id > before).order_by(table.c.id)).scalars()
    ]
    if len(ids) != len(rows):
        raise RuntimeError(f"expected {len(rows)} new {table.name} rows, found {len(ids)}")
    return ids


def upsert_rows(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    keys: Sequence[tuple[str, bool]],
    now: datetime,
    *,
    first_key_only: bool = False,
) -> list[tuple[int, str]]:
    """(id, outcome) per row: inserted, updated or unchanged; rows with the same key in one batch are merged.

    `keys` lists (column, case_insensitive) in priority order; properties are merged, never replaced.
    With first_key_only, a row that has the first key is matched on it alone (accounts: an external id
    is the identity; names and domains are only a fallback for rows without one).
    """
    existing: dict[tuple[str, Any], dict[str, Any]] = {}
    for col, lower in keys:
        wanted = sorted({_key(r[col], lower) for r in rows if r.get(col) is not None}, key=str)
        expr = func.lower(table.c[col]) if lower else table.c[col]
        for i in range(0, len(wanted), CHUNK):
            for found in conn.execute(select(table).where(expr.in_(wanted[i : i + CHUNK]))).mappings():
                existing.setdefault((col, _key(found[col], lower)), dict(found))
    has_version, has_updated = "version" in table.c, "updated_at" in table.c
    outcomes: list[tuple[int, str]] = []
    pending: list[dict[str, Any]] = []  # new rows, merged within the batch
    pending_index: dict[tuple[str, Any], int] = {}
    slots: list[tuple[str, int]] = []  # ("new", pending index) or ("old", id)
    updates: dict[int, dict[str, Any]] = {}
    by_id = {v["id"]: v for v in existing.values()}
    for row in rows:
        row_keys = keys[:1] if first_key_only and row.get(keys[0][0]) is not None else keys
        hit = next(
            (
                existing[(c, _key(row[c], lo))]
                for c, lo in row_keys
                if row.get(c) is not None and (c, _key(row[c], lo)) in existing
            ),
            None,
        )
        if hit is not None:
            base = updates.get(hit["id"], hit)
            changes = {
                k: v
                for k, v in row.items()
                if k not in NEVER_COMPARED and k != "properties" and v is not None and base.get(k) != v
            }
            for c, lo in keys:
                if c not in changes:
                    continue
                other = existing.get((c, _key(changes[c], lo)))
                # never take another row's key; never re-key a row the store knows by its first key
                if (other is not None and other["id"] != hit["id"]) or (
                    c == keys[0][0] and base.get(c) is not None
                ):
                    del changes[c]
            props = dict(base.get("properties") or {})
            merged = props | (row.get("properties") or {})
            if merged != props:
                changes["properties"] = merged
            if changes:
                updates[hit["id"]] = {**base, **changes}
                outcomes.append((hit["id"], "updated"))
            else:
                outcomes.append((hit["id"], "unchanged"))
            slots.append(("old", hit["id"]))
            continue
        index = next(
            (
                pending_index[(c, _key(row[c], lo))]
                for c, lo in row_keys
                if row.get(c) is not None and (c, _key(row[c], lo)) in pending_index
            ),
            None,
        )
        if index is not None:
            target = pending[index]
            props = (target.get("properties") or {}) | (row.get("properties") or {})
            target.update({k: v for k, v in row.items() if v is not None})
            target["properties"] = props
            outcomes.append((-1, "updated"))
        else:
            index = len(pending)
            pending.append(dict(row))
            outcomes.append((-1, "inserted"))
        slots.append(("new", index))
        for c, lo in keys:
            if row.get(c) is not None:
                pending_index[(c, _key(row[c], lo))] = index
    for row_id, full in updates.items():
        original = by_id[row_id]
        changes = {k: v for k, v in full.items() if k in table.c and k != "id" and original.get(k) != v}
        if has_version:
            changes["version"] = table.c.version + 1
        if has_updated:
            changes["updated_at"] = now
        conn.execute(update(table).where(table.c.id == row_id).values(**changes))
    new_ids = insert_returning_ids(conn, table, pending)
    return [
        (new_ids[ref] if kind == "new" else ref, outcome)
        for (kind, ref), (_, outcome) in zip(slots, outcomes, strict=True)
    ]
