"""`leadflow funnel|velocity|plan|attribution|campaigns`: the shared numbers on the store, DuckDB, Spark."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from leadflow.analytics.filters import Filters, make_filters, period_containing
from leadflow.cli.common import DbOption, PlaybookOption, as_of_instant, console, context
from leadflow.clock import SystemClock
from leadflow.errors import InvalidInput
from leadflow.playbook import load_playbook

if TYPE_CHECKING:  # the metric modules (ibis, pandas) load when a metric command runs, not at CLI start
    import pandas as pd

    from leadflow.analytics.engines import Backend

FORMATS = ("table", "csv", "json", "parquet")

PeriodOpt = Annotated[
    str | None,
    typer.Option(
        "--period", help="2026-Q1, 2026-03, 2026-H1, 2026-FY or FIRST..LAST (default: the current quarter)."
    ),
]
AsOfOpt = Annotated[
    str | None, typer.Option("--as-of", help="Measure at this instant (ISO, UTC; default now).")
]
ByOpt = Annotated[
    str | None,
    typer.Option(
        "--by",
        help="Break down by segment, persona, channel, campaign, rep or playbook_version (comma-separated).",
    ),
]
SegmentOpt = Annotated[str | None, typer.Option("--segment", help="Only this segment.")]
PersonaOpt = Annotated[str | None, typer.Option("--persona", help="Only this persona.")]
ChannelOpt = Annotated[str | None, typer.Option("--channel", help="Only this source channel.")]
CampaignOpt = Annotated[str | None, typer.Option("--campaign", help="Only this source campaign (name).")]
RepOpt = Annotated[str | None, typer.Option("--rep", help="Only people owned by this rep (email).")]
VersionOpt = Annotated[
    str | None, typer.Option("--playbook-version", help="Only people created under this version.")
]
EngineOpt = Annotated[str, typer.Option("--engine", help="store (SQLite/PostgreSQL), duckdb or spark.")]
SourceOpt = Annotated[
    Path | None,
    typer.Option(
        "--source",
        help="For duckdb/spark: a .duckdb file or a folder of Parquet files from `leadflow export parquet`.",
    ),
]
FormatOpt = Annotated[
    str, typer.Option("--format", help="table, csv, json or parquet (parquet needs --output).")
]
OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
]


def _open(
    engine: str, db: str | None, playbook: Path | None, source: Path | None, as_of: str | None
) -> tuple[Backend, datetime, Any]:
    """The backend and the instant to measure at (a file source never needs the store)."""
    from leadflow.analytics.engines import connect

    if engine != "store" and source is not None:
        pb = load_playbook(playbook).model
        b = connect(engine, playbook=pb, source=source)
        now, ctx = SystemClock().now(), None
    else:
        ctx = context(db, playbook)
        b = connect(engine, playbook=ctx.playbook.model, store=ctx.engine, source=source)
        now = ctx.clock.now()
    now = as_of_instant(as_of) or now
    return b, now, ctx


def _filters(now: datetime, period: str | None, by: str | None, **dims: str | None) -> Filters:
    return make_filters(period or period_containing(now), now, by=by, **dims)


def emit(frames: dict[str, pd.DataFrame], fmt: str, output: Path | None, title: str) -> None:
    """Print (or write) result tables in the chosen format."""
    from leadflow.analytics.dashboard import plain

    if fmt not in FORMATS:
        raise InvalidInput(
            f"unknown format {fmt!r}", where="--format", hint=f"use one of {', '.join(FORMATS)}"
        )
    if fmt == "parquet":
        if output is None:
            raise InvalidInput(
                "parquet output needs a file", where="--format parquet", hint="add --output FILE"
            )
        for i, (name, df) in enumerate(frames.items()):
            path = output if i == 0 else output.with_name(f"{output.stem}-{name}{output.suffix}")
            df.to_parquet(path, index=False)
        return
    if fmt == "json":
        doc = {name: [plain(r) for r in df.to_dict(orient="records")] for name, df in frames.items()}
        text = json.dumps(doc if len(doc) > 1 else next(iter(doc.values())), indent=2)
    elif fmt == "csv":
        text = "\n".join(df.to_csv(index=False) for df in frames.values())
    else:
        for name, df in frames.items():
            console.print(_rich(df, f"{title}: {name}" if len(frames) > 1 else title))
        return
    if output is not None:
        output.write_text(text, encoding="utf-8")
    else:
        typer.echo(text)


def _cell(value: Any) -> str:
    from leadflow.analytics.dashboard import plain

    value = plain(value)
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 100 else f"{value:,.0f}"
    return str(value)


def _rich(df: pd.DataFrame, title: str) -> Table:
    import pandas as pd

    table = Table(title=title)
    for col in df.columns:
        table.add_column(str(col), justify="right" if pd.api.types.is_numeric_dtype(df[col]) else "left")
    for row in df.itertuples(index=False):
        table.add_row(*[_cell(v) for v in row])
    return table


def funnel(
    period: PeriodOpt = None,
    as_of: AsOfOpt = None,
    by: ByOpt = None,
    segment: SegmentOpt = None,
    persona: PersonaOpt = None,
    channel: ChannelOpt = None,
    campaign: CampaignOpt = None,
    rep: RepOpt = None,
    playbook_version: VersionOpt = None,
    engine: EngineOpt = "store",
    source: SourceOpt = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    db: DbOption = None,
    playbook: PlaybookOption = None,
) -> None:
    """People entering each stage, skipped stages, moves, cohort conversion to the next stage and to won."""
    b, now, _ = _open(engine, db, playbook, source, as_of)
    f = _filters(
        now,
        period,
        by,
        segment=segment,
        persona=persona,
        channel=channel,
        campaign=campaign,
        rep=rep,
        playbook_version=playbook_version,
    )
    from leadflow.analytics import funnel as funnel_metrics

    emit({"funnel": funnel_metrics.funnel(b, f)}, fmt, output, f"Funnel {f.period.label}")


def velocity(
    period: PeriodOpt = None,
    as_of: AsOfOpt = None,
    by: ByOpt = None,
    segment: SegmentOpt = None,
    persona: PersonaOpt = None,
    channel: ChannelOpt = None,
    campaign: CampaignOpt = None,
    rep: RepOpt = None,
    playbook_version: VersionOpt = None,
    engine: EngineOpt = "store",
    source: SourceOpt = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    db: DbOption = None,
    playbook: PlaybookOption = None,
) -> None:
    """Days in each stage and from first touch to MQL, SQL and won (median, p75, p90; Kaplan-Meier)."""
    b, now, _ = _open(engine, db, playbook, source, as_of)
    f = _filters(
        now,
        period,
        by,
        segment=segment,
        persona=persona,
        channel=channel,
        campaign=campaign,
        rep=rep,
        playbook_version=playbook_version,
    )
    from leadflow.analytics import velocity as velocity_metrics

    emit(
        {
            "velocity": velocity_metrics.velocity(b, f),
            "touches_before_mql": velocity_metrics.touches_before_mql(b, f),
        },
        fmt,
        output,
        f"Velocity {f.period.label}",
    )


def plan(
    period: PeriodOpt = None,
    as_of: AsOfOpt = None,
    segment: SegmentOpt = None,
    engine: EngineOpt = "store",
    source: SourceOpt = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    db: DbOption = None,
    playbook: PlaybookOption = None,
) -> None:
    """Reverse waterfall: what the period's revenue goal needs at each stage, by when, and the gap."""
    b, now, _ = _open(engine, db, playbook, source, as_of)
    f = _filters(now, period, None, segment=segment)
    from leadflow.analytics import plan as plan_metrics

    result = plan_metrics.plan(b, f)
    emit({"goal": result.summary, "stages": result.stages}, fmt, output, f"Plan {f.period.label}")


def attribution(
    period: PeriodOpt = None,
    as_of: AsOfOpt = None,
    milestone: Annotated[
        str, typer.Option("--milestone", help="lead_created, mql, opportunity_created or won.")
    ] = "won",
    model: Annotated[list[str] | None, typer.Option("--model", help="Model(s); default: all.")] = None,
    key: Annotated[str, typer.Option("--key", help="Credit channels or campaigns.")] = "channel",
    segment: SegmentOpt = None,
    persona: PersonaOpt = None,
    engine: EngineOpt = "store",
    source: SourceOpt = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    db: DbOption = None,
    playbook: PlaybookOption = None,
) -> None:
    """Marketing/sales-sourced and influenced pipeline and revenue, and credits per model over touches."""
    b, now, _ = _open(engine, db, playbook, source, as_of)
    f = _filters(now, period, None, segment=segment, persona=persona)
    from leadflow.analytics import attribution as attribution_metrics

    models = tuple(model) if model else attribution_metrics.DEFAULT_MODELS
    credits = attribution_metrics.attribution(b, f, milestone, models, key)
    emit(
        {"sourcing": attribution_metrics.sourcing(b, f), "credits": credits},
        fmt,
        output,
        f"Attribution to {milestone} {f.period.label}",
    )


def campaigns(
    period: PeriodOpt = None,
    as_of: AsOfOpt = None,
    view: Annotated[
        str, typer.Option("--view", help="economics, acceptance, rejections, mismatch, sla or all.")
    ] = "economics",
    by: Annotated[
        str | None, typer.Option("--by", help="acceptance/rejections: campaign, channel, persona ...")
    ] = None,
    segment: SegmentOpt = None,
    persona: PersonaOpt = None,
    channel: ChannelOpt = None,
    campaign: CampaignOpt = None,
    rep: RepOpt = None,
    engine: EngineOpt = "store",
    source: SourceOpt = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    db: DbOption = None,
    playbook: PlaybookOption = None,
) -> None:
    """Cost per MQL/SQL/won, pipeline per cost; MQL acceptance, rejection Pareto, segment mismatch, SLAs."""
    b, now, _ = _open(engine, db, playbook, source, as_of)
    f = _filters(
        now, period, None, segment=segment, persona=persona, channel=channel, campaign=campaign, rep=rep
    )
    from leadflow.analytics import campaigns as campaign_metrics
    from leadflow.analytics import quality as quality_metrics

    views = {
        "economics": lambda: campaign_metrics.campaigns(b, f),
        "acceptance": lambda: quality_metrics.acceptance(b, f, by or "campaign"),
        "rejections": lambda: quality_metrics.rejection_reasons(b, f, by),
        "mismatch": lambda: quality_metrics.segment_mismatch(b, f),
        "sla": lambda: quality_metrics.sla_compliance(b, f),
    }
    chosen = list(views) if view == "all" else [view]
    for name in chosen:
        if name not in views:
            raise InvalidInput(
                f"unknown view {name!r}", where="--view", hint=f"use {', '.join(views)} or all"
            )
    emit({name: views[name]() for name in chosen}, fmt, output, f"Campaigns {f.period.label}")


def register(app: typer.Typer) -> None:
    """Add the analytics commands."""
    for command in (funnel, velocity, plan, attribution, campaigns):
        app.command(command.__name__)(command)
