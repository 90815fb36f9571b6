"""Overview, the shared dashboard: the agreed numbers for both teams, with filters, trends and drill-down."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from leadflow.analytics import connect_store
from leadflow.analytics.definitions import DEFINITIONS
from leadflow.analytics.drill import entered_stage_ids
from leadflow.analytics.filters import period_containing
from leadflow.services.context import Context
from leadflow.services.persons import by_ids
from leadflow.services.users import User
from leadflow.store.engine import reading
from leadflow.store.tables import campaigns, users
from leadflow.web.deps import ANYONE, Ctx, require
from leadflow.web.filters import QueryFilters
from leadflow.web.metrics_cache import cached_dashboard
from leadflow.web.render import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[User, require(*ANYONE)]
DIMS = ("segment", "persona", "channel", "campaign", "rep")


def filter_options(ctx: Context) -> dict[str, list[str]]:
    """The values each filter offers (segments and personas from the playbook, channels, campaigns, reps)."""
    pb = ctx.playbook.model
    with reading(ctx.engine) as conn:
        channels = sorted({c for c in conn.execute(select(campaigns.c.channel).distinct()).scalars() if c})
        names = sorted({c for c in conn.execute(select(campaigns.c.name)).scalars() if c})
        reps = sorted(e for e in conn.execute(select(users.c.email).where(users.c.team == "sales")).scalars())
    now = ctx.clock.now()
    quarter = period_containing(now)
    periods = [
        quarter.label,
        quarter.previous().label,
        period_containing(now, "M").label,
        f"{(now - timedelta(days=365)).date()}..{now.date()}",
        f"{now.year}-FY",
    ]
    return {
        "segment": list(pb.segments),
        "persona": list(pb.personas),
        "channel": channels,
        "campaign": names,
        "rep": reps,
        "period": periods,
    }


def funnel_chart(metrics: dict[str, Any]) -> str:
    """A Vega-Lite bar chart of people entering each stage."""
    values = [{"stage": r["stage"], "entered": r["entered"]} for r in metrics["funnel"]]
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": "People entering each funnel stage in the period",
        "width": "container",
        "height": 220,
        "data": {"values": values},
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "y": {"field": "stage", "type": "nominal", "sort": None, "title": None},
            "x": {"field": "entered", "type": "quantitative", "title": "people entering"},
        },
    }
    return json.dumps(spec)


@router.get("/overview")
def overview(request: Request, ctx: Ctx, user: Reader, f: QueryFilters) -> Response:
    """Funnel with conversion and velocity, plan vs goal, SLA both sides, leakage, sourced revenue, trend."""
    metrics = cached_dashboard(request.app.state.metrics_cache, ctx, f)
    query = "&".join(f"{k}={v}" for k, v in {"period": f.period.label, **f.person_filters()}.items())
    return render(
        request,
        "overview.html",
        {
            "m": metrics,
            "f": f,
            "options": filter_options(ctx),
            "chosen": {dim: getattr(f, dim) for dim in DIMS},
            "period": f.period.label,
            "chart": funnel_chart(metrics),
            "query": query,
            "defs": DEFINITIONS,
            "pb": ctx.playbook.model,
        },
    )


@router.get("/people")
def people(
    request: Request, ctx: Ctx, user: Reader, f: QueryFilters, stage: Annotated[str, Query(max_length=40)]
) -> Response:
    """The persons behind a funnel number: those counted as entering the stage in the period."""
    ids = entered_stage_ids(connect_store(ctx.engine, ctx.playbook.model), f, stage)
    return render(request, "people.html", {"rows": by_ids(ctx, ids), "stage": stage, "f": f, "limit": 500})


@router.get("/definitions")
def definitions(request: Request, user: Reader) -> Response:
    """Every metric's written definition (docs/metrics.md has the long form)."""
    return render(request, "definitions.html", {"defs": DEFINITIONS})
