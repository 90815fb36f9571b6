"""The SQL each engine runs for the funnel metric, compared with reviewed snapshots.

Set LEADFLOW_UPDATE_SNAPSHOTS=1 to rewrite tests/analytics/snapshots/*.sql after an intended change, then
review the diff like code.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

import ibis
import pytest

from leadflow.analytics.engines import connect_store
from leadflow.analytics.filters import make_filters
from leadflow.analytics.funnel import conversion_expr, default_pairs, entries_expr
from leadflow.services.context import Context

SNAPSHOTS = Path(__file__).parent / "snapshots"
DIALECTS = ("sqlite", "postgres", "duckdb", "pyspark")
UPDATE = os.environ.get("LEADFLOW_UPDATE_SNAPSHOTS") == "1"


def _normalised(sql: str) -> str:
    # Ibis names in-memory tables randomly; the name carries no meaning for the review.
    return re.sub(r"ibis_pandas_memtable_[a-z0-9]+", "ibis_memtable", sql).strip() + "\n"


@pytest.mark.parametrize("dialect", DIALECTS)
def test_funnel_sql_matches_snapshot(sqlite_ctx: Context, dialect: str) -> None:
    b = connect_store(sqlite_ctx.engine, sqlite_ctx.playbook.model)
    f = make_filters("2026-Q1", datetime(2026, 3, 2, 10, tzinfo=UTC), by="segment")
    for name, expr in (
        ("funnel_entries", entries_expr(b, f)),
        ("funnel_conversion", conversion_expr(b, f, default_pairs(b))),
    ):
        sql = _normalised(str(ibis.to_sql(expr, dialect=dialect)))
        path = SNAPSHOTS / f"{name}.{dialect}.sql"
        if UPDATE or not path.exists():
            if not UPDATE and os.environ.get("CI", "").lower() == "true":
                pytest.fail(f"{path} is missing; run with LEADFLOW_UPDATE_SNAPSHOTS=1 and commit it")
            SNAPSHOTS.mkdir(exist_ok=True)
            path.write_text(sql, encoding="utf-8")
        assert sql == path.read_text(encoding="utf-8"), (
            f"the {dialect} SQL of {name} changed; review it and rerun with LEADFLOW_UPDATE_SNAPSHOTS=1"
        )
