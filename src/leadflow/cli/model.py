"""`leadflow model train|evaluate|score`: learn a lead score from a lead table or the store; check, use it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from leadflow.cli.common import DbOption, PlaybookOption, as_of_instant, console, context
from leadflow.clock import SystemClock
from leadflow.domain.durations import parse_duration
from leadflow.errors import InvalidInput

if TYPE_CHECKING:  # scikit-learn and pandas load only when a model command runs
    from leadflow.ml.leakage import LeakFinding
    from leadflow.ml.training import Evaluation, TrainingOptions

model_app = typer.Typer(
    help="Predictive lead scoring: train a model with a leakage guard, evaluate it, score leads.",
    no_args_is_help=True,
)

FileArg = Annotated[
    Path, typer.Argument(help="Lead table: CSV (any delimiter, UTF-8 or Latin-1) or Parquet.")
]
OptionalFileArg = Annotated[
    Path | None,
    typer.Argument(
        help="Lead table: CSV (any delimiter, UTF-8 or Latin-1) or Parquet; none with --from-store."
    ),
]
OutcomeOpt = Annotated[
    str | None,
    typer.Option(
        "--outcome",
        help="0/1, yes/no or true/false column (default: Converted); with --from-store: sql (default), won"
        " or another funnel stage.",
    ),
]
FromStoreOpt = Annotated[
    bool, typer.Option("--from-store", help="Learn from (or score) the leads in the store instead of a file.")
]
WindowOpt = Annotated[
    str, typer.Option("--window", help="--from-store: observation window after lead creation (features).")
]
HorizonOpt = Annotated[
    str, typer.Option("--horizon", help="--from-store: time after the window to reach the outcome.")
]
AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", help="--from-store: the instant to learn or score at (ISO, UTC; default now)."),
]
IdOpt = Annotated[
    str | None, typer.Option("--id", help="Lead id column: kept in the output, never a feature.")
]
DateOpt = Annotated[
    str | None, typer.Option("--date", help="Date column: oldest 80 % train, newest 20 % test instead of CV.")
]
AlgorithmOpt = Annotated[str, typer.Option("--algorithm", help="logistic (explainable, default) or gbm.")]
AllowOpt = Annotated[
    list[str] | None,
    typer.Option("--allow-leaky", help="Keep a column the leakage guard flags (repeatable)."),
]
ExcludeOpt = Annotated[list[str] | None, typer.Option("--exclude", help="Leave a column out (repeatable).")]
DictionaryOpt = Annotated[
    Path | None,
    typer.Option("--dictionary", help="Data dictionary (CSV or .xlsx: column, description) for the guard."),
]
SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed for folds and trees.")]


def _options(
    id_column: str | None,
    date: str | None,
    algorithm: str,
    allow_leaky: list[str] | None,
    exclude: list[str] | None,
    seed: int,
) -> TrainingOptions:
    from leadflow.ml.training import TrainingOptions

    return TrainingOptions(
        id_column=id_column,
        date_column=date,
        algorithm=algorithm,
        allow_leaky=tuple(allow_leaky or ()),
        exclude=tuple(exclude or ()),
        seed=seed,
    )


@model_app.command("train")
def train_command(
    out: Annotated[Path, typer.Option("--out", help="Directory for model.joblib, card.json, card.html.")],
    file: OptionalFileArg = None,
    outcome: OutcomeOpt = None,
    id_column: IdOpt = None,
    date: DateOpt = None,
    algorithm: AlgorithmOpt = "logistic",
    allow_leaky: AllowOpt = None,
    exclude: ExcludeOpt = None,
    dictionary: DictionaryOpt = None,
    seed: SeedOpt = 0,
    from_store: FromStoreOpt = False,
    window: WindowOpt = "14d",
    horizon: HorizonOpt = "90d",
    as_of: AsOfOpt = None,
    db: DbOption = None,
    playbook: PlaybookOption = None,
) -> None:
    """Train a lead score (guard on), evaluate it out of sample and write the model and its card."""
    options = _options(id_column, date, algorithm, allow_leaky, exclude, seed)
    _check_source(file, from_store)
    if from_store and (id_column or date or dictionary):
        raise InvalidInput(
            "--id, --date and --dictionary are for files",
            where="--from-store",
            hint="the store's rows are keyed by person_id and ordered by created_at already",
        )
    if from_store:
        from leadflow.ml.history import HistorySpec

        spec = HistorySpec(
            outcome or "sql",
            _duration(window, "--window"),
            _duration(horizon, "--horizon"),
            as_of_instant(as_of),
        )
        from leadflow.services.predictive import train_from_store

        store_run = train_from_store(context(db, playbook), out, spec, options)
        history = store_run.history.summary()
        console.print(
            f"store as of {history['as_of']}: {history['persons']} persons; {history['labelled']} labelled,"
            f" {history['censored']} censored (horizon not over),"
            f" {history['reached_before_window_closed']} reached the outcome inside the window (left out)"
        )
        card, written = store_run.model.card, store_run.written
    else:
        assert file is not None
        from leadflow.ml.workflow import train_file

        run = train_file(file, out, outcome, options, SystemClock(), dictionary)
        card, written = run.model.card, run.written
    ev = card["evaluation"]
    balance = card["class_balance"]
    console.print(
        f"[bold]{card['outcome']}[/]: {balance['positive']} of {balance['positive'] + balance['negative']}"
        f" leads ({balance['positive_share']:.1%}); algorithm {card['algorithm']['name']},"
        f" calibration {card['algorithm']['calibration']}"
    )
    console.print(
        f"{ev['scheme']}: ROC AUC [bold]{ev['roc_auc']:.3f}[/], PR AUC {ev['pr_auc']:.3f},"
        f" top-decile lift {card['lift_by_decile'][0]['lift']:.2f}"
    )
    _print_features(card["top_features"][:8])
    _print_findings(card["leakage_guard"]["findings"])
    for path in written:
        console.print(f"wrote {path}")


@model_app.command("evaluate")
def evaluate_command(
    file: FileArg,
    outcome: OutcomeOpt = None,
    id_column: IdOpt = None,
    date: DateOpt = None,
    algorithm: AlgorithmOpt = "logistic",
    allow_leaky: AllowOpt = None,
    exclude: ExcludeOpt = None,
    dictionary: DictionaryOpt = None,
    seed: SeedOpt = 0,
) -> None:
    """Print out-of-sample metrics (5-fold CV, or a time-ordered holdout with --date) without saving."""
    options = _options(id_column, date, algorithm, allow_leaky, exclude, seed)
    from leadflow.ml.workflow import evaluate_file

    checked, evaluation = evaluate_file(file, outcome, options, dictionary)
    _print_evaluation(evaluation)
    _print_findings([_finding_row(f, checked.columns) for f in checked.findings])


@model_app.command("score")
def score_command(
    model: Annotated[Path, typer.Option("--model", help="Directory written by `leadflow model train`.")],
    file: OptionalFileArg = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="CSV to write: id, probability, reason_1..3 (file mode).")
    ] = None,
    from_store: Annotated[
        bool, typer.Option("--from-store", help="Write persons.model_probability for the store's open leads.")
    ] = False,
    as_of: AsOfOpt = None,
    db: DbOption = None,
    playbook: PlaybookOption = None,
) -> None:
    """Score every lead of a file (probability + top 3 reasons), or the store's open leads (--from-store)."""
    _check_source(file, from_store)
    if from_store:
        from leadflow.services.predictive import score_open_leads

        result = score_open_leads(context(db, playbook), model, as_of_instant(as_of) if as_of else None)
        console.print(
            f"scored {result.scored} open leads ({result.outcome}, as of {result.as_of.isoformat()});"
            f" mean probability {result.mean_probability:.1%}; wrote persons.model_probability"
        )
        return
    if file is None or out is None:
        raise InvalidInput("scoring a file needs FILE and --out", where="--out", hint="or use --from-store")
    from leadflow.ml.workflow import score_file

    scored = score_file(file, model, out)
    console.print(f"scored {len(scored)} leads; wrote {out}")
    best = scored.sort_values("probability", ascending=False).head(5)
    table = Table(title="Highest scores")
    for column in best.columns:
        table.add_column(str(column))
    for row in best.itertuples(index=False):
        table.add_row(*[str(v) for v in row])
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add the `model` command group to the LeadFlow CLI."""
    app.add_typer(model_app, name="model")


def _check_source(file: Path | None, from_store: bool) -> None:
    if from_store and file is not None:
        raise InvalidInput(
            f"give either a FILE ({file}) or --from-store, not both", where="FILE", hint="drop one of them"
        )
    if not from_store and file is None:
        raise InvalidInput(
            "no lead table given", where="FILE", hint="pass a CSV/Parquet file or --from-store"
        )


def _duration(text: str, option: str) -> timedelta:
    try:
        return parse_duration(text).to_timedelta()
    except ValueError as exc:
        raise InvalidInput(str(exc), where=option, hint="calendar time such as 14d, 2w or 90d") from None


def _print_evaluation(evaluation: Evaluation) -> None:
    quality = evaluation.quality
    table = Table(title=evaluation.scheme)
    table.add_column("Figure")
    table.add_column("Value", justify="right")
    for number, auc in enumerate(evaluation.fold_auc, start=1):
        table.add_row(f"ROC AUC fold {number}", f"{auc:.3f}")
    table.add_row("ROC AUC (mean)", f"{evaluation.roc_auc:.3f}")
    table.add_row("PR AUC", f"{quality.pr_auc:.3f}")
    table.add_row("Brier score", f"{quality.brier:.3f}")
    table.add_row("Base rate", f"{quality.base_rate:.1%}")
    table.add_row("Top-decile lift", f"{quality.deciles[0].lift:.2f}")
    table.add_row("Captured by top 3 deciles", f"{quality.deciles[2].cumulative_capture:.1%}")
    console.print(table)


def _print_features(rows: list[dict[str, Any]]) -> None:
    table = Table(title="Top features (mean |contribution| in log-odds)")
    table.add_column("Column")
    table.add_column("Weight", justify="right")
    table.add_column("Direction")
    for row in rows:
        table.add_row(str(row["column"]), f"{row['mean_abs_contribution']:.3f}", str(row["direction"]))
    console.print(table)


def _finding_row(finding: LeakFinding, used: tuple[str, ...]) -> dict[str, Any]:
    return {
        "column": finding.column,
        "severity": finding.severity,
        "used_in_model": finding.column in used,
        "reasons": list(finding.reasons),
    }


def _print_findings(findings: list[dict[str, Any]]) -> None:
    if not findings:
        console.print("leakage guard: no column raised a warning sign")
        return
    table = Table(title="Leakage guard")
    table.add_column("Column")
    table.add_column("Severity")
    table.add_column("In model")
    table.add_column("Why")
    for row in findings:
        table.add_row(
            str(row["column"]),
            str(row["severity"]),
            "yes" if row["used_in_model"] else "no",
            "; ".join(row["reasons"]),
        )
    console.print(table)
