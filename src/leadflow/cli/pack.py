"""`leadflow pack`: the meeting pack of a period as one HTML or PDF file, for the joint review."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from leadflow.analytics.filters import make_filters, period_containing
from leadflow.cli.analytics import (
    AsOfOpt,
    CampaignOpt,
    ChannelOpt,
    PeriodOpt,
    PersonaOpt,
    RepOpt,
    SegmentOpt,
)
from leadflow.cli.common import DbOption, PlaybookOption, as_of_instant, console, context

OutOpt = Annotated[
    Path | None,
    typer.Option("--out", "-o", help="File to write: .html or .pdf (default: leadflow-pack-<period>.html)."),
]


def pack(
    period: PeriodOpt = None,
    out: OutOpt = None,
    as_of: AsOfOpt = None,
    segment: SegmentOpt = None,
    persona: PersonaOpt = None,
    channel: ChannelOpt = None,
    campaign: CampaignOpt = None,
    rep: RepOpt = None,
    db: DbOption = None,
    playbook: PlaybookOption = None,
) -> None:
    """Write the meeting pack of a period as one HTML or PDF file: the shared numbers for the joint review."""
    from leadflow.reports.pack import pack_filename, pack_format, write_pack  # WeasyPrint loads only here

    if out is not None:
        pack_format(out)  # refuse a bad suffix before any work
    ctx = context(db, playbook)
    now = ctx.clock.now()
    now = as_of_instant(as_of) or now
    f = make_filters(
        period or period_containing(now).label,
        now,
        segment=segment,
        persona=persona,
        channel=channel,
        campaign=campaign,
        rep=rep,
    )
    path = write_pack(ctx, f, out or Path(pack_filename(f, "html")))
    console.print(f"[green]wrote[/green] {path} ({path.stat().st_size:,} bytes, period {f.period.label})")


def register(app: typer.Typer) -> None:
    """Add `pack`."""
    app.command("pack")(pack)
