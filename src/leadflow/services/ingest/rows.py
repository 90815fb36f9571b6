"""Turning one source row into a record of target fields, or into the reasons it is rejected."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from leadflow.services.ingest.kinds import FIELDS, REQUIRED, Target
from leadflow.services.ingest.mapping import FieldSpec, Resolved
from leadflow.services.ingest.values import (
    CellProblem,
    DateParser,
    blank,
    jsonable,
    normalize_domain,
    normalize_email,
    parse_bool,
    parse_float,
    parse_int,
    slug,
)

MAX_PROPERTY_LEN = 10_000


@dataclass(frozen=True)
class Rejection:
    """Why one row (or one cell of it) cannot be imported."""

    row: int
    column: str | None
    value: str | None
    reason: str
    raw: dict[str, Any] | None = None


@dataclass(slots=True)
class Record:
    """A row that passed every row-level check: target values, unmapped columns and stage dates."""

    row: int
    values: dict[str, Any]
    properties: dict[str, Any]
    stage_dates: dict[str, datetime] = field(default_factory=dict)
    raw: dict[str, Any] | None = None


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _fast_text(value: Any) -> str:
    return value.strip() if value.__class__ is str else _text(value)


class RowReader:
    """Applies a resolved mapping to rows; compiled once per import so the per-row loop stays lean."""

    def __init__(self, resolved: Resolved) -> None:
        mapping = resolved.mapping
        self.kind = mapping.kind
        self.dates = DateParser(mapping.date_formats, mapping.timezone)
        targets = FIELDS[self.kind]
        self.plan: list[tuple[str, FieldSpec, tuple[str, ...], Target, Callable[[Any], Any]]] = [
            (t, spec, cols, targets[t], self._converter(targets[t], spec))
            for t, (spec, cols) in resolved.fields.items()
        ]
        self.fast = [
            (t, cols, spec.values, spec.strict, spec.default, tdef.max_len, convert)
            for t, spec, cols, tdef, convert in self.plan
        ]
        self.stage_dates = list(resolved.stage_dates.items())
        self.override = resolved.override
        self.extra = resolved.extra
        self.required = [*REQUIRED[self.kind], *((r,) for r in mapping.required)]
        self.column_of = {
            t: (cols[0] if cols else (spec.columns[0] if spec.columns else t))
            for t, (spec, cols) in resolved.fields.items()
        }
        for t, spec in mapping.fields.items():
            self.column_of.setdefault(t, spec.columns[0] if spec.columns else t)

    def _converter(self, target: Target, spec: FieldSpec) -> Callable[[Any], Any]:
        kind = target.type
        if kind in ("int", "float"):
            base = parse_int if kind == "int" else parse_float
            if spec.scale is not None:
                scale = spec.scale
                return lambda v: base(v) * scale if kind == "float" else round(parse_float(v) * scale)
            return base
        if kind == "datetime":
            return self.dates
        if kind == "email":
            return normalize_email
        if kind == "domain":
            return normalize_domain
        if kind == "bool":
            return parse_bool
        if kind == "slug":
            cache: dict[Any, str] = {}

            def cached_slug(v: Any) -> str:
                hit = cache.get(v)
                if hit is None:
                    hit = slug(v)
                    if len(cache) < 10_000:
                        cache[v] = hit
                return hit

            return cached_slug
        if kind == "refs":
            sep = spec.split or ";"
            return lambda v: [
                p.strip() for p in (v if isinstance(v, list) else _text(v).split(sep)) if str(p).strip()
            ]
        return _fast_text

    def read(self, number: int, row: dict[str, Any]) -> Record | list[Rejection]:
        """The record, or every problem of the row (one per column)."""
        values: dict[str, Any] = {}
        problems: list[Rejection] = []
        for target, cols, vmap, strict, default, max_len, convert in self.fast:
            raw: Any = None
            col = target
            for c in cols:
                candidate = row.get(c)
                if candidate is None or candidate == "":
                    continue
                if candidate.__class__ is str:
                    if candidate.isspace():
                        continue
                elif isinstance(candidate, float) and candidate != candidate:
                    continue
                raw, col = candidate, c
                break
            if raw is None:
                if default is not None:
                    values[target] = default
                continue
            if vmap is not None:
                key = _text(raw).lower()
                if key in vmap:
                    raw = vmap[key]
                    if raw is None:
                        continue
                elif strict:
                    what = "stage" if target in ("stage", "status") else "value"
                    problems.append(Rejection(number, col, _text(raw), f"unknown {what} {_text(raw)!r}", row))
                    continue
            try:
                value = convert(raw)
            except CellProblem as exc:
                problems.append(Rejection(number, col, _text(raw), str(exc), row))
                continue
            if max_len is not None and value.__class__ is str and len(value) > max_len:
                problems.append(
                    Rejection(
                        number, col, value[:200], f"longer than {max_len} characters ({len(value)})", row
                    )
                )
                continue
            values[target] = value
        stage_dates: dict[str, datetime] = {}
        for stage, cols in self.stage_dates:
            for c in cols:
                raw = row.get(c)
                if not blank(raw):
                    try:
                        stage_dates[stage] = self.dates(raw)
                    except CellProblem as exc:
                        problems.append(Rejection(number, c, _text(raw), str(exc), row))
                    break
        if self.override is not None and values.get("stage") is None:
            spec, cols = self.override
            raw = next((row.get(c) for c in cols if not blank(row.get(c))), None)
            if raw is not None and spec.values is not None and _text(raw).lower() in spec.values:
                values["stage"] = spec.values[_text(raw).lower()]
        properties: dict[str, Any] = {}
        for c in self.extra:
            raw = row.get(c)
            if raw is None or raw == "" or blank(raw):
                continue
            if c == "properties" and isinstance(raw, dict):  # JSON Lines may carry a properties object
                properties.update(jsonable(raw))
                continue
            value = jsonable(raw.strip() if isinstance(raw, str) else raw)
            if isinstance(value, str) and len(value) > MAX_PROPERTY_LEN:
                problems.append(
                    Rejection(
                        number,
                        c,
                        value[:200],
                        f"longer than {MAX_PROPERTY_LEN} characters ({len(value)})",
                        row,
                    )
                )
                continue
            properties[c] = value
        for group in self.required:
            for t in group:
                if t in values:
                    break
            else:
                if not any(p.column == self.column_of.get(t) for t in group for p in problems):
                    col = self.column_of.get(group[0], group[0])
                    names = " or ".join(group)
                    problems.append(Rejection(number, col, None, f"missing required field {names}", row))
        if problems:
            return problems
        return Record(number, values, properties, stage_dates, row)
