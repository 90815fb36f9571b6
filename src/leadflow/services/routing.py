"""Routing a person to a rep: account owner first, then playbook rules, then fair weighted round-robin.

Every assignment is a row in `assignments` with its method and a human reason, and sets the person's
owner. The round-robin state lives in `routing_turns`, so fairness survives restarts and several workers.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, insert, or_, select, update

from leadflow.domain.business_time import is_working_time
from leadflow.domain.deadlines import base_calendar_name, owner_calendar
from leadflow.domain.routing import (
    PersonFacts,
    Rep,
    Turn,
    describe_rule,
    eligible_reps,
    matching_rules,
    pick,
)
from leadflow.errors import InvalidInput, NotFound
from leadflow.services import notices, sla
from leadflow.store.tables import accounts, assignments, persons, routing_turns, users
from leadflow.store.upsert import upsert

if TYPE_CHECKING:
    from leadflow.services.context import Context

CLOCK_ROW = 0  # routing_turns row holding a pool's virtual clock
DAY_POOL = "*"  # routing_turns pool holding each rep's new-assignments-per-day counter


@dataclass(frozen=True)
class Assignment:
    """One routing decision as written to the assignments table."""

    person_id: int
    user_id: int
    email: str
    method: str  # account_owner | rule | round_robin | manual | reassign
    reason: str
    at: datetime
    previous_user_id: int | None = None


@dataclass(frozen=True)
class _Person:
    id: int
    stage: str
    owner_id: int | None
    facts: PersonFacts
    account_name: str | None
    account_owner_id: int | None


def _products(properties: Mapping[str, Any] | None) -> tuple[str, ...]:
    value = (properties or {}).get("product_interest") or (properties or {}).get("product")
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(p.strip() for p in value.split(",") if p.strip())
    return tuple(str(v) for v in value)


def _load_person(conn: Connection, person_id: int) -> _Person:
    row = conn.execute(
        select(
            persons.c.id,
            persons.c.stage,
            persons.c.owner_id,
            persons.c.country,
            persons.c.region,
            persons.c.persona,
            persons.c.source_channel,
            persons.c.properties,
            accounts.c.segment,
            accounts.c.industry,
            accounts.c.name.label("account_name"),
            accounts.c.owner_id.label("account_owner_id"),
            accounts.c.country.label("account_country"),
            accounts.c.region.label("account_region"),
        )
        .select_from(persons.outerjoin(accounts, persons.c.account_id == accounts.c.id))
        .where(persons.c.id == person_id)
    ).first()
    if row is None:
        raise NotFound(f"no person {person_id}", where="routing", hint="route an existing person")
    facts = PersonFacts(
        segment=row.segment,
        country=row.country or row.account_country,
        region=row.region or row.account_region,
        persona=row.persona,
        industry=row.industry,
        source_channel=row.source_channel,
        product=_products(row.properties),
    )
    return _Person(int(row.id), row.stage, row.owner_id, facts, row.account_name, row.account_owner_id)


def _upsert(conn: Connection, keys: Mapping[str, Any], values: Mapping[str, Any]) -> None:
    upsert(conn, routing_turns, keys, values)


def _pool_members(conn: Connection, pool: str) -> list[Any]:
    kind, _, name = pool.partition(":")
    cond = (
        users.c.email == name.lower()
        if kind == "user"
        else or_(users.c.sales_team == name, users.c.team == name)
    )
    return list(conn.execute(select(users).where(cond, users.c.active.is_(True)).order_by(users.c.id)))


class Router:
    """Routing decisions for one context; stateless between calls (all state is in the store)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        pb = ctx.playbook.model
        self.routing = pb.routing
        self.base = pb.calendars.get(base_calendar_name(pb))

    def _reps(self, conn: Connection, members: Sequence[Any], now: datetime) -> list[Rep]:
        ids = [int(m.id) for m in members]
        capped = [int(m.id) for m in members if m.max_open_mqls is not None]
        open_mqls: dict[int, int] = {}
        if capped:
            open_mqls = {
                int(r[0]): int(r[1])
                for r in conn.execute(
                    select(persons.c.owner_id, func.count())
                    .where(persons.c.owner_id.in_(capped), persons.c.stage == "mql")
                    .group_by(persons.c.owner_id)
                )
            }
        days = {
            int(r.user_id): (r.day, int(r.day_count))
            for r in conn.execute(
                select(routing_turns.c.user_id, routing_turns.c.day, routing_turns.c.day_count).where(
                    routing_turns.c.pool == DAY_POOL, routing_turns.c.user_id.in_(ids)
                )
            )
        }
        reps = []
        equal = self.routing.round_robin.weights_by == "equal"
        for m in members:
            day, count = days.get(int(m.id), (None, 0))
            working = True
            if self.base is not None:
                cal = owner_calendar(
                    self.base,
                    timezone=m.timezone,
                    work_days=m.work_days,
                    work_start=m.work_start,
                    work_end=m.work_end,
                )
                working = is_working_time(cal, now)
            reps.append(
                Rep(
                    id=int(m.id),
                    email=m.email,
                    weight=1.0 if equal else float(m.routing_weight or 1.0),
                    out_of_office_from=m.out_of_office_from,
                    out_of_office_until=m.out_of_office_until,
                    max_open_mqls=m.max_open_mqls,
                    open_mqls=open_mqls.get(int(m.id), 0),
                    max_new_per_day=m.max_new_per_day,
                    new_today=count if day == _local_day(m.timezone, now) else 0,
                    working_now=working,
                )
            )
        return reps

    def _round_robin(
        self, conn: Connection, pool: str, exclude: Collection[int], now: datetime
    ) -> tuple[int, str] | None:
        members = [m for m in _pool_members(conn, pool) if int(m.id) not in exclude]
        if not members:
            return None
        rr = self.routing.round_robin
        chosen = eligible_reps(
            self._reps(conn, members, now),
            now,
            skip_out_of_office=rr.skip_out_of_office,
            respect_working_hours=rr.respect_working_hours,
        )
        if not chosen.eligible:
            return None
        ids = [r.id for r in chosen.eligible]
        stored = {
            int(r.user_id): (float(r.pass_value), int(r.assigned))
            for r in conn.execute(
                select(routing_turns.c.user_id, routing_turns.c.pass_value, routing_turns.c.assigned).where(
                    routing_turns.c.pool == pool, routing_turns.c.user_id.in_([*ids, CLOCK_ROW])
                )
            )
        }
        clock = stored.get(CLOCK_ROW, (0.0, 0))[0]
        turn = pick(
            [Turn(r.id, r.weight, stored[r.id][0] if r.id in stored else None) for r in chosen.eligible],
            clock,
        )
        _upsert(
            conn,
            {"pool": pool, "user_id": turn.user_id},
            {
                "pass_value": turn.new_pass,
                "assigned": stored.get(turn.user_id, (0.0, 0))[1] + 1,
                "updated_at": now,
            },
        )
        _upsert(
            conn,
            {"pool": pool, "user_id": CLOCK_ROW},
            {
                "pass_value": turn.new_clock,
                "assigned": stored.get(CLOCK_ROW, (0.0, 0))[1] + 1,
                "updated_at": now,
            },
        )
        reason = f"weighted round-robin in {pool} among {len(ids)} eligible of {len(members)}"
        if chosen.outside_hours_fallback:
            reason += "; nobody in working hours"
        if chosen.skipped:
            shown = list(chosen.skipped.items())[:5]
            reason += " (skipped: " + "; ".join(f"{e} {why}" for e, why in shown)
            reason += f"; +{len(chosen.skipped) - 5} more)" if len(chosen.skipped) > 5 else ")"
        return turn.user_id, reason

    def _named_user(
        self, conn: Connection, email: str, exclude: Collection[int], now: datetime
    ) -> int | None:
        for m in _pool_members(conn, f"user:{email}"):
            rep = self._reps(conn, [m], now)[0]
            if int(m.id) not in exclude and rep.blocked(now) is None:
                return int(m.id)
        return None

    def decide(
        self, conn: Connection, person: _Person, exclude: Collection[int], now: datetime
    ) -> tuple[int, str, str] | None:
        """(user id, method, reason) for the person, or None when nobody can take them now."""
        if self.routing.account_owner_first and person.account_owner_id is not None:
            owner = person.account_owner_id
            active = conn.execute(select(users.c.active, users.c.email).where(users.c.id == owner)).first()
            if owner not in exclude and active is not None and active.active:
                return owner, "account_owner", f"account {person.account_name!r} is owned by {active.email}"
        for index, rule in matching_rules(self.routing, person.facts):
            kind, _, target = rule.to.partition(":")
            if kind == "user":
                user_id = self._named_user(conn, target, exclude, now)
                if user_id is not None:
                    return user_id, "rule", describe_rule(index, rule)
                continue
            found = self._round_robin(conn, rule.to, exclude, now)
            if found is not None:
                return found[0], "rule", f"{describe_rule(index, rule)}; {found[1]}"
        found = self._round_robin(conn, self.routing.round_robin.among, exclude, now)
        if found is not None:
            return found[0], "round_robin", found[1]
        return None


def _local_day(timezone: str | None, now: datetime) -> str:
    try:
        zone = ZoneInfo(timezone or "UTC")
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return now.astimezone(zone).date().isoformat()


def assign_in(
    conn: Connection,
    ctx: Context,
    person_id: int,
    user_id: int,
    *,
    method: str,
    reason: str,
    actor: str = "system",
    at: datetime | None = None,
    handover: str = "cancelled",
) -> Assignment:
    """Make user_id the person's owner: assignment row, owner, daily counter, SLA clocks and a notice."""
    now = at or ctx.clock.now()
    row = conn.execute(
        select(persons.c.owner_id, persons.c.stage, persons.c.email).where(persons.c.id == person_id)
    ).first()
    user = conn.execute(
        select(users.c.email, users.c.timezone, users.c.active).where(users.c.id == user_id)
    ).first()
    if row is None:
        raise NotFound(f"no person {person_id}", where="assignment", hint="assign an existing person")
    if user is None or not user.active:
        raise InvalidInput(
            f"user {user_id} does not exist or is inactive",
            where="assignment",
            hint="assign to an active user (leadflow user list)",
        )
    previous = row.owner_id
    conn.execute(
        insert(assignments).values(
            person_id=person_id,
            user_id=user_id,
            previous_user_id=previous,
            at=now,
            method=method,
            reason=reason,
            actor=actor,
        )
    )
    conn.execute(
        update(persons)
        .where(persons.c.id == person_id)
        .values(owner_id=user_id, assigned_at=now, updated_at=now)
    )
    today = _local_day(user.timezone, now)
    day = conn.execute(
        select(routing_turns.c.day, routing_turns.c.day_count).where(
            routing_turns.c.pool == DAY_POOL, routing_turns.c.user_id == user_id
        )
    ).first()
    count = int(day.day_count) + 1 if day is not None and day.day == today else 1
    _upsert(
        conn,
        {"pool": DAY_POOL, "user_id": user_id},
        {"day": today, "day_count": count, "pass_value": 0.0, "assigned": 0, "updated_at": now},
    )
    sla.on_assigned_in(conn, ctx, person_id, row.stage, user_id, previous, at=now, handover=handover)
    notices.send_in(
        conn,
        ctx,
        event="person.assigned",
        recipients=[user.email],
        subject=f"New {row.stage.upper()} for you: {row.email or person_id}",
        payload={
            "person_id": person_id,
            "email": row.email,
            "stage": row.stage,
            "method": method,
            "reason": reason,
            "previous_user_id": previous,
            "at": now.isoformat(),
        },
    )
    return Assignment(person_id, user_id, user.email, method, reason, now, previous)


def route_in(
    conn: Connection,
    ctx: Context,
    person_id: int,
    *,
    exclude: Collection[int] = (),
    at: datetime | None = None,
    actor: str = "system",
    method: str | None = None,
    handover: str = "cancelled",
) -> Assignment | None:
    """Route one person inside the caller's transaction; None when no rep can take them now."""
    now = at or ctx.clock.now()
    person = _load_person(conn, person_id)
    decision = Router(ctx).decide(conn, person, set(exclude), now)
    if decision is None:
        return None
    user_id, how, reason = decision
    return assign_in(
        conn,
        ctx,
        person_id,
        user_id,
        method=method or how,
        reason=reason,
        actor=actor,
        at=now,
        handover=handover,
    )
