"""Persons as other systems and the person page see them: create, update (versioned), get, search, timeline."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Table, and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from leadflow.errors import Conflict, InvalidInput
from leadflow.services.context import Context
from leadflow.services.lifecycle import create_person_in, find_person
from leadflow.store.audit import audit_in
from leadflow.store.engine import reading, transaction
from leadflow.store.history import history
from leadflow.store.tables import (
    accounts,
    activities,
    assignments,
    campaigns,
    feedback,
    notes,
    opportunities,
    opportunity_contacts,
    persons,
    score_details,
    users,
)

EDITABLE = ("first_name", "last_name", "title", "phone", "country", "region", "properties", "do_not_contact")


def _valid_email(email: str) -> str:
    email = email.strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or " " in email:
        raise InvalidInput(
            f"{email!r} is not an email address", where="field email", hint="write name@company.com"
        )
    return email


def create(ctx: Context, values: Mapping[str, Any], *, actor: str) -> dict[str, Any]:
    """Create a lead (initial stage); Conflict when the email or external id already exists."""
    data = {k: v for k, v in values.items() if v is not None}
    if "email" in data:
        data["email"] = _valid_email(str(data["email"]))
    if data.get("email"):
        domain = data["email"].split("@", 1)[1]
        with reading(ctx.engine) as conn:
            account_id = conn.execute(
                select(accounts.c.id).where(accounts.c.domain == domain).limit(1)
            ).scalar()
        if account_id is not None:
            data.setdefault("account_id", account_id)
    try:
        with transaction(ctx.engine) as conn:
            person_id = create_person_in(conn, ctx, data, at=ctx.clock.now(), actor=actor)
            audit_in(
                conn,
                at=ctx.clock.now(),
                actor=actor,
                action="person.create",
                object_type="person",
                object_id=person_id,
            )
    except IntegrityError:
        raise Conflict(
            "a person with this email or external id already exists",
            where="field email",
            hint="update the existing person instead (PATCH)",
        ) from None
    return get(ctx, person_id)


def update_fields(
    ctx: Context, key: str | int, changes: Mapping[str, Any], *, version: int | None, actor: str
) -> dict[str, Any]:
    """Change contact fields; a stale version is a Conflict. Stages change only through transitions."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise InvalidInput(
            f"field {unknown[0]!r} cannot be changed here",
            where=f"field {unknown[0]}",
            hint="editable: " + ", ".join(EDITABLE) + "; stages change through transitions",
        )
    with transaction(ctx.engine) as conn:
        ref = find_person(conn, key)
        guard = persons.c.id == ref.id
        if version is not None:
            guard = and_(guard, persons.c.version == version)
        done = conn.execute(
            update(persons)
            .where(guard)
            .values(**dict(changes), updated_at=ctx.clock.now(), version=persons.c.version + 1)
        )
        if done.rowcount != 1:
            raise Conflict(
                f"the person changed since version {version} (now {ref.version})",
                where=f"person {ref.id}",
                hint="GET the person again and re-apply your change",
            )
        audit_in(
            conn,
            at=ctx.clock.now(),
            actor=actor,
            action="person.update",
            object_type="person",
            object_id=ref.id,
            detail={k: str(v) for k, v in changes.items()},
        )
    return get(ctx, ref.id)


def get(ctx: Context, key: str | int) -> dict[str, Any]:
    """One person as a plain dict."""
    with reading(ctx.engine) as conn:
        ref = find_person(conn, key)
        return dict(conn.execute(select(persons).where(persons.c.id == ref.id)).mappings().one())


def search(
    ctx: Context,
    *,
    q: str | None = None,
    stage: str | None = None,
    owner_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Persons matching a text (email, name, title), a stage and an owner, newest first."""
    if limit < 1 or limit > 500:
        raise InvalidInput("limit must be between 1 and 500", where="limit", hint="page with offset")
    query = select(persons)
    if q:
        like = f"%{q.strip().lower()}%"
        query = query.where(
            or_(
                persons.c.email.like(like),
                func.lower(persons.c.first_name).like(like),
                func.lower(persons.c.last_name).like(like),
                func.lower(persons.c.title).like(like),
            )
        )
    if stage:
        if stage not in ctx.playbook.model.stage_ids():
            raise InvalidInput(
                f"unknown stage {stage!r}",
                where="stage",
                hint="stages: " + ", ".join(ctx.playbook.model.stage_ids()),
            )
        query = query.where(persons.c.stage == stage)
    if owner_id is not None:
        query = query.where(persons.c.owner_id == owner_id)
    with reading(ctx.engine) as conn:
        rows = conn.execute(
            query.order_by(persons.c.created_at.desc(), persons.c.id.desc()).limit(limit).offset(offset)
        )
        return [dict(r) for r in rows.mappings()]


def timeline(ctx: Context, key: str | int, *, activity_limit: int = 200) -> dict[str, Any]:
    """Everything the person page shows: person, account and its people, owner, history, activities,
    score explanation, assignments, feedback, notes and opportunities."""
    with reading(ctx.engine) as conn:
        ref = find_person(conn, key)
        person = dict(conn.execute(select(persons).where(persons.c.id == ref.id)).mappings().one())
        account = None
        colleagues: list[dict[str, Any]] = []
        if person["account_id"]:
            account = dict(
                conn.execute(select(accounts).where(accounts.c.id == person["account_id"])).mappings().one()
            )
            colleagues = [
                dict(r)
                for r in conn.execute(
                    select(
                        persons.c.id,
                        persons.c.email,
                        persons.c.first_name,
                        persons.c.last_name,
                        persons.c.title,
                        persons.c.stage,
                        persons.c.committee_role,
                    )
                    .where(persons.c.account_id == person["account_id"], persons.c.id != ref.id)
                    .limit(50)
                ).mappings()
            ]
        owner = None
        if person["owner_id"]:
            owner = (
                conn.execute(select(users.c.name, users.c.email).where(users.c.id == person["owner_id"]))
                .mappings()
                .first()
            )
        acts = [
            dict(r)
            for r in conn.execute(
                select(
                    activities.c.type,
                    activities.c.channel,
                    activities.c.url,
                    activities.c.occurred_at,
                    campaigns.c.name.label("campaign"),
                )
                .select_from(activities.outerjoin(campaigns, campaigns.c.id == activities.c.campaign_id))
                .where(activities.c.person_id == ref.id)
                .order_by(activities.c.occurred_at.desc())
                .limit(activity_limit)
            ).mappings()
        ]
        score = (
            conn.execute(select(score_details).where(score_details.c.person_id == ref.id)).mappings().first()
        )
        routed = [
            dict(r)
            for r in conn.execute(
                select(
                    assignments.c.at, assignments.c.method, assignments.c.reason, users.c.name.label("user")
                )
                .join(users, users.c.id == assignments.c.user_id)
                .where(assignments.c.person_id == ref.id)
                .order_by(assignments.c.at)
            ).mappings()
        ]
        fb = _with_author(conn, feedback, ref.id)
        note_rows = _with_author(conn, notes, ref.id)
        opps = [
            dict(r)
            for r in conn.execute(
                select(opportunities, opportunity_contacts.c.role.label("committee_role"))
                .outerjoin(
                    opportunity_contacts,
                    and_(
                        opportunity_contacts.c.opportunity_id == opportunities.c.id,
                        opportunity_contacts.c.person_id == ref.id,
                    ),
                )
                .where(or_(opportunities.c.person_id == ref.id, opportunity_contacts.c.person_id == ref.id))
            ).mappings()
        ]
        changes = history(conn, ref.id)
    return {
        "person": person,
        "account": account,
        "colleagues": colleagues,
        "owner": dict(owner) if owner else None,
        "activities": acts,
        "score": dict(score) if score else None,
        "assignments": routed,
        "feedback": fb,
        "notes": note_rows,
        "opportunities": opps,
        "history": changes,
    }


def _with_author(conn: Connection, table: Table, person_id: int) -> list[dict[str, Any]]:
    """A person's rows of a table that has user_id and at, oldest first, with the author's name."""
    rows = conn.execute(
        select(table, users.c.name.label("user"))
        .outerjoin(users, users.c.id == table.c.user_id)
        .where(table.c.person_id == person_id)
        .order_by(table.c.at)
    ).mappings()
    return [dict(r) for r in rows]


def add_note(ctx: Context, key: str | int, text: str, *, user_id: int, team: str) -> None:
    """A note on a person from either team."""
    if not text.strip():
        raise InvalidInput("the note is empty", where="field text", hint="write something")
    with transaction(ctx.engine) as conn:
        ref = find_person(conn, key)
        conn.execute(
            insert(notes).values(
                person_id=ref.id, user_id=user_id, team=team, text=text.strip(), at=ctx.clock.now()
            )
        )


def by_ids(ctx: Context, ids: list[int]) -> list[dict[str, Any]]:
    """Persons (with account name and owner) in the order of ids, for drill-down lists."""
    if not ids:
        return []
    order = {pid: i for i, pid in enumerate(ids)}
    rows: list[dict[str, Any]] = []
    with reading(ctx.engine) as conn:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows += [
                dict(r)
                for r in conn.execute(
                    select(
                        persons.c.id,
                        persons.c.email,
                        persons.c.first_name,
                        persons.c.last_name,
                        persons.c.title,
                        persons.c.stage,
                        persons.c.grade,
                        persons.c.persona,
                        persons.c.source_channel,
                        accounts.c.name.label("account"),
                        accounts.c.segment,
                        users.c.email.label("owner"),
                    )
                    .select_from(
                        persons.outerjoin(accounts, accounts.c.id == persons.c.account_id).outerjoin(
                            users, users.c.id == persons.c.owner_id
                        )
                    )
                    .where(persons.c.id.in_(chunk))
                ).mappings()
            ]
    return sorted(rows, key=lambda r: order[r["id"]])
