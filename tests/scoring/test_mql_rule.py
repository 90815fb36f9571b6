"""The MQL rule language: comparisons, grades, and/or/not, parentheses; clear errors; no eval."""

from __future__ import annotations

import re

import pytest

from leadflow.domain.scoring.grades import GradeScale
from leadflow.domain.scoring.mql_rule import MqlRuleError, parse_mql_rule

FIT = GradeScale.from_mapping({"A": 40, "B": 25, "C": 10})
ENG = GradeScale.from_mapping({"1": 60, "2": 40, "3": 20})


def holds(rule: str, fit: float, engagement: float) -> bool:
    parsed = parse_mql_rule(rule, FIT, ENG)
    return parsed.holds(fit, engagement, FIT.rank(FIT.grade(fit)), ENG.rank(ENG.grade(engagement)))


def test_grades() -> None:
    assert FIT.grade(45) == "A" and FIT.grade(25) == "B" and FIT.grade(9.9) == "D"
    assert ENG.grade(10) == "4" and ENG.all_names() == ("1", "2", "3", "4")


@pytest.mark.parametrize(
    ("rule", "fit", "engagement", "expected"),
    [
        ("fit_grade >= 'B' and engagement >= 40", 30, 40, True),
        ("fit_grade >= 'B' and engagement >= 40", 24, 90, False),
        ("fit_grade >= 'B' and engagement >= 40", 50, 39.9, False),
        ("fit_grade > 'B'", 30, 0, False),
        ("fit_grade == 'A' or (fit >= 10 and engagement_grade >= '1')", 12, 70, True),
        ("not fit_grade == 'D'", 5, 0, False),
        ("40 <= engagement", 0, 40, True),
        ("engagement_grade >= 2", 0, 41, True),
        ("grade >= 'B2'", 30, 45, True),
        ("grade >= 'B2'", 45, 30, False),
        ("grade == 'A1'", 45, 70, True),
        ("grade in ('A1', 'A2', 'B1')", 30, 70, True),
        ("grade in ['A1', 'A2']", 30, 70, False),
        ("grade != 'A1' AND fit > engagement", 30, 20, True),
        ("grade > 'C3'", 10, 20, False),
        ("grade < 'B2'", 10, 20, True),
        ("true", 0, 0, True),
        ("fit = 25", 25, 0, True),
    ],
)
def test_rule_evaluation(rule: str, fit: float, engagement: float, expected: bool) -> None:
    assert holds(rule, fit, engagement) is expected


@pytest.mark.parametrize(
    ("rule", "message", "position"),
    [
        ("fit >= 'B'", "fit is a number", 7),
        ("fit_grade >= 'Z'", "not a fit grade", 13),
        ("score > 3", "unknown name 'score'", 0),
        ("fit >= 40 and", "expected a name", 13),
        ("fit >= 40 engagement >= 3", "missing 'and' or 'or'", 10),
        ("(fit >= 40", "expected ')'", 10),
        ("__import__('os').system('x')", "unexpected character '.'", 16),
        ("fit ; 3", "unexpected character ';'", 4),
        ("", "empty", 0),
        ("grade >= 'Q9'", "not a grade", 9),
    ],
)
def test_rule_errors(rule: str, message: str, position: int) -> None:
    with pytest.raises(MqlRuleError, match=re.escape(message)) as info:
        parse_mql_rule(rule, FIT, ENG)
    assert info.value.position == position
