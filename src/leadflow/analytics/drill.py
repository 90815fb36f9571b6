"""The people behind a number: the same expressions as the metric, returning person ids instead of counts."""

from __future__ import annotations

from leadflow.analytics.engines import Backend
from leadflow.analytics.filters import Filters
from leadflow.analytics.milestones import funnel_stages, reach, within
from leadflow.errors import InvalidInput


def entered_stage_ids(b: Backend, f: Filters, stage: str, *, limit: int = 500) -> list[int]:
    """Persons counted as entering `stage` in the period (the funnel's `entered`), first entry order."""
    if stage not in funnel_stages(b):
        raise InvalidInput(
            f"{stage!r} is not a funnel stage",
            where="stage",
            hint="funnel stages: " + ", ".join(funnel_stages(b)),
        )
    w = reach(b, f)
    hits = w.filter(within(w[f"reach_{stage}"], f.period)).order_by([w[f"reach_{stage}"], w.person_id])
    frame = b.run(hits.select("person_id").limit(limit))
    return [int(x) for x in frame["person_id"]]
