"""Dashboard numbers computed once and shared: keyed by filters and playbook, refreshed when history moves.

The Overview is opened far more often than the funnel changes; recomputing every metric per page view
would cost seconds on a large store. An entry is reused while no stage change was written since it was
computed and it is younger than `ttl` seconds (SLA sweeps and new activities show within that time).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

from sqlalchemy import func, select

from leadflow.services.context import Context
from leadflow.store.tables import stage_changes


class MetricsCache:
    """A small thread-safe cache of computed dashboards."""

    def __init__(self, ttl: float = 60.0, size: int = 64) -> None:
        self._ttl = ttl
        self._size = size
        self._entries: dict[Hashable, tuple[float, int, Any]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def watermark(ctx: Context) -> int:
        """The newest stage change id: any move anywhere invalidates every entry."""
        with ctx.engine.connect() as conn:
            return int(conn.execute(select(func.coalesce(func.max(stage_changes.c.id), 0))).scalar_one())

    def get(self, ctx: Context, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The cached value for key, or compute it (outside the lock: other keys stay served meanwhile)."""
        mark = self.watermark(ctx)
        full_key = (ctx.playbook.version, key)
        with self._lock:
            hit = self._entries.get(full_key)
            if hit is not None and hit[1] == mark and time.monotonic() - hit[0] < self._ttl:
                return hit[2]
        value = compute()
        with self._lock:
            if len(self._entries) >= self._size:
                self._entries.pop(next(iter(self._entries)))
            self._entries[full_key] = (time.monotonic(), mark, value)
        return value
