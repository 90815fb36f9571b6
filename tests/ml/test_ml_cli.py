"""`leadflow model train|evaluate|score` through Typer's CliRunner on a local app with register(app)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from leadflow.cli.model import register
from leadflow.errors import ModelError

Factory = Callable[..., pd.DataFrame]


@pytest.fixture
def app() -> typer.Typer:
    local = typer.Typer()
    register(local)
    return local


@pytest.fixture
def leads_csv(make_leads: Factory, tmp_path: Path) -> Path:
    path = tmp_path / "leads.csv"
    make_leads().to_csv(path, index=False, sep=";")
    return path


def test_train_then_score(app: typer.Typer, leads_csv: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "model"
    result = runner.invoke(
        app,
        ["model", "train", str(leads_csv), "--out", str(out), "--outcome", "converted", "--id", "lead_id"],
    )
    assert result.exit_code == 0, result.output
    assert "ROC AUC" in result.output and "Top features" in result.output
    assert {p.name for p in out.iterdir()} == {"model.joblib", "card.json", "card.html"}
    scored_path = tmp_path / "scored.csv"
    result = runner.invoke(
        app, ["model", "score", str(leads_csv), "--model", str(out), "--out", str(scored_path)]
    )
    assert result.exit_code == 0, result.output
    scored = pd.read_csv(scored_path)
    assert list(scored.columns) == ["lead_id", "probability", "reason_1", "reason_2", "reason_3"]
    assert len(scored) == 600


def test_evaluate_prints_cv_metrics(app: typer.Typer, leads_csv: Path) -> None:
    result = CliRunner().invoke(app, ["model", "evaluate", str(leads_csv), "--outcome", "converted"])
    assert result.exit_code == 0, result.output
    assert "stratified 5-fold cross-validation" in result.output
    assert "ROC AUC fold 5" in result.output and "PR AUC" in result.output


def test_leaky_column_is_refused_then_allowed(app: typer.Typer, make_leads: Factory, tmp_path: Path) -> None:
    frame = make_leads()
    frame["Lead status"] = np.where(frame["converted"] == 1, "Closed by Horizzon", "Ringing")
    path = tmp_path / "leaky.csv"
    frame.to_csv(path, index=False)
    runner = CliRunner()
    args = ["model", "train", str(path), "--out", str(tmp_path / "m"), "--outcome", "converted"]
    result = runner.invoke(app, args)
    assert isinstance(result.exception, ModelError)  # main.py turns it into one line and exit code 10
    assert "'Lead status'" in result.exception.where and result.exception.exit_code == 10
    result = runner.invoke(app, [*args, "--allow-leaky", "Lead status"])
    assert result.exit_code == 0, result.output


def test_missing_outcome_is_a_model_error(app: typer.Typer, leads_csv: Path) -> None:
    result = CliRunner().invoke(app, ["model", "evaluate", str(leads_csv)])
    assert isinstance(result.exception, ModelError)
    assert "--outcome" in result.exception.hint


def test_evaluate_with_a_date_column_uses_a_time_split(app: typer.Typer, leads_csv: Path) -> None:
    args = [
        "model",
        "evaluate",
        str(leads_csv),
        "--outcome",
        "converted",
        "--date",
        "created",
        "--id",
        "lead_id",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "time-ordered holdout" in result.output
