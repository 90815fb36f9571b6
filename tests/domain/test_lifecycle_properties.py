"""Random move sequences never reach a state the playbook forbids; history always replays to the stage."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from leadflow.domain.lifecycle import Actor, decide, replay
from leadflow.errors import LeadflowError
from leadflow.playbook import load_playbook

PB = load_playbook().model
ACTORS = [
    Actor.system(),
    Actor("rep", "sales", "sales"),
    Actor("mo", "marketing", "marketing"),
    Actor("v", "viewer"),
]
FIELDS = {
    "reason": "bad_timing",
    "budget": "1",
    "authority": "y",
    "need": "y",
    "timeline": "q1",
    "amount": "10",
    "lost_reason": "price",
}


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(PB.stage_ids()), st.sampled_from(ACTORS), st.booleans()), max_size=40)
)
def test_random_moves_stay_inside_the_playbook(moves: list[tuple[str, Actor, bool]]) -> None:
    stage = PB.initial_stage()
    history: list[tuple[str | None, str]] = [(None, stage)]
    for target, actor, with_fields in moves:
        try:
            t = decide(PB, stage, target, actor, FIELDS if with_fields else {})
        except LeadflowError:
            continue
        assert stage in t.from_ and t.to == target
        assert actor.may(t.by)
        assert all(FIELDS.get(f) for f in t.requires)
        assert not PB.stage(stage).terminal
        history.append((stage, target))
        stage = target
    assert replay(history) == stage
