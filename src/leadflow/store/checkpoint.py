"""SQLite WAL checkpoints on a background thread, so a long-running server's commits do not pay for them.

By default SQLite checkpoints the write-ahead log inside the commit that pushes it past 1,000 pages: that
commit copies every changed page back into the database file, which made one ingest commit in a few several
times slower than the rest. A server turns automatic checkpoints off on its connections and runs a PASSIVE
checkpoint every second instead (it never blocks readers or the writer; what it cannot copy yet it copies
next time). Short-lived processes (CLI commands) keep SQLite's default: the last connection to close
checkpoints anyway.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from typing import Any

from sqlalchemy import Engine, event

log = logging.getLogger(__name__)


def _no_autocheckpoint(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    dbapi_conn.execute("PRAGMA wal_autocheckpoint=0")


class WalCheckpointer:
    """Checkpoints an SQLite file store every `interval` seconds while started (nothing to do elsewhere)."""

    def __init__(self, engine: Engine, interval: float = 1.0) -> None:
        url = engine.url
        self.active = url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
        self._engine = engine
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Turn automatic checkpoints off for the engine's connections and start checkpointing."""
        if not self.active:
            return
        event.listen(self._engine, "connect", _no_autocheckpoint)
        self._engine.dispose()  # pooled connections were opened with the default: reopen them
        self._thread = threading.Thread(target=self._loop, name="leadflow-checkpoint", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop, with a last checkpoint, and give the connections SQLite's default back."""
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join(timeout=30)
        self._thread = None
        self.checkpoint()
        event.remove(self._engine, "connect", _no_autocheckpoint)
        self._engine.dispose()

    def checkpoint(self) -> tuple[int, int, int]:
        """One PASSIVE checkpoint: (busy, pages in the log, pages copied to the database)."""
        with self._engine.connect() as conn:
            busy, logged, copied = conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
        return int(busy), int(logged), int(copied)

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.checkpoint()
            except Exception:  # e.g. the file went away in a test; the next round tries again
                log.exception("checkpoint failed")
