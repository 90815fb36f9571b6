"""Grades: fit letters (A, B, C, D) and engagement digits (1..4) from the playbook thresholds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class GradeScale:
    """Grades from best to worst with the minimum score of each; below the last threshold is `fallback`."""

    names: tuple[str, ...]
    thresholds: tuple[float, ...]
    fallback: str

    @classmethod
    def from_mapping(cls, thresholds: Mapping[str, float]) -> GradeScale:
        """A scale from the playbook's {grade: minimum} mapping, best grade first."""
        names = tuple(str(k) for k in thresholds)
        last = names[-1] if names else ""
        fallback = chr(ord(last) + 1) if len(last) == 1 else "-"
        return cls(names, tuple(float(v) for v in thresholds.values()), fallback)

    def grade(self, value: float) -> str:
        """The best grade whose threshold the value reaches."""
        for name, minimum in zip(self.names, self.thresholds, strict=True):
            if value >= minimum:
                return name
        return self.fallback

    def all_names(self) -> tuple[str, ...]:
        """Every grade a score can get, best first (the fallback last)."""
        return (*self.names, self.fallback)

    def rank(self, name: str) -> int:
        """0 for the best grade, growing as grades get worse; ValueError for an unknown grade."""
        return self.all_names().index(name)
