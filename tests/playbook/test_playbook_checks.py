"""Every playbook check: the stable code and the line where the problem is, all problems at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadflow.errors import PlaybookInvalid
from leadflow.playbook import load_playbook, parse_playbook

BASE = """\
name: Test agreement
stages:
  - {id: lead, name: Lead, team: marketing, initial: true}
  - {id: mql, name: MQL, team: marketing}
  - {id: won, name: Won, team: shared, terminal: true}
transitions:
  - {from: lead, to: mql, by: [system]}
  - {from: mql, to: won, by: [sales]}
"""


def problems_of(text: str) -> list[tuple[str, int | None]]:
    with pytest.raises(PlaybookInvalid) as info:
        parse_playbook(text, "test.yaml")
    return [(p.code, p.line) for p in info.value.problems]  # type: ignore[attr-defined]


def test_default_and_base_are_valid() -> None:
    assert load_playbook().model.initial_stage() == "lead"
    assert parse_playbook(BASE).model.funnel_stages() == ["lead", "mql", "won"]


def test_version_ignores_comments_and_layout() -> None:
    a = parse_playbook(BASE)
    b = parse_playbook(
        "# a comment\n"
        + BASE.replace("{id: mql, name: MQL, team: marketing}", "{team: marketing, id: mql, name: MQL}")
    )
    c = parse_playbook(BASE.replace("name: MQL,", "name: Marketing qualified,"))
    assert a.version == b.version
    assert a.version != c.version


def test_invalid_yaml_points_at_the_line() -> None:
    # pyyaml notices the unclosed bracket where the file ends, one line below it
    assert problems_of(BASE + "  - {from: mql, to: [\n") == [("PB001", 10)]


def test_unknown_stage_in_transition() -> None:
    text = BASE + "  - {from: mql, to: nowhere, by: [sales]}\n"
    assert ("PB011", 9) in problems_of(text)


def test_duplicate_stage_id() -> None:
    text = BASE.replace("  - {id: won,", "  - {id: mql, name: Again, team: sales}\n  - {id: won,")
    assert ("PB010", 5) in problems_of(text)


def test_unreachable_stage_and_stage_without_way_out() -> None:
    text = BASE.replace("transitions:", "  - {id: limbo, name: Limbo, team: sales}\ntransitions:")
    found = problems_of(text)
    assert ("PB012", 6) in found  # nobody can get to limbo
    assert ("PB013", 6) in found  # and nobody can leave it


def test_unknown_required_field_and_reason_list() -> None:
    text = BASE.replace(
        "{from: mql, to: won, by: [sales]}",
        "{from: mql, to: won, by: [sales], requires: [budgett], reasons: nope}",
    )
    found = problems_of(text)
    assert ("PB014", 8) in found
    assert ("PB015", 8) in found


def test_unknown_role_and_key_and_bad_duration() -> None:
    assert ("PB018", 7) in problems_of(BASE.replace("by: [system]}", "by: [wizard]}"))
    found = problems_of(
        BASE.replace("by: [system]}", "by: [system], after: {cool_down: soon}}") + "colour: blue\n"
    )
    assert found == [("PB002", 7), ("PB003", 9)]


def test_every_problem_reported_not_only_the_first(tmp_path: Path) -> None:
    text = (
        BASE
        + "  - {from: ghost, to: won, by: [sales]}\n  - {from: mql, to: won2, by: [sales], requires: [x]}\n"
    )
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(PlaybookInvalid) as info:
        load_playbook(path)
    found = [(p.code, p.line) for p in info.value.problems]  # type: ignore[attr-defined]
    assert found == [("PB011", 9), ("PB011", 10), ("PB014", 10)]
    assert all(p.file == str(path) for p in info.value.problems)  # type: ignore[attr-defined]


def test_overlapping_segments_and_impossible_range() -> None:
    text = BASE + "segments:\n  small: {employees: [1, 500]}\n  mid: {employees: [300, 100]}\n"
    found = problems_of(text)
    assert ("PB020", 11) in found
    assert ("PB021", 11) in found


def test_cli_check_lists_problems_and_exits_non_zero(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.yaml"
    bad.write_text(BASE + "  - {from: ghost, to: won, by: [sales]}\n")
    result = cli("playbook", "check", str(bad))
    assert result.code == 3
    assert f"{bad}:9:" in result.out and "PB011" in result.out
    ok = cli("playbook", "check")
    assert ok.code == 0 and "is valid" in ok.out


def test_cli_show_and_diff(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shown = cli("playbook", "show")
    assert "Marketing-qualified lead" in shown.out and "MQL rule" in shown.out
    default = Path(__file__).resolve().parents[2] / "src/leadflow/playbook/default.yaml"
    new = tmp_path / "new.yaml"
    new.write_text(
        default.read_text()
        .replace("engagement >= 40", "engagement >= 50")
        .replace("within: 8 business_hours", "within: 4 business_hours")
    )
    diffed = cli("playbook", "diff", str(default), str(new))
    assert diffed.code == 0
    assert (
        "The MQL rule changed from fit_grade >= 'B' and engagement >= 40 to fit_grade >= 'B' and engagement >= 50"
        in diffed.out
    )
    assert "SLA mql_response: within changed from 8 business_hours to 4 business_hours" in diffed.out
