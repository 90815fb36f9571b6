"""The playbook read aloud: the stage glossary and its rules in plain words."""

from __future__ import annotations

from dataclasses import dataclass

from leadflow.playbook.schema import Playbook


@dataclass(frozen=True)
class GlossaryEntry:
    """One stage as both teams should understand it."""

    id: str
    name: str
    team: str
    definition: str
    terminal: bool
    next_moves: tuple[str, ...]


def glossary(pb: Playbook) -> list[GlossaryEntry]:
    """Every stage with its owner, definition and the moves out of it (who makes them, what they need)."""
    out = []
    for stage in pb.stages:
        moves = []
        for t in pb.transitions:
            if stage.id in t.from_:
                needs = f", needs {', '.join(t.requires)}" if t.requires else ""
                wait = f", after {t.after.cool_down}" if t.after else ""
                moves.append(f"{pb.stage(t.to).name} (by {', '.join(t.by)}{needs}{wait})")
        out.append(
            GlossaryEntry(stage.id, stage.name, stage.team, stage.definition, stage.terminal, tuple(moves))
        )
    return out


def rules_in_words(pb: Playbook) -> list[str]:
    """The MQL rule, the SLAs and the recycle cool-down as sentences."""
    lines = [f"MQL rule: a lead becomes an MQL when {pb.scoring.mql_rule}."]
    for sla in pb.slas:
        text = sla.description or f"{sla.measure} within {sla.within}"
        lines.append(f"SLA {sla.id} ({sla.team}, stage {sla.stage}): {text} [{sla.within}].")
    lines.append(f"Recycled leads can become MQL again after a cool-down of {pb.scoring.recycle_cool_down}.")
    return lines
