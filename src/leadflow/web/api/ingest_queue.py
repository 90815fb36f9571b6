"""Group commit for single-activity requests: concurrent POSTs share one ingest transaction.

Each ingest transaction takes the store's write lock (SQLite has one writer) and runs the reactions
(rescoring, first touch, nurture exit) with fixed costs per call. Under concurrent single-activity traffic the
requests that arrive while one transaction runs are written together by the next one, so throughput follows
the batch path instead of one lock round trip per request. A lone request is written at once (no waiting).
Idempotency is unchanged: two requests with the same event_id in one group give one accepted and one duplicate.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from leadflow.services.context import Context
from leadflow.services.ingest.events import IngestSummary, RecordResult, ingest_activities

MAX_GROUP = 1000


@dataclass(eq=False)
class _Slot:
    """One waiting request: its record, and what became of it."""

    ctx: Context
    record: Mapping[str, Any]
    done: threading.Event = field(default_factory=threading.Event)
    lead: bool = False
    result: RecordResult | None = None
    error: BaseException | None = None


class IngestQueue:
    """Writes concurrently submitted single activities in shared transactions (one group at a time)."""

    def __init__(self, max_group: int = MAX_GROUP) -> None:
        self._max = max_group
        self._lock = threading.Lock()
        self._pending: list[_Slot] = []
        self._busy = False

    def ingest_one(self, ctx: Context, record: Mapping[str, Any]) -> IngestSummary:
        """Ingest one activity record (blocking until its group is written); errors are the caller's own."""
        slot = _Slot(ctx, record)
        with self._lock:
            self._pending.append(slot)
            if not self._busy:
                self._busy = slot.lead = True
        while slot.result is None and slot.error is None:
            if not slot.lead:
                slot.done.wait()
                slot.done.clear()
            if slot.lead:
                self._write_group()
        if slot.error is not None:
            raise slot.error
        r = slot.result
        assert r is not None
        return IngestSummary(
            int(r.status == "accepted"),
            int(r.status == "duplicate"),
            int(r.status == "rejected"),
            [RecordResult(0, r.status, r.key, r.reasons)],
        )

    def _write_group(self) -> None:
        """As leader: write the oldest pending requests (same context) together, then hand the lead on."""
        with self._lock:
            first = self._pending[0]
            group = [s for s in self._pending[: self._max] if s.ctx is first.ctx]
            taken = set(map(id, group))
            self._pending = [s for s in self._pending if id(s) not in taken]
        try:
            summary = ingest_activities(first.ctx, [s.record for s in group], defer=True)
            for s, r in zip(group, summary.results, strict=True):
                s.result = r
        except Exception:
            for s in group:
                try:
                    s.result = ingest_activities(s.ctx, [s.record], defer=True).results[0]
                except Exception as exc:
                    s.error = exc
        with self._lock:
            if self._pending:
                successor = self._pending[0]
                successor.lead = True
            else:
                successor = None
                self._busy = False
        for s in group:
            s.lead = False
            s.done.set()
        if successor is not None:
            successor.done.set()
