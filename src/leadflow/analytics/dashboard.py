"""Everything the web Overview shows, computed by the library in one call so both always agree."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import pandas as pd

from leadflow.analytics.attribution import sourcing
from leadflow.analytics.engines import Backend, connect_store
from leadflow.analytics.filters import Filters, Period
from leadflow.analytics.funnel import funnel, stage_entries
from leadflow.analytics.plan import goals_for, plan
from leadflow.analytics.quality import leakage, sla_compliance
from leadflow.analytics.velocity import time_in_stage, velocity_stats
from leadflow.errors import InvalidInput


def plain(value: Any) -> Any:
    """JSON-ready: NaN -> None, numpy scalars -> Python, datetimes -> ISO text."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (pd.Timestamp, datetime)):
        return None if pd.isna(value) else value.isoformat()
    if value is None or value is pd.NaT:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame as JSON-ready records."""
    return [plain(r) for r in df.to_dict(orient="records")]


def _period(p: Period) -> dict[str, Any]:
    return {"label": p.label, "start": p.start.isoformat(), "end": p.end.isoformat()}


def _headline(b: Backend, f: Filters, full: bool = True) -> dict[str, Any]:
    """Figures with a trend arrow: entries per stage, revenue, marketing-sourced revenue, SLA compliance.

    Not full (the previous period, for the trend): the entries alone, as the trend compares nothing else."""
    fun = funnel(b, f) if full else stage_entries(b, f)
    src = sourcing(b, f).set_index("category")
    sla = sla_compliance(b, f)
    total = sla[sla["sla_id"] == "(all)"].set_index("team")
    stages = set(b.playbook.funnel_stages())
    out: dict[str, Any] = {
        f"entered_{r.stage}": int(r.entered) for r in fun.itertuples() if r.stage in stages
    }
    out["revenue"] = float(src.loc["total", "revenue"])
    out["pipeline"] = float(src.loc["total", "pipeline"])
    out["marketing_sourced_revenue"] = float(src.loc["marketing_sourced", "revenue"])
    for team in ("marketing", "sales"):
        out[f"sla_{team}"] = plain(total.loc[team, "compliance"]) if team in total.index else None
    return {"funnel": fun, "sourcing": src, "sla": sla, "figures": out}


def _trend(now: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    trend = {}
    for key, value in now.items():
        prev = before.get(key)
        change = None
        if value is not None and prev not in (None, 0):
            change = (value - prev) / abs(prev)
        trend[key] = {"current": value, "previous": prev, "change": change}
    return trend


def dashboard_metrics(source: Any, filters: Filters) -> dict[str, Any]:
    """The Overview: funnel (conversion and velocity per stage), plan vs goal, SLA both teams, leakage,
    marketing-sourced revenue and the trend against the previous period.

    `source` is a Context (leakage included) or a Backend."""
    ctx = None
    if isinstance(source, Backend):
        b = source
    elif hasattr(source, "engine") and hasattr(source, "playbook"):
        ctx = source
        b = connect_store(ctx.engine, ctx.playbook.model)
    else:
        raise InvalidInput(
            "dashboard_metrics needs a Context or a Backend",
            where="dashboard_metrics",
            hint="pass ctx or leadflow.analytics.connect(...)",
        )
    with b.session():
        return _overview(b, ctx, filters.with_breakdown())


def _overview(b: Backend, ctx: Any, f: Filters) -> dict[str, Any]:
    now = _headline(b, f)
    prev_f = f.with_period(f.period.previous())
    before = _headline(b, prev_f, full=False)
    speed = velocity_stats(time_in_stage(b, f), [])
    speed = speed.set_index("stage")
    stages = []
    for r in now["funnel"].itertuples():
        if r.stage not in b.playbook.funnel_stages():
            continue
        row = {
            "stage": r.stage,
            "entered": int(r.entered),
            "skipped": int(r.skipped),
            "moves": int(r.moves),
            "next_stage": r.next_stage,
            "to_next_rate": r.to_next_rate,
            "to_won_rate": r.to_won_rate,
            "to_next_p50_days": r.to_next_p50_days,
        }
        if r.stage in speed.index:
            row.update(
                days_in_stage_p50=speed.loc[r.stage, "p50_days"],
                days_in_stage_km_p50=speed.loc[r.stage, "km_p50_days"],
                still_in_stage=speed.loc[r.stage, "censored"],
            )
        stages.append(plain(row))
    goal_view = None
    if goals_for(b, f.period.label):
        result = plan(b, f)
        summary = result.summary
        goal = float(summary["goal"].sum())
        won = (
            float(summary[summary["segment"] == "all"]["won_to_date"].sum())
            if "all" in set(summary["segment"])
            else float(summary["won_to_date"].sum())
        )
        goal_view = {
            "goal": goal,
            "won_to_date": won,
            "attainment": won / goal if goal else None,
            "segments": records(summary),
            "stages": records(result.stages),
        }
    src = now["sourcing"]
    revenue = float(src.loc["total", "revenue"])
    mkt = float(src.loc["marketing_sourced", "revenue"])
    sla = now["sla"]
    sla_view = {team: records(sla[sla["team"] == team]) for team in ("marketing", "sales")}
    view: dict[str, Any] = plain(
        {
            "period": _period(f.period),
            "previous_period": _period(prev_f.period),
            "as_of": f.as_of.isoformat(),
            "filters": f.person_filters(),
            "funnel": stages,
            "plan": goal_view,
            "sla": {
                "marketing": now["figures"]["sla_marketing"],
                "sales": now["figures"]["sla_sales"],
                "detail": sla_view,
            },
            "leakage": leakage(ctx),
            "marketing_sourced": {
                "revenue": mkt,
                "pipeline": float(src.loc["marketing_sourced", "pipeline"]),
                "share_of_revenue": mkt / revenue if revenue else None,
                "influenced_revenue": float(src.loc["marketing_influenced", "revenue"]),
            },
            "sourcing": records(src.reset_index()),
            "trend": _trend(now["figures"], before["figures"]),
        }
    )
    return view


def all_metrics(b: Backend, f: Filters, goals: dict[str, float] | None = None) -> dict[str, pd.DataFrame]:
    """Every metric family on one backend (the cross-engine test and the benchmark run exactly this)."""

    with b.session():
        return _all(b, f, goals)


def _all(b: Backend, f: Filters, goals: dict[str, float] | None) -> dict[str, pd.DataFrame]:
    from leadflow.analytics import attribution, campaigns, funnel, quality, velocity
    from leadflow.analytics.plan import plan as plan_of

    planned = plan_of(b, f, goals)
    seg = f.with_breakdown("segment")
    return {
        "funnel": funnel.funnel(b, f),
        "funnel_by_segment": funnel.funnel(b, seg),
        "velocity": velocity.velocity(b, f),
        "touches_before_mql": velocity.touches_before_mql(b, f),
        "plan_summary": planned.summary,
        "plan_stages": planned.stages,
        "sourcing": attribution.sourcing(b, f),
        "attribution": attribution.attribution(
            b,
            f,
            "opportunity_created",
            ("first_touch", "linear", "w_shaped", "time_decay", "markov_1", "shapley"),
        ),
        "campaigns": campaigns.campaigns(b, f),
        "acceptance": quality.acceptance(b, f, "channel"),
        "rejections": quality.rejection_reasons(b, f),
        "segment_mismatch": quality.segment_mismatch(b, f),
        "sla": quality.sla_compliance(b, f),
    }
