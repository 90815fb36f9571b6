"""What a metric is computed over: a period, an as-of instant and person filters (segment, persona ...)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from leadflow.errors import InvalidInput

PERIOD_RE = re.compile(r"^(\d{4})-(?:Q([1-4])|(\d{2})|H([12])|(FY))$")
DATE_RANGE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")

# The person-level dimensions every metric can be broken down by or filtered on.
DIMENSIONS = ("segment", "persona", "channel", "campaign", "rep", "playbook_version")
NONE_LABEL = "(none)"


def _naive(value: datetime) -> datetime:
    """Naive UTC, the way every table stores time."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _month_start(year: int, month: int) -> datetime:
    return datetime(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """A half-open interval [start, end) of naive UTC time with a label such as 2026-Q1."""

    label: str
    start: datetime
    end: datetime

    @property
    def days(self) -> float:
        """The length of the period in days."""
        return (self.end - self.start).total_seconds() / 86400.0

    def previous(self) -> Period:
        """The period of the same kind just before this one (2026-Q1 -> 2025-Q4)."""
        match = PERIOD_RE.match(self.label)
        if match:
            year = int(match.group(1))
            if match.group(2):
                q = int(match.group(2)) - 1
                return parse_period(f"{year - 1}-Q4" if q == 0 else f"{year}-Q{q}")
            if match.group(3):
                m = int(match.group(3)) - 1
                return parse_period(f"{year - 1}-12" if m == 0 else f"{year}-{m:02d}")
            if match.group(4):
                return parse_period(f"{year - 1}-H2" if match.group(4) == "1" else f"{year}-H1")
            return parse_period(f"{year - 1}-FY")
        length = self.end - self.start
        start = self.start - length
        return Period(f"{start.date()}..{(self.start - timedelta(days=1)).date()}", start, self.start)

    def trailing(self, days: int = 365) -> Period:
        """The `days` days just before this period (the history a plan learns its rates from)."""
        start = self.start - timedelta(days=days)
        return Period(f"trailing {days}d before {self.label}", start, self.start)


def parse_period(text: str) -> Period:
    """2026-Q1, 2026-03, 2026-H2, 2026-FY or 2026-01-01..2026-03-31 (both days included)."""
    text = text.strip()
    match = PERIOD_RE.match(text)
    if match:
        year = int(match.group(1))
        if match.group(2):
            q = int(match.group(2))
            return Period(text, _month_start(year, 3 * q - 2), _month_start(year, 3 * q + 1))
        if match.group(3):
            month = int(match.group(3))
            if not 1 <= month <= 12:
                raise InvalidInput(f"month {month} in {text!r}", where="period", hint="months run 01..12")
            return Period(text, _month_start(year, month), _month_start(year, month + 1))
        if match.group(4):
            h = int(match.group(4))
            return Period(text, _month_start(year, 6 * h - 5), _month_start(year, 6 * h + 1))
        return Period(text, datetime(year, 1, 1), datetime(year + 1, 1, 1))
    match = DATE_RANGE_RE.match(text)
    if match:
        first, last = date.fromisoformat(match.group(1)), date.fromisoformat(match.group(2))
        if last < first:
            raise InvalidInput(
                f"period {text!r} ends before it starts", where="period", hint="write FIRST..LAST"
            )
        start = datetime(first.year, first.month, first.day)
        return Period(text, start, datetime(last.year, last.month, last.day) + timedelta(days=1))
    raise InvalidInput(
        f"{text!r} is not a period",
        where="period",
        hint="write 2026-Q1, 2026-03, 2026-H1, 2026-FY or 2026-01-01..2026-03-31",
    )


def period_containing(at: datetime, kind: str = "Q") -> Period:
    """The quarter (Q), month (M) or year (FY) containing an instant."""
    at = _naive(at)
    if kind == "M":
        return parse_period(f"{at.year}-{at.month:02d}")
    if kind == "FY":
        return parse_period(f"{at.year}-FY")
    return parse_period(f"{at.year}-Q{(at.month - 1) // 3 + 1}")


@dataclass(frozen=True)
class Filters:
    """The period, the instant results are measured at (censoring), and optional person filters."""

    period: Period
    as_of: datetime
    segment: str | None = None
    persona: str | None = None
    channel: str | None = None
    campaign: str | None = None
    rep: str | None = None
    playbook_version: str | None = None
    breakdown: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(self, "as_of", _naive(self.as_of))
        for name in self.breakdown:
            if name not in DIMENSIONS:
                raise InvalidInput(
                    f"cannot break down by {name!r}",
                    where="--by",
                    hint=f"choose among {', '.join(DIMENSIONS)}",
                )

    def person_filters(self) -> dict[str, str]:
        """The dimension filters that are set, by dimension name."""
        values = {name: getattr(self, name) for name in DIMENSIONS}
        return {name: value for name, value in values.items() if value is not None}

    def with_period(self, period: Period) -> Filters:
        """The same filters over another period."""
        return replace(self, period=period)

    def with_breakdown(self, *names: str) -> Filters:
        """The same filters, broken down by other dimensions."""
        return replace(self, breakdown=tuple(names))


def make_filters(
    period: str | Period,
    as_of: datetime,
    *,
    by: str | tuple[str, ...] | list[str] | None = None,
    **dims: str | None,
) -> Filters:
    """Filters from a period text and keyword filters (segment=..., rep=...); `by` names breakdowns."""
    unknown = sorted(set(dims) - set(DIMENSIONS))
    if unknown:
        raise InvalidInput(
            f"unknown filter {unknown[0]!r}", where="filters", hint=f"use {', '.join(DIMENSIONS)}"
        )
    if isinstance(by, str):
        by = tuple(part.strip() for part in by.split(",") if part.strip())
    per = parse_period(period) if isinstance(period, str) else period
    return Filters(per, as_of, breakdown=tuple(by or ()), **dims)
