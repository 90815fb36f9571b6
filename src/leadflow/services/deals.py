"""Deals: converting an SQL into an opportunity with its buying committee, and closing it won or lost."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Connection, insert, select, update

from leadflow.errors import InvalidInput
from leadflow.services.context import Context
from leadflow.services.decisions import Decision, add_note, check_owner, find_user
from leadflow.services.lifecycle import PersonRef, find_person, move_in
from leadflow.store.engine import transaction
from leadflow.store.tables import accounts, opportunities, opportunity_contacts, persons

COMMITTEE_ROLES = ("decision_maker", "recommender", "influencer", "user")


def _as_datetime(value: date | datetime | str | None) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise InvalidInput(
                f"{value!r} is not a date", where="field expected_close", hint="write YYYY-MM-DD"
            ) from None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.combine(value, time(0), tzinfo=UTC)


def _committee(
    conn: Connection, ref: PersonRef, committee: Mapping[str, Sequence[str | int]]
) -> dict[int, tuple[str, str]]:
    members: dict[int, tuple[str, str]] = {}
    for role, keys in committee.items():
        if role not in COMMITTEE_ROLES:
            raise InvalidInput(
                f"unknown buying committee role {role!r}",
                where="field committee",
                hint="roles: " + ", ".join(COMMITTEE_ROLES),
            )
        for key in [keys] if isinstance(keys, (str, int)) else keys:
            member = find_person(conn, key)
            members[member.id] = (role, member.email or str(member.id))
    if ref.id not in members:
        own = conn.execute(
            select(persons.c.committee_role).where(persons.c.id == ref.id)
        ).scalar_one_or_none()
        members[ref.id] = (own if own in COMMITTEE_ROLES else "user", ref.email or str(ref.id))
    return members


def convert(
    ctx: Context,
    person: str | int,
    user: str | int,
    *,
    amount: float | str,
    expected_close: date | datetime | str | None = None,
    committee: Mapping[str, Sequence[str | int]] | None = None,
    name: str | None = None,
    product: str | None = None,
    note: str | None = None,
    expected_version: int | None = None,
) -> Decision:
    """Convert an SQL into an opportunity: amount, expected close, buying committee (with their persons)."""
    closes = _as_datetime(expected_close)
    with transaction(ctx.engine) as conn:
        u = find_user(conn, user)
        ref = find_person(conn, person)
        check_owner(ref, u)
        members = _committee(conn, ref, committee or {})
        summary: dict[str, list[str]] = {}
        for role, email in members.values():
            summary.setdefault(role, []).append(email)
        fields: dict[str, Any] = {
            "amount": str(amount),
            "expected_close": closes.date().isoformat() if closes else None,
            "committee": summary,
        }
        change = move_in(
            conn, ctx, ref, "opportunity", u.actor, fields, note=note, expected_version=expected_version
        )
        info = conn.execute(
            select(persons.c.account_id, persons.c.sourced_by, accounts.c.name)
            .select_from(persons.outerjoin(accounts, persons.c.account_id == accounts.c.id))
            .where(persons.c.id == ref.id)
        ).one()
        opp_id = int(
            conn.execute(
                insert(opportunities)
                .values(
                    name=name or f"{info.name or ref.email or ref.id} - {product or 'new business'}",
                    account_id=info.account_id,
                    person_id=ref.id,
                    owner_id=ref.owner_id or u.id,
                    product=product,
                    stage="open",
                    status="open",
                    amount=float(amount),
                    created_at=change.at,
                    expected_close=closes,
                    sourced_by=info.sourced_by,
                    properties={},
                    updated_at=change.at,
                    version=1,
                )
                .returning(opportunities.c.id)
            ).scalar_one()
        )
        conn.execute(
            insert(opportunity_contacts),
            [
                {"opportunity_id": opp_id, "person_id": pid, "role": role}
                for pid, (role, _) in members.items()
            ],
        )
        for pid, (role, _) in members.items():
            conn.execute(update(persons).where(persons.c.id == pid).values(committee_role=role))
        add_note(conn, ref.id, u, note, change.at)
        return Decision(change, opportunity_id=opp_id)


def _close_opportunity(conn: Connection, person_id: int, at: datetime, **values: Any) -> int | None:
    opp = conn.execute(
        select(opportunities.c.id)
        .where(opportunities.c.person_id == person_id, opportunities.c.status == "open")
        .order_by(opportunities.c.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if opp is not None:
        conn.execute(
            update(opportunities)
            .where(opportunities.c.id == opp)
            .values(closed_at=at, updated_at=at, version=opportunities.c.version + 1, **values)
        )
    return None if opp is None else int(opp)


def won(
    ctx: Context,
    person: str | int,
    user: str | int,
    *,
    amount: float | None = None,
    note: str | None = None,
    expected_version: int | None = None,
) -> Decision:
    """Mark the deal won (-> Customer) and close its opportunity as won."""
    with transaction(ctx.engine) as conn:
        u = find_user(conn, user)
        ref = find_person(conn, person)
        check_owner(ref, u)
        change = move_in(
            conn,
            ctx,
            ref,
            "customer",
            u.actor,
            {"amount": amount},
            note=note,
            expected_version=expected_version,
        )
        extra = {"amount": float(amount)} if amount is not None else {}
        opp = _close_opportunity(conn, ref.id, change.at, status="won", stage="won", **extra)
        add_note(conn, ref.id, u, note, change.at)
        return Decision(change, opportunity_id=opp)


def lost(
    ctx: Context,
    person: str | int,
    user: str | int,
    lost_reason: str | None,
    *,
    note: str | None = None,
    expected_version: int | None = None,
) -> Decision:
    """Mark the deal lost with an agreed lost reason (-> Recycled) and close its opportunity as lost."""
    if not lost_reason or not lost_reason.strip():
        raise InvalidInput(
            "a lost deal needs a lost reason",
            where="field lost_reason",
            hint="give --reason; agreed: " + ", ".join(ctx.playbook.model.lost_reasons),
        )
    with transaction(ctx.engine) as conn:
        u = find_user(conn, user)
        ref = find_person(conn, person)
        check_owner(ref, u)
        change = move_in(
            conn,
            ctx,
            ref,
            "recycled",
            u.actor,
            {"lost_reason": lost_reason},
            note=note,
            expected_version=expected_version,
        )
        opp = _close_opportunity(
            conn, ref.id, change.at, status="lost", stage="lost", lost_reason=lost_reason
        )
        add_note(conn, ref.id, u, note, change.at)
        return Decision(change, opportunity_id=opp)
