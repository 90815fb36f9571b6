"""`leadflow score run|explain EMAIL` and `leadflow playbook backtest`: rule scoring from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from leadflow.cli.common import DbOption, PlaybookOption, console, context
from leadflow.cli.playbook import playbook_app

score_app = typer.Typer(help="Score persons on fit and engagement; explain a score.", no_args_is_help=True)


@score_app.command("run")
def run(db: DbOption = None, playbook: PlaybookOption = None) -> None:
    """Score every person as of now (set-based, DuckDB), save the scores and move new MQLs."""
    from leadflow.services.scoring_batch import run_batch

    result = run_batch(context(db, playbook))
    console.print(
        f"scored {result.persons} person(s) as of {result.as_of:%Y-%m-%d %H:%M} UTC "
        f"(query {result.query_seconds:.2f}s, write {result.write_seconds:.2f}s); "
        f"{result.mqls} new MQL(s); {result.skipped} left to the incremental scorer"
    )


@score_app.command("explain")
def explain(
    person: Annotated[str, typer.Argument(help="Email, id or external id.")],
    db: DbOption = None,
    playbook: PlaybookOption = None,
) -> None:
    """Show a person's score: each contributing rule, activity and its decayed points."""
    from leadflow.services.scoring import explain as explain_score

    ex = explain_score(context(db, playbook), person)
    s = ex.score
    console.print(
        f"{ex.email or person} ({ex.stage}) as of {s.as_of:%Y-%m-%d %H:%M} UTC: "
        f"fit {s.fit:g} ({s.fit_grade}), engagement {s.engagement:.2f} ({s.engagement_grade}), "
        f"grade {s.grade}",
        markup=False,
        highlight=False,
    )
    verdict = "meets" if ex.meets_mql_rule else "does not meet"
    console.print(f"{verdict} the MQL rule: {ex.mql_rule}", markup=False, highlight=False)
    fit = Table(title="Fit rules that matched")
    for col in ("#", "Rule", "Points"):
        fit.add_column(col)
    for r in s.fit_rules:
        fit.add_row(str(r.rule), r.label, f"{r.points:g}")
    console.print(fit)
    eng = Table(title="Engagement rules (decayed, then capped per period)")
    for col in ("#", "Rule", "Activities", "Points", "Capped"):
        eng.add_column(col)
    for r in s.engagement_rules:
        eng.add_row(str(r.rule), r.label, str(r.activities), f"{r.points:.2f}", "yes" if r.capped else "")
    console.print(eng)
    acts = Table(title="Activities that count")
    for col in ("When (UTC)", "Activity", "Rule", "Points", "Decay", "Decayed"):
        acts.add_column(col)
    for a in s.activities:
        acts.add_row(
            f"{a.occurred_at:%Y-%m-%d %H:%M}",
            str(a.activity_id),
            a.label,
            f"{a.points:g}",
            f"{a.factor:.3f}",
            f"{a.decayed:.2f}",
        )
    console.print(acts)
    if ex.stored:
        console.print(
            f"stored score: {ex.stored['grade']} computed {ex.stored['computed_at']:%Y-%m-%d %H:%M} UTC "
            f"(playbook {ex.stored['playbook_version']})"
        )


@playbook_app.command("backtest")
def backtest(
    candidate: Annotated[Path | None, typer.Option("--playbook", help="Candidate playbook YAML.")] = None,
    db: DbOption = None,
    weeks: Annotated[int | None, typer.Option(help="Only the last N weeks of history.")] = None,
) -> None:
    """Replay history under a candidate scoring/MQL rule, side by side with the current one."""
    from leadflow.playbook import load_playbook
    from leadflow.services.backtest import backtest as run_backtest

    ctx = context(db, None)
    result = run_backtest(ctx, load_playbook(candidate) if candidate else ctx.playbook, weeks=weeks)
    table = Table(
        title=f"Backtest {result.start:%Y-%m-%d} .. {result.end:%Y-%m-%d} ({result.weeks:.1f} weeks)"
    )
    table.add_column("Measure")
    table.add_column(f"Current ({result.current.version})")
    table.add_column(f"Candidate ({result.candidate.version})")
    for label, a, b in result.rows():
        table.add_row(label, a, b)
    console.print(table)
    for line in result.notes:
        console.print(line, markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Add the score group (the backtest command joins the playbook group on import)."""
    app.add_typer(score_app, name="score")
