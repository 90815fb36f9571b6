"""`leadflow init`, `leadflow person show` and `leadflow move`: the store and the lifecycle by hand."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from leadflow.cli.common import DbOption, PlaybookOption, console, context
from leadflow.domain.lifecycle import Actor
from leadflow.services.lifecycle import move, show_person
from leadflow.services.setup import init_database

person_app = typer.Typer(help="Look at people and their stage history.", no_args_is_help=True)


def init(db: DbOption = None, playbook: PlaybookOption = None) -> None:
    """Create the database or migrate it to the newest schema, and record the playbook in force."""
    result = init_database(context(db, playbook))
    state = (
        "created"
        if result.revision_before is None
        else ("already up to date" if result.revision_before == result.revision_after else "migrated")
    )
    console.print(
        f"{result.url}: {state} (schema {result.revision_after}); playbook version {result.playbook_version}"
        + (" recorded as active" if result.playbook_recorded else " already active")
    )


@person_app.command("show")
def person_show(
    key: Annotated[str, typer.Argument(help="Email, id or external id.")], db: DbOption = None
) -> None:
    """Print a person and their full stage history."""
    view = show_person(context(db), key)
    p = view.person
    name = " ".join(x for x in (p["first_name"], p["last_name"]) if x) or "(no name)"
    console.print(f"[bold]{name}[/] <{p['email'] or '-'}>  id {p['id']}  version {p['version']}")
    console.print(
        f"stage [bold]{p['stage']}[/] since {p['stage_entered_at']:%Y-%m-%d %H:%M} UTC; "
        f"title {p['title'] or '-'}; persona {p['persona'] or '-'}; owner {p['owner_id'] or '-'}"
    )
    if p["grade"]:
        console.print(
            f"score: fit {p['fit_score']:.0f}, engagement {p['engagement_score']:.0f}, grade {p['grade']}"
        )
    table = Table(title="History")
    for col in ("At (UTC)", "From", "To", "By", "Reason", "Note", "Playbook"):
        table.add_column(col)
    for c in view.history:
        table.add_row(
            f"{c.at:%Y-%m-%d %H:%M}",
            c.from_stage or "-",
            c.to_stage,
            f"{c.actor} ({c.actor_role})",
            c.reason or "-",
            c.note or "",
            c.playbook_version,
        )
    console.print(table)


def move_cmd(
    key: Annotated[str, typer.Argument(help="Email, id or external id of the person.")],
    stage: Annotated[str, typer.Argument(help="Target stage id, e.g. sal.")],
    actor: Annotated[str, typer.Option(help="Who makes the move (email or name).")] = "system",
    role: Annotated[
        str, typer.Option(help="The actor's role or team (sales, marketing, admin, system).")
    ] = "system",
    reason: Annotated[str | None, typer.Option(help="Reason from the playbook's list (rejections).")] = None,
    note: Annotated[str | None, typer.Option(help="Free text kept with the history row.")] = None,
    field: Annotated[
        list[str] | None, typer.Option("--field", help="Extra field NAME=VALUE (e.g. budget=50k).")
    ] = None,
    expect_version: Annotated[
        int | None, typer.Option(help="Fail if the person changed since this version.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Move a person to a stage, as the playbook allows."""
    fields: dict[str, str] = {"reason": reason} if reason else {}
    for item in field or []:
        name, _, value = item.partition("=")
        fields[name.strip()] = value.strip()
    who = (
        Actor.system(actor)
        if role == "system"
        else Actor(actor, role, role if role in ("sales", "marketing") else None)
    )
    change = move(context(db), key, stage, who, fields, note=note, expected_version=expect_version)
    console.print(
        f"moved {key}: {change.from_stage} -> {change.to_stage} at {change.at:%Y-%m-%d %H:%M} UTC "
        f"(playbook {change.playbook_version})"
    )


def register(app: typer.Typer) -> None:
    """Add init, person and move."""
    app.command("init")(init)
    app.command("move")(move_cmd)
    app.add_typer(person_app, name="person")
