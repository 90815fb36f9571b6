"""SLA deadlines as pure rules: whose calendar counts, when a deadline is due, and how it is classified."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from leadflow.domain.business_time import BusinessCalendar, add_business_time
from leadflow.domain.durations import parse_duration
from leadflow.playbook.schema import Calendar, Playbook, Sla

# Measures opened when a person enters the SLA's stage; `feedback` opens on a dispute instead.
OPENED_ON_ENTRY = ("routing", "response", "first_touch", "progress", "nurture")
# Measures owned by the person's rep (measured in the rep's business hours; the rep is notified).
OWNER_MEASURES = ("response", "first_touch", "progress")
# Leaving the stage fulfils these (a decision was made); the others are merely cancelled by it.
MET_BY_LEAVING = ("response", "progress")
# How the SLA report counts a deadline (docs/handoff.md); services.sla_report computes it in SQL.
OUTCOMES = ("met_on_time", "breached", "open_overdue", "open", "cancelled")


def base_calendar_name(pb: Playbook) -> str:
    """The calendar used when neither the SLA nor the user says otherwise."""
    return "default" if "default" in pb.calendars else next(iter(pb.calendars), "default")


@lru_cache(maxsize=4096)
def _calendar(
    name: str,
    timezone: str,
    days: tuple[str, ...],
    hours: tuple[str, str],
    holidays: str | None,
    extra: tuple[str, ...],
) -> BusinessCalendar:
    cal = Calendar(
        timezone=timezone, days=list(days), hours=hours, holidays=holidays, extra_holidays=list(extra)
    )
    return BusinessCalendar.from_playbook(cal, name=name)


def owner_calendar(
    base: Calendar,
    *,
    name: str = "default",
    timezone: str | None = None,
    work_days: str | None = None,
    work_start: str | None = None,
    work_end: str | None = None,
) -> BusinessCalendar:
    """A person's calendar: their time zone, days and hours over the base; holidays stay the base's."""
    days = tuple(d.strip() for d in work_days.split(",") if d.strip()) if work_days else tuple(base.days)
    hours = (work_start or base.hours[0], work_end or base.hours[1])
    return _calendar(
        name,
        timezone or base.timezone,
        days,
        hours,
        base.holidays,
        tuple(str(x) for x in base.extra_holidays),
    )


def due_at(calendar: BusinessCalendar, started_at: datetime, within: str) -> datetime:
    """When an SLA started at `started_at` is due: business durations count only working time."""
    return add_business_time(calendar, started_at, parse_duration(within))


def sla_by_id(pb: Playbook) -> dict[str, Sla]:
    """The playbook's SLAs by id."""
    return {sla.id: sla for sla in pb.slas}
