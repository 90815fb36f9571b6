"""On the simulator's data, the metrics recover what the simulation was built from (within sampling error)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from leadflow.analytics.attribution import sourcing
from leadflow.analytics.engines import Backend, connect_duckdb
from leadflow.analytics.filters import make_filters
from leadflow.analytics.funnel import cohort_conversion
from leadflow.analytics.velocity import velocity
from leadflow.playbook import load_playbook
from leadflow.simulate import SimConfig, simulate

# One worker builds the shared data once (make test runs pytest -n 2 --dist loadgroup).
pytestmark = pytest.mark.xdist_group("analytics_ground_truth")

CFG = SimConfig(people=15000, seed=5, months=12, start=datetime(2025, 1, 1, tzinfo=UTC))
END = datetime(2026, 1, 1)
COHORT = "2025-01-01..2025-06-30"  # every decision of these cohorts has happened by the end (max_days)
NEXT = {"mql": "mql_sal", "sal": "sal_sql", "sql": "sql_opportunity", "opportunity": "opportunity_customer"}


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Backend, dict[str, Any]]]:
    folder: Path = tmp_path_factory.mktemp("sim")
    result = simulate(CFG)
    result.write_parquet(folder)
    yield connect_duckdb(folder, load_playbook(None).model), result.ground_truth


def _within(observed: int, n: int, p: float, sds: float = 4.0) -> None:
    se = math.sqrt(max(p * (1 - p), 1e-4) / n)
    assert abs(observed / n - p) <= sds * se + 0.005, (
        f"{observed}/{n}={observed / n:.4f} vs truth {p:.4f} (se {se:.4f})"
    )


def test_lead_to_mql_rate_matches_truth(sim: tuple[Backend, dict[str, Any]]) -> None:
    b, truth = sim
    conv = cohort_conversion(b, make_filters(COHORT, END, by="channel"), [("lead", "mql")])
    marketing = conv[conv["channel"] != "outbound"]  # prospects skip MQL on purpose (lead_sal)
    _within(
        int(marketing["reached"].sum()),
        int(marketing["entered"].sum()),
        truth["expected_rate"]["lead_mql"]["all"],
    )


@pytest.mark.parametrize("pair", [("sql", "opportunity"), ("opportunity", "customer")])
def test_downstream_rates_match_truth(sim: tuple[Backend, dict[str, Any]], pair: tuple[str, str]) -> None:
    b, truth = sim
    row = cohort_conversion(b, make_filters(COHORT, END), [pair]).iloc[0]
    _within(int(row.reached), int(row.entered), truth["expected_rate"][NEXT[pair[0]]]["all"])


def test_time_in_stage_matches_truth_medians(sim: tuple[Backend, dict[str, Any]]) -> None:
    b, truth = sim
    v = velocity(b, make_filters(COHORT, END, by="segment", channel="paid_search"))
    checked = 0
    for r in v[(v["measure"] == "time_in_stage") & v["stage"].isin(["mql", "sal", "sql"])].itertuples():
        expected = truth["median_days"][NEXT[r.stage]][r.segment]["paid_search"]
        assert r.km_p50_days == pytest.approx(expected, rel=0.2), (r.segment, r.stage)
        checked += 1
    assert checked == 9


def test_revenue_by_source_channel_is_exact(sim: tuple[Backend, dict[str, Any]]) -> None:
    b, truth = sim
    s = sourcing(b, make_filters("2024-01-01..2026-12-31", END, by="channel"))
    got = s[s["category"] == "total"].set_index("channel")["revenue"].to_dict()
    want = truth["realised"]["won_revenue_by_source_channel"]
    assert {k: round(v, 2) for k, v in got.items() if v} == pytest.approx(
        {k: round(v, 2) for k, v in want.items()}
    )
