"""A playbook problem: a stable code, where it is (file, line, column) and what to do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Path = tuple[str | int, ...]

# Stable problem codes; docs/reference/playbook.md lists each with an example.
CODES: dict[str, str] = {
    "PB001": "the file is not valid YAML",
    "PB002": "a value has the wrong type or is missing",
    "PB003": "an unknown key (typo?)",
    "PB010": "two stages share an id",
    "PB011": "a transition names a stage that does not exist",
    "PB012": "a stage cannot be reached from the initial stage",
    "PB013": "a stage that is not terminal has no way out",
    "PB014": "a transition requires a field nobody knows",
    "PB015": "a transition names a rejection reason list that does not exist",
    "PB016": "a reason appears twice",
    "PB017": "more than one initial stage",
    "PB018": "a transition may be made by an unknown role or team",
    "PB019": "two transitions connect the same stages",
    "PB020": "an impossible range (min above max)",
    "PB021": "segments overlap",
    "PB022": "a transition requires `reason` but names no reason list",
    "PB030": "a scoring rule uses an unknown field",
    "PB031": "a scoring rule overlaps another one",
    "PB032": "the MQL rule cannot be read",
    "PB033": "grade thresholds are not in order",
    "PB040": "an SLA, route or track names something unknown",
    "PB041": "a goal is defined twice",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a playbook."""

    code: str
    message: str
    path: Path = ()
    line: int | None = None
    column: int | None = None
    file: str = ""
    severity: Literal["error", "warning"] = "error"
    hint: str = ""

    def location(self) -> str:
        """file:line:column, as far as known."""
        where = self.file or "<playbook>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where

    def dotted_path(self) -> str:
        """The YAML path, e.g. transitions[3].to."""
        out = ""
        for part in self.path:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
        return out

    def render(self) -> str:
        """One line for a terminal."""
        text = f"{self.location()}: {self.severity} {self.code}: {self.message}"
        if self.path:
            text += f" [{self.dotted_path()}]"
        if self.hint:
            text += f" -- {self.hint}"
        return text
