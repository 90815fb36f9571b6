"""How the pack writes numbers: thousands separators, percentages, days, money and trend arrows."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

DASH = "—"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: Any, digits: int = 0) -> str:
    """1234.5 -> '1,235' (or with `digits` decimals); missing -> a dash."""
    if _missing(value):
        return DASH
    return f"{float(value):,.{digits}f}"


def money(value: Any) -> str:
    """Revenue and cost: whole units below 10,000, then compact (12.3k, 1.45M)."""
    if _missing(value):
        return DASH
    v = float(value)
    if abs(v) >= 1_000_000:
        return f"{v / 1_000_000:,.2f}M"
    if abs(v) >= 10_000:
        return f"{v / 1_000:,.1f}k"
    return f"{v:,.0f}"


def percent(value: Any, digits: int = 1) -> str:
    """0.1234 -> '12.3%'; missing -> a dash."""
    if _missing(value):
        return DASH
    return f"{100 * float(value):.{digits}f}%"


def days(value: Any) -> str:
    """Days with one decimal below 10, whole days above; missing -> a dash."""
    if _missing(value):
        return DASH
    v = float(value)
    return f"{v:.1f} d" if v < 10 else f"{v:,.0f} d"


def ratio(value: Any) -> str:
    """A multiple such as pipeline per cost: 39.4x."""
    if _missing(value):
        return DASH
    return f"{float(value):,.1f}x"


def change(value: Any) -> str:
    """A relative change as an arrow and a percentage: ▲ 12% / ▼ 5% / ■ 0%; missing -> 'no comparison'."""
    if _missing(value):
        return "no comparison"
    v = float(value)
    arrow = "▲" if v > 0.0005 else ("▼" if v < -0.0005 else "■")
    return f"{arrow} {abs(100 * v):,.0f}%"


def direction(value: Any) -> str:
    """CSS class of a change: up, down, flat or none."""
    if _missing(value):
        return "none"
    v = float(value)
    return "up" if v > 0.0005 else ("down" if v < -0.0005 else "flat")


def when(value: Any) -> str:
    """A timestamp (datetime or ISO text) as 'YYYY-MM-DD HH:MM UTC'."""
    if _missing(value):
        return DASH
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    return f"{at:%Y-%m-%d %H:%M} UTC"


def day(value: Any) -> str:
    """A timestamp as its date."""
    if _missing(value):
        return DASH
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    return f"{at:%Y-%m-%d}"


ACRONYMS = {
    "mql": "MQL",
    "mqls": "MQLs",
    "sal": "SAL",
    "sql": "SQL",
    "sla": "SLA",
    "smb": "SMB",
    "seo": "SEO",
}


def label(value: Any) -> str:
    """An identifier as words: 'sal_untouched' -> 'SAL untouched', 'mid_market' -> 'Mid market'."""
    words = [ACRONYMS.get(w.lower(), w) for w in str(value).replace("_", " ").split(" ")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


FILTERS = {
    "number": number,
    "money": money,
    "percent": percent,
    "days": days,
    "ratio": ratio,
    "change": change,
    "direction": direction,
    "when": when,
    "day": day,
    "label": label,
}
