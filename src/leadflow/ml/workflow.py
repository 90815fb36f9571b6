"""File-to-model flows the CLI calls: train a model from a file, evaluate it, score a file of leads."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd

from leadflow.clock import Clock
from leadflow.errors import ModelError
from leadflow.ml.dataset import default_outcome
from leadflow.ml.scoring import load_model, save_model, score_leads
from leadflow.ml.table import file_fingerprint, read_lead_table
from leadflow.ml.training import (
    Checked,
    Evaluation,
    TrainedModel,
    TrainingOptions,
    check,
    evaluate_checked,
    train,
)


@dataclass(frozen=True)
class TrainingRun:
    """A model trained from a file and the files written for it."""

    model: TrainedModel
    written: tuple[Path, ...]


def train_file(
    path: Path,
    out_dir: Path,
    outcome: str | None,
    options: TrainingOptions,
    clock: Clock,
    dictionary: Path | None,
) -> TrainingRun:
    """Read the table, train with the guard on, and write model.joblib, card.json and card.html."""
    frame = read_lead_table(path)
    options = _with_descriptions(options, dictionary)
    model = train(frame, default_outcome(frame, outcome), options, clock, fingerprint=file_fingerprint(path))
    model.card["data"]["source"] = path.name
    return TrainingRun(model, tuple(save_model(model, out_dir)))


def evaluate_file(
    path: Path, outcome: str | None, options: TrainingOptions, dictionary: Path | None
) -> tuple[Checked, Evaluation]:
    """Read the table, run the checks and the guard, and measure the model out of sample."""
    frame = read_lead_table(path)
    options = _with_descriptions(options, dictionary)
    checked = check(frame, default_outcome(frame, outcome), options)
    return checked, evaluate_checked(checked, options)


def score_file(path: Path, model_dir: Path, out_path: Path) -> pd.DataFrame:
    """Score every lead of a file with a saved model and write probability + top 3 reasons as CSV."""
    model = load_model(model_dir)
    scored = score_leads(model, read_lead_table(path))
    out_path.parent.mkdir(parents=True, exist_ok=True)
    scored.to_csv(out_path, index=False)
    return scored


def read_descriptions(path: Path) -> dict[str, str]:
    """Column descriptions from a data dictionary: a CSV or an .xlsx with name and description columns."""
    if not path.exists():
        raise ModelError(f"data dictionary not found: {path}", where=str(path), hint="check the path")
    rows = _xlsx_rows(path) if path.suffix.lower() == ".xlsx" else _csv_rows(path)
    out: dict[str, str] = {}
    for row in rows:
        cells = [c.strip() for c in row if c and c.strip()]
        is_header = not out and "description" in cells[1].lower() if len(cells) >= 2 else False
        if len(cells) >= 2 and not is_header:
            out[cells[0]] = cells[1]
    return out


def _with_descriptions(options: TrainingOptions, dictionary: Path | None) -> TrainingOptions:
    if dictionary is None:
        return options
    return replace(options, descriptions={**read_descriptions(dictionary), **options.descriptions})


def _csv_rows(path: Path) -> list[list[str]]:
    frame = read_lead_table(path)
    header = [str(c) for c in frame.columns]
    return [header] + [["" if v is None else str(v) for v in row] for row in frame.itertuples(index=False)]


def _xlsx_rows(path: Path) -> list[list[str]]:
    """The first sheet of an .xlsx as rows of text (a small reader, so no spreadsheet package is needed)."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    try:
        with zipfile.ZipFile(path) as book:
            shared: list[str] = []
            if "xl/sharedStrings.xml" in book.namelist():
                root = ElementTree.fromstring(book.read("xl/sharedStrings.xml"))
                shared = [
                    "".join(t.text or "" for t in si.iter(f"{{{ns['m']}}}t"))
                    for si in root.findall("m:si", ns)
                ]
            sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as exc:
        raise ModelError(f"cannot read {path.name}: {exc}", where=str(path), hint="save it as CSV") from exc
    rows: list[list[str]] = []
    for row in sheet.iter(f"{{{ns['m']}}}row"):
        cells: dict[int, str] = {}
        for cell in row.findall("m:c", ns):
            value = cell.find("m:v", ns)
            inline = cell.find("m:is", ns)
            text = value.text or "" if value is not None else ""
            if cell.get("t") == "s" and text:
                text = shared[int(text)]
            elif inline is not None:
                text = "".join(t.text or "" for t in inline.iter(f"{{{ns['m']}}}t"))
            cells[_column_number(cell.get("r", "A1"))] = text
        rows.append([cells.get(i, "") for i in range(max(cells, default=-1) + 1)])
    return rows


def _column_number(reference: str) -> int:
    letters = re.match(r"[A-Z]+", reference.upper())
    number = 0
    for char in letters.group(0) if letters else "A":
        number = number * 26 + ord(char) - 64
    return number - 1
