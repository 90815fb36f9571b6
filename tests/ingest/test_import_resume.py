"""An import killed with -9 mid-way leaves a consistent store; re-running completes it without duplicates."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from sqlalchemy import func, select

from leadflow.services.context import Context
from leadflow.services.ingest import import_file
from leadflow.store.engine import reading
from leadflow.store.tables import activities, import_runs
from lf_testing import T0

ROWS = 30_000
BATCH = 300


def _committed(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            row = conn.execute(
                "SELECT max(last_row_committed) FROM import_runs WHERE kind='activities'"
            ).fetchone()
    except sqlite3.OperationalError:
        return 0
    return int(row[0] or 0)


def test_kill_minus_9_then_rerun_completes_without_loss_or_duplicates(
    sqlite_ctx: Context, tmp_path: Path
) -> None:
    db = Path(str(sqlite_ctx.engine.url.database))
    people = tmp_path / "people.parquet"
    pq.write_table(
        pa.table(
            {"Record ID": [f"c{i}" for i in range(100)], "Email": [f"p{i}@corp.example" for i in range(100)]}
        ),
        people,
    )
    import_file(sqlite_ctx, "persons", people, preset="hubspot")
    start = T0 - timedelta(days=300)
    big = tmp_path / "BIG.csv"
    pacsv.write_csv(
        pa.table(
            {
                "Record ID": [f"c{i % 100}" for i in range(ROWS)],
                "Activity Type": ["page_view"] * ROWS,
                "Activity Date": [(start + timedelta(seconds=i)).isoformat() for i in range(ROWS)],
                "URL": [f"/p/{i % 7}" for i in range(ROWS)],
            }
        ),
        big,
    )
    env = {**os.environ, "LEADFLOW_DATABASE_URL": f"sqlite:///{db}", "COLUMNS": "120"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "leadflow.cli.main",
            "import",
            "activities",
            str(big),
            "--preset",
            "hubspot",
            "--batch-size",
            str(BATCH),
            "--react",
            "never",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 180  # the CLI imports every command group first: slow on a busy machine
    try:
        while _committed(db) < 2 * BATCH and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read() if proc.stderr else ""
    committed = _committed(db)
    assert 2 * BATCH <= committed < ROWS, "the import should have been killed part-way"
    with reading(sqlite_ctx.engine) as conn:
        # consistent: every committed batch is complete, nothing of the killed batch is visible
        assert conn.execute(select(func.count()).select_from(activities)).scalar_one() == committed
        assert (
            conn.execute(select(import_runs.c.status).where(import_runs.c.kind == "activities")).scalar_one()
            == "running"
        )
    summary = import_file(sqlite_ctx, "activities", big, preset="hubspot", react="never")
    assert summary.resumed_from == committed
    assert summary.inserted == ROWS and summary.rows_read == ROWS
    with reading(sqlite_ctx.engine) as conn:
        assert conn.execute(select(func.count()).select_from(activities)).scalar_one() == ROWS
        assert conn.execute(select(func.count(func.distinct(activities.c.occurred_at)))).scalar_one() == ROWS
