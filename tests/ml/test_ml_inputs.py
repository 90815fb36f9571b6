"""Bad input raises ModelError naming the column; files in any delimiter and encoding are read alike."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from leadflow.errors import ModelError
from leadflow.ml import TrainingOptions, evaluate
from leadflow.ml.dataset import default_outcome, prepare
from leadflow.ml.table import read_lead_table

Factory = Callable[..., pd.DataFrame]


def _error(frame: pd.DataFrame, outcome: str, **options: object) -> ModelError:
    with pytest.raises(ModelError) as caught:
        evaluate(frame, outcome, TrainingOptions(**options))  # type: ignore[arg-type]
    return caught.value


def test_missing_outcome_column_is_named(make_leads: Factory) -> None:
    error = _error(make_leads(), "won")
    assert "'won'" in error.message and "won" in error.where
    assert error.hint and error.code == "LF080"


def test_no_outcome_and_no_converted_column_asks_for_one(make_leads: Factory) -> None:
    with pytest.raises(ModelError) as caught:
        default_outcome(make_leads(), None)
    assert "--outcome" in caught.value.hint
    frame = make_leads().rename(columns={"converted": "Converted"})
    assert default_outcome(frame, None) == "Converted"


def test_constant_outcome_is_refused(make_leads: Factory) -> None:
    frame = make_leads().assign(converted=1)
    error = _error(frame, "converted")
    assert "only one value" in error.message and "converted" in error.where


def test_too_few_rows(make_leads: Factory) -> None:
    error = _error(make_leads(n=40), "converted")
    assert "40 labelled rows" in error.message and "converted" in error.where


def test_too_few_of_one_class(make_leads: Factory) -> None:
    frame = make_leads(n=300)
    positives = frame.index[frame["converted"] == 1]
    frame.loc[positives[5:], "converted"] = 0
    error = _error(frame, "converted")
    assert "5 positive" in error.message and "converted" in error.where


def test_outcome_that_is_not_binary_names_column_row_and_value(make_leads: Factory) -> None:
    frame = make_leads().astype({"converted": object})
    frame.loc[3, "converted"] = "maybe"
    error = _error(frame, "converted")
    assert "'maybe'" in error.message and "converted" in error.message
    assert "row 5" in error.where


def test_outcome_words_are_understood(make_leads: Factory) -> None:
    frame = make_leads()
    frame["converted"] = np.where(frame["converted"] == 1, " Yes", "no")
    frame.loc[0, "converted"] = "TRUE"
    frame.loc[1, "converted"] = ""  # an open lead: left out of training and counted
    data = prepare(frame, "converted")
    assert data.unlabelled_rows == 1
    assert set(np.unique(data.outcome)) == {0, 1}


def test_date_column_that_is_not_dates(make_leads: Factory) -> None:
    frame = make_leads()
    error = _error(frame, "converted", date_column="source")
    assert "source" in error.message and "not dates" in error.message and "source" in error.where


def test_numeric_column_with_stray_text(make_leads: Factory) -> None:
    frame = make_leads().astype({"minutes_on_site": object})
    frame.loc[10, "minutes_on_site"] = "ten"
    error = _error(frame, "converted")
    assert "minutes_on_site" in error.message and "'ten'" in error.message and "row" in error.where


def test_unknown_excluded_and_allowed_columns_are_named(make_leads: Factory) -> None:
    assert "nope" in _error(make_leads(), "converted", exclude=("nope",)).where
    assert "nope" in _error(make_leads(), "converted", allow_leaky=("nope",)).where
    assert "gbm" in _error(make_leads(), "converted", algorithm="forest").hint


def test_placeholders_blanks_and_case_are_normalised(make_leads: Factory) -> None:
    data = prepare(make_leads(), "converted", id_column="lead_id", date_column="created")
    sources = set(data.features["source"].dropna())
    assert sources == {"referral", "google", "direct"}  # 'Google'/'google' merged, 'Select' is missing
    assert data.features["source"].isna().sum() > 0
    assert "lead_id" not in data.features and "created" not in data.features


def test_identifier_and_constant_columns_are_dropped(make_leads: Factory) -> None:
    frame = make_leads().assign(**{"Lead Number": range(600), "always": "x"})
    data = prepare(frame, "converted")
    reasons = {d.column: d.reason for d in data.dropped}
    assert reasons["Lead Number"].startswith("identifier")
    assert reasons["lead_id"].startswith("identifier")
    assert reasons["always"].startswith("constant")


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [(",", "utf-8"), (";", "utf-8-sig"), ("\t", "latin-1"), ("|", "utf-8")],
)
def test_csv_delimiters_and_encodings(tmp_path: Path, delimiter: str, encoding: str) -> None:
    text = delimiter.join(["id", "city", "note", "converted"]) + "\n"
    text += delimiter.join(["1", "Zürich", '"a, b"', "1"]) + "\n"
    text += delimiter.join(["2", "Köln", "plain", "0"]) + "\n"
    path = tmp_path / "leads.csv"
    path.write_bytes(text.encode(encoding))
    frame = read_lead_table(path)
    assert list(frame.columns) == ["id", "city", "note", "converted"]
    assert frame.loc[0, "city"] == "Zürich" and frame.loc[1, "city"] == "Köln"
    assert frame.loc[0, "note"] == "a, b"
    assert frame["converted"].tolist() == [1.0, 0.0]


def test_parquet_reads_like_csv(tmp_path: Path, make_leads: Factory) -> None:
    frame = make_leads()
    frame.to_parquet(tmp_path / "leads.parquet")
    frame.to_csv(tmp_path / "leads.csv", index=False)
    from_parquet = prepare(read_lead_table(tmp_path / "leads.parquet"), "converted")
    from_csv = prepare(read_lead_table(tmp_path / "leads.csv"), "converted")
    assert list(from_parquet.features.columns) == list(from_csv.features.columns)
    assert (from_parquet.outcome == from_csv.outcome).all()


def test_missing_file_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as caught:
        read_lead_table(tmp_path / "nope.csv")
    assert "nope.csv" in caught.value.where


def test_time_split_with_one_outcome_in_the_newest_leads(make_leads: Factory) -> None:
    frame = make_leads().sort_values("created").reset_index(drop=True)
    frame.loc[len(frame) - 150 :, "converted"] = 0
    error = _error(frame, "converted", date_column="created")
    assert "newest 20 %" in error.message and "created" in error.where


def test_decimal_comma_with_semicolons(tmp_path: Path) -> None:
    path = tmp_path / "eu.csv"
    path.write_text("minutes;converted\n1,5;1\n2;0\n", encoding="utf-8")
    assert read_lead_table(path)["minutes"].tolist() == [1.5, 2.0]
