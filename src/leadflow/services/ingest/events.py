"""`ingest_activities`: live activity records from the API (one or a batch), idempotent, with reactions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from leadflow.services.context import Context
from leadflow.services.ingest.activities import ActivityWriter
from leadflow.services.ingest.mapping import ColumnMapping, FieldSpec, resolve
from leadflow.services.ingest.rows import Record, RowReader
from leadflow.store.engine import transaction

# API field names (and aliases) for each activity target field
API_FIELDS: dict[str, tuple[str, ...]] = {
    "person": ("person", "external_id", "person_external_id"),
    "person_id": ("person_id",),
    "email": ("email",),
    "type": ("type", "activity_type"),
    "occurred_at": ("occurred_at", "timestamp", "at"),
    "channel": ("channel",),
    "campaign": ("campaign", "campaign_id"),
    "asset": ("asset",),
    "url": ("url",),
    "actor": ("actor",),
    "event_id": ("event_id", "idempotency_key"),
}


@dataclass(frozen=True)
class RecordResult:
    """The fate of one submitted record: accepted, duplicate or rejected (with every reason)."""

    index: int
    status: str
    key: str | None = None
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class IngestSummary:
    """Counts and one result per submitted record, in the order given."""

    accepted: int
    duplicate: int
    rejected: int
    results: list[RecordResult] = field(default_factory=list)


def _mapping() -> ColumnMapping:
    fields = {t: FieldSpec(t, cols) for t, cols in API_FIELDS.items()}
    return ColumnMapping(name="api activities", kind="activities", fields=fields)


def ingest_activities(
    ctx: Context, records: Iterable[Mapping[str, Any]], *, defer: bool = False
) -> IngestSummary:
    """Add activities in one transaction; duplicates (same event_id or key) add nothing; new ones react.

    With `defer`, the persons to react to are queued in the same transaction (services.reaction_queue) and
    the reactions run later in the drainer's transactions; without it they run before this one commits.
    """
    items = [r if isinstance(r, dict) else dict(r) for r in records]
    header = tuple(k for k in dict.fromkeys(chain.from_iterable(items)) if k != "properties")
    reader = RowReader(resolve(_mapping(), header, "api"))
    writer = ActivityWriter(ctx, {}, "always")
    writer.person_column = "person"
    writer.track = True
    writer.defer = defer
    writer.person_actor, writer.person_source = "api", "engine"
    results: dict[int, RecordResult] = {}
    good: list[Record] = []
    for index, item in enumerate(items):
        extra = item.get("properties")  # not a mapped column: the reader passes it by
        outcome = reader.read(index, item)
        if isinstance(outcome, list):
            results[index] = RecordResult(
                index,
                "rejected",
                None,
                tuple(f"{r.column}: {r.reason}" if r.column else r.reason for r in outcome),
            )
            continue
        if isinstance(extra, Mapping):
            outcome.properties.update(extra)
        outcome.raw = None
        good.append(outcome)
    if good:
        with transaction(ctx.engine) as conn:
            _, late = writer.write(conn, good)
        for r in late:
            results[r.row] = RecordResult(r.row, "rejected", None, (f"{r.column}: {r.reason}",))
        seen: set[str] = set()
        for row, key in writer.last_keys:
            fresh = key in writer.last_accepted and key not in seen
            seen.add(key)
            results[row] = RecordResult(row, "accepted" if fresh else "duplicate", key)
    ordered = [results[i] for i in sorted(results)]
    count = {s: sum(1 for r in ordered if r.status == s) for s in ("accepted", "duplicate", "rejected")}
    return IngestSummary(count["accepted"], count["duplicate"], count["rejected"], ordered)
