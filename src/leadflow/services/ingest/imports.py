"""`import_file`: a file in batches, one transaction each, bad rows quarantined, resumable after a crash."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection
from sqlalchemy.exc import DataError, IntegrityError

from leadflow.errors import ImportFailed
from leadflow.services.context import Context
from leadflow.services.ingest.accounts import AccountWriter
from leadflow.services.ingest.activities import ActivityWriter
from leadflow.services.ingest.catalog import AssetWriter, CampaignWriter
from leadflow.services.ingest.kinds import KINDS
from leadflow.services.ingest.mapping import (
    ColumnMapping,
    choose_preset,
    default_mapping,
    load_mapping,
    resolve,
)
from leadflow.services.ingest.opportunities import OpportunityWriter
from leadflow.services.ingest.persons import PersonWriter
from leadflow.services.ingest.rows import Record, Rejection, RowReader
from leadflow.services.ingest.runs import (
    finish_run,
    quarantined,
    record_batch,
    rejected_path,
    start_run,
    write_rejected,
)
from leadflow.services.ingest.source import Batch, file_hash, open_source
from leadflow.services.ingest.users import UserWriter
from leadflow.services.ingest.writer import Writer
from leadflow.store.engine import transaction

WRITERS: dict[str, Callable[..., Writer]] = {
    "accounts": AccountWriter,
    "persons": PersonWriter,
    "activities": ActivityWriter,
    "campaigns": CampaignWriter,
    "assets": AssetWriter,
    "opportunities": OpportunityWriter,
    "users": UserWriter,
}


REACT_MODES = ("recent", "always", "never")


class Progress(Protocol):
    """Told how far the import is: rows done out of an estimated total (None when unknown)."""

    def __call__(self, done: int, total: int | None) -> None: ...


@dataclass(frozen=True)
class ImportSummary:
    """What an import did: counts, where the rejected rows are, and whether it resumed an interrupted run."""

    kind: str
    source: str
    run_id: int
    mapping: str
    rows_read: int
    inserted: int
    updated: int
    unchanged: int
    quarantined: int
    resumed_from: int = 0
    rejected_file: str | None = None
    note: str | None = None
    extra: dict[str, int] = field(default_factory=dict)


def _mapping(
    kind: str, header: tuple[str, ...], preset: str | None, mapping: ColumnMapping | None
) -> ColumnMapping:
    if mapping is not None:
        return mapping
    if preset:
        return choose_preset(preset.lower(), kind, header)
    return default_mapping(kind)


def prepare(batch: Batch, reader: RowReader, writer: Writer) -> tuple[list[Record], list[Rejection]]:
    """Row-level checks of one batch: the records to write and the rows rejected."""
    records: list[Record] = []
    rejections = [
        Rejection(n, None, text[:200], reason, {"line": text}) for n, text, reason in batch.bad_lines
    ]
    read, check = reader.read, writer.check if type(writer).check is not Writer.check else None
    for number, row in enumerate(batch.rows, batch.first_row):
        if "__bad__" in row:
            continue
        result = read(number, row)
        if isinstance(result, list):
            rejections += result
            continue
        problems = check(result) if check is not None else None
        if problems:
            rejections += problems
        else:
            records.append(result)
    return records, rejections


def _one_by_one(
    conn: Connection, writer: Writer, records: list[Record]
) -> tuple[Counter[str], list[Rejection]]:
    """The database refused the batch: write record by record, quarantining the ones it refuses."""
    counts: Counter[str] = Counter()
    rejections: list[Rejection] = []
    for rec in records:
        try:
            with conn.begin_nested():
                done, late = writer.write(conn, [rec])
        except (IntegrityError, DataError) as exc:
            reason = str(exc.orig).splitlines()[0] if exc.orig is not None else type(exc).__name__
            rejections.append(Rejection(rec.row, None, None, f"rejected by the database: {reason}", rec.raw))
            continue
        counts.update(done)
        rejections += late
    return counts, rejections


def _strict_failure(path: Path, rejections: list[Rejection]) -> ImportFailed:
    rejections = sorted(rejections, key=lambda r: r.row)
    shown = "; ".join(
        f"row {r.row}" + (f" column {r.column!r}" if r.column else "") + f": {r.reason}"
        for r in rejections[:5]
    )
    rows = len({r.row for r in rejections})
    return ImportFailed(
        f"{rows} bad row(s) in strict mode, nothing was imported: {shown}",
        where=str(path),
        hint="fix these rows, or import without --strict to quarantine them and load the rest",
    )


def import_file(
    ctx: Context,
    kind: str,
    path: Path | str,
    preset: str | None = None,
    mapping: Path | str | None = None,
    strict: bool = False,
    progress: Progress | None = None,
    *,
    rejected_dir: Path | None = None,
    react: str = "recent",
    batch_size: int | None = None,
) -> ImportSummary:
    """Import a CSV, JSON Lines or Parquet file of `kind`; see docs/import.md."""
    if kind not in KINDS:
        raise ImportFailed(f"unknown kind {kind!r}", where="KIND", hint="one of: " + ", ".join(KINDS))
    if react not in REACT_MODES:
        raise ImportFailed(
            f"unknown react mode {react!r}", where="--react", hint="one of: " + ", ".join(REACT_MODES)
        )
    path = Path(path)
    user_mapping = load_mapping(Path(mapping), kind) if mapping else None
    src = open_source(
        path,
        delimiter=user_mapping.delimiter if user_mapping else None,
        encoding=user_mapping.encoding if user_mapping else None,
    )
    cmap = _mapping(kind, src.header, preset, user_mapping)
    reader = RowReader(resolve(cmap, src.header, str(path)))
    writer = WRITERS[kind](ctx, cmap.options, react)
    writer.stage_column = reader.column_of.get("stage", "stage")  # type: ignore[attr-defined]
    writer.person_column = reader.column_of.get("person", "person")  # type: ignore[attr-defined]
    size = max(1, batch_size or ctx.settings.batch_size)
    source, digest, now = str(path.resolve()), file_hash(path), ctx.clock.now()
    if strict:
        return _import_strict(ctx, kind, path, src, reader, writer, cmap, size, digest, progress)
    with transaction(ctx.engine) as conn:
        run = start_run(conn, kind, source, digest, now, resume=True)
    resumed = run.resumed_from
    if progress is not None:
        progress(resumed, src.total_rows)
    last = resumed
    for batch in src.batches(size, skip=resumed):
        records, rejections = prepare(batch, reader, writer)
        last = max(last, batch.first_row + len(batch.rows) - 1, *(b[0] for b in batch.bad_lines))
        try:
            with transaction(ctx.engine) as conn:
                counts, late = writer.write(conn, records) if records else (Counter[str](), [])
                batch_rejections = rejections + late
                counts["quarantined"] = len({r.row for r in batch_rejections})
                record_batch(conn, run, kind, source, last, counts, batch_rejections, now)
        except (IntegrityError, DataError):
            with transaction(ctx.engine) as conn:
                counts, late = _one_by_one(conn, writer, records)
                batch_rejections = rejections + late
                counts["quarantined"] = len({r.row for r in batch_rejections})
                record_batch(conn, run, kind, source, last, counts, batch_rejections, now)
        if progress is not None:
            progress(last, src.total_rows)
    with transaction(ctx.engine) as conn:
        writer.finish(conn)
        finish_run(conn, run, "done", ctx.clock.now())
        bad = quarantined(conn, run.id)
    target, note = (None, None)
    if bad:
        target, note = rejected_path(path, rejected_dir)
        write_rejected(target, bad, src.header)
    c = run.counts
    return ImportSummary(
        kind,
        source,
        run.id,
        cmap.name,
        last,
        c.get("inserted", 0),
        c.get("updated", 0),
        c.get("unchanged", 0),
        c.get("quarantined", 0),
        resumed,
        str(target) if target else None,
        note,
        {
            k: v
            for k, v in {**c, **writer.extra}.items()
            if k not in ("inserted", "updated", "unchanged", "quarantined")
        },
    )


def _import_strict(
    ctx: Context,
    kind: str,
    path: Path,
    src: object,
    reader: RowReader,
    writer: Writer,
    cmap: ColumnMapping,
    size: int,
    digest: str,
    progress: Progress | None,
) -> ImportSummary:
    """Everything in one transaction: the first batch with a bad row rolls all of it back."""
    from leadflow.services.ingest.source import SourceFile

    assert isinstance(src, SourceFile)
    source, now = str(path.resolve()), ctx.clock.now()
    last = 0
    with transaction(ctx.engine) as conn:
        run = start_run(conn, kind, source, digest, now, resume=False)
        for batch in src.batches(size):
            records, rejections = prepare(batch, reader, writer)
            if rejections:
                raise _strict_failure(path, rejections)
            counts, late = writer.write(conn, records) if records else (Counter[str](), [])
            if late:
                raise _strict_failure(path, late)
            last = batch.first_row + len(batch.rows) - 1
            record_batch(conn, run, kind, source, last, counts, [], now)
            if progress is not None:
                progress(last, src.total_rows)
        writer.finish(conn)
        finish_run(conn, run, "done", ctx.clock.now())
    c = run.counts
    return ImportSummary(
        kind,
        source,
        run.id,
        cmap.name,
        last,
        c.get("inserted", 0),
        c.get("updated", 0),
        c.get("unchanged", 0),
        0,
        0,
        None,
        None,
        dict(writer.extra),
    )
