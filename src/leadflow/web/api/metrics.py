"""/api/v1/metrics: every analytics metric with the same filters as the pages, as JSON records."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Request

from leadflow.analytics import attribution as attribution_mod
from leadflow.analytics import campaigns as campaigns_mod
from leadflow.analytics import connect_store, quality, velocity
from leadflow.analytics import funnel as funnel_mod
from leadflow.analytics.dashboard import records
from leadflow.analytics.engines import Backend
from leadflow.analytics.filters import Filters
from leadflow.analytics.plan import plan
from leadflow.errors import NotFound
from leadflow.services.users import User
from leadflow.web.api.schemas import ErrorOut
from leadflow.web.deps import ANYONE, Ctx, require
from leadflow.web.filters import QueryFilters, Text
from leadflow.web.metrics_cache import cached_dashboard

router = APIRouter(
    prefix="/api/v1/metrics", tags=["metrics"], responses={403: {"model": ErrorOut}, 422: {"model": ErrorOut}}
)
Reader = Annotated[User, require(*ANYONE)]

METRICS: dict[str, Callable[[Backend, Filters], pd.DataFrame]] = {
    "funnel": funnel_mod.funnel,
    "velocity": velocity.velocity,
    "touches_before_mql": velocity.touches_before_mql,
    "sourcing": attribution_mod.sourcing,
    "campaigns": campaigns_mod.campaigns,
    "acceptance": lambda b, f: quality.acceptance(b, f, "campaign"),
    "rejection_reasons": quality.rejection_reasons,
    "segment_mismatch": quality.segment_mismatch,
    "sla": quality.sla_compliance,
    "plan": lambda b, f: plan(b, f).stages,
    "attribution": lambda b, f: attribution_mod.attribution(b, f, "opportunity_created"),
}


@router.get("")
def list_metrics(user: Reader) -> dict[str, list[str]]:
    """The metric names this endpoint serves (definitions: docs/metrics.md)."""
    return {"metrics": ["dashboard", *METRICS]}


@router.get("/dashboard")
def dashboard(request: Request, ctx: Ctx, user: Reader, f: QueryFilters) -> dict[str, Any]:
    """Everything the Overview shows, the same numbers (computed once per filter set for both)."""
    return cached_dashboard(request.app.state.metrics_cache, ctx, f)


@router.get("/{name}", responses={404: {"model": ErrorOut, "description": "No metric of that name"}})
def metric(ctx: Ctx, user: Reader, name: str, f: QueryFilters, by: Text = None) -> dict[str, Any]:
    """One metric as records; `by` breaks the funnel-family metrics down by a dimension."""
    if name not in METRICS:
        raise NotFound(
            f"no metric {name[:40]!r}", where="metric", hint="metrics: dashboard, " + ", ".join(METRICS)
        )
    if by:
        f = f.with_breakdown(*[p.strip() for p in by.split(",") if p.strip()])
    b = connect_store(ctx.engine, ctx.playbook.model)
    return {
        "metric": name,
        "period": f.period.label,
        "filters": f.person_filters(),
        "rows": records(METRICS[name](b, f)),
    }
