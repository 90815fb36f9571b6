"""Group commit for single-activity requests: concurrent POSTs share one ingest transaction.

Each ingest transaction takes the store's write lock (SQLite has one writer) and has fixed costs per call.
Under concurrent single-activity traffic the requests that arrive while one transaction runs are written
together by the next one, so throughput follows the batch path instead of one lock round trip per request. A
lone request is written at once (no waiting).

The queue lives on the server's event loop: a request awaits its slot, and one group at a time is written on
a thread of the loop's executor. No request holds a thread while it waits, so the API's thread pool stays
free.
Idempotency is unchanged: two requests with the same event_id in one group give one accepted and one duplicate.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from leadflow.services.context import Context
from leadflow.services.ingest.events import IngestSummary, RecordResult, ingest_activities

MAX_GROUP = 1000


@dataclass(eq=False)
class _Slot:
    """One waiting request: its record, and the future its result arrives on."""

    ctx: Context
    record: Mapping[str, Any]
    answer: asyncio.Future[RecordResult]


def _write(group: list[_Slot]) -> list[RecordResult | BaseException]:
    """Write a group in one transaction; if that fails as a whole, each record alone (its own error)."""
    ctx = group[0].ctx
    try:
        return list(ingest_activities(ctx, [s.record for s in group], defer=True).results)
    except Exception:
        outcomes: list[RecordResult | BaseException] = []
        for s in group:
            try:
                outcomes.append(ingest_activities(s.ctx, [s.record], defer=True).results[0])
            except Exception as exc:
                outcomes.append(exc)
        return outcomes


class IngestQueue:
    """Writes concurrently submitted single activities in shared transactions (one group at a time)."""

    def __init__(self, max_group: int = MAX_GROUP) -> None:
        self._max = max_group
        self._pending: list[_Slot] = []  # touched only on the event loop
        self._writer: asyncio.Task[None] | None = None

    async def ingest_one(self, ctx: Context, record: Mapping[str, Any]) -> IngestSummary:
        """Ingest one activity record (awaiting its group's transaction); errors are the caller's own."""
        loop = asyncio.get_running_loop()
        slot = _Slot(ctx, record, loop.create_future())
        self._pending.append(slot)
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._write_groups())
        r = await asyncio.shield(slot.answer)  # a client hanging up does not cancel the others' write
        return IngestSummary(
            int(r.status == "accepted"),
            int(r.status == "duplicate"),
            int(r.status == "rejected"),
            [RecordResult(0, r.status, r.key, r.reasons)],
        )

    async def _write_groups(self) -> None:
        """Write the oldest pending requests (same context) together until none are left."""
        loop = asyncio.get_running_loop()
        while self._pending:
            first = self._pending[0]
            group = [s for s in self._pending[: self._max] if s.ctx is first.ctx]
            taken = set(map(id, group))
            self._pending = [s for s in self._pending if id(s) not in taken]
            try:
                outcomes = await loop.run_in_executor(None, _write, group)
            except BaseException as exc:  # the loop is shutting down: nobody is left waiting for an answer
                for s in group:
                    if not s.answer.done():
                        s.answer.set_exception(exc)
                raise
            for s, outcome in zip(group, outcomes, strict=True):
                if isinstance(outcome, BaseException):
                    s.answer.set_exception(outcome)
                else:
                    s.answer.set_result(outcome)
