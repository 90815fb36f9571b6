"""Reading a lead table from CSV (any delimiter, UTF-8/BOM/Latin-1) or Parquet into a pandas frame."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import numpy as np
import pandas as pd

from leadflow.errors import ModelError

_DELIMITERS = ",;\t|"
_SNIFF_BYTES = 65536
_DECIMAL_COMMA = r"-?\d+(,\d+)?"  # '1,5' in files written with a European locale
# Values that mean "not filled in": real blanks and form placeholders such as the literal 'Select'.
MISSING_WORDS = frozenset({"", "select", "nan", "null", "none", "n/a", "na", "#n/a", "-"})


def read_lead_table(path: Path) -> pd.DataFrame:
    """A lead table from a CSV or Parquet file: text columns as Python strings, numbers as floats."""
    if not path.exists():
        raise ModelError(f"file not found: {path}", where=str(path), hint="check the path and try again")
    if path.suffix.lower() in {".parquet", ".pq"}:
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises many types for a bad file
            raise ModelError(
                f"cannot read Parquet file: {exc}", where=str(path), hint="export the table again"
            ) from exc
        return _normalise_dtypes(frame)
    raw = path.read_bytes()
    text = _decode(raw, path)
    delimiter = _sniff_delimiter(text[:_SNIFF_BYTES])
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False, skipinitialspace=False
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise ModelError(
            f"cannot parse CSV: {exc}", where=str(path), hint="check quoting and the delimiter of the file"
        ) from exc
    if frame.shape[1] < 2:
        raise ModelError(
            "the file has fewer than two columns",
            where=str(path),
            hint="use a comma, semicolon or tab delimiter",
        )
    # With ';' or tab as delimiter, '1,5' is a decimal comma; with ',' it could be a thousands separator.
    return _infer_numbers(frame, decimal_comma=delimiter != ",")


def file_fingerprint(path: Path) -> str:
    """SHA-256 of the file's bytes, so a model card names exactly the data it learned from."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def frame_fingerprint(frame: pd.DataFrame) -> str:
    """SHA-256 over column names and cell values, for frames that did not come from a file."""
    hashed = pd.util.hash_pandas_object(frame.astype(object), index=False).to_numpy()
    digest = hashlib.sha256("\x1f".join(map(str, frame.columns)).encode())
    digest.update(np.ascontiguousarray(hashed).tobytes())
    return digest.hexdigest()


def is_missing_text(value: object) -> bool:
    """True for blanks, NaN/None and placeholder words such as 'Select'."""
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, str) and value.strip().lower() in MISSING_WORDS


def _decode(raw: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ModelError("cannot decode the file", where=str(path), hint="save it as UTF-8")  # pragma: no cover


def _sniff_delimiter(sample: str) -> str:
    lines = sample.splitlines()
    if len(lines) > 1 and not sample.endswith("\n"):
        sample = "\n".join(lines[:-1])  # a cut-off last line confuses the sniffer
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        header = lines[0] if lines else ""
        counts = {d: header.count(d) for d in _DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def _infer_numbers(frame: pd.DataFrame, decimal_comma: bool) -> pd.DataFrame:
    out: dict[str, pd.Series] = {}
    for name in frame.columns:
        column = frame[name].astype(object)
        stripped = column.map(lambda v: v.strip() if isinstance(v, str) else v)
        filled = stripped[~stripped.map(is_missing_text)]
        numbers = pd.to_numeric(filled, errors="coerce")
        comma = decimal_comma and len(filled) and numbers.isna().any()
        if comma and filled.astype(str).str.fullmatch(_DECIMAL_COMMA).all():
            stripped = stripped.map(lambda v: v.replace(",", ".") if isinstance(v, str) else v)
            filled = filled.astype(str).str.replace(",", ".", regex=False)
            numbers = pd.to_numeric(filled, errors="coerce")
        if len(filled) and numbers.notna().all():
            out[str(name)] = pd.to_numeric(stripped.where(~stripped.map(is_missing_text)), errors="coerce")
        else:
            out[str(name)] = stripped
    return pd.DataFrame(out)


def _normalise_dtypes(frame: pd.DataFrame) -> pd.DataFrame:
    out: dict[str, pd.Series] = {}
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_bool_dtype(column):
            out[str(name)] = column.astype(float)
        elif pd.api.types.is_numeric_dtype(column) or pd.api.types.is_datetime64_any_dtype(column):
            out[str(name)] = column
        else:
            out[str(name)] = column.astype(object).where(column.notna(), None)
    return pd.DataFrame(out)
