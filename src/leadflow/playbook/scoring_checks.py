"""Checks of the scoring section (filled in by the scoring work: fields, overlaps, the MQL rule)."""

from __future__ import annotations

from leadflow.playbook.problems import Problem
from leadflow.playbook.schema import Playbook


def check_scoring(pb: Playbook) -> list[Problem]:
    """Grade thresholds must descend from the best grade to the worst."""
    problems = []
    for kind in ("fit", "engagement"):
        thresholds = list(getattr(pb.scoring.grades, kind).values())
        if thresholds != sorted(thresholds, reverse=True):
            problems.append(
                Problem("PB033", f"{kind} grade thresholds must go down from the best grade", ("scoring", "grades", kind))
            )
    return problems
