"""Scoring on simulator data: both paths agree on a sample, and a stricter rule backtests as stricter."""

from __future__ import annotations

import json

import pytest
from scoring_helpers import playbook_with

from leadflow.clock import FrozenClock
from leadflow.playbook import load_playbook, parse_playbook
from leadflow.services.backtest import backtest
from leadflow.services.context import Context
from leadflow.services.scoring import score_persons_in
from leadflow.services.scoring_batch import batch_table
from leadflow.simulate import SimConfig, SimResult, simulate
from leadflow.simulate.bulk import load_into_store
from leadflow.store.engine import reading

CFG = SimConfig(people=800, seed=11, months=6)


@pytest.fixture(scope="module")
def sim() -> SimResult:
    """A small simulated funnel (simulated once per module)."""
    return simulate(CFG)


@pytest.fixture
def simulated(sqlite_ctx: Context, sim: SimResult) -> Context:
    cfg = CFG
    load_into_store(sqlite_ctx, sim)
    clock = sqlite_ctx.clock
    assert isinstance(clock, FrozenClock)
    clock.set(cfg.end)
    return sqlite_ctx


def test_paths_agree_on_simulated_people(simulated: Context) -> None:
    rows = batch_table(simulated).to_pylist()
    sample = rows[:: max(1, len(rows) // 150)]
    with reading(simulated.engine) as conn:
        scores = {s.person_id: s for s in score_persons_in(conn, simulated, [r["person_id"] for r in sample])}
    assert any(r["engagement"] > 0 for r in sample)
    for row in sample:
        s = scores[row["person_id"]]
        assert row["fit"] == pytest.approx(s.fit, abs=1e-6)
        assert row["engagement"] == pytest.approx(s.engagement, abs=1e-6)
        assert row["grade"] == s.grade
        detail = json.loads(row["detail"])
        assert sorted(r["rule"] for r in detail["engagement"]) == [r.rule for r in s.engagement_rules]


def test_stricter_rule_backtests_as_stricter(simulated: Context) -> None:
    text = load_playbook(None).text.replace("engagement >= 40", "engagement >= 60")
    result = backtest(simulated, parse_playbook(text, "stricter.yaml"))
    cur, cand = result.current, result.candidate
    assert cur.mqls > 0 and cand.mqls <= cur.mqls
    assert cand.sqls_caught <= cur.sqls_caught and cand.won_caught <= cur.won_caught
    assert sum(cur.weekly.values()) == cur.mqls
    for outcome in (cur, cand):
        for share in (outcome.sql_recall, outcome.won_recall, outcome.precision):
            assert share is None or 0 <= share <= 1
    assert result.capacity_per_week is None or result.capacity_per_week >= 0
    assert result.weeks > 20


def test_playbook_helper_keeps_other_sections() -> None:
    assert "routing:" in playbook_with('scoring:\n  mql_rule: "fit >= 10"\n')
