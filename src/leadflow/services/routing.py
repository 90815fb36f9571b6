"""Routing decisions: account owner first, then playbook rules, then fair weighted round-robin.

A Router reads the state it needs once (pool members, stored round-robin passes, daily counters, open
MQLs), decides for one or many persons in memory, and writes the new state back with `flush()`. The
state lives in `routing_turns`, so fairness survives restarts and is shared by every process.
Writing the assignments themselves is services.assignments' job.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, func, or_, select
from sqlalchemy.dialects import postgresql

from leadflow.domain.business_time import is_working_time
from leadflow.domain.deadlines import base_calendar_name, owner_calendar
from leadflow.domain.routing import PersonFacts, Rep, Turn, describe_rule, eligible_reps, matching_rules, pick
from leadflow.store.tables import accounts, persons, routing_turns, users
from leadflow.store.upsert import upsert

if TYPE_CHECKING:
    from leadflow.services.context import Context

CLOCK_ROW = 0  # routing_turns row holding a pool's virtual clock
DAY_POOL = "*"  # routing_turns pool holding each rep's new-assignments-per-day counter
_CHUNK = 500


@dataclass(frozen=True)
class RoutedPerson:
    """What routing needs to know about one person."""

    id: int
    stage: str
    owner_id: int | None
    email: str | None
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


def load_persons(conn: Connection, person_ids: Iterable[int]) -> dict[int, RoutedPerson]:
    """Routing facts of persons (with their account's segment, industry, owner), by id."""
    ids = list(dict.fromkeys(person_ids))
    out: dict[int, RoutedPerson] = {}
    cols = (
        persons.c.id,
        persons.c.stage,
        persons.c.owner_id,
        persons.c.email,
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
    joined = persons.outerjoin(accounts, persons.c.account_id == accounts.c.id)
    for start in range(0, len(ids), _CHUNK):
        for r in conn.execute(
            select(*cols).select_from(joined).where(persons.c.id.in_(ids[start : start + _CHUNK]))
        ):
            facts = PersonFacts(
                segment=r.segment,
                country=r.country or r.account_country,
                region=r.region or r.account_region,
                persona=r.persona,
                industry=r.industry,
                source_channel=r.source_channel,
                product=_products(r.properties),
            )
            out[int(r.id)] = RoutedPerson(
                int(r.id), r.stage, r.owner_id, r.email, facts, r.account_name, r.account_owner_id
            )
    return out


def _local_day(timezone: str | None, now: datetime) -> str:
    try:
        zone = ZoneInfo(timezone or "UTC")
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return now.astimezone(zone).date().isoformat()


@dataclass
class _Pool:
    name: str
    members: list[int]
    passes: dict[int, float] = field(default_factory=dict)
    assigned: dict[int, int] = field(default_factory=dict)
    clock: float = 0.0
    turns: int = 0
    dirty: set[int] = field(default_factory=set)


class Router:
    """Routing decisions for one transaction at one instant; all lasting state is in the store."""

    def __init__(self, conn: Connection, ctx: Context, now: datetime) -> None:
        self.conn, self.ctx, self.now = conn, ctx, now
        pb = ctx.playbook.model
        self.routing = pb.routing
        self.base = pb.calendars.get(base_calendar_name(pb))
        self.users: dict[int, Any] = {}
        self.pools: dict[str, _Pool] = {}
        self.day_counts: dict[int, int] = {}
        self.day_dirty: set[int] = set()
        self.open_mqls: dict[int, int] = {}
        self.working: dict[int, bool] = {}  # in working hours at `now`
        self.reps: dict[int, Rep] = {}

    def _load_users(self, cond: Any) -> list[int]:
        ids = []
        for row in self.conn.execute(
            select(users).where(cond, users.c.active.is_(True)).order_by(users.c.id)
        ):
            self.users.setdefault(int(row.id), row)
            ids.append(int(row.id))
        self._load_counters(ids)
        return ids

    def _load_counters(self, ids: Collection[int]) -> None:
        todo = [i for i in ids if i not in self.day_counts]
        if not todo:
            return
        stored = {
            int(r.user_id): (r.day, int(r.day_count))
            for r in self.conn.execute(
                select(routing_turns.c.user_id, routing_turns.c.day, routing_turns.c.day_count).where(
                    routing_turns.c.pool == DAY_POOL, routing_turns.c.user_id.in_(todo)
                )
            )
        }
        for i in todo:
            day, count = stored.get(i, (None, 0))
            tz = self.users[i].timezone if i in self.users else None
            self.day_counts[i] = count if day == _local_day(tz, self.now) else 0
        capped = [i for i in todo if i in self.users and self.users[i].max_open_mqls is not None]
        if capped:
            self.open_mqls.update(
                {
                    int(r[0]): int(r[1])
                    for r in self.conn.execute(
                        select(persons.c.owner_id, func.count())
                        .where(persons.c.owner_id.in_(capped), persons.c.stage == "mql")
                        .group_by(persons.c.owner_id)
                    )
                }
            )

    def _pool(self, name: str) -> _Pool:
        pool = self.pools.get(name)
        if pool is not None:
            return pool
        kind, _, target = name.partition(":")
        # team:X = users whose sales_team is X, plus reps (role sales) of team X; managers only by sales_team
        cond = (
            users.c.email == target.lower()
            if kind == "user"
            else or_(users.c.sales_team == target, and_(users.c.team == target, users.c.role == "sales"))
        )
        if self.conn.dialect.name == "postgresql":
            # One router per pool at a time (SQLite has BEGIN IMMEDIATE): lock the pool clock row, created
            # first so there is always a row to lock; the reads below then see the previous router's writes.
            clock = {"pool": name, "user_id": CLOCK_ROW}
            self.conn.execute(
                postgresql.insert(routing_turns)
                .values(**clock, pass_value=0.0, assigned=0, day_count=0, updated_at=self.now)
                .on_conflict_do_nothing()
            )
            self.conn.execute(
                select(routing_turns.c.pool)
                .where(routing_turns.c.pool == name, routing_turns.c.user_id == CLOCK_ROW)
                .with_for_update()
            )
        turns = self.conn.execute(select(routing_turns).where(routing_turns.c.pool == name)).all()
        pool = _Pool(name, self._load_users(cond))
        for r in turns:
            if int(r.user_id) == CLOCK_ROW:
                pool.clock, pool.turns = float(r.pass_value), int(r.assigned)
            else:
                pool.passes[int(r.user_id)] = float(r.pass_value)
                pool.assigned[int(r.user_id)] = int(r.assigned)
        self.pools[name] = pool
        return pool

    def _working(self, user_id: int) -> bool:
        found = self.working.get(user_id)
        if found is None:
            m = self.users[user_id]
            found = True
            if self.base is not None:
                cal = owner_calendar(
                    self.base,
                    timezone=m.timezone,
                    work_days=m.work_days,
                    work_start=m.work_start,
                    work_end=m.work_end,
                )
                found = is_working_time(cal, self.now)
            self.working[user_id] = found
        return found

    def rep(self, user_id: int) -> Rep:
        """The rep as routing sees them now (capacity counters include this batch's picks)."""
        base = self.reps.get(user_id)
        if base is None:
            m = self.users[user_id]
            weight = 1.0 if self.routing.round_robin.weights_by == "equal" else float(m.routing_weight or 1.0)
            base = self.reps[user_id] = Rep(
                id=user_id,
                email=m.email,
                weight=weight,
                out_of_office_from=m.out_of_office_from,
                out_of_office_until=m.out_of_office_until,
                max_open_mqls=m.max_open_mqls,
                max_new_per_day=m.max_new_per_day,
                working_now=self._working(user_id),
            )
        if base.max_open_mqls is None and base.max_new_per_day is None:
            return base  # counters cannot block this rep: skip rebuilding it for every lead
        return Rep(  # positional fields: dataclasses.replace costs 10x more in this hot loop
            base.id,
            base.email,
            base.weight,
            base.out_of_office_from,
            base.out_of_office_until,
            base.max_open_mqls,
            self.open_mqls.get(user_id, 0),
            base.max_new_per_day,
            self.day_counts.get(user_id, 0),
            base.working_now,
        )

    def _round_robin(self, name: str, exclude: Collection[int]) -> tuple[int, str] | None:
        pool = self._pool(name)
        members = [i for i in pool.members if i not in exclude]
        if not members:
            return None
        rr = self.routing.round_robin
        chosen = eligible_reps(
            [self.rep(i) for i in members],
            self.now,
            skip_out_of_office=rr.skip_out_of_office,
            respect_working_hours=rr.respect_working_hours,
        )
        if not chosen.eligible:
            return None
        turn = pick([Turn(r.id, r.weight, pool.passes.get(r.id)) for r in chosen.eligible], pool.clock)
        pool.passes[turn.user_id] = turn.new_pass
        pool.assigned[turn.user_id] = pool.assigned.get(turn.user_id, 0) + 1
        pool.clock, pool.turns = turn.new_clock, pool.turns + 1
        pool.dirty.add(turn.user_id)
        reason = f"weighted round-robin in {name} among {len(chosen.eligible)} eligible of {len(members)}"
        if chosen.outside_hours_fallback:
            reason += "; nobody in working hours"
        if chosen.skipped:
            shown = "; ".join(f"{e} {why}" for e, why in list(chosen.skipped.items())[:5])
            more = f"; +{len(chosen.skipped) - 5} more" if len(chosen.skipped) > 5 else ""
            reason += f" (skipped: {shown}{more})"
        return turn.user_id, reason

    def _named(self, email: str, exclude: Collection[int]) -> int | None:
        for user_id in self._pool(f"user:{email}").members:
            skip_ooo = self.routing.round_robin.skip_out_of_office
            if (
                user_id not in exclude
                and self.rep(user_id).blocked(self.now, skip_out_of_office=skip_ooo) is None
            ):
                return user_id
        return None

    def decide(self, person: RoutedPerson, exclude: Collection[int] = ()) -> tuple[int, str, str] | None:
        """(user id, method, reason) for the person, or None when nobody can take them now."""
        owner = person.account_owner_id
        if self.routing.account_owner_first and owner is not None and owner not in exclude:
            if owner not in self.users:
                self._load_users(users.c.id == owner)
            if owner in self.users:
                return (
                    owner,
                    "account_owner",
                    (
                        f"account {person.account_name!r} is owned by "
                        f"{self.users[owner].email} (lead-to-account)"
                    ),
                )
        for index, rule in matching_rules(self.routing, person.facts):
            kind, _, target = rule.to.partition(":")
            if kind == "user":
                user_id = self._named(target, exclude)
                if user_id is not None:
                    return user_id, "rule", describe_rule(index, rule)
                continue
            found = self._round_robin(rule.to, exclude)
            if found is not None:
                return found[0], "rule", f"{describe_rule(index, rule)}; {found[1]}"
        found = self._round_robin(self.routing.round_robin.among, exclude)
        return None if found is None else (found[0], "round_robin", found[1])

    def record(self, user_id: int, stage: str) -> None:
        """Count a new assignment against the rep's capacity (daily count, open MQLs)."""
        if user_id not in self.users:
            self._load_users(users.c.id == user_id)
        self._load_counters([user_id])
        self.day_counts[user_id] = self.day_counts.get(user_id, 0) + 1
        self.day_dirty.add(user_id)
        if stage == "mql":
            self.open_mqls[user_id] = self.open_mqls.get(user_id, 0) + 1

    def flush(self) -> None:
        """Write the round-robin passes, pool clocks and daily counters changed by this router."""
        # rows are written in one order (pool, user) so concurrent routers cannot deadlock
        for pool in sorted(self.pools.values(), key=lambda p: p.name):
            if pool.dirty:
                upsert(
                    self.conn,
                    routing_turns,
                    {"pool": pool.name, "user_id": CLOCK_ROW},
                    {"pass_value": pool.clock, "assigned": pool.turns, "updated_at": self.now},
                )
            for user_id in sorted(pool.dirty):
                upsert(
                    self.conn,
                    routing_turns,
                    {"pool": pool.name, "user_id": user_id},
                    {
                        "pass_value": pool.passes[user_id],
                        "assigned": pool.assigned[user_id],
                        "updated_at": self.now,
                    },
                )
            pool.dirty.clear()
        for user_id in sorted(self.day_dirty):
            tz = self.users[user_id].timezone if user_id in self.users else None
            upsert(
                self.conn,
                routing_turns,
                {"pool": DAY_POOL, "user_id": user_id},
                {
                    "day": _local_day(tz, self.now),
                    "day_count": self.day_counts[user_id],
                    "pass_value": 0.0,
                    "assigned": 0,
                    "updated_at": self.now,
                },
            )
        self.day_dirty.clear()
