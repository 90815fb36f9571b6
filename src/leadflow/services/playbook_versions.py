"""Changing the agreement together: proposals need one marketing lead and one sales lead to take effect."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from leadflow.errors import Conflict, NotFound, PermissionDenied
from leadflow.playbook import LoadedPlaybook, parse_playbook
from leadflow.playbook.diff import diff_playbooks
from leadflow.services.context import Context
from leadflow.services.users import User
from leadflow.store.audit import audit_in
from leadflow.store.engine import reading, transaction
from leadflow.store.tables import playbook_versions

MARKETING_APPROVERS = ("marketing_lead",)
SALES_APPROVERS = ("sales_manager",)


@dataclass(frozen=True)
class VersionRow:
    """One stored playbook version and its approval state."""

    version: str
    name: str
    status: str
    note: str | None
    created_at: datetime
    activated_at: datetime | None
    approved_marketing_by: int | None
    approved_sales_by: int | None
    text: str


def list_versions(ctx: Context) -> list[VersionRow]:
    """Every stored version, newest first."""
    with reading(ctx.engine) as conn:
        rows = conn.execute(
            select(playbook_versions).order_by(playbook_versions.c.created_at.desc())
        ).mappings()
        return [_row(r) for r in rows]


def _row(r: Any) -> VersionRow:
    return VersionRow(
        r["version"],
        r["name"],
        r["status"],
        r["note"],
        r["created_at"],
        r["activated_at"],
        r["approved_marketing_by"],
        r["approved_sales_by"],
        r["text"],
    )


def get_version(ctx: Context, version: str) -> VersionRow:
    """One stored version; NotFound otherwise."""
    with reading(ctx.engine) as conn:
        r = (
            conn.execute(select(playbook_versions).where(playbook_versions.c.version == version))
            .mappings()
            .first()
        )
    if r is None:
        raise NotFound(f"no playbook version {version!r}", where="playbook", hint="see the version history")
    return _row(r)


def changes_between(old_text: str, new_text: str) -> list[str]:
    """The diff in words between two stored texts."""
    return diff_playbooks(parse_playbook(old_text).model, parse_playbook(new_text).model)


def propose(ctx: Context, text: str, user: User, *, source: str = "upload") -> LoadedPlaybook:
    """Store a candidate playbook (validated: PlaybookInvalid lists every problem) awaiting both approvals."""
    if user.role not in ("admin", *MARKETING_APPROVERS, *SALES_APPROVERS, "marketing", "sales_manager"):
        raise PermissionDenied(
            f"the {user.role} role may not propose playbook changes",
            where="playbook",
            hint="ask a marketing or sales lead",
        )
    loaded = parse_playbook(text, source)
    now = ctx.clock.now()
    with transaction(ctx.engine) as conn:
        exists = conn.execute(
            select(playbook_versions.c.status).where(playbook_versions.c.version == loaded.version)
        ).scalar_one_or_none()
        if exists is not None:
            raise Conflict(
                f"this playbook is already stored as version {loaded.version} ({exists})",
                where="playbook",
                hint="change something before proposing it",
            )
        conn.execute(
            insert(playbook_versions).values(
                version=loaded.version,
                name=loaded.model.name,
                text=text,
                status="proposed",
                note=loaded.model.version_note,
                proposed_by=user.id,
                created_at=now,
            )
        )
        audit_in(
            conn,
            at=now,
            actor=user.email,
            action="playbook.propose",
            object_type="playbook",
            object_id=loaded.version,
        )
    return loaded


def approve(ctx: Context, version: str, user: User) -> VersionRow:
    """Record a lead's approval; with both a marketing and a sales approval the version becomes active."""
    side: str
    if user.role in MARKETING_APPROVERS:
        side = "approved_marketing_by"
    elif user.role in SALES_APPROVERS:
        side = "approved_sales_by"
    else:
        raise PermissionDenied(
            f"the {user.role} role cannot approve playbook changes",
            where="playbook",
            hint="a marketing lead and a sales manager must each approve",
        )
    now = ctx.clock.now()
    with transaction(ctx.engine) as conn:
        row = (
            conn.execute(select(playbook_versions).where(playbook_versions.c.version == version))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound(f"no playbook version {version!r}", where="playbook")
        if row["status"] != "proposed":
            raise Conflict(f"version {version} is {row['status']}, not awaiting approval", where="playbook")
        conn.execute(
            update(playbook_versions).where(playbook_versions.c.version == version).values({side: user.id})
        )
        audit_in(
            conn,
            at=now,
            actor=user.email,
            action="playbook.approve",
            object_type="playbook",
            object_id=version,
            detail={"side": side},
        )
        row = (
            conn.execute(select(playbook_versions).where(playbook_versions.c.version == version))
            .mappings()
            .one()
        )
        if row["approved_marketing_by"] and row["approved_sales_by"]:
            conn.execute(
                update(playbook_versions)
                .where(playbook_versions.c.status == "active")
                .values(status="superseded")
            )
            conn.execute(
                update(playbook_versions)
                .where(playbook_versions.c.version == version)
                .values(status="active", activated_at=now)
            )
            audit_in(
                conn,
                at=now,
                actor=user.email,
                action="playbook.activate",
                object_type="playbook",
                object_id=version,
            )
            row = (
                conn.execute(select(playbook_versions).where(playbook_versions.c.version == version))
                .mappings()
                .one()
            )
    return _row(row)


def reject(ctx: Context, version: str, user: User) -> None:
    """A lead turns a proposal down."""
    if user.role not in ("admin", *MARKETING_APPROVERS, *SALES_APPROVERS):
        raise PermissionDenied(f"the {user.role} role cannot reject playbook proposals", where="playbook")
    with transaction(ctx.engine) as conn:
        done = conn.execute(
            update(playbook_versions)
            .where(playbook_versions.c.version == version, playbook_versions.c.status == "proposed")
            .values(status="rejected")
        )
        if done.rowcount != 1:
            raise Conflict(f"version {version} is not awaiting approval", where="playbook")
        audit_in(
            conn,
            at=ctx.clock.now(),
            actor=user.email,
            action="playbook.reject",
            object_type="playbook",
            object_id=version,
        )
