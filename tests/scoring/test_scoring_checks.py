"""Scoring mistakes in a playbook are reported with their code, file and line, all at once."""

from __future__ import annotations

import pytest
from scoring_helpers import playbook_with

from leadflow.errors import PlaybookInvalid
from leadflow.playbook import parse_playbook
from leadflow.playbook.problems import Problem

BROKEN = """
scoring:
  fit:
    - {when: {industy: software}, points: 10}
    - {when: {employees: [500, 100]}, points: 5}
    - {when: {persona: wizard}, points: 5}
    - {when: {segment: smb}, points: 3}
    - {when: {segment: smb}, points: 2}
  engagement:
    half_life: 2 business_days
    rules:
      - {when: {type: page_view}, points: 1}
      - {when: {type: page_view, url: "/pricing*"}, points: 10}
      - {when: {type: email_click, properties.score: {min: 9, max: 3}}, points: 2}
      - {when: {type: form_submit}, points: 5, cap: 0}
      - {when: {kind: webinar}, points: 5}
  grades: {fit: {A: 10, B: 25}, engagement: {"1": 60, "2": 40}}
  mql_rule: "fit_grade >= 'B' and engagment >= 40"
"""


def _problems(text: str) -> list[Problem]:
    with pytest.raises(PlaybookInvalid) as info:
        parse_playbook(playbook_with(text), "team.yaml")
    return [p for p in info.value.problems if isinstance(p, Problem)]


def _line_of(text: str, needle: str) -> int:
    full = playbook_with(text)
    return next(i for i, line in enumerate(full.splitlines(), 1) if needle in line)


def test_every_scoring_problem_with_code_and_line() -> None:
    problems = _problems(BROKEN)
    found = {(p.code, p.line) for p in problems}
    expected = {
        ("PB030", _line_of(BROKEN, "industy")),
        ("PB020", _line_of(BROKEN, "[500, 100]")),
        ("PB030", _line_of(BROKEN, "wizard")),
        ("PB031", _line_of(BROKEN, "points: 2}")),
        ("PB002", _line_of(BROKEN, "business_days")),
        ("PB031", _line_of(BROKEN, '"/pricing*"')),
        ("PB020", _line_of(BROKEN, "min: 9, max: 3")),
        ("PB020", _line_of(BROKEN, "cap: 0")),
        ("PB030", _line_of(BROKEN, "kind: webinar")),
        ("PB033", _line_of(BROKEN, "grades:")),
        ("PB032", _line_of(BROKEN, "mql_rule")),
    }
    assert expected <= found, sorted(found)
    assert all(p.file == "team.yaml" for p in problems)
    shadow = next(p for p in problems if p.code == "PB031" and p.severity == "error")
    assert "rule 0 above" in shadow.message and "first matching rule wins" in shadow.hint
    mql = next(p for p in problems if p.code == "PB032")
    assert "unknown name 'engagment'" in mql.message and "character 22" in mql.message
    duplicate = next(p for p in problems if p.code == "PB031" and p.severity == "warning")
    assert "merge" in duplicate.hint


def test_unknown_field_hint_lists_known_fields() -> None:
    problems = _problems(BROKEN)
    unknown = next(p for p in problems if p.code == "PB030" and "industy" in p.message)
    assert "industry" in unknown.hint and "properties.<name>" in unknown.hint
    assert unknown.dotted_path() == "scoring.fit[0].when.industy"


def test_default_playbook_has_no_scoring_problem() -> None:
    loaded = parse_playbook(playbook_with(BROKEN.split("  fit:")[0] + "  mql_rule: \"grade >= 'B2'\"\n"))
    assert not [w for w in loaded.warnings if w.code.startswith("PB03")]


def test_cli_check_prints_scoring_problems(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.yaml"
    path.write_text(playbook_with(BROKEN), encoding="utf-8")
    result = cli("playbook", "check", str(path))
    assert result.code != 0
    assert f"bad.yaml:{_line_of(BROKEN, 'kind: webinar')}" in result.out
    assert "PB032" in result.out
