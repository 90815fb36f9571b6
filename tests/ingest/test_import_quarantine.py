"""Bad rows: quarantined with row, column and reason, and in <input>.rejected.csv; --strict writes nothing."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import typer
from sqlalchemy import func, select
from typer.testing import CliRunner

from leadflow.cli import importer
from leadflow.errors import ImportFailed
from leadflow.services.context import Context
from leadflow.services.ingest import import_file
from leadflow.store.engine import reading
from leadflow.store.tables import import_runs, persons, quarantine, stage_changes

HEADER = "Record ID,First Name,Email,Job Title,Lifecycle Stage,Create Date"
LONG_TITLE = "x" * 301
ROWS = [
    "1,Ada,ada@acme.com,CTO,lead,2025-01-01",
    ",Nobody,nobody@acme.com,CTO,lead,2025-01-01",
    "3,Cal,cal@acme.com,CTO,lead,yesterday",
    "4,Dan,dan@acme.com,CTO,champion,2025-01-01",
    "5,Eve,not-an-email,CTO,lead,2025-01-01",
    f"6,Fay,fay@acme.com,{LONG_TITLE},lead,2025-01-01",
    "7,Gil,gil@acme.com,Analyst,mql,2025-01-02",
]
EXPECTED = [
    (2, "Record ID", "missing required field external_id"),
    (
        3,
        "Create Date",
        "'yesterday' is not a date (use ISO 8601 such as 2026-03-02T10:00:00Z, or give date_formats)",
    ),
    (4, "Lifecycle Stage", "unknown stage 'champion'"),
    (5, "Email", "'not-an-email' is not a valid email address"),
    (6, "Job Title", "longer than 300 characters (301)"),
]


def _bad_file(folder: Path) -> Path:
    path = folder / "contacts.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    return path


def test_bad_rows_are_quarantined_and_good_rows_land(ctx: Context, tmp_path: Path) -> None:
    path = _bad_file(tmp_path)
    summary = import_file(ctx, "persons", path, preset="hubspot")
    assert (summary.inserted, summary.quarantined, summary.rows_read) == (2, 5, 7)
    with reading(ctx.engine) as conn:
        got = [
            tuple(r)
            for r in conn.execute(
                select(quarantine.c.row_number, quarantine.c.column, quarantine.c.reason).order_by(
                    quarantine.c.row_number
                )
            )
        ]
        assert got == EXPECTED
        assert sorted(conn.execute(select(persons.c.external_id)).scalars()) == ["1", "7"]
        assert conn.execute(select(import_runs.c.status)).scalar_one() == "done"
    assert summary.rejected_file == str(tmp_path / "contacts.rejected.csv")
    with open(summary.rejected_file, encoding="utf-8") as fh:
        lines = list(csv.DictReader(fh))
    assert [(int(r["row"]), r["column"], r["reason"]) for r in lines] == EXPECTED
    assert lines[2]["Lifecycle Stage"] == "champion" and lines[0]["First Name"] == "Nobody"


def test_strict_fails_and_writes_nothing(ctx: Context, tmp_path: Path) -> None:
    with pytest.raises(
        ImportFailed, match=r"5 bad row\(s\) in strict mode.*row 2 column 'Record ID'"
    ) as info:
        import_file(ctx, "persons", _bad_file(tmp_path), preset="hubspot", strict=True)
    assert info.value.code == "LF070"
    with reading(ctx.engine) as conn:
        for table in (persons, stage_changes, quarantine, import_runs):
            assert conn.execute(select(func.count()).select_from(table)).scalar_one() == 0, table.name


def test_strict_passes_a_clean_file(sqlite_ctx: Context, tmp_path: Path) -> None:
    path = tmp_path / "ok.csv"
    path.write_text("\n".join([HEADER, ROWS[0], ROWS[-1]]) + "\n", encoding="utf-8")
    assert import_file(sqlite_ctx, "persons", path, preset="hubspot", strict=True).inserted == 2


def test_read_only_input_folder_puts_rejected_rows_in_the_current_folder(
    sqlite_ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    path = _bad_file(folder)
    folder.chmod(0o555)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    try:
        summary = import_file(sqlite_ctx, "persons", path, preset="hubspot")
    finally:
        folder.chmod(0o755)
    assert summary.rejected_file == str(work / "contacts.rejected.csv")
    assert summary.note and "read-only" in summary.note
    assert not (folder / "contacts.rejected.csv").exists()


def test_cli_import_prints_a_summary_and_strict_exit_code(sqlite_ctx: Context, tmp_path: Path) -> None:
    # only the import command group: the full `leadflow` app imports every other group (slow to start)
    app = typer.Typer()
    importer.register(app)
    app.command("noop")(lambda: None)  # a second command keeps `import` a named subcommand
    url = str(sqlite_ctx.engine.url)
    path = _bad_file(tmp_path)
    runner = CliRunner()
    result = runner.invoke(
        app, ["import", "persons", str(path), "--preset", "hubspot", "--db", url, "--strict"]
    )
    assert isinstance(result.exception, ImportFailed) and result.exception.exit_code == 9
    args = [
        "import",
        "persons",
        str(path),
        "--preset",
        "hubspot",
        "--db",
        url,
        "--rejected-dir",
        str(tmp_path / "rej"),
    ]
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "2 inserted" in result.output and "5 quarantined" in result.output
    assert (tmp_path / "rej" / "contacts.rejected.csv").exists()


def test_rows_with_the_wrong_number_of_cells_keep_their_row_numbers(
    sqlite_ctx: Context, tmp_path: Path
) -> None:
    path = tmp_path / "cells.csv"
    path.write_text(
        'external_id,email,first_name\np1,a@x.com,A\np2,b@x.com,B,extra\n"p3","c@x.com","multi\nline"\n'
        "p4,d@x.com\np5,e@x.com,E\n",
        encoding="utf-8",
    )
    summary = import_file(sqlite_ctx, "persons", path)
    assert (summary.inserted, summary.quarantined, summary.rows_read) == (3, 2, 5)
    with reading(sqlite_ctx.engine) as conn:
        got = [tuple(r) for r in conn.execute(select(quarantine.c.row_number, quarantine.c.reason))]
    assert sorted(got) == [(2, "expected 3 columns, found 4"), (4, "expected 3 columns, found 2")]


def test_rows_the_database_refuses_are_quarantined_not_fatal(ctx: Context, tmp_path: Path) -> None:
    path = tmp_path / "companies.csv"
    path.write_text(
        "external_id,name,employees\na1,Alpha,10\na2,Huge,99999999999\na3,Gamma,20\n", encoding="utf-8"
    )
    summary = import_file(ctx, "accounts", path)
    if ctx.engine.dialect.name == "postgresql":  # INTEGER overflows there; SQLite stores 64-bit integers
        assert (summary.inserted, summary.quarantined) == (2, 1)
        with reading(ctx.engine) as conn:
            reason = conn.execute(select(quarantine.c.reason)).scalar_one()
        assert reason.startswith("rejected by the database: ") and "out of range" in reason
    else:
        assert (summary.inserted, summary.quarantined) == (3, 0)


def test_a_changed_key_never_steals_another_persons_identity(sqlite_ctx: Context, tmp_path: Path) -> None:
    first = tmp_path / "a.csv"
    first.write_text("external_id,email\np1,one@acme.com\np2,two@acme.com\n", encoding="utf-8")
    import_file(sqlite_ctx, "persons", first)
    second = tmp_path / "b.csv"
    second.write_text("external_id,email,first_name\np1,two@acme.com,One\n", encoding="utf-8")
    summary = import_file(sqlite_ctx, "persons", second)
    assert (summary.updated, summary.quarantined) == (1, 0)
    with reading(sqlite_ctx.engine) as conn:
        got = {
            e: (x, n)
            for e, x, n in conn.execute(select(persons.c.email, persons.c.external_id, persons.c.first_name))
        }
    assert got == {"one@acme.com": ("p1", "One"), "two@acme.com": ("p2", None)}


def test_a_fixed_rejected_file_imports_cleanly(sqlite_ctx: Context, tmp_path: Path) -> None:
    summary = import_file(sqlite_ctx, "persons", _bad_file(tmp_path), preset="hubspot")
    assert summary.rejected_file is not None
    rejected = Path(summary.rejected_file)
    with rejected.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    fixed = [rows[0]] + [r for r in rows[1:] if r[0] == "4"]
    fixed[1][rows[0].index("Lifecycle Stage")] = "lead"
    with rejected.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(fixed)
    again = import_file(sqlite_ctx, "persons", rejected, preset="hubspot")
    assert (again.inserted, again.quarantined) == (1, 0)
    with reading(sqlite_ctx.engine) as conn:
        props = conn.execute(select(persons.c.properties).where(persons.c.external_id == "4")).scalar_one()
    assert props == {}
