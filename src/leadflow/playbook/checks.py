"""Checks of a schema-valid playbook: every problem found, none stops the others."""

from __future__ import annotations

from collections import Counter, deque

from leadflow.playbook.problems import Problem
from leadflow.playbook.schema import BUILTIN_FIELDS, ROLES, SYSTEM_ACTOR, TEAMS, Playbook


def check_playbook(pb: Playbook) -> list[Problem]:
    """Every lifecycle, segment and reference problem of a schema-valid playbook."""
    problems: list[Problem] = []
    problems += check_stages(pb)
    problems += check_transitions(pb)
    problems += check_reachability(pb)
    problems += check_reasons(pb)
    problems += check_segments(pb)
    problems += check_references(pb)
    # Scoring rules have their own module (fields, overlaps, the MQL expression).
    from leadflow.playbook.scoring_checks import check_scoring

    problems += check_scoring(pb)
    return problems


def check_stages(pb: Playbook) -> list[Problem]:
    problems = []
    seen: dict[str, int] = {}
    for i, stage in enumerate(pb.stages):
        if stage.id in seen:
            problems.append(
                Problem(
                    "PB010",
                    f"stage id {stage.id!r} is used twice (first at stages[{seen[stage.id]}])",
                    ("stages", i, "id"),
                    hint="give each stage its own id",
                )
            )
        else:
            seen[stage.id] = i
    initials = [i for i, s in enumerate(pb.stages) if s.initial]
    for i in initials[1:]:
        problems.append(Problem("PB017", "only one stage may be initial", ("stages", i, "initial")))
    return problems


def _actor_names(pb: Playbook) -> set[str]:
    return {*ROLES, *TEAMS, SYSTEM_ACTOR}


def check_transitions(pb: Playbook) -> list[Problem]:
    problems = []
    stage_ids = set(pb.stage_ids())
    known_fields = {*BUILTIN_FIELDS, *pb.fields}
    actors = _actor_names(pb)
    pairs: Counter[tuple[str, str]] = Counter()
    for i, t in enumerate(pb.transitions):
        for j, src in enumerate(t.from_):
            if src not in stage_ids:
                problems.append(
                    Problem(
                        "PB011",
                        f"transition from unknown stage {src!r}",
                        ("transitions", i, "from", j) if len(t.from_) > 1 else ("transitions", i, "from"),
                        hint=f"known stages: {', '.join(sorted(stage_ids))}",
                    )
                )
            elif src in stage_ids and t.to in stage_ids:
                pairs[(src, t.to)] += 1
                if pairs[(src, t.to)] == 2:
                    problems.append(
                        Problem(
                            "PB019",
                            f"{src} -> {t.to} is declared more than once",
                            ("transitions", i),
                            severity="warning",
                            hint="merge the two transitions",
                        )
                    )
        if t.to not in stage_ids:
            problems.append(
                Problem(
                    "PB011",
                    f"transition to unknown stage {t.to!r}",
                    ("transitions", i, "to"),
                    hint=f"known stages: {', '.join(sorted(stage_ids))}",
                )
            )
        for j, name in enumerate(t.requires):
            if name not in known_fields:
                problems.append(
                    Problem(
                        "PB014",
                        f"transition requires unknown field {name!r}",
                        ("transitions", i, "requires", j)
                        if len(t.requires) > 1
                        else ("transitions", i, "requires"),
                        hint="use a built-in field ("
                        + ", ".join(BUILTIN_FIELDS)
                        + ") or declare it under `fields`",
                    )
                )
        if t.reasons is not None and t.reasons not in pb.rejection_reasons:
            problems.append(
                Problem(
                    "PB015",
                    f"transition names reason list {t.reasons!r}, which rejection_reasons does not define",
                    ("transitions", i, "reasons"),
                    hint=f"defined lists: {', '.join(sorted(pb.rejection_reasons)) or 'none'}",
                )
            )
        if "reason" in t.requires and t.reasons is None and pb.rejection_reasons:
            problems.append(
                Problem(
                    "PB022",
                    "transition requires a reason but does not say from which list",
                    ("transitions", i, "requires"),
                    severity="warning",
                    hint="add `reasons: <list name>` so only agreed reasons are accepted",
                )
            )
        for j, actor in enumerate(t.by):
            if actor not in actors:
                problems.append(
                    Problem(
                        "PB018",
                        f"unknown role or team {actor!r}",
                        ("transitions", i, "by", j) if len(t.by) > 1 else ("transitions", i, "by"),
                        hint="use system, a team ("
                        + ", ".join(TEAMS)
                        + ") or a role ("
                        + ", ".join(ROLES)
                        + ")",
                    )
                )
    return problems


def check_reachability(pb: Playbook) -> list[Problem]:
    problems: list[Problem] = []
    stage_ids = pb.stage_ids()
    if not stage_ids:
        return problems
    edges: dict[str, set[str]] = {s: set() for s in stage_ids}
    for t in pb.transitions:
        for src in t.from_:
            if src in edges and t.to in edges:
                edges[src].add(t.to)
    start = pb.initial_stage()
    reached = {start}
    queue = deque([start])
    while queue:
        for nxt in edges[queue.popleft()]:
            if nxt not in reached:
                reached.add(nxt)
                queue.append(nxt)
    for i, stage in enumerate(pb.stages):
        if stage.id not in reached:
            problems.append(
                Problem(
                    "PB012",
                    f"stage {stage.id!r} cannot be reached from the initial stage {start!r}",
                    ("stages", i, "id"),
                    hint="add a transition into it, or remove it",
                )
            )
        if not stage.terminal and not (edges.get(stage.id, set()) - {stage.id}):
            problems.append(
                Problem(
                    "PB013",
                    f"stage {stage.id!r} has no way out and is not terminal: persons would be stuck there",
                    ("stages", i, "id"),
                    hint="add a transition out of it, or mark it `terminal: true`",
                )
            )
    return problems


def check_reasons(pb: Playbook) -> list[Problem]:
    problems = []
    for name, reasons in pb.rejection_reasons.items():
        seen: set[str] = set()
        for j, reason in enumerate(reasons):
            if reason in seen:
                problems.append(
                    Problem("PB016", f"reason {reason!r} is listed twice", ("rejection_reasons", name, j))
                )
            seen.add(reason)
    return problems


def check_segments(pb: Playbook) -> list[Problem]:
    problems = []
    spans: list[tuple[float, float, str]] = []
    for name, seg in pb.segments.items():
        for attr in ("employees", "annual_revenue"):
            rng = getattr(seg, attr)
            if rng is not None and rng.min is not None and rng.max is not None and rng.min > rng.max:
                problems.append(
                    Problem(
                        "PB020",
                        f"segment {name!r}: {attr} min {rng.min:g} is above max {rng.max:g}",
                        ("segments", name, attr),
                    )
                )
        if seg.employees is not None:
            lo = seg.employees.min if seg.employees.min is not None else float("-inf")
            hi = seg.employees.max if seg.employees.max is not None else float("inf")
            for olo, ohi, other in spans:
                if lo <= ohi and olo <= hi:
                    problems.append(
                        Problem(
                            "PB021",
                            f"segment {name!r} overlaps segment {other!r} on employees",
                            ("segments", name, "employees"),
                            hint="make the employee ranges disjoint so each account has one segment",
                        )
                    )
            spans.append((lo, hi, name))
    return problems


def check_references(pb: Playbook) -> list[Problem]:
    """SLAs, routing and nurture tracks may only name stages, calendars and segments that exist."""
    problems = []
    stage_ids = set(pb.stage_ids())
    for i, sla in enumerate(pb.slas):
        if sla.stage not in stage_ids:
            problems.append(
                Problem("PB040", f"SLA {sla.id!r} names unknown stage {sla.stage!r}", ("slas", i, "stage"))
            )
        if sla.calendar not in pb.calendars:
            problems.append(
                Problem(
                    "PB040",
                    f"SLA {sla.id!r} names unknown calendar {sla.calendar!r}",
                    ("slas", i, "calendar"),
                    hint=f"defined calendars: {', '.join(sorted(pb.calendars))}",
                )
            )
    for i, rule in enumerate(pb.routing.rules):
        seg = rule.when.get("segment")
        for name in [seg] if isinstance(seg, str) else (seg or []):
            if name not in pb.segments:
                problems.append(
                    Problem(
                        "PB040",
                        f"routing rule names unknown segment {name!r}",
                        ("routing", "rules", i, "when"),
                    )
                )
    goal_keys: Counter[tuple[str, str]] = Counter()
    for i, goal in enumerate(pb.goals):
        goal_keys[(goal.period, goal.segment)] += 1
        if goal_keys[(goal.period, goal.segment)] == 2:
            problems.append(
                Problem("PB041", f"goal for {goal.period} / {goal.segment} is defined twice", ("goals", i))
            )
        if goal.segment != "all" and goal.segment not in pb.segments:
            problems.append(
                Problem("PB040", f"goal names unknown segment {goal.segment!r}", ("goals", i, "segment"))
            )
    return problems
