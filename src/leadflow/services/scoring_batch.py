"""The batch path: score every person in one DuckDB query over the store, write back in bulk, then MQL."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from leadflow.domain.scoring.score import PersonScore
from leadflow.services.context import Context
from leadflow.services.lifecycle import find_person
from leadflow.services.scoring import model_for, mql_due, qualify_in, save_scores_in, scores_from_rows
from leadflow.services.scoring_sql import attach_store, duckdb_connection, scoring_query
from leadflow.store.engine import reading, transaction
from leadflow.store.tables import activities

CHUNK = 20_000


@dataclass(frozen=True)
class BatchRun:
    """What `score run` did."""

    as_of: datetime
    persons: int
    skipped: int
    mqls: int
    query_seconds: float
    write_seconds: float


def batch_scores(
    ctx: Context, as_of: datetime | None = None
) -> tuple[list[PersonScore], dict[int, tuple[str, datetime]]]:
    """Every person's score as of `as_of` (default: now) from the set-based query, with their stage."""
    model = model_for(ctx)
    now = as_of or ctx.clock.now()
    con = duckdb_connection()
    try:
        attach_store(con, ctx.engine)
        rows = con.execute(scoring_query(model, now)).fetchall()
    finally:
        con.close()
    stages = {r[0]: (r[2], r[3]) for r in rows}
    return scores_from_rows(model, rows, now), stages


def run_batch(ctx: Context) -> BatchRun:
    """Score the whole store as of now, save every score, and move those who meet the MQL rule."""
    from leadflow.services.scoring import as_utc

    model = model_for(ctx)
    now = ctx.clock.now()
    with reading(ctx.engine) as conn:
        last_seen = conn.execute(select(func.max(activities.c.id))).scalar() or 0
    started = time.perf_counter()
    scores, stages = batch_scores(ctx, now)
    query_seconds = time.perf_counter() - started
    started = time.perf_counter()
    with reading(ctx.engine) as conn:
        # Persons whose activities arrived after the read were rescored incrementally; keep those scores.
        newer = set(
            conn.execute(
                select(activities.c.person_id).where(activities.c.id > last_seen).distinct()
            ).scalars()
        )
    kept = [s for s in scores if s.person_id not in newer]
    for i in range(0, len(kept), CHUNK):
        with transaction(ctx.engine) as conn:
            save_scores_in(conn, ctx, kept[i : i + CHUNK])
    due = [
        s
        for s in kept
        if mql_due(ctx, model, s, stages[s.person_id][0], as_utc(stages[s.person_id][1]) or now)
    ]
    mqls = 0
    for i in range(0, len(due), 500):
        with transaction(ctx.engine) as conn:
            for score in due[i : i + 500]:
                if qualify_in(conn, ctx, score, find_person(conn, score.person_id)) is not None:
                    mqls += 1
    return BatchRun(
        now, len(kept), len(scores) - len(kept), mqls, query_seconds, time.perf_counter() - started
    )
