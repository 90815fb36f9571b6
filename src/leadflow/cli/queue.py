"""`leadflow queue REP`; accept, reject, qualify, convert, won, lost; dispute, resolve; assign."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from leadflow.cli.common import DbOption, PlaybookOption, console, context
from leadflow.errors import InvalidInput
from leadflow.services import deals, queue

Person = Annotated[str, typer.Argument(help="Email, id or external id of the person.")]
As = Annotated[str, typer.Option("--as", help="Who decides: the user's email (or id).")]
Note = Annotated[str | None, typer.Option(help="Free text kept with the decision.")]
Version = Annotated[
    int | None,
    typer.Option("--expect-version", help="Fail with a conflict if the person changed since this version."),
]


def queue_cmd(
    rep: Annotated[str, typer.Argument(help="The rep's email or id.")],
    stage: Annotated[list[str] | None, typer.Option(help="Stages to list (default mql, sal, sql).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    db: DbOption = None,
    playbook: PlaybookOption = None,
) -> None:
    """A rep's queue: their MQLs (and SALs, SQLs) with the SLA clock on each, most urgent first."""
    items = queue.queue_for(context(db, playbook), rep, tuple(stage) if stage else ("mql", "sal", "sql"))
    if fmt == "json":
        rows = [
            {
                **i.__dict__,
                "assigned_at": i.assigned_at.isoformat() if i.assigned_at else None,
                "due_at": i.due_at.isoformat() if i.due_at else None,
            }
            for i in items
        ]
        console.print_json(json.dumps(rows))
        return
    table = Table(title=f"Queue of {rep} ({len(items)})")
    for col in ("Id", "Person", "Account", "Stage", "Grade", "SLA", "Due (UTC)", "Version"):
        table.add_column(col)
    for i in items:
        due = f"{i.due_at:%Y-%m-%d %H:%M}" if i.due_at else "-"
        style = "red" if i.overdue else None
        table.add_row(
            str(i.person_id),
            f"{i.name} <{i.email or '-'}>",
            i.account or "-",
            i.stage,
            i.grade or "-",
            i.sla_id or "-",
            due + (" OVERDUE" if i.overdue else ""),
            str(i.version),
            style=style,
        )
    console.print(table)


def _done(d: queue.Decision) -> None:
    c = d.change
    extra = f"; feedback {d.feedback_id}" if d.feedback_id else ""
    extra += f"; opportunity {d.opportunity_id}" if d.opportunity_id else ""
    console.print(
        f"person {c.person_id}: {c.from_stage} -> {c.to_stage} by {c.actor} at {c.at:%Y-%m-%d %H:%M} UTC"
        + extra
    )


def accept_cmd(
    person: Person,
    who: As,
    note: Note = None,
    expect_version: Version = None,
    db: DbOption = None,
    playbook: PlaybookOption = None,
) -> None:
    """Accept an MQL (-> SAL)."""
    _done(queue.accept(context(db, playbook), person, who, expected_version=expect_version, note=note))


def reject_cmd(
    person: Person,
    who: As,
    reason: Annotated[str | None, typer.Option(help="An agreed rejection reason (required).")] = None,
    outcome: Annotated[
        str | None, typer.Option(help="recycle or disqualify (default: from the reason).")
    ] = None,
    note: Note = None,
    expect_version: Version = None,
    db: DbOption = None,
    playbook: PlaybookOption = None,
) -> None:
    """Reject a lead with a reason: back to marketing (recycled) or disqualified."""
    _done(
        queue.reject(
            context(db, playbook),
            person,
            who,
            reason,
            note=note,
            outcome=outcome,
            expected_version=expect_version,
        )
    )


def qualify_cmd(
    person: Person,
    who: As,
    budget: Annotated[str, typer.Option(help="B: the budget confirmed.")] = "",
    authority: Annotated[str, typer.Option(help="A: who decides.")] = "",
    need: Annotated[str, typer.Option(help="N: the need.")] = "",
    timeline: Annotated[str, typer.Option(help="T: when they buy.")] = "",
    note: Note = None,
    expect_version: Version = None,
    db: DbOption = None,
    playbook: PlaybookOption = None,
) -> None:
    """Qualify a SAL with BANT (-> SQL)."""
    _done(
        queue.qualify(
            context(db, playbook),
            person,
            who,
            budget=budget,
            authority=authority,
            need=need,
            timeline=timeline,
            note=note,
            expected_version=expect_version,
        )
    )


def _committee(items: list[str] | None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for item in items or []:
        role, sep, key = item.partition("=")
        if not sep or not key.strip():
            raise InvalidInput(
                f"{item!r} is not ROLE=PERSON",
                where="--committee",
                hint="e.g. --committee decision_maker=cfo@acme.com",
            )
        out.setdefault(role.strip(), []).append(key.strip())
    return out


def convert_cmd(
    person: Person,
    who: As,
    amount: Annotated[float, typer.Option(help="Expected deal value.")],
    close: Annotated[str | None, typer.Option(help="Expected close date YYYY-MM-DD.")] = None,
    committee: Annotated[
        list[str] | None,
        typer.Option(help="ROLE=PERSON, repeatable (decision_maker, recommender, influencer, user)."),
    ] = None,
    name: Annotated[str | None, typer.Option(help="Opportunity name.")] = None,
    product: Annotated[str | None, typer.Option(help="Product.")] = None,
    note: Note = None,
    expect_version: Version = None,
    db: DbOption = None,
    playbook: PlaybookOption = None,
) -> None:
    """Convert an SQL into an opportunity with its buying committee."""
    _done(
        deals.convert(
            context(db, playbook),
            person,
            who,
            amount=amount,
            expected_close=close,
            committee=_committee(committee),
            name=name,
            product=product,
            note=note,
            expected_version=expect_version,
        )
    )


def won_cmd(
    person: Person,
    who: As,
    amount: Annotated[float | None, typer.Option(help="Final amount.")] = None,
    note: Note = None,
    expect_version: Version = None,
    db: DbOption = None,
    playbook: PlaybookOption = None,
) -> None:
    """The deal is won (-> Customer)."""
    _done(
        deals.won(
            context(db, playbook), person, who, amount=amount, note=note, expected_version=expect_version
        )
    )


def lost_cmd(
    person: Person,
    who: As,
    reason: Annotated[str | None, typer.Option(help="An agreed lost reason (required).")] = None,
    note: Note = None,
    expect_version: Version = None,
    db: DbOption = None,
    playbook: PlaybookOption = None,
) -> None:
    """The deal is lost, with a reason (-> Recycled)."""
    _done(deals.lost(context(db, playbook), person, who, reason, note=note, expected_version=expect_version))


def dispute_cmd(
    person: Person, who: As, note: Note = None, db: DbOption = None, playbook: PlaybookOption = None
) -> None:
    """Marketing disputes the latest rejection of a person (starts the feedback SLA)."""
    d = queue.dispute(context(db, playbook), person, who, note=note)
    console.print(f"dispute {d.id} opened on person {d.person_id}")


def resolve_cmd(
    dispute_id: Annotated[int, typer.Argument(help="The dispute's id.")],
    who: As,
    outcome: Annotated[str, typer.Option(help="upheld (the rejection stands) or overturned.")],
    note: Note = None,
    db: DbOption = None,
    playbook: PlaybookOption = None,
) -> None:
    """Resolve a disputed rejection."""
    d = queue.resolve_dispute(context(db, playbook), dispute_id, who, outcome, note=note)
    console.print(f"dispute {d.id}: {d.status}")


def assign_cmd(
    person: Person,
    user: Annotated[str | None, typer.Argument(help="The new owner's email; omit with --auto.")] = None,
    auto: Annotated[bool, typer.Option(help="Route by the playbook instead of naming a user.")] = False,
    actor: Annotated[str, typer.Option("--as", help="Who assigns (kept in the assignment row).")] = "system",
    reason: Annotated[str | None, typer.Option(help="Why (kept in the assignment row).")] = None,
    db: DbOption = None,
    playbook: PlaybookOption = None,
) -> None:
    """Assign a person to a rep by hand, or route them by the playbook with --auto."""
    ctx = context(db, playbook)
    if auto == (user is not None):
        raise InvalidInput(
            "name a user or pass --auto (not both)",
            where="leadflow assign",
            hint="leadflow assign ada@acme.com rep@us.com, or leadflow assign ada@acme.com --auto",
        )
    done = (
        queue.route(ctx, person)
        if auto
        else queue.assign(ctx, person, user or "", actor=actor, reason=reason)
    )
    if done is None:
        console.print(f"{person}: no eligible rep now; the worker will retry (route_pending)")
        return
    console.print(f"{person} -> {done.email} ({done.method}): {done.reason}")


def register(app: typer.Typer) -> None:
    """Add queue, accept, reject, qualify, convert, won, lost, dispute, resolve and assign."""
    app.command("queue")(queue_cmd)
    app.command("accept")(accept_cmd)
    app.command("reject")(reject_cmd)
    app.command("qualify")(qualify_cmd)
    app.command("convert")(convert_cmd)
    app.command("won")(won_cmd)
    app.command("lost")(lost_cmd)
    app.command("dispute")(dispute_cmd)
    app.command("resolve")(resolve_cmd)
    app.command("assign")(assign_cmd)
