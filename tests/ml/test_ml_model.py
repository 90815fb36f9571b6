"""Training, explanations, model card and scoring, on Leads.csv and on leads with known drivers."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from leadflow.clock import FrozenClock
from leadflow.ml import TrainedModel, TrainingOptions, load_model, save_model, score_leads, train
from leadflow.ml.card import REQUIRED_SECTIONS
from leadflow.ml.dataset import normalise_features

Factory = Callable[..., pd.DataFrame]
CLOCK = FrozenClock(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))


def test_leads_without_leaks_reaches_target_auc(leads_model: TrainedModel) -> None:
    evaluation = leads_model.card["evaluation"]
    assert evaluation["scheme"] == "stratified 5-fold cross-validation"
    assert len(evaluation["roc_auc_folds"]) == 5
    assert evaluation["roc_auc"] >= 0.88
    assert not {"Tags", "Lead Quality", "Lead Profile", "Prospect ID", "Lead Number"} & set(
        leads_model.features
    )


def test_logistic_contributions_add_up_to_the_logit(
    leads_model: TrainedModel, leads_frame: pd.DataFrame
) -> None:
    features = normalise_features(leads_frame.loc[:200, list(leads_model.features)])
    contributions, start = leads_model.scorer.contributions(features)
    assert list(contributions.columns) == list(leads_model.features)
    logit = leads_model.scorer.logit(features)
    np.testing.assert_allclose(start + contributions.sum(axis=1).to_numpy(), logit, atol=1e-8)


def test_synthetic_drivers_are_the_top_features(make_leads: Factory) -> None:
    model = train(make_leads(n=1500), "converted", TrainingOptions(id_column="lead_id"), CLOCK)
    top = [row["column"] for row in model.card["top_features"][:2]]
    assert set(top) == {"minutes_on_site", "source"}
    assert model.card["evaluation"]["roc_auc"] > 0.8
    dropped = {d["column"]: d["reason"] for d in model.card["features"]["dropped"]}
    assert dropped["created"].startswith("a date")  # not declared with --date: set aside, not a category


def test_gbm_recovers_the_drivers_too(make_leads: Factory) -> None:
    options = TrainingOptions(id_column="lead_id", algorithm="gbm", folds=3)
    model = train(make_leads(n=1200), "converted", options, CLOCK)
    assert model.card["algorithm"]["name"] == "gbm"
    assert "isotonic" in model.card["algorithm"]["calibration"]
    top = [row["column"] for row in model.card["top_features"][:2]]
    assert set(top) == {"minutes_on_site", "source"}
    # Ablation contributions point the right way: long visits push up, short ones down.
    features = normalise_features(make_leads(n=1200).loc[:, list(model.features)])
    contributions, _ = model.scorer.contributions(features)
    minutes = features["minutes_on_site"]
    assert contributions.loc[minutes > 45, "minutes_on_site"].mean() > 0.5
    assert contributions.loc[minutes < 8, "minutes_on_site"].mean() < -0.5


def test_time_ordered_split_reports_dates(make_leads: Factory) -> None:
    options = TrainingOptions(id_column="lead_id", date_column="created")
    model = train(make_leads(n=800), "converted", options, CLOCK)
    window = model.card["training_window"]
    assert window["kind"] == "dates" and window["train_to"] <= window["test_from"]
    assert window["train_rows"] == 640 and window["test_rows"] == 160
    assert model.card["evaluation"]["scheme"].startswith("time-ordered")


def test_card_files_hold_every_section(make_leads: Factory, tmp_path: Path) -> None:
    model = train(make_leads(), "converted", TrainingOptions(id_column="lead_id"), CLOCK)
    written = save_model(model, tmp_path / "model")
    assert sorted(p.name for p in written) == ["card.html", "card.json", "model.joblib"]
    card = json.loads((tmp_path / "model" / "card.json").read_text())
    for section in REQUIRED_SECTIONS:
        assert section in card, section
    assert card["created_at"] == "2026-03-02T10:00:00+00:00"
    assert len(card["lift_by_decile"]) == 10 and len(card["calibration"]) == 10
    assert card["lift_by_decile"][-1]["cumulative_capture"] == 1.0
    assert card["class_balance"]["positive"] + card["class_balance"]["negative"] == 600
    assert len(card["data"]["fingerprint"]) == 64
    html = (tmp_path / "model" / "card.html").read_text()
    for heading in (
        "Algorithm",
        "Evaluation",
        "Lift and capture by decile",
        "Calibration",
        "Top features",
        "Training window",
        "Class balance",
        "Leakage guard",
        "Data",
    ):
        assert f"<h2>{heading}</h2>" in html
    assert "http://" not in html and "https://" not in html and "<script" not in html


def test_scoring_gives_probability_and_three_reasons(make_leads: Factory, tmp_path: Path) -> None:
    frame = make_leads()
    model = train(frame, "converted", TrainingOptions(id_column="lead_id"), CLOCK)
    save_model(model, tmp_path)
    loaded = load_model(tmp_path)
    new = frame.drop(columns=["converted"]).head(20)
    new.loc[0, "source"] = "Podcast"  # a level never seen in training
    scored = score_leads(loaded, new)
    assert list(scored.columns) == ["lead_id", "probability", "reason_1", "reason_2", "reason_3"]
    assert scored["probability"].between(0, 1).all()
    assert scored["lead_id"].tolist() == new["lead_id"].tolist()
    assert scored["reason_1"].str.contains(r" = .+ \([+-]\d", regex=True).all()
    probabilities = model.scorer.probability(normalise_features(new.loc[:, list(model.features)]))
    np.testing.assert_allclose(scored["probability"], np.round(probabilities, 4))


def test_leads_card_top_features_are_pre_outcome(leads_model: TrainedModel) -> None:
    top = [row["column"] for row in leads_model.card["top_features"][:5]]
    assert "Total Time Spent on Website" in top
    guard = leads_model.card["leakage_guard"]
    leaks = {f["column"]: f for f in guard["findings"] if f["severity"] == "leak"}
    assert set(leaks) == {"Tags", "Lead Quality", "Lead Profile"}  # excluded up front, still explained
    assert not any(f["used_in_model"] for f in leaks.values())
    dropped = {d["column"] for d in leads_model.card["features"]["dropped"]}
    assert {"Tags", "Lead Quality", "Lead Profile", "Lead Number", "Magazine"} <= dropped
