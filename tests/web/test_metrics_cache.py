"""The dashboard cache: fresh hits, stale-while-refresh after a stage change, first views computed in place."""

from __future__ import annotations

from leadflow.domain.lifecycle import Actor
from leadflow.services.context import Context
from leadflow.services.lifecycle import create_person, move
from leadflow.web.metrics_cache import MetricsCache


def test_stale_entries_are_served_while_one_refresh_runs(sqlite_ctx: Context) -> None:
    cache = MetricsCache(ttl=3600)
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert cache.get(sqlite_ctx, "k", compute) == 1  # first view: computed in the request
    assert cache.get(sqlite_ctx, "k", compute) == 1  # fresh: no work
    assert calls == [1]
    pid = create_person(sqlite_ctx, {"email": "s@corp.example"})
    move(sqlite_ctx, pid, "mql", Actor.system())  # history moved: the entry is stale
    assert cache.get(sqlite_ctx, "k", compute) == 1  # served stale, refreshed behind
    cache.wait_idle()
    assert cache.get(sqlite_ctx, "k", compute) == 2  # the refreshed value
    assert len(calls) == 2
    assert cache.get(sqlite_ctx, "other", compute) == 3  # another key is its own first view
