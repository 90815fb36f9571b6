"""Dashboard numbers computed once and shared: keyed by filters and playbook, refreshed when history moves.

The Overview is opened far more often than the funnel changes; recomputing every metric per page view
would cost seconds on a large store (a minute at 100,000 people). An entry is fresh while no stage change
was written since it was computed and it is younger than `ttl` seconds. A stale entry is still served
(the page shows the time its numbers are as of) while one background thread recomputes it, so a busy
store never makes viewers wait; only the very first view of a filter set computes in the request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

from sqlalchemy import func, select

from leadflow.analytics.filters import Filters
from leadflow.services.context import Context
from leadflow.store.tables import stage_changes


class MetricsCache:
    """A small thread-safe cache of computed dashboards."""

    def __init__(self, ttl: float = 60.0, size: int = 64) -> None:
        self._ttl = ttl
        self._size = size
        self._entries: dict[Hashable, tuple[float, int, Any]] = {}
        self._refreshing: set[Hashable] = set()
        self._lock = threading.Lock()

    @staticmethod
    def watermark(ctx: Context) -> int:
        """The newest stage change id: any move anywhere invalidates every entry."""
        with ctx.engine.connect() as conn:
            return int(conn.execute(select(func.coalesce(func.max(stage_changes.c.id), 0))).scalar_one())

    def get(self, ctx: Context, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The value for key: fresh from the cache, stale while a refresh runs, or computed now if never seen."""
        mark = self.watermark(ctx)
        full_key = (ctx.playbook.version, key)
        with self._lock:
            hit = self._entries.get(full_key)
            if hit is not None:
                if (
                    not (hit[1] == mark and time.monotonic() - hit[0] < self._ttl)
                    and full_key not in self._refreshing
                ):
                    self._refreshing.add(full_key)
                    threading.Thread(
                        target=self._refresh,
                        args=(full_key, mark, compute),
                        name="leadflow-metrics",
                        daemon=True,
                    ).start()
                return hit[2]
        value = compute()
        self._store(full_key, mark, value)
        return value

    def _refresh(self, full_key: Hashable, mark: int, compute: Callable[[], Any]) -> None:
        try:
            self._store(full_key, mark, compute())
        finally:
            with self._lock:
                self._refreshing.discard(full_key)

    def _store(self, full_key: Hashable, mark: int, value: Any) -> None:
        with self._lock:
            if full_key not in self._entries and len(self._entries) >= self._size:
                self._entries.pop(next(iter(self._entries)))
            self._entries[full_key] = (time.monotonic(), mark, value)

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Wait until no refresh is running (tests, and a clean shutdown)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._refreshing:
                    return
            time.sleep(0.01)


def cached_dashboard(cache: MetricsCache, ctx: Context, f: Filters) -> dict[str, Any]:
    """The Overview's numbers for these filters, shared by the page and /api/v1/metrics/dashboard."""
    from leadflow.analytics import dashboard_metrics

    key = ("overview", f.period.label, tuple(sorted(f.person_filters().items())))
    value: dict[str, Any] = cache.get(ctx, key, lambda: dashboard_metrics(ctx, f))
    return value
