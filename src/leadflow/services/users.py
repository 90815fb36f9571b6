"""Users of LeadFlow: creation, passwords (argon2), API tokens (stored hashed), out-of-office, capacity."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, insert, select, update

from leadflow.errors import InvalidInput, NotFound, PermissionDenied
from leadflow.playbook.schema import ROLES
from leadflow.services.context import Context
from leadflow.store.audit import audit_in
from leadflow.store.engine import reading, transaction
from leadflow.store.tables import api_tokens, users

_HASHER = PasswordHasher()
TOKEN_USE_RESOLUTION = timedelta(minutes=1)
TEAMS_OF_ROLES = {
    "admin": "ops",
    "marketing": "marketing",
    "marketing_lead": "marketing",
    "sales": "sales",
    "sales_manager": "sales",
    "viewer": "ops",
}
EDITABLE = (
    "name",
    "team",
    "role",
    "manager_id",
    "sales_team",
    "region",
    "timezone",
    "work_days",
    "work_start",
    "work_end",
    "max_open_mqls",
    "max_new_per_day",
    "routing_weight",
    "out_of_office_from",
    "out_of_office_until",
    "active",
)


@dataclass(frozen=True)
class User:
    """A signed-in person of either team."""

    id: int
    email: str
    name: str
    team: str
    role: str

    @property
    def actor_team(self) -> str | None:
        """The team used by playbook transitions (`by: [sales]`)."""
        return self.team if self.team in ("sales", "marketing") else None


def _user(row: Any) -> User:
    return User(int(row["id"]), row["email"], row["name"], row["team"], row["role"])


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    if len(password) < 8:
        raise InvalidInput(
            "a password needs at least 8 characters", where="field password", hint="choose a longer one"
        )
    return _HASHER.hash(password)


def create_user_in(
    conn: Connection, ctx: Context, values: Mapping[str, Any], *, actor: str = "system"
) -> int:
    """Insert a user (password hashed when given) and audit it."""
    data = dict(values)
    role = data.get("role", "viewer")
    if role not in ROLES:
        raise InvalidInput(f"unknown role {role!r}", where="field role", hint="roles: " + ", ".join(ROLES))
    data.setdefault("team", TEAMS_OF_ROLES[role])
    data["email"] = str(data["email"]).strip().lower()
    password = data.pop("password", None)
    if password:
        data["password_hash"] = hash_password(password)
    now = ctx.clock.now()
    data.setdefault("created_at", now)
    data.setdefault("properties", {})
    user_id = int(conn.execute(insert(users).values(**data).returning(users.c.id)).scalar_one())
    audit_in(
        conn,
        at=now,
        actor=actor,
        action="user.create",
        object_type="user",
        object_id=user_id,
        detail={"email": data["email"], "role": role},
    )
    return user_id


def create_user(ctx: Context, values: Mapping[str, Any], *, actor: str = "system") -> int:
    """Create a user in their own transaction."""
    with transaction(ctx.engine) as conn:
        return create_user_in(conn, ctx, values, actor=actor)


def update_user(ctx: Context, user_id: int, changes: Mapping[str, Any], *, actor: str) -> None:
    """Change editable fields of a user (admin page) and audit the change."""
    data = {k: v for k, v in changes.items() if k in EDITABLE}
    if "role" in data and data["role"] not in ROLES:
        raise InvalidInput(
            f"unknown role {data['role']!r}", where="field role", hint="roles: " + ", ".join(ROLES)
        )
    if changes.get("password"):
        data["password_hash"] = hash_password(str(changes["password"]))
    with transaction(ctx.engine) as conn:
        done = conn.execute(
            update(users).where(users.c.id == user_id).values(**data, version=users.c.version + 1)
        )
        if done.rowcount != 1:
            raise NotFound(f"no user {user_id}", where="user")
        audit_in(
            conn,
            at=ctx.clock.now(),
            actor=actor,
            action="user.update",
            object_type="user",
            object_id=user_id,
            detail={k: str(v) for k, v in data.items() if k != "password_hash"},
        )


def authenticate(ctx: Context, email: str, password: str) -> User:
    """The user with this email and password; PermissionDenied otherwise (same message for both cases)."""
    with reading(ctx.engine) as conn:
        row = conn.execute(select(users).where(users.c.email == email.strip().lower())).mappings().first()
    denied = PermissionDenied(
        "wrong email or password", where="login", hint="check both, or ask an admin to reset it"
    )
    if row is None or not row["password_hash"] or not row["active"]:
        _HASHER.hash("timing-equaliser")  # same cost whether or not the user exists
        raise denied
    try:
        _HASHER.verify(row["password_hash"], password)
    except (VerificationError, InvalidHashError):
        raise denied from None
    return _user(row)


def get_user(ctx: Context, user_id: int) -> User | None:
    """The active user with this id, if any."""
    with reading(ctx.engine) as conn:
        row = (
            conn.execute(select(users).where(users.c.id == user_id, users.c.active.is_(True)))
            .mappings()
            .first()
        )
    return _user(row) if row else None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(ctx: Context, user_id: int, name: str, *, actor: str) -> str:
    """A new API token for the user; only its hash is stored, so it is shown once."""
    token = "lf_" + secrets.token_urlsafe(32)
    with transaction(ctx.engine) as conn:
        token_id = conn.execute(
            insert(api_tokens)
            .values(user_id=user_id, name=name, token_hash=_token_hash(token), created_at=ctx.clock.now())
            .returning(api_tokens.c.id)
        ).scalar_one()
        audit_in(
            conn,
            at=ctx.clock.now(),
            actor=actor,
            action="token.issue",
            object_type="api_token",
            object_id=token_id,
            detail={"user_id": user_id, "name": name},
        )
    return token


def revoke_token(ctx: Context, token_id: int, *, actor: str) -> None:
    """Revoke an API token."""
    with transaction(ctx.engine) as conn:
        conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(revoked_at=ctx.clock.now()))
        audit_in(
            conn,
            at=ctx.clock.now(),
            actor=actor,
            action="token.revoke",
            object_type="api_token",
            object_id=token_id,
        )


def user_for_token(ctx: Context, token: str) -> User | None:
    """The owner of a valid, unrevoked token (its last use is recorded to the minute)."""
    with reading(ctx.engine) as conn:
        row = (
            conn.execute(
                select(
                    users, api_tokens.c.id.label("token_id"), api_tokens.c.last_used_at.label("token_used_at")
                )
                .join(api_tokens, api_tokens.c.user_id == users.c.id)
                .where(
                    api_tokens.c.token_hash == _token_hash(token),
                    api_tokens.c.revoked_at.is_(None),
                    users.c.active.is_(True),
                )
            )
            .mappings()
            .first()
        )
    if row is None:
        return None
    now = ctx.clock.now()
    # A write per request would serialise every API call on SQLite's single writer; once a minute is enough.
    if row["token_used_at"] is None or now - row["token_used_at"] >= TOKEN_USE_RESOLUTION:
        with transaction(ctx.engine) as conn:
            conn.execute(
                update(api_tokens).where(api_tokens.c.id == row["token_id"]).values(last_used_at=now)
            )
    return _user(row)


def list_users(ctx: Context) -> list[dict[str, Any]]:
    """Every user with capacity and working hours, for the admin page."""
    with reading(ctx.engine) as conn:
        return [dict(r) for r in conn.execute(select(users).order_by(users.c.team, users.c.name)).mappings()]


def list_tokens(ctx: Context) -> list[dict[str, Any]]:
    """API tokens (never the token itself)."""
    with reading(ctx.engine) as conn:
        rows = conn.execute(
            select(
                api_tokens.c.id,
                api_tokens.c.name,
                api_tokens.c.created_at,
                api_tokens.c.last_used_at,
                api_tokens.c.revoked_at,
                users.c.email,
            ).join(users, users.c.id == api_tokens.c.user_id)
        ).mappings()
        return [dict(r) for r in rows]


def at_or_none(value: str | None) -> datetime | None:
    """Parse an ISO date or datetime from a form; None when empty."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{value!r} is not a date", where="date field", hint="write YYYY-MM-DD") from None
