"""Funnel metrics on the tiny hand-made funnel: entries, skipped stages, moves and cohort conversion."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from leadflow.analytics.engines import connect_store
from leadflow.analytics.filters import Filters, make_filters, parse_period
from leadflow.analytics.funnel import cohort_conversion, funnel, stage_volumes
from leadflow.errors import InvalidInput
from leadflow.services.context import Context

AS_OF = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _by_stage(df, col):  # type: ignore[no-untyped-def]
    return dict(zip(df["stage"], df[col], strict=True))


def test_entries_count_skipped_stages_as_passed(tiny_any: Context, q1: Filters) -> None:
    b = connect_store(tiny_any.engine, tiny_any.playbook.model)
    vol = stage_volumes(b, q1)
    # lead: 5 created in Q1 (fay in December); mql: ada, cy, di, fay + bob (lead->sql) + ed (lead->sal)
    assert _by_stage(vol, "entered") == {
        "lead": 5,
        "mql": 6,
        "sal": 3,
        "sql": 3,
        "opportunity": 2,
        "customer": 1,
        "recycled": 0,
        "disqualified": 0,
    }
    assert _by_stage(vol, "skipped") == {
        "lead": 0,
        "mql": 2,
        "sal": 1,
        "sql": 0,
        "opportunity": 0,
        "customer": 0,
        "recycled": 0,
        "disqualified": 0,
    }
    assert _by_stage(vol, "moves") == {
        "lead": 5,
        "mql": 4,
        "sal": 2,
        "sql": 3,
        "opportunity": 2,
        "customer": 1,
        "recycled": 1,
        "disqualified": 1,
    }


def test_cohort_conversion_share_and_time(tiny_sqlite: Context, q1: Filters) -> None:
    b = connect_store(tiny_sqlite.engine, tiny_sqlite.playbook.model)
    conv = cohort_conversion(b, q1).set_index(["from_stage", "to_stage"])
    row = conv.loc[("mql", "sal")]
    assert (row.entered, row.reached) == (6, 3)  # ada accepted; bob and ed passed SAL by skipping
    assert row.rate == pytest.approx(0.5)
    row = conv.loc[("sql", "opportunity")]
    assert (row.entered, row.reached) == (3, 2)
    assert row.p50_days == pytest.approx(5.0)  # ada 5 days, bob 12 days: the lower median
    assert row.p90_days == pytest.approx(12.0)
    row = conv.loc[("lead", "customer")]
    assert (row.entered, row.reached, row.p50_days) == (5, 1, pytest.approx(27.0))


def test_period_bounds_and_as_of(tiny_sqlite: Context) -> None:
    b = connect_store(tiny_sqlite.engine, tiny_sqlite.playbook.model)
    feb = make_filters("2026-02", AS_OF)
    vol = stage_volumes(b, feb)
    assert _by_stage(vol, "entered")["lead"] == 2  # di and ed
    early = make_filters("2026-Q1", parse_period("2026-01").end)  # measured on Feb 1st 00:00
    conv = cohort_conversion(b, early).set_index(["from_stage", "to_stage"])
    assert conv.loc[("opportunity", "customer")].reached == 0  # ada won on Feb 1st 09:00, after as_of


def test_breakdown_and_filters(tiny_sqlite: Context, q1: Filters) -> None:
    b = connect_store(tiny_sqlite.engine, tiny_sqlite.playbook.model)
    seg = funnel(b, q1.with_breakdown("segment"))
    ent = seg[seg["stage"] == "sal"].set_index("segment")["entered"].to_dict()
    assert ent == {"enterprise": 2, "mid_market": 0, "smb": 1}
    only = stage_volumes(b, make_filters("2026-Q1", AS_OF, channel="paid_search"))
    assert _by_stage(only, "entered")["mql"] == 3  # ada, cy, fay
    by_campaign = stage_volumes(b, make_filters("2026-Q1", AS_OF, by="campaign,persona"))
    assert set(by_campaign["campaign"]) == {"Search Q1", "Expo", "(none)"}
    by_version = stage_volumes(b, make_filters("2026-Q1", AS_OF, by="playbook_version"))
    assert set(by_version["playbook_version"]) == {tiny_sqlite.playbook.version}
    rep = stage_volumes(b, make_filters("2026-Q1", AS_OF, rep="nobody@x.test"))
    assert rep["entered"].sum() == 0


def test_funnel_table_joins_volumes_and_rates(tiny_sqlite: Context, q1: Filters) -> None:
    b = connect_store(tiny_sqlite.engine, tiny_sqlite.playbook.model)
    table = funnel(b, q1).set_index("stage")
    assert table.loc["sql", "next_stage"] == "opportunity"
    assert table.loc["sql", "to_next_rate"] == pytest.approx(2 / 3)
    assert table.loc["opportunity", "to_won_rate"] == pytest.approx(0.5)
    assert table.loc["lead", "to_won_rate"] == pytest.approx(0.2)


def test_bad_period_and_breakdown_are_refused() -> None:
    with pytest.raises(InvalidInput, match="not a period"):
        parse_period("Q1 2026")
    with pytest.raises(InvalidInput, match="break down"):
        make_filters("2026-Q1", AS_OF, by="colour")
    assert parse_period("2026-01-01..2026-01-31").end == parse_period("2026-01").end
    assert parse_period("2026-Q1").previous().label == "2025-Q4"
    assert parse_period("2026-H1").previous().label == "2025-H2"
    assert parse_period("2026-01").previous().label == "2025-12"


def test_duckdb_attached_to_the_store_agrees(tiny_any: Context, q1: Filters) -> None:
    from leadflow.analytics.engines import connect_duckdb

    store = funnel(connect_store(tiny_any.engine, tiny_any.playbook.model), q1)
    duck = funnel(connect_duckdb(None, tiny_any.playbook.model, tiny_any.engine), q1)
    pd.testing.assert_frame_equal(duck, store, check_dtype=False)


def _temp_tables(b) -> set[str]:  # type: ignore[no-untyped-def]
    query = {
        "sqlite": "SELECT name FROM sqlite_temp_master WHERE type = 'table'",
        # this session's own temporary schema (tests running beside it have theirs)
        "postgres": "SELECT tablename FROM pg_tables WHERE schemaname = "
        "(SELECT nspname FROM pg_namespace WHERE oid = pg_my_temp_schema())",
        "duckdb": "SELECT table_name FROM duckdb_tables() WHERE temporary",
    }[b.kind]
    result = b.con.raw_sql(query)
    names = [row[0] for row in result.fetchall()]
    if b.kind != "duckdb":  # a cursor (DuckDB hands back its connection)
        result.close()
    return {name for name in names if name.startswith("lf_tmp_")}


def test_a_session_drops_its_temporary_tables(tiny_any: Context, q1: Filters) -> None:
    # They stayed behind for the connection's lifetime (a web server's memory) while Ibis could not drop them.
    from leadflow.analytics.dashboard import dashboard_metrics
    from leadflow.analytics.engines import connect_duckdb

    for b in (
        connect_store(tiny_any.engine, tiny_any.playbook.model),
        connect_duckdb(None, tiny_any.playbook.model, tiny_any.engine),
    ):
        with b.session():
            funnel(b, q1)
            assert _temp_tables(b), "the session materialises the per-person milestones"
        assert _temp_tables(b) == set()
        dashboard_metrics(b, q1)
        dashboard_metrics(b, q1)
        assert _temp_tables(b) == set()
