"""What changed between two playbooks, in words a marketer and a sales manager read."""

from __future__ import annotations

from typing import Any

from leadflow.playbook.schema import Playbook


def _keyed(items: list[Any], key: str) -> dict[str, dict[str, Any]]:
    out = {}
    for item in items:
        data = item.model_dump(by_alias=True, exclude_defaults=False)
        ident = data.get(key)
        if key == "from":
            ident = f"{','.join(data['from'])} -> {data['to']}"
        out[str(ident)] = data
    return out


def _fmt(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_fmt(v)}" for k, v in value.items()) + "}"
    return "none" if value is None else str(value)


def _compare_keyed(label: str, old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]) -> list[str]:
    lines = []
    for ident in old.keys() - new.keys():
        lines.append(f"{label} {ident} was removed")
    for ident in new.keys() - old.keys():
        lines.append(f"{label} {ident} was added")
    for ident in sorted(old.keys() & new.keys()):
        for field in sorted(set(old[ident]) | set(new[ident])):
            a, b = old[ident].get(field), new[ident].get(field)
            if a != b:
                lines.append(f"{label} {ident}: {field} changed from {_fmt(a)} to {_fmt(b)}")
    return sorted(lines, key=lambda s: (s.split(" ")[1], s))


def _compare_value(label: str, a: Any, b: Any) -> list[str]:
    return [] if a == b else [f"{label} changed from {_fmt(a)} to {_fmt(b)}"]


def diff_playbooks(old: Playbook, new: Playbook) -> list[str]:
    """Sentences describing every difference, section by section (empty when they agree)."""
    lines: list[str] = []
    lines += _compare_value("The name", old.name, new.name)
    lines += _compare_keyed("Stage", _keyed(old.stages, "id"), _keyed(new.stages, "id"))
    lines += _compare_keyed("Transition", _keyed(old.transitions, "from"), _keyed(new.transitions, "from"))
    for name in sorted(set(old.rejection_reasons) | set(new.rejection_reasons)):
        a, b = set(old.rejection_reasons.get(name, [])), set(new.rejection_reasons.get(name, []))
        lines += [f"Rejection reason {r!r} was added to {name}" for r in sorted(b - a)]
        lines += [f"Rejection reason {r!r} was removed from {name}" for r in sorted(a - b)]
    lines += _compare_value("Lost reasons", old.lost_reasons, new.lost_reasons)
    lines += _compare_keyed(
        "Segment",
        {k: v.model_dump() for k, v in old.segments.items()},
        {k: v.model_dump() for k, v in new.segments.items()},
    )
    lines += _compare_keyed(
        "Persona",
        {k: v.model_dump() for k, v in old.personas.items()},
        {k: v.model_dump() for k, v in new.personas.items()},
    )
    lines += _compare_value("The MQL rule", old.scoring.mql_rule, new.scoring.mql_rule)
    lines += _compare_keyed(
        "Fit rule",
        {r.label or str(r.when): r.model_dump() for r in old.scoring.fit},
        {r.label or str(r.when): r.model_dump() for r in new.scoring.fit},
    )
    lines += _compare_keyed(
        "Engagement rule",
        {r.label or str(r.when): r.model_dump() for r in old.scoring.engagement.rules},
        {r.label or str(r.when): r.model_dump() for r in new.scoring.engagement.rules},
    )
    lines += _compare_value(
        "Engagement half-life", old.scoring.engagement.half_life, new.scoring.engagement.half_life
    )
    lines += _compare_value(
        "Engagement lifespan", old.scoring.engagement.lifespan, new.scoring.engagement.lifespan
    )
    lines += _compare_value(
        "Grade thresholds", old.scoring.grades.model_dump(), new.scoring.grades.model_dump()
    )
    lines += _compare_value(
        "The recycle cool-down", old.scoring.recycle_cool_down, new.scoring.recycle_cool_down
    )
    lines += _compare_keyed("SLA", _keyed(old.slas, "id"), _keyed(new.slas, "id"))
    lines += _compare_value("Routing", old.routing.model_dump(), new.routing.model_dump())
    lines += _compare_keyed(
        "Calendar",
        {k: v.model_dump() for k, v in old.calendars.items()},
        {k: v.model_dump() for k, v in new.calendars.items()},
    )
    lines += _compare_keyed(
        "Nurture track", _keyed(old.nurture_tracks, "id"), _keyed(new.nurture_tracks, "id")
    )
    lines += _compare_keyed(
        "Goal",
        {f"{g.period}/{g.segment}": g.model_dump() for g in old.goals},
        {f"{g.period}/{g.segment}": g.model_dump() for g in new.goals},
    )
    return lines
