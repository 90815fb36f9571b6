"""Writers of one process queue on a per-file lock (SQLite only), and still write everything."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, insert, select

from leadflow.store.engine import _write_lock, make_engine, transaction
from leadflow.store.migrate import migrate
from leadflow.store.tables import users

NOW = datetime(2026, 3, 2, tzinfo=UTC)


def test_one_lock_per_sqlite_file_none_elsewhere(tmp_path: Path) -> None:
    a = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    again = make_engine(f"sqlite:///{tmp_path / 'sub' / '..' / 'a.db'}")
    b = make_engine(f"sqlite:///{tmp_path / 'b.db'}")
    assert _write_lock(a) is not None and _write_lock(a) is _write_lock(again)
    assert _write_lock(b) is not _write_lock(a)
    assert _write_lock(make_engine("sqlite://")) is None
    assert _write_lock(make_engine("postgresql+psycopg://u@127.0.0.1/x")) is None


def test_concurrent_writers_each_commit(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    migrate(engine)

    def write(n: int) -> None:
        for i in range(25):
            with transaction(engine) as conn:
                conn.execute(
                    insert(users).values(
                        email=f"w{n}-{i}@acme.test", name="w", team="ops", role="viewer", created_at=NOW
                    )
                )

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(users)).scalar_one() == 200
