"""Time arithmetic of engagement points: age, lifespan, half-life decay and cap periods, in microseconds.

Both scoring paths (the Python incremental scorer and the SQL batch scorer) use exactly these definitions,
so they agree to the point: ages and periods are integers, the decay factor is 0.5 ** (age / half_life).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from leadflow.domain.durations import parse_duration

MICROSECOND = timedelta(microseconds=1)
# Cap periods are consecutive windows counted from this Monday, so `per: 7d` windows are ISO weeks (UTC).
PERIOD_ANCHOR = datetime(1900, 1, 1, tzinfo=UTC)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
PERIOD_ANCHOR_EPOCH_US = (PERIOD_ANCHOR - EPOCH) // MICROSECOND


def duration_us(text: str | None) -> int | None:
    """A playbook duration (calendar time only) in microseconds; None stays None."""
    if text is None:
        return None
    return parse_duration(text).to_timedelta() // MICROSECOND


def age_us(now: datetime, at: datetime) -> int:
    """How long before `now` the activity happened, in microseconds (negative: in the future)."""
    return (now - at) // MICROSECOND


def counts(age: int, lifespan_us: int | None) -> bool:
    """An activity counts once it has happened and until its lifespan is over (age < lifespan)."""
    return age >= 0 and (lifespan_us is None or age < lifespan_us)


def decay_factor(age: int, half_life_us: int | None) -> float:
    """The share of an activity's points left after `age`: halves every half-life (1.0 without one)."""
    if half_life_us is None:
        return 1.0
    return float(0.5 ** (age / half_life_us))


def period_of(at: datetime, per_us: int | None) -> int:
    """The cap period an activity falls into (always 0 when the rule has no `per`)."""
    if per_us is None:
        return 0
    return ((at - PERIOD_ANCHOR) // MICROSECOND) // per_us


def clip(total: float, cap: float | None) -> float:
    """A rule's points within one period, limited to the cap in either direction (negative rules too)."""
    if cap is None:
        return total
    return max(min(total, cap), -cap)
