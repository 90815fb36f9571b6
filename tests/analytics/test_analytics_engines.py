"""Every metric, one definition: the store (SQLite, PostgreSQL), DuckDB and Spark give identical results."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import create_engine, insert, text

from leadflow.analytics.dashboard import all_metrics
from leadflow.analytics.engines import Backend, connect_duckdb, connect_spark, connect_store
from leadflow.analytics.filters import Filters, make_filters
from leadflow.clock import FrozenClock
from leadflow.config import get_settings
from leadflow.services.context import Context, open_context
from leadflow.simulate import SimConfig, simulate
from leadflow.simulate.bulk import load_into_store
from leadflow.store.engine import make_engine, transaction
from leadflow.store.tables import deadlines, goals

# One worker builds the shared data once (make test runs pytest -n 2 --dist loadgroup).
pytestmark = [
    pytest.mark.xdist_group("analytics_engines"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),  # PySpark 4 on pandas 3
    pytest.mark.filterwarnings("ignore:.*copy keyword is deprecated"),
]

PG_ADMIN_URL = os.environ.get("LEADFLOW_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"
SIM = SimConfig(people=400, seed=11, months=6, start=datetime(2025, 10, 1, tzinfo=UTC))
GOALS = {"all": 500000.0, "smb": 50000.0}


def _filters() -> Filters:
    return make_filters("2026-Q1", SIM.end)


def _extra_rows(ctx: Context) -> None:
    """Deadlines and goals the simulator does not write, so the SLA and goal paths run too."""
    statuses = ["met", "breached", "open", "cancelled", "met", "met"]
    rows = []
    for i in range(1, 31):
        start = datetime(2026, 1, 1 + i % 28, 9, tzinfo=UTC)
        rows.append(
            {
                "person_id": i,
                "sla_id": "mql_response" if i % 3 else "route_mql",
                "team": "sales" if i % 3 else "marketing",
                "stage": "mql",
                "started_at": start,
                "due_at": start.replace(hour=17),
                "status": statuses[i % 6],
                "breached_at": start.replace(hour=17) if statuses[i % 6] == "breached" else None,
                "playbook_version": ctx.playbook.version,
            }
        )
    with transaction(ctx.engine) as conn:
        conn.execute(insert(deadlines), rows)
        conn.execute(
            insert(goals).values(
                period="2026-Q1", segment="all", revenue=400000.0, updated_at=datetime(2026, 1, 1, tzinfo=UTC)
            )
        )


def _store(url: str) -> Context:
    ctx = open_context(get_settings(database_url=url), clock=FrozenClock(SIM.end), engine=make_engine(url))
    load_into_store(ctx, simulate(SIM))
    _extra_rows(ctx)
    return ctx


@pytest.fixture(scope="module")
def sqlite_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Context]:
    ctx = _store(f"sqlite:///{tmp_path_factory.mktemp('engines') / 'lf.db'}")
    yield ctx
    ctx.engine.dispose()


@pytest.fixture(scope="module")
def parquet_dir(sqlite_store: Context, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("parquet")
    from leadflow.store.export import export_parquet  # what `leadflow export parquet DIR` writes

    export_parquet(sqlite_store.engine, folder)
    return folder


@pytest.fixture(scope="module")
def expected(sqlite_store: Context) -> dict[str, pd.DataFrame]:
    b = connect_store(sqlite_store.engine, sqlite_store.playbook.model)
    return normalise(all_metrics(b, _filters(), GOALS))


def normalise(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Comparable frames: plain dtypes, floats rounded to 1e-9, rows sorted by every non-float column."""
    out = {}
    for name, df in frames.items():
        df = df.copy()
        for col in df.columns:
            s = df[col]
            if pd.api.types.is_datetime64_any_dtype(s):
                df[col] = pd.to_datetime(s).dt.tz_localize(None) if getattr(s.dt, "tz", None) else s
                df[col] = df[col].astype("datetime64[us]")
            elif pd.api.types.is_bool_dtype(s) or pd.api.types.is_integer_dtype(s):
                df[col] = s.astype("int64")
            elif pd.api.types.is_float_dtype(s):
                df[col] = s.astype("float64").round(9)
            else:
                values = [None if v is None or (isinstance(v, float) and np.isnan(v)) else v for v in s]
                if all(v is None or isinstance(v, (int, float, np.integer, np.floating)) for v in values):
                    df[col] = pd.Series(
                        [np.nan if v is None else float(v) for v in values], dtype="float64"
                    ).round(9)
                else:
                    df[col] = pd.Series(["<null>" if v is None else str(v) for v in values], dtype="object")
        keys = [c for c in df.columns if not pd.api.types.is_float_dtype(df[c])]
        out[name] = df.sort_values(keys or list(df.columns)).reset_index(drop=True)
    return out


def assert_same(got: dict[str, pd.DataFrame], want: dict[str, pd.DataFrame], engine: str) -> None:
    assert set(got) == set(want)
    for name in want:
        assert len(want[name]) > 0 or name in {"rejections"}, f"{name} is empty: the test data is too thin"
        pd.testing.assert_frame_equal(
            got[name], want[name], check_exact=False, rtol=1e-9, atol=1e-9, obj=f"{name} on {engine}"
        )


def test_duckdb_over_parquet_equals_the_store(
    parquet_dir: Path, sqlite_store: Context, expected: dict[str, pd.DataFrame]
) -> None:
    b = connect_duckdb(parquet_dir, sqlite_store.playbook.model)
    assert_same(normalise(all_metrics(b, _filters(), GOALS)), expected, "duckdb-parquet")


def test_duckdb_attached_to_sqlite_equals_the_store(
    sqlite_store: Context, expected: dict[str, pd.DataFrame]
) -> None:
    b = connect_duckdb(None, sqlite_store.playbook.model, sqlite_store.engine)
    assert_same(normalise(all_metrics(b, _filters(), GOALS)), expected, "duckdb-sqlite")


def test_duckdb_file_equals_the_store(
    parquet_dir: Path, sqlite_store: Context, tmp_path: Path, expected: dict[str, pd.DataFrame]
) -> None:
    import duckdb

    path = tmp_path / "lf.duckdb"
    con = duckdb.connect(str(path))
    for item in sorted(parquet_dir.glob("*.parquet")):
        con.execute(f"CREATE TABLE \"{item.stem}\" AS SELECT * FROM read_parquet('{item.as_posix()}')")
    con.close()
    b = connect_duckdb(path, sqlite_store.playbook.model)
    assert_same(normalise(all_metrics(b, _filters(), GOALS)), expected, "duckdb-file")


@pytest.mark.postgres
def test_postgres_equals_sqlite(expected: dict[str, pd.DataFrame]) -> None:
    try:
        admin = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 2})
        with admin.begin() as conn:
            schema = f"t_{uuid.uuid4().hex[:12]}"
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        if IN_CI:
            pytest.fail(f"CI=true but PostgreSQL is unreachable: {exc}")
        pytest.skip(f"PostgreSQL at {PG_ADMIN_URL} is not reachable")
    try:
        sep = "&" if "?" in PG_ADMIN_URL else "?"
        ctx = _store(f"{PG_ADMIN_URL}{sep}options=-csearch_path%3D{schema}")
        b = connect_store(ctx.engine, ctx.playbook.model)
        assert_same(normalise(all_metrics(b, _filters(), GOALS)), expected, "postgres")
        ctx.engine.dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    pytest.importorskip("pyspark")
    from leadflow.analytics.engines import SMALL_DATA_SPARK, spark_session

    session = spark_session("leadflow-tests", SMALL_DATA_SPARK)
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.mark.spark
def test_spark_over_parquet_equals_the_store(
    spark: Any, parquet_dir: Path, sqlite_store: Context, expected: dict[str, pd.DataFrame]
) -> None:
    b: Backend = connect_spark(parquet_dir, sqlite_store.playbook.model, spark)
    assert_same(normalise(all_metrics(b, _filters(), GOALS)), expected, "spark")
