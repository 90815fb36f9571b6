"""The lifecycle rules: which moves the playbook allows, by whom, with which fields; and replay."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from leadflow.domain.durations import parse_duration
from leadflow.errors import InvalidInput, TransitionNotAllowed
from leadflow.playbook.schema import SYSTEM_ACTOR, Playbook, Transition

BANT = ("budget", "authority", "need", "timeline")


@dataclass(frozen=True)
class Actor:
    """Who makes a move: a user with a role and team, or the system."""

    name: str
    role: str
    team: str | None = None

    @classmethod
    def system(cls, name: str = SYSTEM_ACTOR) -> Actor:
        """The engine itself (automatic MQL, imports, the worker)."""
        return cls(name=name, role=SYSTEM_ACTOR, team=None)

    @property
    def is_system(self) -> bool:
        return self.role == SYSTEM_ACTOR

    def may(self, allowed: Iterable[str]) -> bool:
        """Whether a transition's `by` list admits this actor (admins may make any declared move)."""
        allowed = set(allowed)
        if self.is_system:
            return SYSTEM_ACTOR in allowed
        return (
            self.role == "admin" or self.role in allowed or (self.team is not None and self.team in allowed)
        )


def find_transition(pb: Playbook, current: str, target: str) -> Transition | None:
    """The declared transition from current to target, if any."""
    for t in pb.transitions:
        if current in t.from_ and t.to == target:
            return t
    return None


def allowed_targets(pb: Playbook, current: str) -> list[str]:
    """Stages the playbook lets a person move to from current."""
    return [t.to for t in pb.transitions if current in t.from_]


def _stage_name(pb: Playbook, stage_id: str) -> str:
    try:
        return pb.stage(stage_id).name
    except KeyError:
        return stage_id


def _check_field(pb: Playbook, t: Transition, name: str, value: str) -> None:
    if name == "reason" and t.reasons is not None:
        allowed = pb.rejection_reasons.get(t.reasons, [])
        if value not in allowed:
            raise InvalidInput(
                f"{value!r} is not an agreed {t.reasons} reason",
                where="field reason",
                hint="use one of: " + ", ".join(allowed),
            )
    if name == "lost_reason" and pb.lost_reasons and value not in pb.lost_reasons:
        raise InvalidInput(
            f"{value!r} is not an agreed lost reason",
            where="field lost_reason",
            hint="use one of: " + ", ".join(pb.lost_reasons),
        )
    if name == "amount":
        try:
            amount = Decimal(value)
        except InvalidOperation:
            raise InvalidInput(
                f"amount {value!r} is not a number", where="field amount", hint="write e.g. 25000"
            ) from None
        if amount <= 0:
            raise InvalidInput(
                "amount must be above zero", where="field amount", hint="write the expected deal value"
            )


def decide(
    pb: Playbook,
    current: str,
    target: str,
    actor: Actor,
    fields: Mapping[str, str | None],
    *,
    entered_current_at: datetime | None = None,
    now: datetime | None = None,
) -> Transition:
    """Return the playbook transition that allows this move, or raise saying exactly why not."""
    if target not in pb.stage_ids():
        raise InvalidInput(
            f"unknown stage {target!r}", where="stage", hint="known stages: " + ", ".join(pb.stage_ids())
        )
    t = find_transition(pb, current, target)
    if t is None:
        options = allowed_targets(pb, current)
        raise TransitionNotAllowed(
            f"the playbook has no move from {_stage_name(pb, current)} to {_stage_name(pb, target)}",
            where=f"person in stage {current}",
            hint=("allowed next stages: " + ", ".join(options)) if options else f"{current} is terminal",
        )
    event = t.name or f"{current}->{target}"
    if not actor.may(t.by):
        raise TransitionNotAllowed(
            f"{actor.name} ({actor.role}) may not make the move {event!r} from {current}",
            where=f"person in stage {current}",
            hint="this move is made by: " + ", ".join(t.by),
        )
    missing = [name for name in t.requires if not (fields.get(name) or "").strip()]
    if missing:
        hint = "give " + ", ".join(f"--{m.replace('_', '-')}" for m in missing)
        if "reason" in missing and t.reasons:
            hint += "; reasons: " + ", ".join(pb.rejection_reasons.get(t.reasons, []))
        raise InvalidInput(
            f"the move {event!r} requires {', '.join(missing)}",
            where=f"move {current} -> {target}",
            hint=hint,
        )
    for name, value in fields.items():
        if value is not None and name in t.requires:
            _check_field(pb, t, name, str(value))
    if t.after is not None and entered_current_at is not None and now is not None:
        cool_down = parse_duration(t.after.cool_down).to_timedelta()
        if now - entered_current_at < cool_down:
            raise TransitionNotAllowed(
                f"the move {event!r} must wait a cool-down of {t.after.cool_down} after entering {current}",
                where=f"entered {current} at {entered_current_at.isoformat()}",
                hint=f"possible from {(entered_current_at + cool_down).isoformat()}",
            )
    return t


def replay(changes: Iterable[tuple[str | None, str]]) -> str | None:
    """Replay (from, to) pairs in order; return the final stage or raise if the history breaks the chain.

    Imported history may skip stages the playbook would not allow today, so only continuity is checked.
    """
    stage: str | None = None
    for i, (src, dst) in enumerate(changes):
        if src != stage:
            raise InvalidInput(
                f"history row {i} moves from {src!r} but the person was in {stage!r}",
                where=f"stage change {i}",
                hint="the history was edited outside LeadFlow",
            )
        stage = dst
    return stage


def skipped_stages(pb: Playbook, current: str | None, target: str) -> list[str]:
    """Funnel stages jumped over by a move forward (Lead -> SQL skips MQL and SAL); empty otherwise."""
    funnel = pb.funnel_stages()
    if current not in funnel or target not in funnel:
        return []
    a, b = funnel.index(current), funnel.index(target)
    return funnel[a + 1 : b] if b > a + 1 else []
