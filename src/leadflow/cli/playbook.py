"""`leadflow playbook check|show|diff`: the agreement file, its glossary and its changes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from leadflow.cli.common import console
from leadflow.errors import PlaybookInvalid
from leadflow.playbook import Problem, load_playbook
from leadflow.playbook.diff import diff_playbooks
from leadflow.playbook.glossary import glossary, rules_in_words

playbook_app = typer.Typer(
    help="Check, read and compare the playbook (the marketing-sales agreement).", no_args_is_help=True
)

FileArg = Annotated[Path | None, typer.Argument(help="Playbook YAML; the shipped default when omitted.")]


@playbook_app.command("check")
def check(file: FileArg = None) -> None:
    """Validate a playbook; prints every problem with its code, file, line and column."""
    try:
        loaded = load_playbook(file)
    except PlaybookInvalid as exc:
        for problem in exc.problems:
            console.print(
                problem.render() if isinstance(problem, Problem) else str(problem),
                markup=False,
                highlight=False,
            )
        errors = sum(1 for p in exc.problems if getattr(p, "severity", "error") == "error")
        console.print(f"{errors} error(s) in {file or 'the default playbook'}", style="red")
        raise typer.Exit(exc.exit_code) from None
    for warning in loaded.warnings:
        console.print(warning.render(), markup=False, highlight=False)
    console.print(
        f"ok: {loaded.source} is valid (version {loaded.version}, {len(loaded.warnings)} warning(s))"
    )


@playbook_app.command("show")
def show(file: FileArg = None) -> None:
    """Print the glossary: each stage, its owner, its definition and where it can go next."""
    loaded = load_playbook(file)
    table = Table(title=f"{loaded.model.name} (version {loaded.version})", show_lines=True)
    for col in ("Stage", "Owner", "Definition", "Next stages"):
        table.add_column(col)
    for entry in glossary(loaded.model):
        table.add_row(
            entry.name + ("\n(terminal)" if entry.terminal else ""),
            entry.team,
            entry.definition,
            "\n".join(entry.next_moves) or "-",
        )
    console.print(table)
    for line in rules_in_words(loaded.model):
        console.print(line, markup=False, highlight=False)


@playbook_app.command("diff")
def diff(old: Annotated[Path, typer.Argument()], new: Annotated[Path, typer.Argument()]) -> None:
    """Say in words what changed from OLD to NEW."""
    a, b = load_playbook(old), load_playbook(new)
    lines = diff_playbooks(a.model, b.model)
    if not lines:
        console.print(f"No difference in substance ({a.version} = {b.version}).")
        return
    console.print(f"{len(lines)} change(s) from {a.version} to {b.version}:")
    for line in lines:
        console.print(f"- {line}", markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Add the playbook group."""
    app.add_typer(playbook_app, name="playbook")
