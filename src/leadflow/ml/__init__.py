"""Predictive lead scoring: features, training, evaluation, model card and leakage guard.

The entry points take a pandas DataFrame and an outcome column, so any source (a file today, the store
tomorrow) can feed them: `train(frame, outcome, options) -> TrainedModel`, `evaluate(...)`,
`score_leads(model, frame)`.
"""

from leadflow.ml.leakage import LeakFinding, inspect_leakage
from leadflow.ml.scoring import load_model, save_model, score_leads
from leadflow.ml.training import Evaluation, TrainedModel, TrainingOptions, evaluate, leaking_columns, train

__all__ = [
    "Evaluation",
    "LeakFinding",
    "TrainedModel",
    "TrainingOptions",
    "evaluate",
    "inspect_leakage",
    "leaking_columns",
    "load_model",
    "save_model",
    "score_leads",
    "train",
]
