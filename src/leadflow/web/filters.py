"""The filters every analytics page and endpoint takes from the query string, in one place."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from leadflow.analytics import make_filters
from leadflow.analytics.filters import Filters, period_containing
from leadflow.services.context import Context
from leadflow.web.deps import Ctx

Text = Annotated[str | None, Query(max_length=200)]


def page_filters(ctx: Context, period: str | None, dims: dict[str, str | None]) -> Filters:
    """Filters from query values; the current quarter by default; empty values mean 'all'."""
    now = ctx.clock.now()
    chosen = {k: v for k, v in dims.items() if v}
    return make_filters(period or period_containing(now).label, now, **chosen)


def query_filters(
    ctx: Ctx,
    period: Text = None,
    segment: Text = None,
    persona: Text = None,
    channel: Text = None,
    campaign: Text = None,
    rep: Text = None,
) -> Filters:
    """Period (2026-Q4, 2026-03, FIRST..LAST) and dimension filters from the query string."""
    dims = {"segment": segment, "persona": persona, "channel": channel, "campaign": campaign, "rep": rep}
    return page_filters(ctx, period, dims)


QueryFilters = Annotated[Filters, Depends(query_filters)]
