"""Plan to goal (reverse waterfall): from a revenue goal back to the leads, MQLs ... needed, and the gap."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import timedelta

import pandas as pd

from leadflow.analytics.engines import Backend
from leadflow.analytics.filters import Filters
from leadflow.analytics.funnel import cohort_conversion
from leadflow.analytics.milestones import funnel_stages, opportunity_facts, person_dims, ts, within, won_stage
from leadflow.errors import InvalidInput

TRAILING_DAYS = 365
ALL = "all"


@dataclass(frozen=True)
class PlanResult:
    """summary: one row per goal segment; stages: one row per segment and funnel stage."""

    summary: pd.DataFrame
    stages: pd.DataFrame


def goals_for(b: Backend, period: str) -> dict[str, float]:
    """Revenue goals of a period by segment: the playbook's, overridden by rows of the goals table."""
    found = {g.segment: float(g.revenue) for g in b.playbook.goals if g.period == period}
    if b.has_table("goals"):
        g = b.table("goals")
        rows = b.run(g.filter(g.period == period).select("segment", "revenue"))
        for segment, revenue in zip(rows["segment"], rows["revenue"], strict=True):
            found[str(segment)] = float(revenue)
    return found


def _segment_filters(f: Filters, segment: str) -> Filters:
    return replace(f, segment=None if segment == ALL else segment, breakdown=())


def _deals(b: Backend, f: Filters, trailing: Filters) -> tuple[float | None, float]:
    """Average won deal in the trailing window (or any earlier win) and revenue won so far in the period."""
    o = opportunity_facts(b, f)
    won = o.filter(o.status == "won")
    end = min(f.as_of, f.period.end)
    row = b.run(
        won.aggregate(
            t_n=won.opp_id.count(where=within(won.closed_at, trailing.period)),
            t_sum=won.amount.sum(where=within(won.closed_at, trailing.period)),
            e_n=won.opp_id.count(where=won.closed_at < ts(f.period.start)),
            e_sum=won.amount.sum(where=won.closed_at < ts(f.period.start)),
            now_sum=won.amount.sum(where=(won.closed_at >= ts(f.period.start)) & (won.closed_at < ts(end))),
        )
    ).iloc[0]
    avg = None
    if row["t_n"]:
        avg = float(row["t_sum"]) / int(row["t_n"])
    elif row["e_n"]:
        avg = float(row["e_sum"]) / int(row["e_n"])
    won_now = 0.0 if pd.isna(row["now_sum"]) else float(row["now_sum"])
    return avg, won_now


def _in_stage(b: Backend, f: Filters) -> dict[str, int]:
    dims = person_dims(b, f)
    counts = b.run(dims.group_by("stage").agg(n=dims.count()))
    return {str(s): int(n) for s, n in zip(counts["stage"], counts["n"], strict=True)}


def plan_segment(
    b: Backend, f: Filters, segment: str, goal: float
) -> tuple[dict[str, object], list[dict[str, object]]]:
    """The reverse waterfall of one segment's goal."""
    sf = _segment_filters(f, segment)
    trailing = sf.with_period(f.period.trailing(TRAILING_DAYS))
    stages = funnel_stages(b)
    won = won_stage(b)
    conv = cohort_conversion(b, trailing)
    step = {(r.from_stage, r.to_stage): r for r in conv.itertuples()}
    avg, won_now = _deals(b, sf, trailing)
    remaining = max(goal - won_now, 0.0)
    in_stage = _in_stage(b, sf)
    rows: list[dict[str, object]] = []
    to_won = 1.0
    expected = 0.0
    have = 0
    for i in range(len(stages) - 1, -1, -1):
        s = stages[i]
        rate_next = None
        if s != won:
            r = step.get((s, stages[i + 1]))
            rate_next = None if r is None or r.rate is None or pd.isna(r.rate) else float(r.rate)
            to_won = to_won * rate_next if rate_next is not None else 0.0
        if s != won:
            have += in_stage.get(s, 0)
            expected += in_stage.get(s, 0) * to_won * (avg or 0.0)
        needed = math.ceil(remaining / (avg * to_won) - 1e-9) if avg and to_won > 0 else None
        cycle = step.get((s, won))
        days = (
            None
            if s == won
            else (None if cycle is None or pd.isna(cycle.p50_days) else float(cycle.p50_days))
        )
        by_when = (
            f.period.end - timedelta(days=days) if days is not None else (f.period.end if s == won else None)
        )
        rows.append(
            {
                "segment": segment,
                "stage": s,
                "needed": needed,
                "by_when": by_when,
                "rate_to_next": rate_next,
                "rate_to_won": to_won,
                "cycle_days_to_won": days,
                "in_stage": 0 if s == won else in_stage.get(s, 0),
                "pipeline_at_or_after": 0 if s == won else have,
                "gap": None if needed is None else max(needed - (0 if s == won else have), 0),
            }
        )
    rows.reverse()
    summary: dict[str, object] = {
        "segment": segment,
        "period": f.period.label,
        "goal": goal,
        "won_to_date": won_now,
        "remaining": remaining,
        "avg_deal": avg,
        "expected_from_pipeline": expected,
        "revenue_gap": max(remaining - expected, 0.0),
        "trailing_from": trailing.period.start,
        "trailing_to": trailing.period.end,
    }
    return summary, rows


def plan(b: Backend, f: Filters, goals: dict[str, float] | None = None) -> PlanResult:
    """Leads, MQLs, SALs, SQLs and opportunities the goal needs, by when, against the pipeline."""
    with b.session():
        goals = goals if goals is not None else goals_for(b, f.period.label)
        if not goals:
            raise InvalidInput(
                f"no revenue goal for {f.period.label}",
                where="goals",
                hint="add one under `goals:` in the playbook or set it in the goals table",
            )
        summaries, rows = [], []
        for segment in sorted(goals):
            summary, stage_rows = plan_segment(b, f, segment, goals[segment])
            summaries.append(summary)
            rows.extend(stage_rows)
        return PlanResult(pd.DataFrame(summaries), pd.DataFrame(rows))
