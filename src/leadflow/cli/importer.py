"""`leadflow import KIND FILE`: accounts, persons, activities, campaigns, assets, opportunities, users."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from leadflow.cli.common import DbOption, PlaybookOption, console, context
from leadflow.services.ingest.kinds import KINDS


def import_cmd(
    kind: Annotated[str, typer.Argument(help="One of: " + ", ".join(KINDS) + ".")],
    file: Annotated[Path, typer.Argument(help="CSV (any delimiter), JSON Lines or Parquet file.")],
    preset: Annotated[
        str | None, typer.Option(help="Column preset: hubspot or salesforce (or e.g. hubspot-deals).")
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option(
            help="Mapping YAML: target field <- source column, value maps, date formats (docs/import.md)."
        ),
    ] = None,
    strict: Annotated[
        bool, typer.Option(help="Fail the whole import, writing nothing, if any row is bad.")
    ] = False,
    rejected_dir: Annotated[
        Path | None,
        typer.Option(
            help="Where to write <input>.rejected.csv (default: beside "
            "the input, or the current folder if that is read-only)."
        ),
    ] = None,
    react: Annotated[
        str,
        typer.Option(help="Activities: run rescoring and reactions for recent (7 days), always or never."),
    ] = "recent",
    batch_size: Annotated[
        int | None, typer.Option(help="Rows per transaction (default LEADFLOW_BATCH_SIZE).")
    ] = None,
    db: DbOption = None,
    playbook: PlaybookOption = None,
) -> None:
    """Import a file: bad rows to quarantine and <input>.rejected.csv, good rows land, re-runs add nothing."""
    from leadflow.services.ingest import import_file  # pyarrow/pandas load only when importing

    ctx = context(db, playbook)
    with Progress(
        TextColumn(f"importing {kind}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task(kind, total=None)

        def show(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        summary = import_file(
            ctx,
            kind,
            file,
            preset=preset,
            mapping=mapping,
            strict=strict,
            progress=show,
            rejected_dir=rejected_dir,
            react=react,
            batch_size=batch_size,
        )
    if summary.resumed_from:
        console.print(f"resumed an interrupted import after row {summary.resumed_from}")
    console.print(
        f"{kind} from {file} ({summary.mapping}): {summary.rows_read} rows read; "
        f"[green]{summary.inserted} inserted[/], {summary.updated} updated, {summary.unchanged} unchanged, "
        f"[{'red' if summary.quarantined else 'green'}]{summary.quarantined} quarantined[/]"
    )
    if summary.extra:
        console.print(
            "also: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(summary.extra.items()))
        )
    if summary.rejected_file:
        console.print(f"rejected rows (row, column, reason): {summary.rejected_file}")
    if summary.note:
        console.print(summary.note)


def register(app: typer.Typer) -> None:
    """Add `import`."""
    app.command("import")(import_cmd)
