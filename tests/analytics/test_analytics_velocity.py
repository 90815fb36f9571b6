"""Velocity: Kaplan-Meier by hand, time in stage with censoring, first touch, touches before MQL."""

from __future__ import annotations

import pytest

from leadflow.analytics.engines import connect_store
from leadflow.analytics.filters import Filters
from leadflow.analytics.survival import kaplan_meier, summarize, weighted_quantile
from leadflow.analytics.velocity import touches_before_mql, velocity
from leadflow.services.context import Context


def test_kaplan_meier_by_hand() -> None:
    # durations 1 (event), 2 (censored), 3 (event), 3 (event), 4 (censored)
    km = kaplan_meier([1, 2, 3, 4], [1, 0, 1, 0], [1, 1, 2, 1])
    # S(1) = 4/5; S(3) = 4/5 * (1 - 2/3) = 4/15
    assert list(km.times) == [1.0, 3.0]
    assert km.survival == pytest.approx([0.8, 4 / 15])
    assert km.quantile(0.5) == 3.0
    assert km.quantile(0.9) is None  # the curve never drops to 0.1
    assert km.share_by(2.5) == pytest.approx(0.2)
    assert (km.at_risk, km.events, km.censored) == (5, 3, 2)


def test_censored_at_the_same_time_stay_at_risk() -> None:
    km = kaplan_meier([2, 2], [1, 0], [1, 1])
    assert km.survival == pytest.approx([0.5])


def test_weighted_quantile_is_the_inverse_cdf() -> None:
    assert weighted_quantile([5, 1, 3], [1, 1, 1], 0.5) == 3.0
    assert weighted_quantile([1, 2], [1, 1], 0.5) == 1.0
    assert weighted_quantile([1, 2], [1, 3], 0.5) == 2.0
    assert weighted_quantile([], [], 0.5) is None
    out = summarize([1, 2], [1, 0], [1, 1])
    assert out["p50_days"] == 1.0 and out["km_p50_days"] == 1.0 and out["km_p90_days"] is None


def test_time_in_stage_counts_open_people_as_censored(tiny_any: Context, q1: Filters) -> None:
    b = connect_store(tiny_any.engine, tiny_any.playbook.model)
    v = velocity(b, q1)
    stay = v[v["measure"] == "time_in_stage"].set_index("stage")
    # sql: ada 5 days, bob 12 days, ed still there after 10 days 1 hour (censored)
    row = stay.loc["sql"]
    assert (row.n, row.events, row.censored) == (3, 2, 1)
    assert row.p50_days == pytest.approx(5.0)  # completed only: biased low
    assert row.km_p50_days == pytest.approx(12.0)  # Kaplan-Meier: S(5)=2/3, S(12)=0
    # mql: ada, cy, fay left after 1 day; di still an MQL (censored); bob and ed skipped it (no time)
    row = stay.loc["mql"]
    assert (row.n, row.events, row.censored) == (4, 3, 1)
    assert row.km_p50_days == pytest.approx(1.0)
    assert row.km_p90_days is None or row.km_p90_days != row.km_p90_days  # never reached


def test_first_touch_to_milestones(tiny_sqlite: Context, q1: Filters) -> None:
    b = connect_store(tiny_sqlite.engine, tiny_sqlite.playbook.model)
    v = velocity(b, q1)
    ft = v[v["measure"] == "first_touch_to"].set_index("stage")
    # cohort: first touch in Q1 -> ada (Jan 4), bob, cy, di (Jan 30), ed; fay's is her Dec creation
    assert ft.loc["mql", "n"] == 5
    assert ft.loc["mql", "p50_days"] == pytest.approx(2.0)  # 0.125, 1, 2, 3, 10 days
    assert ft.loc["customer", "events"] == 1
    assert ft.loc["customer", "p50_days"] == pytest.approx(28.0)  # ada: Jan 4 -> Feb 1


def test_touches_before_mql(tiny_sqlite: Context, q1: Filters) -> None:
    b = connect_store(tiny_sqlite.engine, tiny_sqlite.playbook.model)
    t = touches_before_mql(b, q1).iloc[0]
    # ada 3, bob 1, cy 1, di 2, ed 0 (his call came after SAL), fay 1
    assert t.mqls == 6
    assert t["mean"] == pytest.approx(8 / 6)
    assert t.p50 == 1.0
    seg = touches_before_mql(b, q1.with_breakdown("segment")).set_index("segment")
    assert seg.loc["mid_market", "mean"] == pytest.approx(2.0)
