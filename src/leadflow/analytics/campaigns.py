"""Campaign economics: what each source campaign cost per MQL, SQL and won deal; pipeline per unit cost."""

from __future__ import annotations

import pandas as pd

from leadflow.analytics.engines import Backend
from leadflow.analytics.filters import NONE_LABEL, Filters
from leadflow.analytics.milestones import opportunity_facts, reach, ts, within, won_stage

COLUMNS = [
    "campaign",
    "channel",
    "cost",
    "leads",
    "mqls",
    "sqls",
    "won",
    "pipeline",
    "revenue",
    "cost_per_mql",
    "cost_per_sql",
    "cost_per_won",
    "pipeline_per_cost",
]


def _ratio(a: float, b: float) -> float | None:
    return a / b if b and a == a else None  # a != a: NaN cost (people without a campaign)


def campaigns(b: Backend, f: Filters) -> pd.DataFrame:
    """Per source campaign: cost, people reaching each stage in the period, pipeline, revenue, ratios."""
    w = reach(b, f, ("campaign",))
    end = ts(f.as_of)
    won = won_stage(b)

    def came(col: str) -> object:
        return within(w[col], f.period) & (w[col] <= end)

    people = b.run(
        w.group_by("campaign").agg(
            leads=w.person_id.count(where=within(w.created_at, f.period) & (w.created_at <= end)),
            mqls=w.person_id.count(where=came("reach_mql")),
            sqls=w.person_id.count(where=came("reach_sql")),
            won=w.person_id.count(where=came(f"reach_{won}")),
        )
    )
    o = opportunity_facts(b, f, ("campaign",))
    made = within(o.created_at, f.period) & (o.created_at <= end)
    closed = (o.status == "won") & within(o.closed_at, f.period) & (o.closed_at <= end)
    money = b.run(
        o.group_by("campaign").agg(pipeline=o.amount.sum(where=made), revenue=o.amount.sum(where=closed))
    )
    c = b.table("campaigns")
    spend = b.run(c.select(campaign=c.name, channel=c.channel, cost=c.cost.fill_null(0.0)))
    spend = spend.groupby("campaign", as_index=False).agg(channel=("channel", "first"), cost=("cost", "sum"))
    out = spend.merge(people, on="campaign", how="outer").merge(money, on="campaign", how="outer")
    if f.campaign is not None or f.channel is not None:
        out = out[out["campaign"].isin(people["campaign"])]
    out["channel"] = out["channel"].fillna(NONE_LABEL)
    for col in ("cost", "pipeline", "revenue"):
        out[col] = out[col].fillna(0.0).astype(float)
    for col in ("leads", "mqls", "sqls", "won"):
        out[col] = out[col].fillna(0).astype("int64")
    out.loc[out["campaign"] == NONE_LABEL, "cost"] = float("nan")  # no campaign: no cost to divide
    out["cost_per_mql"] = [_ratio(c_, n) for c_, n in zip(out["cost"], out["mqls"], strict=True)]
    out["cost_per_sql"] = [_ratio(c_, n) for c_, n in zip(out["cost"], out["sqls"], strict=True)]
    out["cost_per_won"] = [_ratio(c_, n) for c_, n in zip(out["cost"], out["won"], strict=True)]
    out["pipeline_per_cost"] = [_ratio(p, c_) for p, c_ in zip(out["pipeline"], out["cost"], strict=True)]
    return out[COLUMNS].sort_values("campaign").reset_index(drop=True)
