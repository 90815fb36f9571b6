"""Dumping every store table to Parquet, in chunks (the input of DuckDB-over-Parquet analytics)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from sqlalchemy import JSON, Boolean, DateTime, Engine, Float, Integer, Table, select
from sqlalchemy.types import TypeEngine

from leadflow.errors import InvalidInput
from leadflow.store.tables import metadata
from leadflow.store.types import UtcDateTime

CHUNK_ROWS = 100_000


@dataclass(frozen=True)
class ExportReport:
    """Rows written per table and the files."""

    rows: dict[str, int]
    files: list[Path]


def arrow_type(sql_type: TypeEngine[Any]) -> pa.DataType:
    """The arrow type of a store column: ints int64, timestamps naive-UTC microseconds, JSON as text."""
    if isinstance(sql_type, UtcDateTime | DateTime):
        return pa.timestamp("us")
    if isinstance(sql_type, Boolean):
        return pa.bool_()
    if isinstance(sql_type, Integer):
        return pa.int64()
    if isinstance(sql_type, Float):
        return pa.float64()
    return pa.string()


def table_schema(table: Table) -> pa.Schema:
    """The arrow schema export writes for a store table."""
    return pa.schema([pa.field(c.name, arrow_type(c.type)) for c in table.columns])


def _column(values: list[Any], sql_type: TypeEngine[Any], target: pa.DataType) -> pa.Array:
    if isinstance(sql_type, JSON):
        return pa.array(
            [v if v is None or isinstance(v, str) else json.dumps(v) for v in values], pa.string()
        )
    if pa.types.is_timestamp(target):
        if any(isinstance(v, str) for v in values):  # SQLite keeps text; arrow parses it
            return pa.array(values, pa.string()).cast(target)
        return pa.array([v.replace(tzinfo=None) if isinstance(v, datetime) else v for v in values], target)
    if pa.types.is_boolean(target):
        return pa.array([None if v is None else bool(v) for v in values], target)
    return pa.array(values, target)


def _export_postgres(engine: Engine, table: Table, path: Path, schema: pa.Schema) -> int:
    """COPY the table out as CSV into a temporary file, then convert it to Parquet in streamed blocks."""
    cols = ", ".join(f'"{c.name}"' for c in table.columns)
    order = ", ".join(f'"{c.name}"' for c in table.primary_key.columns)
    csv_path = path.with_suffix(".csv.tmp")
    try:
        with engine.connect() as conn, csv_path.open("wb") as out:
            raw = conn.connection.dbapi_connection
            if not isinstance(raw, psycopg.Connection):
                return -1
            sql = f'COPY (SELECT {cols} FROM "{table.name}" ORDER BY {order}) TO STDOUT (FORMAT csv)'
            with raw.cursor() as cur, cur.copy(sql) as copy:
                for block in copy:
                    out.write(block)
        convert = pacsv.ConvertOptions(
            column_types=schema,
            true_values=["t"],
            false_values=["f"],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        )
        read = pacsv.ReadOptions(column_names=schema.names, block_size=16 << 20)
        written = 0
        tmp = path.with_suffix(".parquet.tmp")
        with pq.ParquetWriter(tmp, schema, compression="snappy") as writer:
            if csv_path.stat().st_size == 0:  # an empty table: COPY wrote nothing
                writer.write_table(schema.empty_table())
            else:
                parse = pacsv.ParseOptions(newlines_in_values=True)  # notes and JSON may hold newlines
                blocks = pacsv.open_csv(
                    csv_path, read_options=read, parse_options=parse, convert_options=convert
                )
                for batch in blocks:
                    writer.write_batch(batch)
                    written += batch.num_rows
        tmp.replace(path)
        return written
    finally:
        csv_path.unlink(missing_ok=True)


def export_table(engine: Engine, table: Table, path: Path, chunk_rows: int = CHUNK_ROWS) -> int:
    """Stream one table (in primary-key order) to a Parquet file; returns the rows written."""
    schema = table_schema(table)
    if engine.dialect.name == "postgresql":
        written = _export_postgres(engine, table, path, schema)
        if written >= 0:
            return written
    order = list(table.primary_key.columns)
    written = 0
    tmp = path.with_suffix(".parquet.tmp")
    with pq.ParquetWriter(tmp, schema, compression="snappy") as writer, engine.connect() as conn:
        # raw driver values: no per-value type processing on the way out
        sql = select(*table.columns).order_by(*order)
        compiled = sql.compile(dialect=engine.dialect)
        result = conn.execution_options(stream_results=True).exec_driver_sql(str(compiled), compiled.params)
        while rows := result.fetchmany(chunk_rows):
            cols = list(zip(*rows, strict=True))
            arrays = [
                _column(list(vals), c.type, f.type)
                for vals, c, f in zip(cols, table.columns, schema, strict=True)
            ]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
            written += len(rows)
    tmp.replace(path)
    return written


def export_parquet(engine: Engine, out: Path, tables: Sequence[str] | None = None) -> ExportReport:
    """Write DIR/<table>.parquet for every store table (or the ones named)."""
    names = list(tables) if tables else [t.name for t in metadata.sorted_tables]
    unknown = [n for n in names if n not in metadata.tables]
    if unknown:
        raise InvalidInput(
            f"no store table {', '.join(unknown)}",
            where="export",
            hint="tables: " + ", ".join(t.name for t in metadata.sorted_tables),
        )
    out.mkdir(parents=True, exist_ok=True)
    rows: dict[str, int] = {}
    files: list[Path] = []
    for name in names:
        path = out / f"{name}.parquet"
        rows[name] = export_table(engine, metadata.tables[name], path)
        files.append(path)
    return ExportReport(rows, files)
