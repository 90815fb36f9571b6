"""Load a playbook: parse YAML keeping line numbers, validate, check, and hash its content."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path as FsPath
from typing import Any

import yaml
from pydantic import ValidationError

from leadflow.errors import PlaybookInvalid
from leadflow.playbook.checks import check_playbook
from leadflow.playbook.problems import Path, Problem
from leadflow.playbook.schema import Playbook

DEFAULT_NAME = "default.yaml"


@dataclass(frozen=True)
class LoadedPlaybook:
    """A valid playbook with its content hash (its version) and where it came from."""

    model: Playbook
    version: str
    source: str
    text: str
    warnings: tuple[Problem, ...] = field(default=())


def _mark_paths(node: yaml.Node, path: Path, marks: dict[Path, tuple[int, int]]) -> None:
    """Record the line and column of every path; a mapping entry is located at its key."""
    marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        constructor = yaml.constructor.SafeConstructor()
        for key_node, value_node in node.value:
            key = constructor.construct_object(key_node, deep=True)
            child = (*path, key)
            marks[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            _mark_paths(value_node, child, marks)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _mark_paths(item, (*path, i), marks)


def parse_yaml(text: str, source: str) -> tuple[Any, dict[Path, tuple[int, int]]]:
    """Parse YAML into plain data plus the line and column of every path."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = Problem(
            "PB001",
            f"not valid YAML: {getattr(exc, 'problem', None) or exc}",
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
            file=source,
            hint="fix the indentation or quoting at this line",
        )
        raise PlaybookInvalid(problem.message, where=problem.location(), problems=[problem]) from None
    marks: dict[Path, tuple[int, int]] = {}
    if node is None:
        return {}, marks
    _mark_paths(node, (), marks)
    return yaml.safe_load(text), marks


def locate(path: Path, marks: dict[Path, tuple[int, int]]) -> tuple[int | None, int | None]:
    """The line and column of a path, or of its nearest ancestor present in the file."""
    probe = tuple(path)
    while probe:
        if probe in marks:
            return marks[probe]
        probe = probe[:-1]
    return marks.get((), (None, None))


def _schema_problems(exc: ValidationError, data: Any) -> list[Problem]:
    problems = []
    for err in exc.errors():
        path: Path = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        if err["type"] == "extra_forbidden":
            problems.append(
                Problem("PB003", f"unknown key {path[-1]!r}", path, hint="remove it or check its spelling")
            )
        else:
            msg = err["msg"].removeprefix("Value error, ")
            problems.append(
                Problem("PB002", msg, path, hint="see docs/reference/playbook.md for this section")
            )
    return problems


def content_version(data: Any) -> str:
    """The playbook version: a short hash of its canonical content (comments and layout do not count)."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def parse_playbook(text: str, source: str = "<playbook>") -> LoadedPlaybook:
    """Validate playbook text; raise PlaybookInvalid listing every problem with its line."""
    data, marks = parse_yaml(text, source)
    problems: list[Problem] = []
    model: Playbook | None = None
    if not isinstance(data, dict):
        problems.append(
            Problem("PB002", "a playbook is a mapping of sections (name, stages, transitions, ...)")
        )
    else:
        try:
            model = Playbook.model_validate(data)
        except ValidationError as exc:
            problems.extend(_schema_problems(exc, data))
    if model is not None:
        problems.extend(check_playbook(model))
    located = []
    for p in problems:
        line, column = locate(p.path, marks)
        located.append(Problem(p.code, p.message, p.path, line, column, source, p.severity, p.hint))
    located.sort(key=lambda p: (p.line or 0, p.column or 0, p.code))
    errors = [p for p in located if p.severity == "error"]
    if errors or model is None:
        first = errors[0] if errors else located[0]
        raise PlaybookInvalid(
            f"the playbook has {len(errors)} problem(s); first: {first.message}",
            where=first.location(),
            hint="run `leadflow playbook check` to see every problem",
            problems=list(located),
        )
    warnings = tuple(p for p in located if p.severity == "warning")
    return LoadedPlaybook(model, content_version(data), source, text, warnings)


def load_playbook(path: FsPath | str | None = None) -> LoadedPlaybook:
    """Load the playbook at path, or the shipped default when path is None."""
    if path is None:
        text = resources.files("leadflow.playbook").joinpath(DEFAULT_NAME).read_text(encoding="utf-8")
        return parse_playbook(text, f"leadflow/playbook/{DEFAULT_NAME}")
    fs_path = FsPath(path)
    try:
        text = fs_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PlaybookInvalid(
            f"cannot read the playbook: {exc.strerror}", where=str(fs_path), hint="check the path"
        ) from None
    return parse_playbook(text, str(fs_path))
