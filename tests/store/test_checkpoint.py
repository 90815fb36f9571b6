"""The server's WAL checkpointer: automatic checkpoints off while it runs, the log copied back by the thread."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import text

from leadflow.store.checkpoint import WalCheckpointer
from leadflow.store.engine import make_engine


def _autocheckpoint(engine: object) -> int:
    with engine.connect() as conn:  # type: ignore[attr-defined]
        return int(conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one())


def test_checkpoints_move_to_the_thread_and_back(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x TEXT)"))
    assert _autocheckpoint(engine) == 1000  # SQLite's default
    checkpointer = WalCheckpointer(engine, interval=0.05)
    checkpointer.start()
    try:
        assert _autocheckpoint(engine) == 0
        with engine.begin() as conn:  # ~1,500 pages: past the default threshold, yet nothing is copied now
            conn.execute(text("INSERT INTO t VALUES (:x)"), [{"x": "x" * 3000} for _ in range(2000)])
        wal = tmp_path / "wal.db-wal"
        assert wal.stat().st_size > 4_000_000
        deadline = time.monotonic() + 30
        while True:  # the thread copies the log back; then a checkpoint has nothing left to copy
            busy, logged, copied = checkpointer.checkpoint()
            if busy == 0 and logged == copied:
                break
            assert time.monotonic() < deadline, (busy, logged, copied)
            time.sleep(0.05)
    finally:
        checkpointer.stop()
    assert _autocheckpoint(engine) == 1000
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 2000
    engine.dispose()


def test_nothing_to_do_on_postgresql_or_memory() -> None:
    assert not WalCheckpointer(make_engine("sqlite://")).active
    assert not WalCheckpointer(make_engine("postgresql://u@127.0.0.1/db")).active
