"""Predictive scoring on the store: learn P(reach SQL or won) from history, write it onto open leads."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import bindparam, inspect, update

from leadflow.errors import ModelError
from leadflow.ml.history import (
    DATE_COLUMN,
    ID_COLUMN,
    HistoryFrame,
    HistorySpec,
    feature_columns,
    open_lead_frame,
    training_frame,
)
from leadflow.ml.scoring import load_model, save_model, score_leads
from leadflow.ml.training import TrainedModel, TrainingOptions, train
from leadflow.services.context import Context
from leadflow.store.engine import reading, transaction
from leadflow.store.tables import persons

UPDATE_BATCH = 5_000


@dataclass(frozen=True)
class StoreTraining:
    """A model trained from the store's history and the files written for it."""

    model: TrainedModel
    history: HistoryFrame
    written: tuple[Path, ...]


@dataclass(frozen=True)
class StoreScoring:
    """What scoring the open leads wrote: how many, the as-of time and the model's outcome."""

    scored: int
    as_of: datetime
    outcome: str
    mean_probability: float


def history_frame(ctx: Context, spec: HistorySpec) -> HistoryFrame:
    """The store's leads as a learning table (as_of defaults to the context clock's now)."""
    spec = spec if spec.as_of is not None else replace(spec, as_of=ctx.clock.now())
    _require_store(ctx)
    with reading(ctx.engine) as conn:
        return training_frame(conn, ctx.playbook.model, spec)


def train_from_store(
    ctx: Context, out_dir: Path, spec: HistorySpec, options: TrainingOptions | None = None
) -> StoreTraining:
    """Build the table from the store, train with the guard and a time-ordered split, save model and card."""
    history = history_frame(ctx, spec)
    frame = feature_columns(history.frame)
    options = replace(options or TrainingOptions(), id_column=ID_COLUMN, date_column=DATE_COLUMN)
    model = train(frame, history.spec.outcome_column, options, ctx.clock)
    summary = history.summary()
    model.card["history"] = summary
    model.card["data"]["source"] = "store"
    model.card["training_window"].update(
        {
            "as_of": summary["as_of"],
            "observation_window_days": summary["observation_window_days"],
            "horizon_days": summary["horizon_days"],
            "censored_rows": summary["censored"],
            "reached_before_window_closed": summary["reached_before_window_closed"],
        }
    )
    return StoreTraining(model, history, tuple(save_model(model, out_dir)))


def score_open_leads(ctx: Context, model_dir: Path, as_of: datetime | None = None) -> StoreScoring:
    """Score every open lead with a store-trained model; persons.model_probability, one transaction."""
    model = load_model(model_dir)
    spec = _spec_of(model, as_of or ctx.clock.now())
    _require_store(ctx)
    with reading(ctx.engine) as conn:
        frame = open_lead_frame(conn, ctx.playbook.model, spec)
    for column in model.features:
        if column not in frame.columns and column.startswith(("n_type_", "n_channel_")):
            frame[column] = 0.0  # an activity type or channel nobody used in these leads' windows
    rows: list[dict[str, Any]] = []
    mean = 0.0
    if len(frame):
        scored = score_leads(model, frame, reasons=0)
        # score_leads rounds to 4 decimals; a stored 0.0 or 1.0 would read as "impossible" or "certain".
        probability = np.clip(scored["probability"].to_numpy(dtype=float), 1e-4, 1 - 1e-4)
        ids = frame[ID_COLUMN].to_numpy(dtype=np.int64)
        rows = [{"pid": int(i), "p": float(v)} for i, v in zip(ids, probability, strict=True)]
        mean = float(probability.mean())
    statement = (
        update(persons).where(persons.c.id == bindparam("pid")).values(model_probability=bindparam("p"))
    )
    with transaction(ctx.engine) as conn:
        for start in range(0, len(rows), UPDATE_BATCH):
            conn.execute(statement, rows[start : start + UPDATE_BATCH])
    return StoreScoring(len(rows), spec.as_of or ctx.clock.now(), spec.outcome_column, mean)


def _require_store(ctx: Context) -> None:
    if not inspect(ctx.engine).has_table("persons"):
        raise ModelError(
            "the database holds no LeadFlow store (no persons table)",
            where=ctx.engine.url.render_as_string(hide_password=True),
            hint="check --db; create the store with `leadflow init` and import or simulate history first",
        )


def _spec_of(model: TrainedModel, as_of: datetime) -> HistorySpec:
    history = model.card.get("history")
    if not isinstance(history, dict) or history.get("source") != "store":
        raise ModelError(
            "this model was trained from a file, not from the store",
            where="--model",
            hint="train one with: leadflow model train --from-store --out DIR",
        )
    return HistorySpec(
        outcome=str(history["outcome"]),
        window=timedelta(days=float(history["observation_window_days"])),
        horizon=timedelta(days=float(history["horizon_days"])),
        as_of=as_of,
    )
