"""Leakage: every person stuck in no-man's-land between marketing and sales, with the cause and days stuck.

Each cause is one set-based query whose threshold comes from the playbook SLA of the same measure
(see docs/leakage.md for the exact definitions). Business-time SLAs are turned into one cutoff
instant (the latest start that is already past due), so the database compares plain timestamps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Select, and_, case, exists, func, null, or_, select

from leadflow.domain.business_time import BusinessCalendar, add_business_time
from leadflow.domain.durations import Duration, parse_duration
from leadflow.playbook.schema import Playbook, Sla
from leadflow.store.engine import reading
from leadflow.store.tables import (
    activities,
    nurture_enrollments,
    opportunities,
    opportunity_contacts,
    persons,
    users,
)

if TYPE_CHECKING:
    from leadflow.services.context import Context

CAUSES: tuple[str, ...] = (
    "mql_unrouted",
    "mql_unanswered",
    "recycled_not_enrolled",
    "sal_untouched",
    "sql_no_opportunity",
    "opportunity_stale",
)
# cause -> (SLA measure, default stage) whose `within` is the threshold
CAUSE_SLA: dict[str, tuple[str, str]] = {
    "mql_unrouted": ("routing", "mql"),
    "mql_unanswered": ("response", "mql"),
    "recycled_not_enrolled": ("nurture", "recycled"),
    "sal_untouched": ("first_touch", "sal"),
    "sql_no_opportunity": ("progress", "sql"),
}
DEFAULT_TOUCHES = ("call", "email_sent", "meeting")
_MICRO = timedelta(microseconds=1)


@dataclass(frozen=True)
class Leak:
    """One stuck person (or open opportunity): why, since when, and who owns it."""

    cause: str
    person_id: int | None
    email: str | None
    name: str
    stage: str | None
    owner_id: int | None
    owner: str | None
    since: datetime
    days_stuck: float
    opportunity_id: int | None = None


@dataclass(frozen=True)
class Threshold:
    """How a cause was checked: the SLA it comes from and the cutoff (started at or before = leaking)."""

    cause: str
    sla_id: str | None
    within: str | None
    cutoff: datetime | None
    checked: bool


@dataclass(frozen=True)
class LeakageReport:
    """Counts per cause and every leaking person, as of one instant."""

    as_of: datetime
    counts: dict[str, int]
    items: list[Leak]
    thresholds: list[Threshold] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Leaks of every cause (a person counts once per cause)."""
        return sum(self.counts.values())

    def by_cause(self, cause: str) -> list[Leak]:
        """The leaks of one cause, longest stuck first."""
        return [item for item in self.items if item.cause == cause]


def sla_for(pb: Playbook, cause: str) -> Sla | None:
    """The SLA whose measure (and stage) gives the threshold of a cause; None when the playbook has none."""
    if cause not in CAUSE_SLA:
        return None
    measure, stage = CAUSE_SLA[cause]
    candidates = [sla for sla in pb.slas if sla.measure == measure]
    preferred = [sla for sla in candidates if sla.stage == stage]
    found = preferred or candidates
    return found[0] if found else None


def latest_start(calendar: BusinessCalendar, now: datetime, duration: Duration) -> datetime:
    """The latest start whose deadline (start + duration, in business time if so) is at or before `now`."""
    if not duration.business:
        return now - duration.to_timedelta()

    def past_due(start: datetime) -> bool:
        return add_business_time(calendar, start, duration) <= now

    span = timedelta(days=7)
    while not past_due(now - span):  # widen until the lower bound is past due
        span *= 2
    # add_business_time is monotonic in the start: bisect exactly, to the microsecond.
    lo, hi = -span // _MICRO, 0
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if past_due(now + mid * _MICRO):
            lo = mid
        else:
            hi = mid
    return now + lo * _MICRO


def _calendar(pb: Playbook, name: str) -> BusinessCalendar:
    cal = pb.calendars.get(name) or next(iter(pb.calendars.values()))
    return BusinessCalendar.from_playbook(cal, name=name)


def _person_select(*extra: Any) -> Select[Any]:
    return select(
        persons.c.id,
        persons.c.email,
        persons.c.first_name,
        persons.c.last_name,
        persons.c.stage,
        persons.c.owner_id,
        users.c.email,
        *extra,
    ).select_from(persons.outerjoin(users, users.c.id == persons.c.owner_id))


def _mql_unrouted(cutoff: datetime, sla: Sla) -> Select[Any]:
    return _person_select(persons.c.stage_entered_at, null()).where(
        persons.c.stage == sla.stage, persons.c.owner_id.is_(None), persons.c.stage_entered_at <= cutoff
    )


def _mql_unanswered(cutoff: datetime, sla: Sla) -> Select[Any]:
    routed = case(
        (persons.c.assigned_at > persons.c.stage_entered_at, persons.c.assigned_at),
        else_=persons.c.stage_entered_at,
    )
    return _person_select(routed, null()).where(
        persons.c.stage == sla.stage, persons.c.owner_id.is_not(None), routed <= cutoff
    )


def _recycled_not_enrolled(cutoff: datetime, sla: Sla) -> Select[Any]:
    enrolled = exists().where(
        nurture_enrollments.c.person_id == persons.c.id,
        nurture_enrollments.c.enrolled_at >= persons.c.stage_entered_at,
    )
    return _person_select(persons.c.stage_entered_at, null()).where(
        persons.c.stage == sla.stage, persons.c.stage_entered_at <= cutoff, ~enrolled
    )


def _sal_untouched(cutoff: datetime, sla: Sla) -> Select[Any]:
    touches = list(sla.satisfied_by) or list(DEFAULT_TOUCHES)
    in_stage = and_(
        activities.c.person_id == persons.c.id,
        activities.c.type.in_(touches),
        activities.c.occurred_at >= persons.c.stage_entered_at,
    )
    recent = exists().where(in_stage, activities.c.occurred_at > cutoff)
    last_touch = select(func.max(activities.c.occurred_at)).where(in_stage).scalar_subquery()
    since = func.coalesce(last_touch, persons.c.stage_entered_at)
    return _person_select(since, null()).where(
        persons.c.stage == sla.stage, persons.c.stage_entered_at <= cutoff, ~recent
    )


def _sql_no_opportunity(cutoff: datetime, sla: Sla) -> Select[Any]:
    has_opp = or_(
        exists().where(opportunities.c.person_id == persons.c.id),
        exists().where(opportunity_contacts.c.person_id == persons.c.id),
    )
    return _person_select(persons.c.stage_entered_at, null()).where(
        persons.c.stage == sla.stage, persons.c.stage_entered_at <= cutoff, ~has_opp
    )


def _opportunity_stale(now: datetime) -> Select[Any]:
    owner = users.alias("opp_owner")
    o = opportunities
    return (
        select(
            persons.c.id,
            persons.c.email,
            persons.c.first_name,
            func.coalesce(persons.c.last_name, o.c.name),
            persons.c.stage,
            o.c.owner_id,
            owner.c.email,
            o.c.expected_close,
            o.c.id,
        )
        .select_from(
            o.outerjoin(persons, persons.c.id == o.c.person_id).outerjoin(owner, owner.c.id == o.c.owner_id)
        )
        .where(o.c.status == "open", o.c.expected_close.is_not(None), o.c.expected_close < now)
    )


_QUERIES: dict[str, Callable[[datetime, Sla], Select[Any]]] = {
    "mql_unrouted": _mql_unrouted,
    "mql_unanswered": _mql_unanswered,
    "recycled_not_enrolled": _recycled_not_enrolled,
    "sal_untouched": _sal_untouched,
    "sql_no_opportunity": _sql_no_opportunity,
}


def _rows(conn: Connection, cause: str, query: Select[Any], now: datetime) -> list[Leak]:
    out = []
    for pid, email, first, last, stage, owner_id, owner, since, opp_id in conn.execute(query):
        name = " ".join(part for part in (first, last) if part)
        days = round((now - since).total_seconds() / 86400, 1)
        out.append(Leak(cause, pid, email, name, stage, owner_id, owner, since, days, opp_id))
    return out


def leakage_in(conn: Connection, ctx: Context, *, causes: tuple[str, ...] = CAUSES) -> LeakageReport:
    """The leakage report inside the caller's connection (analytics, the web page, tests)."""
    pb, now = ctx.playbook.model, ctx.clock.now()
    items: list[Leak] = []
    thresholds: list[Threshold] = []
    counts = dict.fromkeys(causes, 0)
    for cause in causes:
        if cause == "opportunity_stale":
            found = _rows(conn, cause, _opportunity_stale(now), now)
            thresholds.append(Threshold(cause, None, "expected close date", now, True))
        else:
            sla = sla_for(pb, cause)
            if sla is None:
                thresholds.append(Threshold(cause, None, None, None, False))
                continue
            cutoff = latest_start(_calendar(pb, sla.calendar), now, parse_duration(sla.within))
            thresholds.append(Threshold(cause, sla.id, sla.within, cutoff, True))
            found = _rows(conn, cause, _QUERIES[cause](cutoff, sla), now)
        found.sort(key=lambda leak: (leak.since, leak.person_id or 0))
        counts[cause] = len(found)
        items.extend(found)
    return LeakageReport(now, counts, items, thresholds)


def find_leakage(ctx: Context) -> LeakageReport:
    """Every leaking person now, with counts per cause (for `leadflow leakage`, the web page, analytics)."""
    with reading(ctx.engine) as conn:
        return leakage_in(conn, ctx)
