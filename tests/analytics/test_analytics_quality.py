"""Campaign economics, MQL acceptance, rejection Pareto, segment mismatch, SLA compliance and the Overview."""

from __future__ import annotations

import json

import pytest

from leadflow.analytics import dashboard_metrics
from leadflow.analytics.campaigns import campaigns
from leadflow.analytics.engines import connect_store
from leadflow.analytics.filters import Filters
from leadflow.analytics.quality import acceptance, rejection_reasons, segment_mismatch, sla_compliance
from leadflow.services.context import Context


def test_campaign_costs(tiny_sqlite: Context, q1: Filters) -> None:
    b = connect_store(tiny_sqlite.engine, tiny_sqlite.playbook.model)
    c = campaigns(b, q1).set_index("campaign")
    search = c.loc["Search Q1"]
    assert (search.mqls, search.sqls, search.won) == (3, 1, 1)
    assert search.cost_per_mql == pytest.approx(1000.0)
    assert search.cost_per_won == pytest.approx(3000.0)
    assert search.pipeline_per_cost == pytest.approx(10000.0 / 3000.0)
    expo = c.loc["Expo"]
    assert (expo.pipeline == 50000.0 and expo.cost_per_won is None) or expo.cost_per_won != expo.cost_per_won
    assert (
        c.loc["(none)", "cost_per_mql"] is None
        or c.loc["(none)", "cost_per_mql"] != c.loc["(none)", "cost_per_mql"]
    )


def test_acceptance_and_rejections(tiny_sqlite: Context, q1: Filters) -> None:
    b = connect_store(tiny_sqlite.engine, tiny_sqlite.playbook.model)
    a = acceptance(b, q1, "campaign").set_index("campaign")
    # decisions on MQLs in Q1: ada accepted; cy recycled; fay disqualified (di is still waiting)
    assert a.loc["Search Q1"].tolist() == [3, 1, 2, pytest.approx(1 / 3)]
    r = rejection_reasons(b, q1)
    assert r["reason"].tolist() == ["no_budget_now", "student"]
    assert r["cumulative_share"].tolist() == [0.5, 1.0]
    by_persona = rejection_reasons(b, q1, "persona").set_index("persona")
    assert by_persona.loc["student", "reason"] == "student"


def test_segment_mismatch(tiny_sqlite: Context, q1: Filters) -> None:
    b = connect_store(tiny_sqlite.engine, tiny_sqlite.playbook.model)
    m = segment_mismatch(b, q1).set_index("segment")
    assert m.loc["smb", "mql_share"] == pytest.approx(0.5)
    assert m.loc["smb", "win_share"] == pytest.approx(1.0)
    assert m.loc["enterprise", "difference"] == pytest.approx(1 / 3)


def test_sla_compliance_both_teams(tiny_any: Context, q1: Filters) -> None:
    b = connect_store(tiny_any.engine, tiny_any.playbook.model)
    s = sla_compliance(b, q1).set_index(["team", "sla_id"])
    assert s.loc[("marketing", "(all)"), "compliance"] == pytest.approx(2 / 3)
    assert s.loc[("sales", "mql_response")].tolist()[:4] == [2, 1, 0, 1]
    assert s.loc[("sales", "(all)"), "compliance"] == pytest.approx(3 / 4)


def test_dashboard_metrics_matches_the_metric_functions(tiny_sqlite: Context, q1: Filters) -> None:
    d = dashboard_metrics(tiny_sqlite, q1)
    json.dumps(d)  # JSON-ready throughout
    stages = {s["stage"]: s for s in d["funnel"]}
    assert stages["mql"]["entered"] == 6 and stages["mql"]["skipped"] == 2
    assert stages["sql"]["days_in_stage_km_p50"] == pytest.approx(12.0)
    assert d["plan"]["goal"] == 100000.0 and d["plan"]["attainment"] == pytest.approx(0.1)
    assert d["sla"]["marketing"] == pytest.approx(2 / 3) and d["sla"]["sales"] == pytest.approx(0.75)
    assert d["marketing_sourced"]["revenue"] == 10000.0
    assert d["leakage"]["total"] is not None
    assert d["trend"]["entered_lead"] == {"current": 5, "previous": 1, "change": 4.0}  # fay joined in Dec
    assert d["previous_period"]["label"] == "2025-Q4"
    b = connect_store(tiny_sqlite.engine, tiny_sqlite.playbook.model)
    no_ctx = dashboard_metrics(b, q1)
    assert no_ctx["leakage"]["total"] is None and "store" in no_ctx["leakage"]["note"]
    assert no_ctx["funnel"] == d["funnel"]
