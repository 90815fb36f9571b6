"""Helpers (not fixtures) for the handoff tests: users, accounts and MQLs through the real services."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert

from leadflow.domain.lifecycle import Actor
from leadflow.services.context import Context
from leadflow.services.lifecycle import create_person_in, find_person, move_in
from leadflow.store.engine import transaction
from leadflow.store.tables import accounts, users

SYSTEM = Actor.system()


def add_user(ctx: Context, email: str, **values: Any) -> int:
    """Insert a user (a sales rep unless told otherwise)."""
    row = {
        "email": email,
        "name": email.split("@")[0],
        "team": "sales",
        "role": "sales",
        "sales_team": "sales",
        "timezone": "UTC",
        "work_days": "mon,tue,wed,thu,fri",
        "work_start": "09:00",
        "work_end": "17:00",
        "routing_weight": 1.0,
        "active": True,
        "properties": {},
        "created_at": ctx.clock.now(),
        "version": 1,
    }
    row.update(values)
    with transaction(ctx.engine) as conn:
        return int(conn.execute(insert(users).values(**row).returning(users.c.id)).scalar_one())


def add_account(ctx: Context, name: str, **values: Any) -> int:
    """Insert an account."""
    now = ctx.clock.now()
    row = {"name": name, "properties": {}, "created_at": now, "updated_at": now, "version": 1, **values}
    with transaction(ctx.engine) as conn:
        return int(conn.execute(insert(accounts).values(**row).returning(accounts.c.id)).scalar_one())


def add_lead(ctx: Context, email: str, *, mql: bool = True, **values: Any) -> int:
    """Create a person and (by default) make them an MQL through the lifecycle engine (which routes them)."""
    with transaction(ctx.engine) as conn:
        pid = create_person_in(conn, ctx, {"email": email, **values}, at=ctx.clock.now())
        if mql:
            move_in(conn, ctx, find_person(conn, pid), "mql", SYSTEM)
    return pid


def make_team(ctx: Context, n: int = 3, **values: Any) -> dict[str, int]:
    """A sales manager (boss@acme.test) with n reps rep0..: {email: id}."""
    boss = add_user(ctx, "boss@acme.test", role="sales_manager", sales_team=None)
    reps = {"boss@acme.test": boss}
    for i in range(n):
        email = f"rep{i}@acme.test"
        reps[email] = add_user(ctx, email, manager_id=boss, **values)
    return reps
