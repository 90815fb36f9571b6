"""Checks of the scoring section: fields, values, ranges, shadowed rules, durations and the MQL rule."""

from __future__ import annotations

from leadflow.domain.durations import parse_duration
from leadflow.domain.free_mail import free_mail_domains
from leadflow.domain.scoring.conditions import Condition, covers, parse_when
from leadflow.domain.scoring.grades import GradeScale
from leadflow.domain.scoring.mql_rule import MqlRuleError, parse_mql_rule
from leadflow.playbook.problems import Path, Problem
from leadflow.playbook.schema import Playbook


def check_scoring(pb: Playbook) -> list[Problem]:
    """Every problem of the scoring section (codes PB002, PB020, PB030-PB033, PB040)."""
    return [
        *_check_grades(pb),
        *_check_fit(pb),
        *_check_engagement(pb),
        *_check_durations(pb),
        *_check_mql(pb),
    ]


def _check_grades(pb: Playbook) -> list[Problem]:
    problems = []
    for kind in ("fit", "engagement"):
        thresholds = list(getattr(pb.scoring.grades, kind).values())
        if thresholds != sorted(thresholds, reverse=True):
            problems.append(
                Problem(
                    "PB033",
                    f"{kind} grade thresholds must go down from the best grade",
                    ("scoring", "grades", kind),
                    hint="list the best grade first with the highest minimum",
                )
            )
    return problems


def _check_fit(pb: Playbook) -> list[Problem]:
    problems: list[Problem] = []
    free_mail = free_mail_domains(pb.scoring.free_mail_domains)
    compiled: list[tuple[int, tuple[Condition, ...]]] = []
    for i, rule in enumerate(pb.scoring.fit):
        where = ("scoring", "fit", i, "when")
        conditions, found = parse_when(rule.when, engagement=False, free_mail=free_mail)
        problems += [Problem(p.code, p.message, (*where, p.field), hint=p.hint) for p in found]
        for name, known in (("persona", pb.personas), ("segment", pb.segments)):
            if name not in rule.when:
                continue
            values = rule.when[name] if isinstance(rule.when[name], list) else [rule.when[name]]
            lowered = {k.lower() for k in known}
            for value in values:
                if str(value).lower() not in lowered:
                    problems.append(
                        Problem(
                            "PB030",
                            f"fit rule names {name} {value!r}, which the playbook does not define",
                            (*where, name),
                            hint=f"defined {name}s: {', '.join(known) or 'none'}",
                        )
                    )
        for j, earlier in compiled:
            if not found and covers(earlier, conditions) and covers(conditions, earlier):
                problems.append(
                    Problem(
                        "PB031",
                        f"fit rule {i} tests exactly what fit rule {j} tests, so both always add up",
                        ("scoring", "fit", i),
                        severity="warning",
                        hint="merge them into one rule with the summed points",
                    )
                )
        if not found:
            compiled.append((i, conditions))
    return problems


def _check_engagement(pb: Playbook) -> list[Problem]:
    problems: list[Problem] = []
    compiled: list[tuple[int, tuple[Condition, ...]]] = []
    for i, rule in enumerate(pb.scoring.engagement.rules):
        where = ("scoring", "engagement", "rules", i)
        conditions, found = parse_when(rule.when, engagement=True)
        problems += [Problem(p.code, p.message, (*where, "when", p.field), hint=p.hint) for p in found]
        if rule.cap is not None and rule.cap <= 0:
            problems.append(
                Problem(
                    "PB020",
                    f"cap {rule.cap:g} is impossible; a cap is above zero",
                    (*where, "cap"),
                    hint="write the most points (in absolute value) the rule may give per period",
                )
            )
        if rule.per is not None and rule.cap is None:
            problems.append(
                Problem(
                    "PB002",
                    "`per` has no effect without a `cap`",
                    (*where, "per"),
                    severity="warning",
                    hint="add a cap, or remove per",
                )
            )
        for j, earlier in compiled:
            if not found and covers(earlier, conditions):
                problems.append(
                    Problem(
                        "PB031",
                        f"engagement rule {i} never matches: rule {j} above matches all such activities",
                        where,
                        hint="put the specific rule above the general one (the first matching rule wins)",
                    )
                )
                break
        if not found:
            compiled.append((i, conditions))
    return problems


def _check_durations(pb: Playbook) -> list[Problem]:
    problems = []
    sc = pb.scoring
    items: list[tuple[Path, str | None]] = [
        (("scoring", "engagement", "half_life"), sc.engagement.half_life),
        (("scoring", "engagement", "lifespan"), sc.engagement.lifespan),
        (("scoring", "recycle_cool_down"), sc.recycle_cool_down),
    ]
    items += [
        (("scoring", "engagement", "rules", i, "per"), r.per) for i, r in enumerate(sc.engagement.rules)
    ]
    for path, text in items:
        if text is None:
            continue
        duration = parse_duration(text)
        if duration.business:
            problems.append(
                Problem(
                    "PB002",
                    f"{text} is business time; scoring runs on calendar time",
                    path,
                    hint="write days or hours, e.g. 30d",
                )
            )
        elif duration.amount <= 0:
            problems.append(Problem("PB020", f"{text} is not a positive duration", path, hint="e.g. 30d"))
    return problems


def _check_mql(pb: Playbook) -> list[Problem]:
    sc = pb.scoring
    problems = []
    try:
        parse_mql_rule(
            sc.mql_rule, GradeScale.from_mapping(sc.grades.fit), GradeScale.from_mapping(sc.grades.engagement)
        )
    except MqlRuleError as exc:
        problems.append(
            Problem(
                "PB032",
                f"the MQL rule cannot be read at character {exc.position + 1}: {exc}",
                ("scoring", "mql_rule"),
                hint="e.g. fit_grade >= 'B' and engagement >= 40 (names: fit, engagement, fit_grade, "
                "engagement_grade, grade; and, or, not, parentheses)",
            )
        )
    if sc.mql_stage not in pb.stage_ids():
        problems.append(
            Problem(
                "PB040",
                f"scoring.mql_stage {sc.mql_stage!r} is not a stage",
                ("scoring", "mql_stage"),
                hint=f"known stages: {', '.join(pb.stage_ids())}",
            )
        )
    return problems
