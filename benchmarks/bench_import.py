"""Activity import throughput (rows/s) from Parquet, CSV and JSON Lines on SQLite and PostgreSQL.

Prints one JSON object per figure. BENCH_SCALE (default 1.0) scales the 1M activities down for quick runs.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from sqlalchemy import create_engine, text

from leadflow.clock import FrozenClock
from leadflow.config import get_settings
from leadflow.services.context import open_context
from leadflow.services.ingest import import_file
from leadflow.services.setup import init_database
from leadflow.store.engine import make_engine

SCALE = float(os.environ.get("BENCH_SCALE", "1.0"))
ROWS = max(1000, int(1_000_000 * SCALE))
PERSONS = max(100, ROWS // 50)
PG_URL = os.environ.get("LEADFLOW_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
TYPES = ["page_view", "email_open", "email_click", "form_submit", "content_download", "webinar_attended"]


def make_files(folder: Path) -> dict[str, Path]:
    """A persons file and the same activities as Parquet, CSV and JSON Lines."""
    persons = pa.table(
        {
            "Record ID": [f"c{i}" for i in range(PERSONS)],
            "Email": [f"p{i}@corp{i % 500}.example" for i in range(PERSONS)],
        }
    )
    pq.write_table(persons, folder / "persons.parquet")
    start = T0 - timedelta(days=400)
    table = pa.table(
        {
            "Record ID": [f"c{i % PERSONS}" for i in range(ROWS)],
            "Activity Type": [TYPES[i % len(TYPES)] for i in range(ROWS)],
            "Activity Date": [
                (start + timedelta(seconds=i * 30)).strftime("%Y-%m-%dT%H:%M:%SZ") for i in range(ROWS)
            ],
            "URL": [f"/page/{i % 300}" for i in range(ROWS)],
        }
    )
    paths = {
        "parquet": folder / "activities.parquet",
        "csv": folder / "activities.csv",
        "jsonl": folder / "activities.jsonl",
    }
    pq.write_table(table, paths["parquet"])
    pacsv.write_csv(table, paths["csv"])
    with paths["jsonl"].open("w") as fh:
        for row in table.to_pylist():
            fh.write(json.dumps(row) + "\n")
    return {"persons": folder / "persons.parquet", **paths}


def run(url: str, files: dict[str, Path], store: str) -> None:
    for fmt in ("parquet", "csv", "jsonl"):
        if store == "postgresql":
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(PG_URL)
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            db = f"{PG_URL}?options=-csearch_path%3D{schema}"
        else:
            db_file = files["persons"].parent / f"{fmt}.db"
            db_file.unlink(missing_ok=True)
            db = f"sqlite:///{db_file}"
        ctx = open_context(get_settings(database_url=db), clock=FrozenClock(T0), engine=make_engine(db))
        init_database(ctx)
        import_file(ctx, "persons", files["persons"], preset="hubspot-contacts")
        started, cpu = time.perf_counter(), time.process_time()
        summary = import_file(ctx, "activities", files[fmt], preset="hubspot", react="never")
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
        assert summary.inserted == ROWS, summary
        target = 50000 if fmt == "parquet" and store == "sqlite" else None
        about = f"{ROWS} activities, batches of {ctx.settings.batch_size}"
        print(
            json.dumps(
                {
                    "name": f"import_activities_{fmt}_{store}",
                    "value": round(ROWS / seconds),
                    "unit": "rows/s",
                    "target": target,
                    "compared_to": about + ", wall clock",
                }
            )
        )
        # CPU time of this process: the figure to compare when the machine is shared with other work
        print(
            json.dumps(
                {
                    "name": f"import_activities_{fmt}_{store}_cpu",
                    "value": round(ROWS / cpu_seconds),
                    "unit": "rows/s",
                    "target": target,
                    "compared_to": about + ", process CPU time (client side only on PostgreSQL)",
                }
            )
        )
        ctx.engine.dispose()
        if store == "postgresql":
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


def pg_reachable() -> bool:
    try:
        eng = create_engine(PG_URL, connect_args={"connect_timeout": 2})
        with eng.connect() as conn:
            conn.execute(text("SELECT 1"))
        eng.dispose()
        return True
    except Exception:
        return False


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        files = make_files(Path(tmp))
        run("sqlite", files, "sqlite")
        if pg_reachable():
            run("postgresql", files, "postgresql")


if __name__ == "__main__":
    main()
