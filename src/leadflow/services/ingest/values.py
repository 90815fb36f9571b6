"""Reading one cell: dates, numbers, emails, domains and booleans, failing with a reason a user can act on."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

EMAIL_RE = re.compile(r"^[^@\s,;<>()\[\]\"]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?\.[A-Za-z]{2,}$")
DEFAULT_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
)
TRUE_WORDS = frozenset({"1", "true", "yes", "y", "t", "x", "won", "converted"})
FALSE_WORDS = frozenset({"0", "false", "no", "n", "f", ""})


class CellProblem(ValueError):
    """A cell that cannot be read; the message is the reason stored in quarantine."""


def blank(value: Any) -> bool:
    """Whether a cell holds nothing (None, empty or only spaces, NaN)."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, float) and value != value


class DateParser:
    """Parses timestamps with the mapping's formats first, then ISO 8601 and common export formats."""

    def __init__(self, formats: tuple[str, ...] = (), timezone: str = "UTC") -> None:
        self.formats = tuple(formats) + DEFAULT_DATE_FORMATS
        self.tz = UTC if timezone.upper() == "UTC" else ZoneInfo(timezone)
        self._cache: dict[str, datetime] = {}
        # Python 3.11 reads every ISO 8601 form (with Z) in C; user formats must win when given
        self.iso_first = not formats

    def __call__(self, value: Any) -> datetime:
        """An aware UTC datetime, or CellProblem saying the value is not a date."""
        if self.iso_first and value.__class__ is str:
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                pass
            else:
                if parsed.tzinfo is None:
                    return (
                        parsed.replace(tzinfo=self.tz).astimezone(UTC)
                        if self.tz is not UTC
                        else parsed.replace(tzinfo=UTC)
                    )
                return parsed if parsed.tzinfo is UTC else parsed.astimezone(UTC)
        if isinstance(value, datetime):
            return self._aware(value)
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day, tzinfo=UTC)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return self._epoch(float(value))
        text = str(value).strip()
        hit = self._cache.get(text)
        if hit is not None:
            return hit
        parsed = self._parse_text(text)
        if len(self._cache) < 100_000:
            self._cache[text] = parsed
        return parsed

    def _aware(self, value: datetime) -> datetime:
        if value.tzinfo is None:
            value = value.replace(tzinfo=self.tz)
        return value.astimezone(UTC)

    def _epoch(self, number: float) -> datetime:
        if number > 1e11:  # milliseconds, as HubSpot's API writes them
            number /= 1000.0
        try:
            return datetime.fromtimestamp(number, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise CellProblem(f"{number!r} is not a date") from None

    def _parse_text(self, text: str) -> datetime:
        if text.isdigit() and len(text) >= 10:
            return self._epoch(float(text))
        candidate = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
        for fmt in self.formats[: len(self.formats) - len(DEFAULT_DATE_FORMATS)]:
            try:
                return self._aware(datetime.strptime(text, fmt))
            except ValueError:
                continue
        try:
            return self._aware(datetime.fromisoformat(candidate))
        except ValueError:
            pass
        for fmt in DEFAULT_DATE_FORMATS:
            try:
                return self._aware(datetime.strptime(text, fmt))
            except ValueError:
                continue
        raise CellProblem(
            f"{text!r} is not a date (use ISO 8601 such as 2026-03-02T10:00:00Z, or give date_formats)"
        )


def parse_float(value: Any) -> float:
    """A number; accepts 1,234.5 and currency signs; CellProblem otherwise."""
    if isinstance(value, bool):
        raise CellProblem(f"{value!r} is not a number")
    if isinstance(value, (int, float, Decimal)):
        return float(value)
    text = str(value).strip().replace(",", "").replace("$", "").replace("€", "").replace("£", "").strip()
    try:
        result = float(text)
    except ValueError:
        raise CellProblem(f"{value!r} is not a number") from None
    if result != result or result in (float("inf"), float("-inf")):
        raise CellProblem(f"{value!r} is not a number")
    return result


def parse_int(value: Any) -> int:
    """A whole number (1,200 and 1200.0 accepted); CellProblem otherwise."""
    number = parse_float(value)
    if number != int(number):
        raise CellProblem(f"{value!r} is not a whole number")
    if abs(number) > 2**62:
        raise CellProblem(f"{value!r} is too large")
    return int(number)


def parse_bool(value: Any) -> bool:
    """true/false, yes/no, 1/0; CellProblem otherwise."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise CellProblem(f"{value!r} is not true or false")


def normalize_email(value: Any) -> str:
    """Trimmed, lower-case email; CellProblem when it is not an address."""
    text = str(value).strip().lower()
    if text.startswith("mailto:"):
        text = text[7:]
    if not EMAIL_RE.match(text):
        raise CellProblem(f"{str(value).strip()!r} is not a valid email address")
    return text


def normalize_domain(value: Any) -> str:
    """A bare domain: https://www.Acme.com/path -> acme.com."""
    text = str(value).strip().lower()
    text = re.sub(r"^[a-z]+://", "", text).split("/")[0].split("?")[0]
    if "@" in text:
        text = text.rsplit("@", 1)[1]
    text = text.removeprefix("www.").strip(".")
    if not text or "." not in text or " " in text:
        raise CellProblem(f"{str(value).strip()!r} is not a domain name")
    return text


def slug(value: Any) -> str:
    """Lower case with runs of other characters as one underscore: 'Page View' -> page_view."""
    return re.sub(r"[^a-z0-9]+", "_", str(value).strip().lower()).strip("_")


def jsonable(value: Any) -> Any:
    """A value JSON can hold (dates as ISO text, NaN as None)."""
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if isinstance(value, float):
        return None if value != value else value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (date, Decimal)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return str(value)
