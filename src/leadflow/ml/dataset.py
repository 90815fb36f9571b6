"""A lead table checked and normalised for learning: outcome as 0/1, features cleaned, ids and dates aside."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from leadflow.errors import ModelError
from leadflow.ml.table import is_missing_text

MIN_ROWS = 50
MIN_PER_CLASS = 10
DEFAULT_OUTCOME = "Converted"
_TRUE = frozenset({"1", "1.0", "yes", "y", "true", "t", "won", "converted"})
_FALSE = frozenset({"0", "0.0", "no", "n", "false", "f", "lost", "not converted"})
_DATE_LIKE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}([t ]\d|$)|^\d{1,2}[/.]\d{1,2}[/.]\d{2,4}( \d|$)")
_ID_NAME = re.compile(r"(^|[\s_\-])(id|ids|uuid|guid|key|number|no|nr|num)$|^id[\s_\-]", re.IGNORECASE)


@dataclass(frozen=True)
class DroppedColumn:
    """A column that is not used as a feature, and why."""

    column: str
    reason: str


@dataclass(frozen=True)
class LeadData:
    """Labelled leads ready to learn from: normalised features, 0/1 outcome, optional ids and dates."""

    features: pd.DataFrame
    outcome: np.ndarray
    outcome_name: str
    kinds: dict[str, str]
    ids: pd.Series | None
    dates: pd.Series | None
    dropped: tuple[DroppedColumn, ...]
    unlabelled_rows: int
    set_aside: pd.DataFrame | None = None

    def with_set_aside(self) -> LeadData:
        """Features plus the columns excluded on request, so the guard can still report on them."""
        if self.set_aside is None or self.set_aside.empty:
            return self
        return replace(self, features=pd.concat([self.features, self.set_aside], axis=1), set_aside=None)

    @property
    def positives(self) -> int:
        """How many leads reached the outcome."""
        return int(self.outcome.sum())


def default_outcome(frame: pd.DataFrame, outcome: str | None) -> str:
    """The outcome column to use: the one asked for, else `Converted` when present."""
    if outcome:
        return outcome
    if DEFAULT_OUTCOME in frame.columns:
        return DEFAULT_OUTCOME
    raise ModelError(
        f"no outcome column given and the table has no '{DEFAULT_OUTCOME}' column",
        where="outcome",
        hint=f"pass --outcome COLUMN; columns are: {', '.join(map(str, frame.columns[:20]))}",
    )


def prepare(
    frame: pd.DataFrame,
    outcome: str,
    id_column: str | None = None,
    date_column: str | None = None,
    exclude: Sequence[str] = (),
) -> LeadData:
    """Check the table (outcome, sizes, parseable columns) and split it into features, outcome, ids, dates."""
    for role, name in (("outcome", outcome), ("id", id_column), ("date", date_column)):
        if name is not None and name not in frame.columns:
            raise ModelError(
                f"the {role} column '{name}' is not in the table",
                where=f"column {name}",
                hint=f"pick one of: {', '.join(map(str, frame.columns[:30]))}",
            )
    for name in exclude:
        if name not in frame.columns:
            raise ModelError(
                f"cannot exclude unknown column '{name}'", where=f"column {name}", hint="check the name"
            )
    frame = frame.reset_index(drop=True)
    labels = parse_outcome(frame[outcome], outcome)
    labelled = ~np.isnan(labels)
    unlabelled = int((~labelled).sum())
    frame = frame.loc[labelled].reset_index(drop=True)
    y = labels[labelled].astype(int)
    _check_sizes(y, outcome)
    dates = parse_dates(frame[date_column], date_column) if date_column else None
    ids = frame[id_column].astype(str) if id_column else None
    features = normalise_features(frame.drop(columns=[c for c in (outcome, id_column, date_column) if c]))
    dropped = []
    for name in list(features.columns):
        reason = _unusable(features[name], name)
        if reason:
            dropped.append(DroppedColumn(name, reason))
            features = features.drop(columns=[name])
    aside = [c for c in exclude if c in features.columns]
    dropped.extend(DroppedColumn(c, "excluded on request") for c in aside)
    set_aside = features.loc[:, aside]
    features = features.drop(columns=aside)
    if features.shape[1] == 0:
        raise ModelError(
            "no usable feature columns are left", where="table", hint="check --exclude and the file"
        )
    both = pd.concat([features, set_aside], axis=1)
    kinds = {c: ("numeric" if pd.api.types.is_numeric_dtype(both[c]) else "categorical") for c in both}
    return LeadData(features, y, outcome, kinds, ids, dates, tuple(dropped), unlabelled, set_aside)


def parse_outcome(series: pd.Series, column: str) -> np.ndarray:
    """The outcome as floats 1.0/0.0 (NaN when blank); anything but 0/1/yes/no/true/false is an error."""
    out = np.full(len(series), np.nan)
    for row, value in enumerate(series.tolist()):
        if is_missing_text(value):
            continue
        text = str(value).strip().lower()
        if isinstance(value, bool):
            out[row] = float(value)
        elif text in _TRUE:
            out[row] = 1.0
        elif text in _FALSE:
            out[row] = 0.0
        else:
            raise ModelError(
                f"the outcome column '{column}' holds '{value}', which is not 0/1, yes/no or true/false",
                where=f"column {column}, row {row + 2}",
                hint="map the outcome to 1 (reached) and 0 (not reached), or pick another --outcome column",
            )
    return out


def parse_dates(series: pd.Series, column: str) -> pd.Series:
    """Dates of a column; an error naming the column when more than 2 % of filled values are not dates."""
    filled = series[~series.map(is_missing_text)]
    if pd.api.types.is_datetime64_any_dtype(series):
        return pd.to_datetime(series, utc=True)
    parsed = pd.to_datetime(filled.astype(str), errors="coerce", utc=True, format="mixed")
    bad = parsed.isna()
    if len(filled) == 0 or bad.mean() > 0.02 or pd.api.types.is_numeric_dtype(series):
        sample = filled[bad].head(3).tolist() if len(filled) else []
        raise ModelError(
            f"the date column '{column}' is not dates"
            f" (unreadable values: {sample or 'all blank or numbers'})",
            where=f"column {column}",
            hint="give ISO dates such as 2024-03-01, or drop --date to use cross-validation instead",
        )
    return pd.to_datetime(
        series.where(~series.map(is_missing_text)).astype(object), errors="coerce", utc=True
    )


def normalise_features(frame: pd.DataFrame) -> pd.DataFrame:
    """Text trimmed and case-folded ('Google' == 'google'), placeholders ('Select', blanks) as missing."""
    out: dict[str, pd.Series] = {}
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
            out[str(name)] = column.astype(float)
        else:
            text = column.astype(object).map(_clean_text)
            filled = text.dropna()
            numbers = pd.to_numeric(filled, errors="coerce")
            if len(filled) and numbers.notna().all():
                out[str(name)] = pd.to_numeric(text, errors="coerce").astype(float)
            else:
                _check_mostly_numeric(filled, numbers, str(name))
                out[str(name)] = text
    return pd.DataFrame(out, index=frame.index)


def _clean_text(value: object) -> str | None:
    if is_missing_text(value):
        return None
    return " ".join(str(value).split()).casefold()


def _check_mostly_numeric(filled: pd.Series, numbers: pd.Series, name: str) -> None:
    if len(filled) < 20 or numbers.notna().mean() < 0.95:
        return
    bad = filled[numbers.isna()]
    rows = ", ".join(str(int(i) + 2) for i in bad.index[:3])
    raise ModelError(
        f"column '{name}' is numeric except for values such as '{bad.iloc[0]}'",
        where=f"column {name}, rows {rows}",
        hint=f"fix those cells, or leave the column out with --exclude '{name}'",
    )


def _check_sizes(y: np.ndarray, outcome: str) -> None:
    positives, total = int(y.sum()), len(y)
    if total and positives in (0, total):
        raise ModelError(
            f"the outcome column '{outcome}' has only one value"
            f" ({'1' if positives else '0'}) in every labelled row",
            where=f"column {outcome}",
            hint="a model needs leads that reached the outcome and leads that did not",
        )
    if total < MIN_ROWS:
        raise ModelError(
            f"only {total} labelled rows in '{outcome}'; at least {MIN_ROWS} are needed",
            where=f"column {outcome}",
            hint="add more leads with a known outcome",
        )
    if min(positives, total - positives) < MIN_PER_CLASS:
        raise ModelError(
            f"the outcome column '{outcome}' has {positives} positive and {total - positives} negative rows;"
            f" at least {MIN_PER_CLASS} of each are needed",
            where=f"column {outcome}",
            hint="add more leads of the rare outcome, or choose a more common outcome",
        )


def _unusable(column: pd.Series, name: str) -> str:
    filled = column.dropna()
    if filled.nunique() <= 1 and (column.isna().all() or column.notna().all()):
        return "constant (one value in every row)"
    if filled.empty:
        return "always blank"
    unique_share = filled.nunique() / len(column)
    if _ID_NAME.search(name.strip()) and unique_share >= 0.95:
        return "identifier (unique per row)"
    if pd.api.types.is_numeric_dtype(column):
        return ""
    sample = filled.astype(str).head(200)
    if sample.str.match(_DATE_LIKE).all():
        return "a date (pass it as --date for a time-ordered split)"
    if unique_share >= 0.5 and filled.nunique() > 50:
        return "identifier or free text (mostly unique values)"
    return ""
