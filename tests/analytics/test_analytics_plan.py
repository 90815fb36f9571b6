"""Plan to goal: the reverse waterfall by hand, goals from the playbook overridden by the goals table."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from leadflow.analytics.engines import connect_store
from leadflow.analytics.filters import make_filters
from leadflow.analytics.plan import goals_for, plan
from leadflow.errors import InvalidInput
from leadflow.services.context import Context
from leadflow.store.engine import transaction
from leadflow.store.tables import goals

AS_OF = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def test_reverse_waterfall_by_hand(tiny_sqlite: Context) -> None:
    b = connect_store(tiny_sqlite.engine, tiny_sqlite.playbook.model)
    result = plan(b, make_filters("2026-Q2", AS_OF), goals={"all": 100000.0})
    s = result.summary.iloc[0]
    assert s.avg_deal == pytest.approx(10000.0)  # ada's won deal in the trailing year
    assert s.won_to_date == 0.0 and s.remaining == pytest.approx(100000.0)
    st = result.stages.set_index("stage")
    # trailing rates: lead->mql 6/6, mql->sal 3/6, sal->sql 3/3, sql->opp 2/3, opp->won 1/2
    assert st.loc["opportunity", "rate_to_won"] == pytest.approx(0.5)
    assert st.loc["sql", "rate_to_won"] == pytest.approx(1 / 3)
    assert st.loc["lead", "rate_to_won"] == pytest.approx(1 / 6)
    assert st["needed"].to_dict() == {
        "lead": 60,
        "mql": 60,
        "sal": 30,
        "sql": 30,
        "opportunity": 20,
        "customer": 10,
    }
    # in the pipeline now: di (mql), ed (sql), bob (opportunity)
    assert st.loc["lead", "pipeline_at_or_after"] == 3
    assert st.loc["sql", "gap"] == 28
    # expected revenue of the pipeline: (1/6 + 1/3 + 1/2) * 10,000
    assert s.expected_from_pipeline == pytest.approx(10000.0)
    assert s.revenue_gap == pytest.approx(90000.0)
    # an opportunity must enter 17 days (median opp->won) before the quarter ends
    assert st.loc["opportunity", "by_when"] == datetime(2026, 6, 14)


def test_goals_table_overrides_the_playbook(tiny_sqlite: Context) -> None:
    b = connect_store(tiny_sqlite.engine, tiny_sqlite.playbook.model)
    assert goals_for(b, "2026-Q4") == {"all": 1500000.0}  # shipped default playbook
    with transaction(tiny_sqlite.engine) as conn:
        conn.execute(insert(goals).values(period="2026-Q4", segment="all", revenue=2.0e6, updated_at=AS_OF))
        conn.execute(insert(goals).values(period="2026-Q4", segment="smb", revenue=3.0e5, updated_at=AS_OF))
    assert goals_for(b, "2026-Q4") == {"all": 2.0e6, "smb": 3.0e5}
    result = plan(b, make_filters("2026-Q1", AS_OF))  # the tiny set's goals row: 100k for Q1
    assert result.summary.iloc[0].goal == 100000.0
    assert result.summary.iloc[0].won_to_date == pytest.approx(10000.0)


def test_segment_goal_uses_segment_rates(tiny_sqlite: Context) -> None:
    b = connect_store(tiny_sqlite.engine, tiny_sqlite.playbook.model)
    result = plan(b, make_filters("2026-Q2", AS_OF), goals={"smb": 20000.0})
    st = result.stages.set_index("stage")
    assert st.loc["mql", "rate_to_next"] == pytest.approx(1 / 3)  # smb: ada accepted; cy, fay returned
    assert st.loc["lead", "needed"] == 6


def test_no_goal_is_a_clear_error(tiny_sqlite: Context) -> None:
    b = connect_store(tiny_sqlite.engine, tiny_sqlite.playbook.model)
    with pytest.raises(InvalidInput, match="no revenue goal for 2031-Q1"):
        plan(b, make_filters("2031-Q1", AS_OF))
