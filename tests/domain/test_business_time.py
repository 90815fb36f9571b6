"""Business-hours math: hand-computed cases (weekends, holidays, DST, zones) and properties."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadflow.domain.business_time import (
    BusinessCalendar,
    add_business_time,
    add_working_time,
    business_time_between,
    is_working_time,
    next_working_moment,
    working_days,
)
from leadflow.domain.durations import parse_duration
from leadflow.errors import InvalidInput
from leadflow.playbook.schema import Calendar

# random calendars reach past 2035, where the holidays package has no data and says so
pytestmark = pytest.mark.filterwarnings("ignore:Requested Holidays are available only")

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def calendar(**kwargs: object) -> BusinessCalendar:
    return BusinessCalendar.from_playbook(Calendar(**kwargs))  # type: ignore[arg-type]


UTC_CAL = calendar()
DE_CAL = calendar(timezone="Europe/Berlin", holidays="de")
US_CAL = calendar(timezone="America/New_York", holidays="us")


def add(cal: BusinessCalendar, start: datetime, text: str) -> datetime:
    return add_business_time(cal, start, parse_duration(text))


def test_friday_afternoon_plus_eight_business_hours_is_monday_same_time() -> None:
    assert add(UTC_CAL, datetime(2026, 1, 9, 16, tzinfo=UTC), "8 business_hours") == datetime(
        2026, 1, 12, 16, tzinfo=UTC
    )


def test_two_business_days_from_tuesday_afternoon_is_thursday_same_time() -> None:
    assert add(UTC_CAL, datetime(2026, 1, 13, 15, tzinfo=UTC), "2 business_days") == datetime(
        2026, 1, 15, 15, tzinfo=UTC
    )


def test_a_full_day_from_opening_ends_at_closing_not_next_morning() -> None:
    assert add(UTC_CAL, datetime(2026, 1, 13, 9, tzinfo=UTC), "1 business_day") == datetime(
        2026, 1, 13, 17, tzinfo=UTC
    )


def test_christmas_holidays_are_skipped_in_germany() -> None:
    start = datetime(2026, 12, 24, 16, tzinfo=BERLIN)  # Thu; Fri 25 + Sat 26 holidays, then Sunday
    assert add(DE_CAL, start, "2 business_hours") == datetime(2026, 12, 28, 10, tzinfo=BERLIN)
    assert add(calendar(timezone="Europe/Berlin"), start, "2 business_hours") == datetime(
        2026, 12, 25, 10, tzinfo=BERLIN
    )


def test_subdivision_holidays() -> None:
    bavaria = calendar(timezone="Europe/Berlin", holidays="de-by")  # Epiphany, 6 Jan, is a holiday there
    start = datetime(2026, 1, 5, 16, tzinfo=BERLIN)
    assert add(bavaria, start, "2 business_hours") == datetime(2026, 1, 7, 10, tzinfo=BERLIN)
    assert add(DE_CAL, start, "2 business_hours") == datetime(2026, 1, 6, 10, tzinfo=BERLIN)


def test_extra_holidays_are_skipped() -> None:
    cal = calendar(extra_holidays=["2026-01-12"])
    assert add(cal, datetime(2026, 1, 9, 16, tzinfo=UTC), "8 business_hours") == datetime(
        2026, 1, 13, 16, tzinfo=UTC
    )


def test_berlin_spring_forward_keeps_local_wall_time() -> None:
    start = datetime(2026, 3, 27, 16, tzinfo=BERLIN)  # Fri, CET (15:00 UTC); clocks jump on Sun 29th
    result = add(DE_CAL, start, "8 business_hours")
    assert result == datetime(2026, 3, 30, 14, tzinfo=UTC)  # Mon 16:00 CEST
    assert result.tzinfo is UTC
    assert business_time_between(DE_CAL, start, result) == timedelta(hours=8)


def test_berlin_fall_back_keeps_local_wall_time() -> None:
    start = datetime(2026, 10, 23, 16, tzinfo=BERLIN)  # Fri, CEST (14:00 UTC); clocks fall back Sun 25th
    assert add(DE_CAL, start, "8 business_hours") == datetime(2026, 10, 26, 15, tzinfo=UTC)  # Mon 16:00 CET


def test_new_york_dst_and_observed_independence_day() -> None:
    start = datetime(2026, 3, 6, 16, tzinfo=NEW_YORK)  # Fri EST; DST starts Sun 8 March
    assert add(US_CAL, start, "8 business_hours") == datetime(2026, 3, 9, 20, tzinfo=UTC)  # Mon 16:00 EDT
    # 4 July 2026 is a Saturday: observed on Friday 3 July
    assert add(US_CAL, datetime(2026, 7, 2, 16, tzinfo=NEW_YORK), "2 business_hours") == datetime(
        2026, 7, 6, 14, tzinfo=UTC
    )


def test_start_on_saturday_counts_from_monday_opening() -> None:
    assert add(UTC_CAL, datetime(2026, 1, 10, 11, tzinfo=UTC), "1 business_hour") == datetime(
        2026, 1, 12, 10, tzinfo=UTC
    )


def test_start_before_opening_counts_from_opening() -> None:
    assert add(UTC_CAL, datetime(2026, 1, 13, 7, tzinfo=UTC), "1.5 business_hours") == (
        datetime(2026, 1, 13, 10, 30, tzinfo=UTC)
    )


def test_start_after_closing_counts_from_next_opening() -> None:
    assert add(UTC_CAL, datetime(2026, 1, 13, 18, tzinfo=UTC), "1 business_hour") == datetime(
        2026, 1, 14, 10, tzinfo=UTC
    )


def test_zero_duration() -> None:
    inside = datetime(2026, 1, 13, 11, tzinfo=UTC)
    assert add(UTC_CAL, inside, "0 business_hours") == inside
    assert add(UTC_CAL, datetime(2026, 1, 10, 11, tzinfo=UTC), "0 business_hours") == datetime(
        2026, 1, 12, 9, tzinfo=UTC
    )


def test_plain_durations_just_add() -> None:
    start = datetime(2026, 1, 9, 16, tzinfo=BERLIN)
    assert add(DE_CAL, start, "8h") == datetime(2026, 1, 9, 23, tzinfo=UTC)
    assert add(DE_CAL, start, "15m") == datetime(2026, 1, 9, 15, 15, tzinfo=UTC)


def test_long_durations_jump_weeks_and_match_day_by_day_count() -> None:
    start = datetime(2026, 1, 2, 10, tzinfo=BERLIN)
    result = add(DE_CAL, start, "250 business_days")
    days = list(working_days(DE_CAL, date(2026, 1, 2), result.astimezone(BERLIN).date()))
    assert len(days) == 251  # 250 full days after the first morning hour, ending at 10:00 on day 251
    assert result.astimezone(BERLIN).hour == 10
    assert business_time_between(DE_CAL, start, result) == timedelta(hours=8 * 250)


def test_per_user_overrides_of_zone_and_hours() -> None:
    base = Calendar(timezone="Europe/Berlin", holidays="de")
    user = BusinessCalendar.from_playbook(base, timezone="America/New_York", hours=("08:00", "12:00"))
    start = datetime(2026, 1, 9, 11, tzinfo=NEW_YORK)  # Fri
    assert add_business_time(user, start, parse_duration("2 business_hours")) == datetime(
        2026, 1, 12, 9, tzinfo=NEW_YORK
    )
    assert add_business_time(user, start, parse_duration("1 business_day")) == datetime(
        2026, 1, 12, 11, tzinfo=NEW_YORK
    )


def test_business_time_between_for_lateness() -> None:
    deadline = datetime(2026, 1, 9, 16, tzinfo=UTC)  # Fri
    assert business_time_between(UTC_CAL, deadline, datetime(2026, 1, 12, 10, tzinfo=UTC)) == timedelta(
        hours=2
    )
    assert business_time_between(UTC_CAL, datetime(2026, 1, 12, 10, tzinfo=UTC), deadline) == -timedelta(
        hours=2
    )
    weekend = datetime(2026, 1, 10, 12, tzinfo=UTC)
    assert business_time_between(UTC_CAL, datetime(2026, 1, 9, 17, tzinfo=UTC), weekend) == timedelta(0)


def test_is_working_time_and_next_working_moment() -> None:
    assert is_working_time(DE_CAL, datetime(2026, 3, 30, 7, tzinfo=UTC))  # 09:00 CEST
    assert not is_working_time(DE_CAL, datetime(2026, 3, 30, 15, tzinfo=UTC))  # 17:00 CEST: closed
    assert not is_working_time(DE_CAL, datetime(2026, 12, 25, 10, tzinfo=BERLIN))
    assert next_working_moment(DE_CAL, datetime(2026, 12, 24, 18, tzinfo=BERLIN)) == datetime(
        2026, 12, 28, 9, tzinfo=BERLIN
    )
    inside = datetime(2026, 12, 28, 9, 30, tzinfo=BERLIN)
    assert next_working_moment(DE_CAL, inside) == inside


def test_midnight_to_midnight_hours() -> None:
    cal = calendar(days=["mon", "tue", "wed", "thu", "fri", "sat", "sun"], hours=("00:00", "24:00"))
    start = datetime(2026, 1, 9, 16, tzinfo=UTC)
    assert add(cal, start, "8 business_hours") == start + timedelta(hours=8)
    assert add(cal, start, "3 business_days") == start + timedelta(days=3)


@pytest.mark.parametrize(
    ("kwargs", "where"),
    [
        ({"timezone": "Mars/Olympus"}, "calendars.default.timezone"),
        ({"holidays": "xx"}, "calendars.*.holidays"),
        ({"days": ["mon", "funday"]}, "calendars.default.days"),
        ({"extra_holidays": ["not-a-date"]}, "calendars.default.extra_holidays"),
    ],
)
def test_bad_calendars_say_where_and_what_to_do(kwargs: dict[str, object], where: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        calendar(**kwargs)
    assert caught.value.where == where
    assert caught.value.hint


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(InvalidInput, match="no time zone"):
        add(UTC_CAL, datetime(2026, 1, 9, 16), "1 business_hour")


ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "America/Sao_Paulo",
]
HOURS = [("09:00", "17:00"), ("08:30", "17:30"), ("06:00", "22:00"), ("10:00", "12:00")]
DAYS = [["mon", "tue", "wed", "thu", "fri"], ["sun", "mon", "tue", "wed", "thu"], ["sat"], ["mon", "thu"]]

calendars = st.builds(
    lambda zone, hours, days, country: BusinessCalendar.from_playbook(
        Calendar(timezone=zone, hours=hours, days=days, holidays=country)
    ),
    st.sampled_from(ZONES),
    st.sampled_from(HOURS),
    st.sampled_from(DAYS),
    st.sampled_from([None, "de", "us", "in"]),
)
instants = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2029, 12, 31), timezones=st.just(UTC)
)
amounts = st.integers(min_value=0, max_value=60 * 24 * 120).map(lambda minutes: timedelta(minutes=minutes))


@settings(max_examples=300, deadline=None)
@given(cal=calendars, start=instants, amount=amounts)
def test_between_inverts_add(cal: BusinessCalendar, start: datetime, amount: timedelta) -> None:
    end = add_working_time(cal, start, amount)
    assert end >= start
    assert business_time_between(cal, start, end) == amount
    if amount > timedelta(0):
        assert is_working_time(cal, end - timedelta(microseconds=1))


@settings(max_examples=200, deadline=None)
@given(cal=calendars, a=instants, b=instants, c=instants)
def test_between_is_additive(cal: BusinessCalendar, a: datetime, b: datetime, c: datetime) -> None:
    assert business_time_between(cal, a, b) + business_time_between(cal, b, c) == business_time_between(
        cal, a, c
    )


@settings(max_examples=200, deadline=None)
@given(cal=calendars, start=instants, days=st.integers(min_value=0, max_value=40))
def test_business_days_equal_day_length_hours(cal: BusinessCalendar, start: datetime, days: int) -> None:
    by_days = add_business_time(cal, start, parse_duration(f"{days} business_days"))
    assert by_days == add_working_time(cal, start, cal.day_length * days)


DOC = Path(__file__).resolve().parents[2] / "docs" / "business-hours.md"


@pytest.mark.parametrize(
    "code", re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
)
def test_doc_examples_run(code: str) -> None:
    exec(compile(code, str(DOC), "exec"), {})


def reference_add(cal: BusinessCalendar, start: datetime, amount: timedelta) -> datetime:
    """Day-by-day walk on local wall time: an independent implementation without week jumps."""
    local = start.astimezone(cal.zone).replace(tzinfo=None)
    day, left = local.date(), amount
    opens = timedelta(hours=cal.opens.hour, minutes=cal.opens.minute)
    closes = (
        timedelta(days=1)
        if cal.closes == cal.closes.max
        else timedelta(hours=cal.closes.hour, minutes=cal.closes.minute)
    )
    while True:
        midnight = datetime.combine(day, datetime.min.time())
        if cal.is_working_day(day.toordinal()):
            begin, end = max(midnight + opens, local), midnight + closes
            if begin < end:  # some working time is left today
                if left <= end - begin:
                    return (begin + left).replace(tzinfo=cal.zone).astimezone(UTC)
                left -= end - begin
        day += timedelta(days=1)


@settings(max_examples=300, deadline=None)
@given(cal=calendars, start=instants, amount=amounts)
def test_add_matches_a_day_by_day_reference(
    cal: BusinessCalendar, start: datetime, amount: timedelta
) -> None:
    assert add_working_time(cal, start, amount) == reference_add(cal, start, amount)
