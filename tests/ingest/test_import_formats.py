"""CSV dialects (semicolon, tab, BOM, Latin-1, CRLF), JSON Lines and Parquet all read the same."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from leadflow.services.context import Context
from leadflow.services.ingest import import_file
from leadflow.store.engine import reading
from leadflow.store.tables import persons

ROWS = [
    {
        "external_id": "p1",
        "email": "  Jürgen.Müller@Firma.DE ",
        "first_name": "Jürgen",
        "last_name": "Müller",
        "title": "Geschäftsführer; CEO",
    },
    {
        "external_id": "p2",
        "email": "zoe@example.org",
        "first_name": "Zoë",
        "last_name": "O'Brien, Jr.",
        "title": "Analyst",
    },
]


def _csv(delimiter: str, newline: str) -> str:
    cols = list(ROWS[0])

    def cell(v: str) -> str:
        return f'"{v}"' if any(ch in v for ch in (delimiter, '"', ",", ";")) else v

    lines = [delimiter.join(cols)] + [delimiter.join(cell(r[c]) for c in cols) for r in ROWS]
    return newline.join(lines) + newline


def _check(ctx: Context) -> None:
    with reading(ctx.engine) as conn:
        got = {r.external_id: r for r in conn.execute(select(persons))}
    assert got["p1"].email == "jürgen.müller@firma.de"
    assert got["p1"].last_name == "Müller" and got["p1"].title == "Geschäftsführer; CEO"
    assert got["p2"].first_name == "Zoë" and got["p2"].last_name == "O'Brien, Jr."
    assert got["p1"].persona == "economic_buyer"


@pytest.mark.parametrize(
    ("name", "delimiter", "encoding", "newline"),
    [
        ("semicolon_bom_crlf.csv", ";", "utf-8-sig", "\r\n"),
        ("latin1_comma.csv", ",", "latin-1", "\n"),
        ("tab.tsv", "\t", "utf-8", "\r\n"),
        ("pipe.csv", "|", "utf-8", "\n"),
    ],
)
def test_csv_dialects(
    sqlite_ctx: Context, tmp_path: Path, name: str, delimiter: str, encoding: str, newline: str
) -> None:
    path = tmp_path / name
    path.write_bytes(_csv(delimiter, newline).encode(encoding))
    summary = import_file(sqlite_ctx, "persons", path)
    assert (summary.inserted, summary.quarantined) == (2, 0), summary
    _check(sqlite_ctx)


def test_json_lines(sqlite_ctx: Context, tmp_path: Path) -> None:
    path = tmp_path / "people.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n{broken\n", encoding="utf-8")
    summary = import_file(sqlite_ctx, "persons", path)
    assert (summary.inserted, summary.quarantined) == (2, 1)
    _check(sqlite_ctx)


def test_parquet(ctx: Context, tmp_path: Path) -> None:
    path = tmp_path / "people.parquet"
    pq.write_table(pa.Table.from_pylist(ROWS), path)
    assert import_file(ctx, "persons", path).inserted == 2
    _check(ctx)


def test_parquet_native_types_for_activities(sqlite_ctx: Context, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from leadflow.store.tables import activities

    people = tmp_path / "people.parquet"
    pq.write_table(
        pa.table({"Record ID": pa.array([7, 8], pa.int64()), "Email": ["a@x.io", "b@x.io"]}), people
    )
    assert import_file(sqlite_ctx, "persons", people, preset="hubspot").inserted == 2
    acts = tmp_path / "acts.parquet"
    when = [datetime(2026, 1, 5, 9, 30, tzinfo=UTC), datetime(2026, 1, 6, 9, 30, tzinfo=UTC)]
    pq.write_table(
        pa.table(
            {
                "Record ID": pa.array([7, 8], pa.int64()),
                "Activity Type": ["Page View", "Email Click"],
                "Activity Date": pa.array(when, pa.timestamp("us", tz="UTC")),
            }
        ),
        acts,
    )
    assert import_file(sqlite_ctx, "activities", acts, preset="hubspot").inserted == 2
    with reading(sqlite_ctx.engine) as conn:
        got = sorted((r.type, r.occurred_at) for r in conn.execute(select(activities)))
    assert got == [("email_click", when[1]), ("page_view", when[0])]
