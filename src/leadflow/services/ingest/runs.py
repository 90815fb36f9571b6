"""Import runs: progress that survives a crash, quarantined rows and the `.rejected.csv` to fix."""

from __future__ import annotations

import csv
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, desc, insert, select, update

from leadflow.services.ingest.mapping import REJECTED_COLUMNS
from leadflow.services.ingest.rows import Rejection
from leadflow.services.ingest.values import jsonable
from leadflow.store.tables import import_runs, quarantine

COUNT_KEYS = ("inserted", "updated", "unchanged", "quarantined")


@dataclass
class Run:
    """One import run: where it resumes and what it counted so far."""

    id: int
    resumed_from: int
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))


def start_run(conn: Connection, kind: str, source: str, digest: str, at: datetime, *, resume: bool) -> Run:
    """Resume the unfinished run of the same kind and file content, or start a new one."""
    if resume:
        row = conn.execute(
            select(import_runs.c.id, import_runs.c.last_row_committed, import_runs.c.counts)
            .where(
                import_runs.c.kind == kind,
                import_runs.c.file_hash == digest,
                import_runs.c.status.in_(("running", "interrupted")),
            )
            .order_by(desc(import_runs.c.id))
            .limit(1)
        ).first()
        if row is not None:
            conn.execute(
                update(import_runs).where(import_runs.c.id == row[0]).values(status="running", source=source)
            )
            counts = dict.fromkeys(COUNT_KEYS, 0) | {k: int(v) for k, v in (row[2] or {}).items()}
            return Run(int(row[0]), int(row[1]), counts)
    run_id = conn.execute(
        insert(import_runs)
        .values(
            kind=kind,
            source=source,
            file_hash=digest,
            started_at=at,
            status="running",
            rows_read=0,
            last_row_committed=0,
            counts=dict.fromkeys(COUNT_KEYS, 0),
        )
        .returning(import_runs.c.id)
    ).scalar_one()
    return Run(int(run_id), 0)


def record_batch(
    conn: Connection,
    run: Run,
    kind: str,
    source: str,
    last_row: int,
    counts: Mapping[str, int],
    rejections: Sequence[Rejection],
    at: datetime,
) -> None:
    """Quarantine the batch's bad rows and move the run's high-water mark, in the batch's transaction."""
    if rejections:
        seen: set[tuple[int, str | None]] = set()
        rows = []
        for r in rejections:
            if (r.row, r.column) in seen:
                continue
            seen.add((r.row, r.column))
            rows.append(
                {
                    "import_run_id": run.id,
                    "kind": kind,
                    "source": source,
                    "row_number": r.row,
                    "column": r.column,
                    "value": r.value,
                    "reason": r.reason,
                    "raw": jsonable(r.raw) if r.raw is not None else None,
                    "created_at": at,
                }
            )
        conn.execute(insert(quarantine), rows)
    for key, value in counts.items():
        run.counts[key] = run.counts.get(key, 0) + int(value)
    conn.execute(
        update(import_runs)
        .where(import_runs.c.id == run.id)
        .values(last_row_committed=last_row, rows_read=last_row, counts=dict(run.counts))
    )


def finish_run(conn: Connection, run: Run, status: str, at: datetime) -> None:
    """Mark the run done (or failed) with its final counts."""
    conn.execute(
        update(import_runs)
        .where(import_runs.c.id == run.id)
        .values(status=status, finished_at=at, counts=dict(run.counts))
    )


def quarantined(conn: Connection, run_id: int) -> list[dict[str, Any]]:
    """The run's quarantined rows, in file order."""
    rows = conn.execute(
        select(
            quarantine.c.row_number,
            quarantine.c.column,
            quarantine.c.value,
            quarantine.c.reason,
            quarantine.c.raw,
        )
        .where(quarantine.c.import_run_id == run_id)
        .order_by(quarantine.c.row_number, quarantine.c.id)
    ).mappings()
    return [dict(r) for r in rows]


def rejected_path(source: Path, rejected_dir: Path | None) -> tuple[Path, str | None]:
    """Where the `.rejected.csv` goes: beside the input, else --rejected-dir, else the current directory."""
    name = source.name[: -len(source.suffix)] if source.suffix else source.name
    filename = f"{name}.rejected.csv"
    if rejected_dir is not None:
        return rejected_dir / filename, None
    # root passes os.access on a folder without write bits; the bits are what the owner meant
    if os.access(source.parent, os.W_OK) and source.parent.stat().st_mode & 0o222:
        return source.parent / filename, None
    return (
        Path.cwd() / filename,
        f"{source.parent} is read-only, so the rejected rows went to the current directory",
    )


def write_rejected(path: Path, rows: Sequence[Mapping[str, Any]], header: Sequence[str]) -> None:
    """One line per problem: row, column, value, reason, then the original columns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow([*REJECTED_COLUMNS, *header])
        for r in rows:
            raw = r.get("raw") or {}
            out.writerow(
                [
                    r["row_number"],
                    r["column"] or "",
                    r["value"] or "",
                    r["reason"],
                    *("" if raw.get(h) is None else raw.get(h) for h in header),
                ]
            )
