"""Finding the rows an imported record points at: owners, accounts, persons, campaigns and assets."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Column, Connection, Table, func, select

from leadflow.store.tables import accounts, assets, campaigns, persons, users

CHUNK = 900


def ids_by(
    conn: Connection, table: Table, column: Column[Any], keys: Iterable[Any], *, lower: bool = False
) -> dict[Any, int]:
    """Map key -> id for the keys present (chunked IN queries; `lower` compares case-insensitively)."""
    wanted = sorted({k for k in keys if k is not None})
    found: dict[Any, int] = {}
    expr = func.lower(column) if lower else column
    for i in range(0, len(wanted), CHUNK):
        part = wanted[i : i + CHUNK]
        for key, row_id in conn.execute(select(expr, table.c.id).where(expr.in_(part))).all():
            found.setdefault(key, int(row_id))
    return found


class Owners:
    """Users by email or name (case-insensitive), loaded once: the users table is small."""

    def __init__(self, conn: Connection) -> None:
        self.by_key: dict[str, int] = {}
        for uid, email, name, ext in conn.execute(
            select(users.c.id, users.c.email, users.c.name, users.c.external_id)
        ):
            for key in (email, name, ext):
                if key:
                    self.by_key.setdefault(str(key).strip().lower(), int(uid))

    def find(self, key: str | None) -> int | None:
        """The user id for an email or a name, or None."""
        if not key:
            return None
        return self.by_key.get(key.strip().lower())


class Cache:
    """A growing key -> id map in front of a lookup, so repeated keys across batches cost one query."""

    def __init__(self, table: Table, column: Column[Any], *, lower: bool = False) -> None:
        self.table, self.column, self.lower = table, column, lower
        self.known: dict[Any, int | None] = {}

    def load(self, conn: Connection, keys: Iterable[Any]) -> None:
        """Look up the keys not seen yet."""
        norm = {(k.lower() if self.lower and isinstance(k, str) else k) for k in keys if k is not None}
        missing = [k for k in norm if k not in self.known]
        if not missing:
            return
        found = ids_by(conn, self.table, self.column, missing, lower=self.lower)
        for k in missing:
            self.known[k] = found.get(k)

    def get(self, key: Any) -> int | None:
        """The id, when load() found it."""
        if key is None:
            return None
        return self.known.get(key.lower() if self.lower and isinstance(key, str) else key)

    def put(self, key: Any, row_id: int) -> None:
        """Remember a row this import just created."""
        self.known[key.lower() if self.lower and isinstance(key, str) else key] = row_id


def person_caches() -> tuple[Cache, Cache]:
    """Persons by external id and by email."""
    return Cache(persons, persons.c.external_id), Cache(persons, persons.c.email)


def account_caches() -> tuple[Cache, Cache, Cache]:
    """Accounts by external id, by domain and by name (any case)."""
    return (
        Cache(accounts, accounts.c.external_id),
        Cache(accounts, accounts.c.domain),
        Cache(accounts, accounts.c.name, lower=True),
    )


def campaign_caches() -> tuple[Cache, Cache]:
    """Campaigns by external id and by name (any case)."""
    return Cache(campaigns, campaigns.c.external_id), Cache(campaigns, campaigns.c.name, lower=True)


def asset_cache() -> Cache:
    """Assets by external id (the slug nurture tracks name)."""
    return Cache(assets, assets.c.external_id)
