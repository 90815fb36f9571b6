"""Business-hours math: working time of a calendar (weekdays, hours, holidays) in its own time zone."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from leadflow.domain.durations import Duration
from leadflow.errors import InvalidInput
from leadflow.playbook.schema import Calendar

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_ALIASES = {name: i for i, name in enumerate(WEEKDAYS)} | {
    full: i
    for i, full in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))
}
_ZERO = timedelta(0)
_MIDNIGHT = time(0)


@lru_cache(maxsize=512)
def _public_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    """Public holidays of one country (and optional subdivision) in one year, from `holidays`."""
    import holidays  # imported lazily: building its tables costs ~0.1 s and most callers never need it

    try:
        table = holidays.country_holidays(country, subdiv=subdivision, years=year)
    except NotImplementedError as exc:
        raise InvalidInput(
            f"unknown holiday calendar {country!r}"
            + (f" subdivision {subdivision!r}" if subdivision else ""),
            where="calendars.*.holidays",
            hint="use an ISO 3166 country code known to the `holidays` package, e.g. de, us, gb or de-by",
        ) from exc
    return frozenset(table.keys())


def _parse_clock(text: str, where: str) -> time:
    if text == "24:00":
        return time.max
    try:
        hour, minute = (int(part) for part in text.split(":"))
        return time(hour, minute)
    except ValueError as exc:
        raise InvalidInput(
            f"{text!r} is not a time of day", where=where, hint="write HH:MM, e.g. 09:00"
        ) from exc


def _parse_hours(hours: tuple[str, str], where: str) -> tuple[time, time]:
    opens, closes = _parse_clock(hours[0], where), _parse_clock(hours[1], where)
    if opens >= closes:
        raise InvalidInput(
            f"working hours {hours[0]}-{hours[1]} are empty", where=where, hint="end after start"
        )
    return opens, closes


def _zone(name: str, where: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(
            f"unknown time zone {name!r}", where=where, hint="use an IANA name such as Europe/Berlin"
        ) from exc


@dataclass(frozen=True)
class BusinessCalendar:
    """When people work: a time zone, working weekdays, daily hours and holidays."""

    zone: ZoneInfo
    workdays: frozenset[int]  # 0 = Monday
    opens: time
    closes: time
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    extra_holidays: frozenset[date] = frozenset()
    _by_year: dict[int, tuple[int, ...]] = field(default_factory=dict, compare=False, hash=False, repr=False)
    _working: dict[int, bool] = field(default_factory=dict, compare=False, hash=False, repr=False)
    open_at: timedelta = field(default=_ZERO, init=False, compare=False, repr=False)
    close_at: timedelta = field(default=_ZERO, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.workdays:
            raise InvalidInput("a calendar needs at least one working day", hint="e.g. days: [mon, tue, wed]")
        if self.opens >= self.closes:
            raise InvalidInput("working hours are empty", hint="the day must end after it starts")
        # wall-clock offsets from local midnight, computed once: every call needs them
        object.__setattr__(self, "open_at", _wall(self.opens))
        object.__setattr__(self, "close_at", _wall(self.closes))

    @classmethod
    def from_playbook(
        cls,
        calendar: Calendar,
        *,
        name: str = "default",
        timezone: str | None = None,
        hours: tuple[str, str] | None = None,
    ) -> BusinessCalendar:
        """Build from a playbook calendar, with optional per-user time zone and hours overrides."""
        where = f"calendars.{name}"
        workdays = set()
        for day in calendar.days:
            if day.lower() not in _DAY_ALIASES:
                raise InvalidInput(f"{day!r} is not a weekday", where=f"{where}.days", hint="use mon .. sun")
            workdays.add(_DAY_ALIASES[day.lower()])
        opens, closes = _parse_hours(hours or calendar.hours, f"{where}.hours")
        country, subdivision = None, None
        if calendar.holidays:
            country, _, sub = calendar.holidays.upper().partition("-")
            subdivision = sub or None
            _public_holidays(country, subdivision, 2026)  # fail now, with a clear message, on a bad code
        extras = set()
        for text in calendar.extra_holidays:
            try:
                extras.add(date.fromisoformat(str(text)))
            except ValueError as exc:
                raise InvalidInput(
                    f"{text!r} is not a date", where=f"{where}.extra_holidays", hint="write YYYY-MM-DD"
                ) from exc
        return cls(
            zone=_zone(timezone or calendar.timezone, f"{where}.timezone"),
            workdays=frozenset(workdays),
            opens=opens,
            closes=closes,
            holiday_country=country,
            holiday_subdivision=subdivision,
            extra_holidays=frozenset(extras),
        )

    @property
    def day_length(self) -> timedelta:
        """Working time of one business day (wall clock)."""
        return self.close_at - self.open_at

    def holidays_in(self, year: int) -> tuple[int, ...]:
        """Sorted ordinals of holidays in a year that fall on working weekdays (cached per year)."""
        cached = self._by_year.get(year)
        if cached is None:
            days: set[date] = {d for d in self.extra_holidays if d.year == year}
            if self.holiday_country:
                days |= _public_holidays(self.holiday_country, self.holiday_subdivision, year)
            cached = tuple(sorted(d.toordinal() for d in days if d.weekday() in self.workdays))
            self._by_year[year] = cached
        return cached

    def is_working_day(self, ordinal: int) -> bool:
        """True when the date (as an ordinal) is a working weekday and no holiday."""
        known = self._working.get(ordinal)
        if known is not None:
            return known
        working = (ordinal - 1) % 7 in self.workdays
        if working:
            holidays = self.holidays_in(date.fromordinal(ordinal).year)
            index = bisect.bisect_left(holidays, ordinal)
            working = index == len(holidays) or holidays[index] != ordinal
        if len(self._working) < 100_000:  # a few centuries of days; bounded for long-lived processes
            self._working[ordinal] = working
        return working

    def _holidays_between(self, first: int, last: int) -> int:
        """Number of working-weekday holidays with ordinal in [first, last]."""
        count = 0
        for year in range(date.fromordinal(first).year, date.fromordinal(last).year + 1):
            holidays = self.holidays_in(year)
            count += bisect.bisect_right(holidays, last) - bisect.bisect_left(holidays, first)
        return count

    def _weekdays_between(self, first: int, last: int) -> int:
        """Number of working weekdays (holidays included) with ordinal in [first, last]."""
        if last < first:
            return 0
        span = last - first + 1
        weeks, rest = divmod(span, 7)
        count = weeks * len(self.workdays)
        start = (first - 1 + weeks * 7) % 7
        for offset in range(rest):
            if (start + offset) % 7 in self.workdays:
                count += 1
        return count

    def working_days_between(self, first: int, last: int) -> int:
        """Number of working days with ordinal in [first, last]."""
        if last < first:
            return 0
        return self._weekdays_between(first, last) - self._holidays_between(first, last)

    def nth_working_day_after(self, ordinal: int, n: int) -> int:
        """The ordinal of the n-th working day after `ordinal` (n >= 1); whole weeks are jumped."""
        per_week = len(self.workdays)
        while n > 0:
            if n > 2 * per_week:
                weeks = n // per_week - 1
                end = ordinal + 7 * weeks
                # the jumped span holds weeks*per_week weekdays minus its holidays: never overshoots
                n -= weeks * per_week - self._holidays_between(ordinal + 1, end)
                ordinal = end
            else:
                ordinal += 1
                if self.is_working_day(ordinal):
                    n -= 1
        return ordinal


def _wall(at: time) -> timedelta:
    if at == time.max:
        return timedelta(days=1)
    return timedelta(hours=at.hour, minutes=at.minute, seconds=at.second, microseconds=at.microsecond)


def _require_aware(at: datetime, what: str) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidInput(f"{what} {at.isoformat()} has no time zone", hint="pass an aware datetime (UTC)")


def _to_wall(calendar: BusinessCalendar, at: datetime) -> tuple[int, timedelta]:
    """The local date (ordinal) and wall-clock time since local midnight of an aware instant."""
    local = at.astimezone(calendar.zone)
    since = timedelta(
        hours=local.hour, minutes=local.minute, seconds=local.second, microseconds=local.microsecond
    )
    return local.toordinal(), since


def _from_wall(calendar: BusinessCalendar, ordinal: int, since_midnight: timedelta) -> datetime:
    """The UTC instant of a local wall-clock time (fold=0: the earlier one in a repeated hour)."""
    local = datetime.combine(date.fromordinal(ordinal), _MIDNIGHT) + since_midnight
    return local.replace(tzinfo=calendar.zone).astimezone(UTC)


def _position(calendar: BusinessCalendar, at: datetime) -> tuple[int, timedelta]:
    """The next working moment at or after `at` as (working day ordinal, working time done that day)."""
    ordinal, since = _to_wall(calendar, at)
    opens, closes = calendar.open_at, calendar.close_at
    if calendar.is_working_day(ordinal):
        if since < opens:
            return ordinal, _ZERO
        if since < closes:
            return ordinal, since - opens
    return calendar.nth_working_day_after(ordinal, 1), _ZERO


def _business_amount(calendar: BusinessCalendar, duration: Duration) -> timedelta:
    unit, amount = duration.unit, duration.amount
    if amount < 0:
        raise InvalidInput(f"negative duration {duration}", hint="durations count forward")
    if unit == "minutes":
        return timedelta(minutes=amount)
    if unit == "hours":
        return timedelta(hours=amount)
    if unit == "days":
        return calendar.day_length * amount
    return calendar.day_length * (amount * len(calendar.workdays))


def add_business_time(calendar: BusinessCalendar, start: datetime, duration: Duration) -> datetime:
    """The UTC instant `duration` after `start`; business durations count only working time."""
    _require_aware(start, "start")
    if not duration.business:
        return (start + duration.to_timedelta()).astimezone(UTC)
    return add_working_time(calendar, start, _business_amount(calendar, duration))


def add_working_time(calendar: BusinessCalendar, start: datetime, amount: timedelta) -> datetime:
    """The earliest UTC instant at which `amount` of working time has elapsed since `start`."""
    _require_aware(start, "start")
    if amount < _ZERO:
        raise InvalidInput(f"negative working time {amount}", hint="durations count forward")
    day, done = _position(calendar, start)
    length = calendar.day_length
    total = done + amount
    if total > length:
        after = total - length
        days = -(-after // length)  # ceil: finishing exactly at closing time stays on that day
        day = calendar.nth_working_day_after(day, days)
        total = after - (days - 1) * length
    return _from_wall(calendar, day, calendar.open_at + total)


def business_time_between(calendar: BusinessCalendar, a: datetime, b: datetime) -> timedelta:
    """Working time elapsed from a to b (negative when b is before a), e.g. how late a response is."""
    _require_aware(a, "a")
    _require_aware(b, "b")
    if b < a:
        return -business_time_between(calendar, b, a)
    day_a, done_a = _position(calendar, a)
    day_b, done_b = _position(calendar, b)
    whole = calendar.working_days_between(day_a, day_b - 1)
    return calendar.day_length * whole + done_b - done_a


def is_working_time(calendar: BusinessCalendar, at: datetime) -> bool:
    """True when `at` falls inside working hours on a working day of the calendar."""
    _require_aware(at, "at")
    ordinal, since = _to_wall(calendar, at)
    return calendar.is_working_day(ordinal) and calendar.open_at <= since < calendar.close_at


def next_working_moment(calendar: BusinessCalendar, at: datetime) -> datetime:
    """`at` itself (in UTC) when it is working time, else the next opening of a working day."""
    _require_aware(at, "at")
    if is_working_time(calendar, at):
        return at.astimezone(UTC)
    day, _ = _position(calendar, at)
    return _from_wall(calendar, day, calendar.open_at)


def working_days(calendar: BusinessCalendar, first: date, last: date) -> Iterable[date]:
    """The working days from first to last inclusive, in order."""
    for ordinal in range(first.toordinal(), last.toordinal() + 1):
        if calendar.is_working_day(ordinal):
            yield date.fromordinal(ordinal)
