"""Column mappings: built-in presets (HubSpot, Salesforce) and user YAML files, bound to a file's header."""

from __future__ import annotations

from collections.abc import Mapping as MappingT
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from leadflow.errors import ImportFailed
from leadflow.services.ingest.kinds import FIELDS, KINDS
from leadflow.services.ingest.values import slug

PRESET_FAMILIES = ("hubspot", "salesforce")
REJECTED_COLUMNS = ("row", "column", "value", "reason")


@dataclass(frozen=True)
class FieldSpec:
    """How one target field is filled: candidate columns (first non-blank wins), value map, scale, default."""

    target: str
    columns: tuple[str, ...]
    values: MappingT[str, Any] | None = None
    strict: bool = False
    scale: float | None = None
    default: Any = None
    split: str | None = None


@dataclass(frozen=True)
class ColumnMapping:
    """A whole mapping: fields, historical stage-date columns, date formats and options."""

    name: str
    kind: str
    fields: MappingT[str, FieldSpec]
    stage_dates: MappingT[str, tuple[str, ...]] = field(default_factory=dict)
    stage_override: FieldSpec | None = None
    date_formats: tuple[str, ...] = ()
    timezone: str = "UTC"
    required: tuple[str, ...] = ()
    match: tuple[str, ...] = ()
    options: MappingT[str, Any] = field(default_factory=dict)
    delimiter: str | None = None
    encoding: str | None = None


def _columns(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def _spec(target: str, raw: Any, where: str) -> FieldSpec:
    if isinstance(raw, (str, list)):
        return FieldSpec(target, _columns(raw))
    if not isinstance(raw, dict):
        raise ImportFailed(
            f"field {target!r} must be a column name or a mapping",
            where=where,
            hint="write `target: Source column` or `target: {column: ..., values: {...}}`",
        )
    unknown = set(raw) - {"column", "columns", "values", "strict", "scale", "default", "split"}
    if unknown:
        raise ImportFailed(
            f"field {target!r} has unknown keys {sorted(unknown)}",
            where=where,
            hint="use column, values, strict, scale, default, split",
        )
    values = raw.get("values")
    if values is not None and not isinstance(values, dict):
        raise ImportFailed(
            f"values of {target!r} must be a mapping", where=where, hint="source value: target value"
        )
    return FieldSpec(
        target,
        _columns(raw.get("column", raw.get("columns"))),
        {str(k).strip().lower(): v for k, v in values.items()} if values is not None else None,
        bool(raw.get("strict", values is not None)),
        float(raw["scale"]) if raw.get("scale") is not None else None,
        raw.get("default"),
        raw.get("split"),
    )


def parse_mapping(data: Any, where: str, kind: str | None = None) -> ColumnMapping:
    """Check and build a mapping from parsed YAML; every mistake names the file."""
    if not isinstance(data, dict):
        raise ImportFailed("a mapping file must be a YAML mapping", where=where, hint="see docs/import.md")
    mkind = str(data.get("kind") or kind or "")
    if mkind not in KINDS:
        raise ImportFailed(f"unknown kind {mkind!r}", where=where, hint="kind: one of " + ", ".join(KINDS))
    if kind is not None and mkind != kind:
        raise ImportFailed(
            f"this mapping is for {mkind}, not {kind}", where=where, hint=f"import it as {mkind}"
        )
    raw_fields = data.get("fields") or {}
    if not isinstance(raw_fields, dict):
        raise ImportFailed(
            "`fields` must map target fields to columns", where=where, hint="see docs/import.md"
        )
    unknown = set(raw_fields) - set(FIELDS[mkind])
    if unknown:
        raise ImportFailed(
            f"unknown target fields for {mkind}: {sorted(unknown)}",
            where=where,
            hint="known fields: " + ", ".join(FIELDS[mkind]),
        )
    fields = {target: _spec(target, raw, where) for target, raw in raw_fields.items()}
    stage_dates = {str(stage): _columns(cols) for stage, cols in (data.get("stage_dates") or {}).items()}
    override = data.get("stage_override")
    return ColumnMapping(
        name=str(data.get("name") or where),
        kind=mkind,
        fields=fields,
        stage_dates=stage_dates,
        stage_override=_spec("stage", override, where) if override else None,
        date_formats=tuple(str(f) for f in _columns(data.get("date_formats"))),
        timezone=str(data.get("timezone") or "UTC"),
        required=tuple(str(r) for r in _columns(data.get("required"))),
        match=_columns(data.get("match")),
        options=dict(data.get("options") or {}),
        delimiter=data.get("delimiter"),
        encoding=data.get("encoding"),
    )


def load_mapping(path: Path, kind: str) -> ColumnMapping:
    """A user mapping file (YAML: target field <- source column, value maps, date formats)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ImportFailed(
            f"cannot read the mapping file: {exc.strerror}",
            where=str(path),
            hint="check the path given to --mapping",
        ) from None
    except yaml.YAMLError as exc:
        raise ImportFailed(
            f"the mapping file is not valid YAML: {exc}", where=str(path), hint="fix the YAML syntax"
        ) from None
    return parse_mapping(data, str(path), kind)


def preset_names() -> list[str]:
    """Every built-in preset file name, e.g. hubspot-contacts."""
    folder = resources.files("leadflow.services") / "presets"
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def _load_preset(name: str, kind: str) -> ColumnMapping:
    text = (resources.files("leadflow.services") / "presets" / f"{name}.yaml").read_text(encoding="utf-8")
    return parse_mapping(yaml.safe_load(text), f"preset {name}", None)


def choose_preset(preset: str, kind: str, header: Sequence[str]) -> ColumnMapping:
    """The preset for this kind: `hubspot` picks the family member whose marker columns the header has."""
    names = preset_names()
    if preset in names:
        mapping = _load_preset(preset, kind)
        if mapping.kind != kind:
            raise ImportFailed(
                f"preset {preset} imports {mapping.kind}, not {kind}",
                where="--preset",
                hint=f"run `leadflow import {mapping.kind} ...`",
            )
        return mapping
    candidates = [
        m for m in (_load_preset(n, kind) for n in names if n.startswith(preset + "-")) if m.kind == kind
    ]
    if not candidates:
        raise ImportFailed(
            f"no {preset!r} preset for {kind}",
            where="--preset",
            hint="presets: " + ", ".join(names) + "; or write a --mapping file",
        )
    present = {h.strip().lower() for h in header}
    return max(candidates, key=lambda m: sum(1 for c in m.match if c.strip().lower() in present))


def default_mapping(kind: str) -> ColumnMapping:
    """Columns named like the target fields (any case, spaces or underscores) map to them."""
    fields = {t: FieldSpec(t, (t,)) for t in FIELDS[kind]}
    stage_dates: dict[str, tuple[str, ...]] = {}
    if kind == "persons":
        for stage in ("lead", "mql", "sal", "sql", "opportunity", "customer", "recycled", "disqualified"):
            stage_dates[stage] = (f"entered_{stage}_at", f"{stage}_date")
    return ColumnMapping(name=f"default {kind}", kind=kind, fields=fields, stage_dates=stage_dates)


@dataclass(frozen=True)
class Resolved:
    """A mapping bound to a header: target -> (spec, columns present), and the unmapped columns."""

    mapping: ColumnMapping
    fields: MappingT[str, tuple[FieldSpec, tuple[str, ...]]]
    stage_dates: MappingT[str, tuple[str, ...]]
    override: tuple[FieldSpec, tuple[str, ...]] | None
    extra: tuple[str, ...]


def resolve(mapping: ColumnMapping, header: Sequence[str], source: str) -> Resolved:
    """Bind the mapping to the file's columns (case and spacing ignored); a missing required one fails."""
    by_key: dict[str, str] = {}
    for col in header:
        by_key.setdefault(col.strip().lower(), col)
        by_key.setdefault(slug(col), col)
    used: set[str] = set()

    def present(cols: tuple[str, ...]) -> tuple[str, ...]:
        found = tuple(by_key[k] for c in cols for k in (c.strip().lower(), slug(c)) if k in by_key)
        unique = tuple(dict.fromkeys(found))
        used.update(unique)
        return unique

    fields = {}
    for target, spec in mapping.fields.items():
        cols = present(spec.columns)
        if cols or spec.default is not None:
            fields[target] = (spec, cols)
    stage_dates = {
        stage: cols for stage, cols in ((s, present(c)) for s, c in mapping.stage_dates.items()) if cols
    }
    override = None
    if mapping.stage_override is not None:
        before = set(used)
        ocols = present(mapping.stage_override.columns)
        override = (mapping.stage_override, ocols) if ocols else None
        used.intersection_update(before)  # the override's column (Lead Status) is also kept in properties
    for target in mapping.required:
        if target not in fields:
            wanted_spec = mapping.fields.get(target)
            wanted = ", ".join(wanted_spec.columns) if wanted_spec else target
            raise ImportFailed(
                f"the file has no column {wanted!r} (required for {target})",
                where=source,
                hint=f"columns found: {', '.join(header)}; use --mapping to name the right column",
            )
    if tuple(header[:4]) == REJECTED_COLUMNS:  # a fixed .rejected.csv: its first four columns are our notes
        used.update(REJECTED_COLUMNS)
    extra = tuple(c for c in header if c not in used)
    return Resolved(mapping, fields, stage_dates, override, extra)
