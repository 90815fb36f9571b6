"""Durations as written in the playbook: 15m, 8h, 30d, 2w, 8 business_hours, 2 business_days."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z_]+)\s*$")
_UNITS: dict[str, tuple[Literal["minutes", "hours", "days", "weeks"], bool]] = {
    "m": ("minutes", False),
    "min": ("minutes", False),
    "minute": ("minutes", False),
    "minutes": ("minutes", False),
    "h": ("hours", False),
    "hour": ("hours", False),
    "hours": ("hours", False),
    "d": ("days", False),
    "day": ("days", False),
    "days": ("days", False),
    "w": ("weeks", False),
    "week": ("weeks", False),
    "weeks": ("weeks", False),
    "business_hour": ("hours", True),
    "business_hours": ("hours", True),
    "business_day": ("days", True),
    "business_days": ("days", True),
}


@dataclass(frozen=True)
class Duration:
    """An amount of time; business durations count only working time of a calendar."""

    amount: float
    unit: Literal["minutes", "hours", "days", "weeks"]
    business: bool = False

    def to_timedelta(self) -> timedelta:
        """Calendar time; business durations must go through a business calendar instead."""
        if self.business:
            raise ValueError(
                "a business duration depends on a calendar; use domain.business_time.add_business_time"
            )
        return timedelta(**{self.unit: self.amount})

    def __str__(self) -> str:
        amount = f"{self.amount:g}"
        if self.business:
            return f"{amount} business {self.unit}"
        return f"{amount} {self.unit}"


def parse_duration(text: str) -> Duration:
    """Parse a playbook duration; ValueError names the accepted forms."""
    match = _RE.match(text.lower())
    if not match or match.group(2) not in _UNITS:
        raise ValueError(f"{text!r} is not a duration (examples: 15m, 8h, 30d, 2w, 8 business_hours)")
    unit, business = _UNITS[match.group(2)]
    return Duration(float(match.group(1)), unit, business)
