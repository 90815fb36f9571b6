"""Fixtures for predictive scoring: Leads.csv (skipped when ../shared/data is missing) and synthetic leads."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from leadflow.ml import TrainedModel, TrainingOptions, train
from leadflow.ml.table import read_lead_table

LEADS_CSV = Path(__file__).resolve().parents[3] / "shared" / "data" / "x-education-leads" / "Leads.csv"
LEAKS = ("Tags", "Lead Quality", "Lead Profile")


def leads_path() -> Path:
    """Leads.csv, or a skip (a failure under CI=true) when the shared data folder is missing."""
    if not LEADS_CSV.exists():
        message = f"{LEADS_CSV} is missing (public data in ../shared/data, not part of the project)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {message}")
        pytest.skip(message)
    return LEADS_CSV


@pytest.fixture(scope="session")
def leads_frame() -> pd.DataFrame:
    """The X Education lead table as read by the product."""
    return read_lead_table(leads_path())


@pytest.fixture(scope="session")
def leads_model(leads_frame: pd.DataFrame) -> TrainedModel:
    """Logistic model on Leads.csv with the guard's leaks left out (trained once per worker)."""
    return train(leads_frame, "Converted", TrainingOptions(id_column="Prospect ID", exclude=LEAKS))


def synthetic_leads(n: int = 600, seed: int = 7) -> pd.DataFrame:
    """Leads whose outcome depends only on `minutes_on_site` and `source`; the other columns are noise."""
    rng = np.random.default_rng(seed)
    minutes = rng.gamma(2.0, 10.0, n)
    levels = ["Referral", "Google", "google", "Direct", "Select"]
    source = rng.choice(levels, n, p=[0.25, 0.2, 0.1, 0.3, 0.15])
    logit = 0.12 * (minutes - 20) + np.where(source == "Referral", 2.2, -0.6)
    converted = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    days = rng.integers(0, 365, n)
    return pd.DataFrame(
        {
            "lead_id": [f"L{i:05d}" for i in range(n)],
            "created": (pd.Timestamp("2025-01-01") + pd.to_timedelta(days, unit="D")).strftime("%Y-%m-%d"),
            "minutes_on_site": np.round(minutes, 1),
            "source": source,
            "noise_number": rng.normal(0, 1, n),
            "noise_colour": rng.choice(["red", "green", "blue", ""], n),
            "converted": converted,
        }
    )


@pytest.fixture
def make_leads() -> Callable[..., pd.DataFrame]:
    """A factory of synthetic lead frames with two known drivers."""
    return synthetic_leads


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep the Leads.csv tests on one xdist worker (`--dist loadgroup`) so the model is trained once."""
    here = Path(__file__).resolve().parent
    for item in items:
        uses_leads = {"leads_frame", "leads_model"} & set(getattr(item, "fixturenames", ()))
        if uses_leads and here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.xdist_group("ml-leads"))
