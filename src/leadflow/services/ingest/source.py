"""Reading an input file in batches: CSV (any delimiter, UTF-8/BOM/Latin-1, CRLF), JSON Lines and Parquet."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from leadflow.errors import ImportFailed

Row = dict[str, Any]
DELIMITERS = (",", ";", "\t", "|")


@dataclass(frozen=True)
class Batch:
    """Consecutive rows of the file; row numbers count data rows from 1 (the header is not a row)."""

    first_row: int
    rows: list[Row]
    bad_lines: list[tuple[int, str, str]]  # (row number, raw text, reason): lines that are not records at all


@dataclass(frozen=True)
class SourceFile:
    """An input file: detected format, encoding, delimiter, header and an estimate of its row count."""

    path: Path
    format: str  # csv | jsonl | parquet
    encoding: str
    delimiter: str
    header: tuple[str, ...]
    total_rows: int | None

    def batches(self, size: int, skip: int = 0) -> Iterator[Batch]:
        """Rows in batches of `size`, skipping the first `skip` rows (an interrupted run resumes there)."""
        if self.format == "parquet":
            return _parquet_batches(self.path, size, skip)
        if self.format == "jsonl":
            return _jsonl_batches(self.path, self.encoding, size, skip)
        return _csv_batches(self, size, skip)


def file_hash(path: Path) -> str:
    """SHA-256 of the file's bytes: the same file resumes the same import run."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _detect_encoding(path: Path) -> str:
    with path.open("rb") as fh:
        if fh.read(3) == codecs.BOM_UTF8:
            return "utf-8-sig"
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "latin-1"
    return "utf-8"


def _count_lines(path: Path) -> int:
    count = 0
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            count += chunk.count(b"\n")
    return count


def open_source(path: Path, *, delimiter: str | None = None, encoding: str | None = None) -> SourceFile:
    """Detect the format from the extension (and content), the encoding and the CSV delimiter."""
    if not path.is_file():
        raise ImportFailed(f"no such file: {path}", where=str(path), hint="check the path")
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        try:
            meta = pq.ParquetFile(path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise ImportFailed(
                f"not a readable Parquet file: {exc}", where=str(path), hint="re-export it"
            ) from None
        return SourceFile(
            path, "parquet", "binary", "", tuple(meta.schema_arrow.names), meta.metadata.num_rows
        )
    enc = encoding or _detect_encoding(path)
    if suffix in (".jsonl", ".ndjson", ".json"):
        header: dict[str, None] = {}
        with path.open("r", encoding=enc) as fh:
            for line, _ in zip(fh, range(200), strict=False):
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(obj, dict):
                    header.update(dict.fromkeys(obj))
        return SourceFile(path, "jsonl", enc, "", tuple(header), _count_lines(path))
    with path.open("r", encoding=enc, newline="") as fh:
        first = fh.readline()
    if not first.strip():
        raise ImportFailed(
            "the file is empty or has no header line",
            where=str(path),
            hint="the first line names the columns",
        )
    delim = delimiter or max(DELIMITERS, key=lambda d: first.count(d))
    header_row = next(csv.reader(io.StringIO(first.lstrip("\ufeff")), delimiter=delim))
    names = tuple(h.strip() for h in header_row)
    return SourceFile(path, "csv", enc, delim, names, max(_count_lines(path) - 1, 0))


def _csv_batches(src: SourceFile, size: int, skip: int) -> Iterator[Batch]:
    # Python's csv module (C) counts records exactly, quoted newlines included, so a row number always
    # points at the record a user sees; records with the wrong number of cells are reported, not dropped.
    names = list(src.header)
    width = len(names)
    rows: list[Row] = []
    bad: list[tuple[int, str, str]] = []
    first, number = skip + 1, 0
    with src.path.open("r", encoding=src.encoding, newline="") as fh:
        reader = csv.reader(fh, delimiter=src.delimiter)
        next(reader, None)
        try:
            for cells in reader:
                if not cells:
                    continue
                number += 1
                if number <= skip:
                    continue
                if len(cells) == width:
                    rows.append(dict(zip(names, cells, strict=True)))
                else:
                    text = src.delimiter.join(cells)
                    bad.append((number, text, f"expected {width} columns, found {len(cells)}"))
                    rows.append({"__bad__": True})
                if len(rows) >= size:
                    yield Batch(first, rows, bad)
                    first, rows, bad = number + 1, [], []
        except csv.Error as exc:
            raise ImportFailed(
                f"cannot read the CSV file after row {number}: {exc}",
                where=str(src.path),
                hint="check the quoting (an unclosed quote swallows the rest of the file)",
            ) from None
    if rows:
        yield Batch(first, rows, bad)


def _parquet_batches(path: Path, size: int, skip: int) -> Iterator[Batch]:
    pfile = pq.ParquetFile(path)
    first = 1
    for record_batch in pfile.iter_batches(batch_size=size):
        n = record_batch.num_rows
        if first + n - 1 > skip:
            rows = record_batch.to_pylist()
            start = max(skip - first + 1, 0)
            yield Batch(first + start, rows[start:], [])
        first += n


def _jsonl_batches(path: Path, encoding: str, size: int, skip: int) -> Iterator[Batch]:
    rows: list[Row] = []
    bad: list[tuple[int, str, str]] = []
    first = 1
    number = 0
    with path.open("r", encoding=encoding) as fh:
        for line in fh:
            if not line.strip():
                continue
            number += 1
            if number <= skip:
                first = number + 1
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                obj, reason = None, f"not valid JSON ({exc.msg})"
            else:
                reason = "" if isinstance(obj, dict) else "not a JSON object"
            if reason:
                # keep the row number in sequence: an empty record stands in for the bad line
                bad.append((number, line.rstrip("\n"), reason))
                rows.append({"__bad__": True})
            else:
                rows.append(obj)
            if len(rows) >= size:
                yield Batch(first, rows, bad)
                first, rows, bad = number + 1, [], []
    if rows:
        yield Batch(first, rows, bad)
