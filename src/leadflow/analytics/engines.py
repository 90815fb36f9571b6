"""Where metrics run: the store (SQLite/PostgreSQL), DuckDB (file, Parquet, attached store) or Spark."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Boolean, Engine, Float, Integer, Table, select

from leadflow.errors import ConfigError, InvalidInput
from leadflow.playbook.schema import Playbook
from leadflow.store import tables as t
from leadflow.store.types import UtcDateTime

log = logging.getLogger(__name__)

ENGINES = ("store", "duckdb", "spark")
# The tables analytics read; a Parquet export holds one <table>.parquet (or a <table>/ folder) for each.
ANALYTICS_TABLES: tuple[Table, ...] = (
    t.users,
    t.accounts,
    t.campaigns,
    t.persons,
    t.stage_changes,
    t.activities,
    t.opportunities,
    t.opportunity_contacts,
    t.deadlines,
    t.goals,
    t.feedback,
)


@dataclass
class Backend:
    """An Ibis connection plus what metrics need beside the data: the playbook and the store (if any)."""

    kind: str  # sqlite | postgres | duckdb | pyspark: the Ibis dialect
    con: Any
    playbook: Playbook
    store: Engine | None = None
    names: dict[str, str] = field(default_factory=dict)  # table name -> name in the backend
    _tables: dict[str, ibis.Table] = field(default_factory=dict, repr=False)
    _memo: dict[Hashable, ibis.Table] | None = field(default=None, repr=False)
    _temp: list[str] = field(default_factory=list, repr=False)

    def table(self, name: str) -> ibis.Table:
        """The Ibis table of a store table (by its store name)."""
        if name not in self._tables:
            self._tables[name] = self.con.table(self.names.get(name, name))
        return self._tables[name]

    def has_table(self, name: str) -> bool:
        """Whether the source holds this table (Parquet exports may leave optional ones out)."""
        return self.names.get(name, name) in set(self.con.list_tables())

    def run(self, expr: ibis.Expr) -> pd.DataFrame:
        """Execute an expression and return pandas with naive timestamps."""
        df = self.con.execute(expr)
        if isinstance(df, pd.Series):
            df = df.to_frame()
        for col in df.columns:
            if isinstance(df[col].dtype, pd.DatetimeTZDtype):
                df[col] = df[col].dt.tz_convert("UTC").dt.tz_localize(None)
        return df.reset_index(drop=True)

    def histogram(self, rows: ibis.Table, by: list[str]) -> pd.DataFrame:
        """How many rows there are per distinct value of the `by` columns (column n), in `by` order.

        For histograms with nearly one row per group (durations to the minute): SQLite groups by sorting every
        row, which takes longer than reading the rows and counting them in pandas (time in stage at 100k
        persons: 76k rows, 63k groups, 0.36 s against 0.25 s). Where grouping shrinks the rows a lot (the
        conversion histogram: 151k rows, 19k groups) reading them all costs as much, so that one is grouped
        by the engine (Backend.run). The other engines group themselves.
        """
        if self.kind == "sqlite":
            found = self.run(rows.select(*by))
            return found.groupby(by, sort=True, dropna=False).size().reset_index(name="n")
        return self.run(rows.group_by(by).agg(n=rows.count()))

    def sql(self, expr: ibis.Expr) -> str:
        """The SQL this backend runs for an expression (reviewed in snapshot tests)."""
        return str(ibis.to_sql(expr, dialect=self.kind))

    @contextmanager
    def session(self) -> Iterator[Backend]:
        """Within it, shared relations (per-person milestones) are computed once into temporary tables."""
        if self._memo is not None:
            yield self
            return
        self._memo = {}
        try:
            yield self
        finally:
            self._memo = None
            for name in self._temp:
                self._drop(name)
            self._temp.clear()

    def reuse(self, key: Hashable, build: Callable[[], ibis.Table], index: str | None = None) -> ibis.Table:
        """The relation `build` makes, materialised once per session (inline outside a session).

        `index` names the column later queries join on: SQLite gets an index on it, instead of building a
        throw-away automatic index in every query that joins the temporary table (hash-joining engines
        need none)."""
        if self._memo is None:
            return build()
        if key not in self._memo:
            name = f"lf_tmp_{uuid.uuid4().hex[:10]}"
            self._materialise(name, build(), index)
            self._temp.append(name)
            self._memo[key] = self.con.table(name)
        return self._memo[key]

    def reused(self) -> list[tuple[Hashable, ibis.Table]]:
        """The relations materialised so far in this session, by key (none outside a session)."""
        return list(self._memo.items()) if self._memo is not None else []

    def _materialise(self, name: str, expr: ibis.Table, index: str | None = None) -> None:
        if self.kind == "pyspark":
            frame = self.con._session.sql(self.sql(expr)).cache()
            frame.createOrReplaceTempView(name)
            return
        self.con.create_table(name, expr, temp=True)
        if index is not None and self.kind == "sqlite":
            self._raw(f'CREATE INDEX temp."{name}_ix" ON "{name}" ("{index}")')

    def _raw(self, sql: str) -> None:
        result = self.con.raw_sql(sql)
        # SQLite and PostgreSQL hand back a cursor to close; DuckDB hands back the connection itself.
        if self.kind != "duckdb" and hasattr(result, "close"):
            result.close()

    def _drop(self, name: str) -> None:
        # Plain SQL, not con.drop_table: that depends on how Ibis and sqlglot render DROP (Ibis 12 on sqlglot
        # >= 30.18 lost the name, and the failure went unnoticed while every session's tables stayed behind).
        # Best effort (the connection may be gone), but never silent.
        try:
            if self.kind == "pyspark":
                self.con._session.catalog.dropTempView(name)
            else:
                self._raw(f'DROP TABLE IF EXISTS {"temp." if self.kind == "sqlite" else ""}"{name}"')
        except Exception as exc:
            log.warning("could not drop the temporary table %s: %s", name, exc)


def connect_store(engine: Engine, playbook: Playbook) -> Backend:
    """The operational store itself: SQLite file or PostgreSQL, read through Ibis."""
    url = engine.url
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            raise ConfigError(
                "analytics cannot read an in-memory SQLite store", where=str(url), hint="use a SQLite file"
            )
        return Backend("sqlite", ibis.sqlite.connect(url.database), playbook, engine)
    if backend == "postgresql":
        kwargs: dict[str, Any] = {
            "host": url.host or "127.0.0.1",
            "port": url.port or 5432,
            "user": url.username,
            "password": url.password,
            "database": url.database,
        }
        options = url.query.get("options")
        if options:
            kwargs["options"] = options if isinstance(options, str) else options[0]
        return Backend("postgres", ibis.postgres.connect(**kwargs), playbook, engine)
    raise ConfigError(f"no analytics for {backend!r} stores", where=str(url), hint="use SQLite or PostgreSQL")


def _duckdb_extensions(con: Any) -> None:
    # No internet at run time: the duckdb-ext-* packages ship the sqlite/postgres scanners.
    import duckdb_ext  # type: ignore[import-untyped,import-not-found,unused-ignore]

    folder = Path(next(iter(duckdb_ext.__path__))) / "extensions"
    con.raw_sql(f"SET extension_directory = '{folder.as_posix()}'")


def parquet_tables(folder: Path) -> dict[str, str]:
    """The Parquet files of an export folder by table name: <table>.parquet or <table>/*.parquet."""
    found: dict[str, str] = {}
    for item in sorted(folder.iterdir()):
        if item.is_file() and item.suffix == ".parquet":
            found[item.stem] = item.as_posix()
        elif item.is_dir() and any(item.glob("*.parquet")):
            found[item.name] = (item / "*.parquet").as_posix()
    if not found:
        raise InvalidInput(
            f"no Parquet files in {folder}",
            where=str(folder),
            hint="export one with `leadflow export parquet DIR`",
        )
    return found


def connect_duckdb(source: Path | None, playbook: Playbook, store: Engine | None = None) -> Backend:
    """DuckDB over a .duckdb file, a folder of Parquet files, or (no source) the attached store."""
    if source is not None and source.is_file():
        return Backend("duckdb", ibis.duckdb.connect(str(source), read_only=True), playbook, store)
    con = ibis.duckdb.connect()
    if source is not None:
        if not source.is_dir():
            raise InvalidInput(
                f"{source} does not exist",
                where="--source",
                hint="give a .duckdb file or a folder of Parquet files",
            )
        for name, path in parquet_tables(source).items():
            con.raw_sql(f"CREATE VIEW \"{name}\" AS SELECT * FROM read_parquet('{path}')")
        return Backend("duckdb", con, playbook, store)
    if store is None:
        raise InvalidInput(
            "DuckDB needs a source", where="--source", hint="give a .duckdb file or Parquet folder"
        )
    _duckdb_extensions(con)
    url = store.url
    if url.get_backend_name() == "sqlite":
        con.raw_sql("LOAD sqlite_scanner")
        con.raw_sql(f"ATTACH '{url.database}' AS store (TYPE sqlite, READ_ONLY)")
    else:
        con.raw_sql("LOAD postgres_scanner")
        host, port = url.host or "127.0.0.1", url.port or 5432
        dsn = f"host={host} port={port} dbname={url.database} user={url.username}"
        if url.password:
            dsn += f" password={url.password}"
        options = url.query.get("options")
        schema = "public"
        if isinstance(options, str) and "search_path=" in options:
            schema = options.split("search_path=", 1)[1].split()[0]
        con.raw_sql(f"ATTACH '{dsn}' AS store (TYPE postgres, READ_ONLY, SCHEMA '{schema}')")
    for table in ANALYTICS_TABLES:
        con.raw_sql(f'CREATE VIEW "{table.name}" AS SELECT * FROM store."{table.name}"')
    return Backend("duckdb", con, playbook, store)


SMALL_DATA_SPARK = {  # tests and demos: tiny tables, so skip code generation and extra shuffle partitions
    "spark.sql.shuffle.partitions": "1",
    "spark.default.parallelism": "1",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.adaptive.enabled": "false",
}


def spark_session(app: str = "leadflow-analytics", conf: dict[str, str] | None = None) -> Any:
    """A local PySpark session in UTC (slow to start: create one and reuse it); conf adds settings."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise ConfigError(
            "PySpark is not installed",
            where="--engine spark",
            hint="pip install 'leadflow[spark]' (needs Java 17)",
        ) from None
    builder: Any = SparkSession.builder
    builder = (
        builder.master("local[2]")
        .appName(app)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
        .config("spark.executor.extraJavaOptions", "-Duser.timezone=UTC")
    )
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def connect_spark(
    source: Path, playbook: Playbook, session: Any = None, store: Engine | None = None
) -> Backend:
    """Spark (local mode unless the session says otherwise) over a folder of Parquet files."""
    session = session or spark_session()
    names: dict[str, str] = {}
    for name, path in parquet_tables(source).items():
        view = f"lf_{name}"
        session.read.parquet(path).createOrReplaceTempView(view)
        names[name] = view
    return Backend("pyspark", ibis.pyspark.connect(session), playbook, store, names)


def _arrow_type(column: Any) -> pa.DataType:
    kind = column.type
    if isinstance(kind, UtcDateTime):
        return pa.timestamp("us")
    if isinstance(kind, Boolean):
        return pa.bool_()
    if isinstance(kind, Float):
        return pa.float64()
    if isinstance(kind, Integer):
        return pa.int64()
    return pa.string()


def _cell(value: Any, kind: pa.DataType) -> Any:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if pa.types.is_string(kind) and not isinstance(value, str):
        return json.dumps(value, sort_keys=True)
    return value


def export_tables(
    engine: Engine, folder: Path, tables: Iterable[Table] = ANALYTICS_TABLES, batch: int = 200_000
) -> list[Path]:
    """Write store tables as <folder>/<table>.parquet with fixed types (naive UTC times, JSON as text)."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for table in tables:
        schema = pa.schema([(c.name, _arrow_type(c)) for c in table.columns])
        path = folder / f"{table.name}.parquet"
        with pq.ParquetWriter(path, schema) as writer, engine.connect() as conn:
            result = conn.execution_options(stream_results=True).execute(select(table))
            while rows := result.fetchmany(batch):
                arrays = [
                    pa.array([_cell(row[i], f.type) for row in rows], type=f.type)
                    for i, f in enumerate(schema)
                ]
                writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
        written.append(path)
    return written


def connect(
    engine: str,
    *,
    playbook: Playbook,
    store: Engine | None = None,
    source: Path | None = None,
    spark: Any = None,
) -> Backend:
    """The backend for --engine store|duckdb|spark (duckdb/spark read --source; store reads the database)."""
    if engine == "store":
        if store is None:
            raise ConfigError(
                "no store to read", where="--engine store", hint="pass --db or set LEADFLOW_DATABASE_URL"
            )
        return connect_store(store, playbook)
    if engine == "duckdb":
        return connect_duckdb(source, playbook, store)
    if engine == "spark":
        if source is None:
            raise InvalidInput(
                "Spark reads a Parquet folder",
                where="--source",
                hint="export one with `leadflow export parquet DIR` and pass --source DIR",
            )
        return connect_spark(source, playbook, spark, store)
    raise InvalidInput(
        f"unknown engine {engine!r}", where="--engine", hint=f"choose one of {', '.join(ENGINES)}"
    )
