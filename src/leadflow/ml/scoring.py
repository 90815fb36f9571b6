"""Scoring new leads with a trained model: calibrated probability and the top reasons for each lead."""

from __future__ import annotations

from pathlib import Path

import joblib  # type: ignore[import-untyped]
import numpy as np
import pandas as pd

from leadflow.errors import ModelError
from leadflow.ml.card import write_card
from leadflow.ml.dataset import normalise_features
from leadflow.ml.training import TrainedModel

MODEL_FILE = "model.joblib"


def score_leads(model: TrainedModel, frame: pd.DataFrame, reasons: int = 3) -> pd.DataFrame:
    """One row per lead: id (when the model has one), probability and its top reasons in words."""
    missing = [c for c in model.features if c not in frame.columns]
    if missing:
        raise ModelError(
            f"the table lacks {len(missing)} column(s) the model needs: {', '.join(missing[:10])}",
            where="columns " + ", ".join(f"'{c}'" for c in missing[:10]),
            hint="score a table with the same columns as the training file (blank values are fine)",
        )
    features = normalise_features(frame.loc[:, list(model.features)].reset_index(drop=True))
    for column, kind in model.kinds.items():
        if features[column].isna().all():
            features[column] = np.nan if kind == "numeric" else None
            features[column] = features[column].astype(float if kind == "numeric" else object)
        if kind == "numeric" and not pd.api.types.is_numeric_dtype(features[column]):
            raise ModelError(
                f"column '{column}' was numeric in training but holds text here",
                where=f"column {column}",
                hint="fix the values or re-train the model",
            )
        if kind == "categorical" and pd.api.types.is_numeric_dtype(features[column]):
            features[column] = features[column].map(_number_text).astype(object)
    probability = model.scorer.probability(features)
    contributions, _ = model.scorer.contributions(features)
    out = pd.DataFrame(index=features.index)
    if model.id_column and model.id_column in frame.columns:
        out[model.id_column] = frame[model.id_column].reset_index(drop=True).astype(str)
    out["probability"] = np.round(probability, 4)
    texts = _reason_texts(features, contributions, reasons)
    for rank in range(reasons):
        out[f"reason_{rank + 1}"] = [row[rank] if rank < len(row) else "" for row in texts]
    return out


def save_model(model: TrainedModel, directory: Path) -> list[Path]:
    """Write model.joblib, card.json and card.html into directory; the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / MODEL_FILE
    joblib.dump(model, path)
    json_path, html_path = write_card(model.card, directory)
    return [path, json_path, html_path]


def load_model(directory: Path) -> TrainedModel:
    """The model saved in directory (only load model files you wrote yourself: joblib runs pickle)."""
    path = directory / MODEL_FILE if directory.is_dir() else directory
    if not path.exists():
        raise ModelError(
            f"no model found at {path}",
            where=str(path),
            hint="train one first: leadflow model train FILE --out DIR",
        )
    model = joblib.load(path)
    if not isinstance(model, TrainedModel):
        raise ModelError(
            f"{path} is not a LeadFlow model", where=str(path), hint="train a model with leadflow"
        )
    return model


def _reason_texts(features: pd.DataFrame, contributions: pd.DataFrame, top: int) -> list[list[str]]:
    values = contributions.to_numpy()
    columns = list(contributions.columns)
    order = np.argsort(-np.abs(values), axis=1)[:, :top]
    texts: list[list[str]] = []
    shown = features.loc[:, columns]
    for row, picks in enumerate(order):
        texts.append(
            [
                f"{columns[j]} = {_shown(shown.iat[row, j])} ({values[row, j]:+.2f})"
                for j in picks
                if abs(values[row, j]) > 1e-9
            ]
        )
    return texts


def _shown(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "(blank)"
    return str(_number_text(value))


def _number_text(value: object) -> object:
    if isinstance(value, float) and not np.isnan(value):
        return str(int(value)) if value.is_integer() else f"{value:g}"
    return None if isinstance(value, float) else value
