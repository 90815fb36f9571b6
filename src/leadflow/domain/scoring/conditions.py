"""Rule conditions (`when:`): which fields a rule may test, how each value form matches, and coverage.

Value forms: a scalar or a list matches any listed value (text compares case-insensitively); a mapping
{min, max} or, for numeric fields, a pair [min, max] is an inclusive range (null = open end); `title`
matches when it contains any listed word; `url` takes glob patterns (* and ?), matched against the path
when the pattern starts with "/". `email_domain: free_mail` expands to the free-mail domain list.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from leadflow.domain.free_mail import free_mail_domains

Kind = Literal["text", "number", "words", "pattern", "property"]

# Fit fields: the person's own fields, then the account's. Engagement: the activity and what it touched.
FIT_FIELDS: dict[str, Kind] = {
    "email": "text",
    "email_domain": "text",
    "title": "words",
    "country": "text",
    "region": "text",
    "persona": "text",
    "committee_role": "text",
    "source_channel": "text",
    "sourced_by": "text",
    "industry": "text",
    "employees": "number",
    "annual_revenue": "number",
    "segment": "text",
    "account_domain": "text",
    "account_country": "text",
    "account_region": "text",
}
ENGAGEMENT_FIELDS: dict[str, Kind] = {
    "type": "text",
    "channel": "text",
    "campaign": "text",
    "campaign_kind": "text",
    "asset": "text",
    "asset_kind": "text",
    "asset_stage": "text",
    "url": "pattern",
}
FIT_PROPERTY_PREFIXES = ("properties.", "account.properties.")
ENGAGEMENT_PROPERTY_PREFIXES = ("properties.",)
PROPERTY_NAME = re.compile(r"^[A-Za-z0-9_\-]+$")
FREE_MAIL = "free_mail"
DEFAULT_FREE_MAIL = free_mail_domains()
URL_HOST = r"^[a-z][a-z0-9+.\-]*://[^/]*"


def norm_text(value: Any) -> str | None:
    """The text form every comparison uses: lower case; booleans as true/false; None stays None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).lower()


def norm_number(value: Any) -> float | None:
    """A number, or None when the value is not one (booleans are not numbers)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def glob_regex(pattern: str) -> str:
    """A glob (* any text, ? one character) as a regular expression both Python and RE2 read alike.

    Wildcards match any character, a newline too (the `s` flag), as in fnmatch and SQL's LIKE.
    """
    out = ["(?s)"]
    for ch in pattern.lower():
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        elif ch in string.punctuation:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


_URL_HOST = re.compile(URL_HOST)


def url_path(url: str) -> str:
    """The URL without scheme and host (the path, query included), lower case."""
    return _URL_HOST.sub("", url.lower(), count=1)


@dataclass(frozen=True)
class OneOf:
    """Equal (case-insensitive) to one of the values."""

    values: frozenset[str]

    def matches(self, value: Any) -> bool:
        text = norm_text(value)
        return text is not None and text in self.values


@dataclass(frozen=True)
class Between:
    """A number within [low, high]; None is an open end."""

    low: float | None
    high: float | None

    def matches(self, value: Any) -> bool:
        number = norm_number(value)
        if number is None:
            return False
        return (self.low is None or number >= self.low) and (self.high is None or number <= self.high)


@dataclass(frozen=True)
class Contains:
    """Contains one of the words (case-insensitive)."""

    words: tuple[str, ...]

    def matches(self, value: Any) -> bool:
        text = norm_text(value)
        return text is not None and any(word in text for word in self.words)


@dataclass(frozen=True)
class Pattern:
    """Matches one of the globs; a glob starting with / is matched against the URL's path."""

    globs: tuple[str, ...]
    compiled: tuple[tuple[bool, re.Pattern[str]], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "compiled", tuple((g.startswith("/"), re.compile(glob_regex(g))) for g in self.globs)
        )

    def matches(self, value: Any) -> bool:
        text = norm_text(value)
        if text is None:
            return False
        path = url_path(text) if any(on_path for on_path, _ in self.compiled) else text
        return any(rx.fullmatch(path if on_path else text) for on_path, rx in self.compiled)


Matcher = OneOf | Between | Contains | Pattern


@dataclass(frozen=True)
class Condition:
    """One `field: value` of a rule's `when`."""

    field: str
    matcher: Matcher


@dataclass(frozen=True)
class ConditionProblem:
    """Why one `when` entry cannot be used (reported by the playbook checks)."""

    field: str
    code: str
    message: str
    hint: str = ""


def _kind(field: str, catalog: Mapping[str, Kind], prefixes: tuple[str, ...]) -> Kind | None:
    if field in catalog:
        return catalog[field]
    for prefix in prefixes:
        if field.startswith(prefix) and PROPERTY_NAME.match(field[len(prefix) :]):
            return "property"
    return None


def _range(field: str, low: Any, high: Any) -> Between | ConditionProblem:
    lo, hi = norm_number(low), norm_number(high)
    if (low is not None and lo is None) or (high is not None and hi is None):
        return ConditionProblem(field, "PB002", f"{field}: a range needs numbers, got {low!r}..{high!r}")
    if lo is not None and hi is not None and lo > hi:
        return ConditionProblem(
            field,
            "PB020",
            f"{field}: impossible range, min {low} is above max {high}",
            "swap the two numbers",
        )
    return Between(lo, hi)


def parse_condition(
    field: str, value: Any, kind: Kind, free_mail: tuple[str, ...]
) -> Condition | ConditionProblem:
    """Turn one `field: value` into a condition, or say why it cannot be."""
    if isinstance(value, Mapping):
        if kind not in ("number", "property") or set(value) - {"min", "max"}:
            return ConditionProblem(
                field, "PB002", f"{field}: a mapping is only a range {{min, max}} on a numeric field"
            )
        made = _range(field, value.get("min"), value.get("max"))
        return made if isinstance(made, ConditionProblem) else Condition(field, made)
    items = list(value) if isinstance(value, list | tuple) else [value]
    if kind == "number":
        if len(items) == 1:
            made = _range(field, items[0], items[0])
        elif len(items) == 2:
            made = _range(field, items[0], items[1])
        else:
            return ConditionProblem(field, "PB002", f"{field}: write one number or a range [min, max]")
        return made if isinstance(made, ConditionProblem) else Condition(field, made)
    if not items or any(item is None or isinstance(item, Mapping | list) for item in items):
        return ConditionProblem(field, "PB002", f"{field}: write a value or a list of values")
    texts = [norm_text(item) or "" for item in items]
    if kind == "words":
        return Condition(field, Contains(tuple(texts)))
    if kind == "pattern":
        return Condition(field, Pattern(tuple(texts)))
    if field == "email_domain" and FREE_MAIL in texts:
        texts = [t for t in texts if t != FREE_MAIL] + [d.lower() for d in free_mail]
    return Condition(field, OneOf(frozenset(texts)))


def parse_when(
    when: Mapping[str, Any], *, engagement: bool, free_mail: tuple[str, ...] = DEFAULT_FREE_MAIL
) -> tuple[tuple[Condition, ...], list[ConditionProblem]]:
    """All conditions of a rule's `when`, plus a problem for every entry that cannot be used."""
    catalog = ENGAGEMENT_FIELDS if engagement else FIT_FIELDS
    prefixes = ENGAGEMENT_PROPERTY_PREFIXES if engagement else FIT_PROPERTY_PREFIXES
    conditions: list[Condition] = []
    problems: list[ConditionProblem] = []
    for name, value in when.items():
        kind = _kind(str(name), catalog, prefixes)
        if kind is None:
            known = ", ".join([*catalog, *(p + "<name>" for p in prefixes)])
            problems.append(
                ConditionProblem(
                    str(name),
                    "PB030",
                    f"unknown field {name!r} in a {'engagement' if engagement else 'fit'} rule",
                    f"known fields: {known}",
                )
            )
            continue
        made = parse_condition(str(name), value, kind, free_mail)
        if isinstance(made, ConditionProblem):
            problems.append(made)
        else:
            conditions.append(made)
    return tuple(conditions), problems


def _covers_matcher(a: Matcher, b: Matcher) -> bool:
    match a, b:
        case OneOf(va), OneOf(vb):
            return vb <= va
        case Between(alo, ahi), Between(blo, bhi):
            low_ok = alo is None or (blo is not None and blo >= alo)
            high_ok = ahi is None or (bhi is not None and bhi <= ahi)
            return low_ok and high_ok
        case Contains(wa), Contains(wb):
            return all(any(x in y for x in wa) for y in wb)
        case Pattern(ga), Pattern(gb):
            return all(any(_glob_covers(x, y) for x in ga) for y in gb)
    return False


def _glob_covers(a: str, b: str) -> bool:
    if a == b:
        return True
    if a.startswith("/") != b.startswith("/"):
        return False
    stem = a[:-1]
    return a.endswith("*") and "*" not in stem and "?" not in stem and b.startswith(stem)


def covers(earlier: tuple[Condition, ...], later: tuple[Condition, ...]) -> bool:
    """True when everything `later` matches, `earlier` matches too (under first-match `later` never wins)."""
    by_field = {c.field: c.matcher for c in later}
    return all(c.field in by_field and _covers_matcher(c.matcher, by_field[c.field]) for c in earlier)
