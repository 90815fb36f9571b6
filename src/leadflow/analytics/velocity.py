"""Velocity: time in each stage and from first touch to MQL, SQL and won, with Kaplan-Meier for open cases."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pandas as pd

from leadflow.analytics.engines import Backend
from leadflow.analytics.filters import Filters
from leadflow.analytics.milestones import (
    Part,
    funnel_stages,
    group_keys,
    minutes_between,
    reach,
    stacked,
    ts,
    within,
    won_stage,
)
from leadflow.analytics.survival import summarize, weighted_quantile

MINUTES_PER_DAY = 1440.0
STAT_COLUMNS = [
    "n",
    "events",
    "censored",
    "p50_days",
    "p75_days",
    "p90_days",
    "km_p50_days",
    "km_p75_days",
    "km_p90_days",
]


def hist_columns(f: Filters) -> list[str]:
    """The columns a duration histogram counts rows by (its breakdown first)."""
    return [*group_keys(f), "measure", "stage", "minutes", "event"]


def time_in_stage(b: Backend, f: Filters) -> pd.DataFrame:
    """Histogram of time from the first entry into each stage to the next move (censored at as_of), counted
    where that is fastest (Backend.histogram)."""
    return b.histogram(time_in_stage_rows(b, f), hist_columns(f))


def time_in_stage_rows(b: Backend, f: Filters) -> ir.Table:
    """One row per person and stage entered in the period: minutes in it (censored at as_of) and event."""
    stages = funnel_stages(b)[:-1]
    keys = group_keys(f)
    we = reach(b, f)
    end = ts(f.as_of)

    def part(s: str) -> Part:
        def build(t: ir.Table) -> tuple[ir.BooleanValue, dict[str, ir.Value]]:
            start, leave = t[f"first_{s}"], t[f"exit_{s}"]
            left = leave.notnull() & (leave <= end)
            stop = ibis.cases((left, leave), else_=end)
            return within(start, f.period) & (start <= end), {
                "minutes": minutes_between(start, stop),
                "event": ibis.cases((left, 1), else_=0),
            }

        return build

    labels = [{"measure": "time_in_stage", "stage": s} for s in stages]
    return stacked(we, keys, labels, [part(s) for s in stages])


def first_touch(b: Backend, f: Filters) -> pd.DataFrame:
    """Histogram of time from first touch (or lead creation, if earlier) to reaching MQL, SQL and won."""
    return b.histogram(first_touch_rows(b, f), hist_columns(f))


def first_touch_rows(b: Backend, f: Filters) -> ir.Table:
    """One row per person and milestone: minutes from first touch to reaching it (censored) and event."""
    keys = group_keys(f)
    w = reach(b, f)
    acts = b.table("activities")
    first = acts.group_by(t_person="person_id").agg(t_first=acts.occurred_at.min())
    wt = w.left_join(first, w.person_id == first.t_person)
    wt = wt.mutate(
        t_touch=ibis.cases(
            (wt.t_first.notnull() & (wt.t_first < wt.created_at), wt.t_first), else_=wt.created_at
        )
    )
    end = ts(f.as_of)
    gone_stages = [s for s in b.playbook.stage_ids() if s not in funnel_stages(b)]
    stages = funnel_stages(b)
    milestones = [s for s in ("mql", "sql") if s in stages] + [won_stage(b)]

    def part(m: str) -> Part:
        def build(t: ir.Table) -> tuple[ir.BooleanValue, dict[str, ir.Value]]:
            gone = t.stage.isin(gone_stages)
            censor = ibis.cases((gone & (t.stage_entered_at <= end), t.stage_entered_at), else_=end)
            got = t[f"reach_{m}"].notnull() & (t[f"reach_{m}"] <= end)
            stop = ibis.cases((got, t[f"reach_{m}"]), else_=censor)
            return within(t.t_touch, f.period) & (t.t_touch <= end), {
                "minutes": minutes_between(t.t_touch, stop),
                "event": ibis.cases((got, 1), else_=0),
            }

        return build

    labels = [{"measure": "first_touch_to", "stage": m} for m in milestones]
    return stacked(wt, keys, labels, [part(m) for m in milestones])


def velocity_stats(hist: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Quantiles and Kaplan-Meier per (breakdown, measure, stage) of a duration histogram."""
    rows = []
    for group, part in hist.groupby([*keys, "measure", "stage"], sort=False, dropna=False):
        labels = group if isinstance(group, tuple) else (group,)
        row: dict[str, object] = dict(zip([*keys, "measure", "stage"], labels, strict=True))
        minutes = part["minutes"].clip(lower=0).astype(float).tolist()
        row.update(
            summarize(minutes, part["event"].astype(int).tolist(), part["n"].tolist(), MINUTES_PER_DAY)
        )
        rows.append(row)
    return pd.DataFrame(rows, columns=[*keys, "measure", "stage", *STAT_COLUMNS])


def velocity(b: Backend, f: Filters) -> pd.DataFrame:
    """Per stage: days in stage; per milestone: days from first touch; median/p75/p90 raw and Kaplan-Meier."""
    with b.session():
        keys = group_keys(f)
        hist = pd.concat([time_in_stage(b, f), first_touch(b, f)], ignore_index=True)
        out = velocity_stats(hist, keys)
        order = {s: i for i, s in enumerate(b.playbook.stage_ids())}
        out["_m"] = (out["measure"] != "time_in_stage").astype(int)
        out["_o"] = out["stage"].map(order)
        return out.sort_values([*keys, "_m", "_o"]).drop(columns=["_m", "_o"]).reset_index(drop=True)


def touches_expr(b: Backend, f: Filters) -> ir.Table:
    """Histogram of the number of touches each person had up to reaching MQL (MQLs of the period)."""
    keys = group_keys(f)
    w = reach(b, f)
    mqls = w.filter(within(w.reach_mql, f.period))
    acts = b.table("activities")
    m = mqls.select(m_person="person_id", m_at="reach_mql")
    j = acts.inner_join(m, acts.person_id == m.m_person)
    j = j.filter(j.occurred_at <= j.m_at)
    per = j.group_by(c_person="m_person").agg(touches=j.count())
    k = mqls.left_join(per, mqls.person_id == per.c_person)
    k = k.select(*keys, touches=k.touches.fill_null(0))
    return k.group_by([*keys, "touches"]).agg(n=k.count())


def touches_before_mql(b: Backend, f: Filters) -> pd.DataFrame:
    """Touches before MQL of the period's MQLs: count, mean, median and p90."""
    keys = group_keys(f)
    if "mql" not in funnel_stages(b):
        return pd.DataFrame(columns=[*keys, "mqls", "mean", "p50", "p90"])
    hist = b.run(touches_expr(b, f))
    rows = []
    for group, part in hist.groupby(keys, sort=True, dropna=False) if keys else [((), hist)]:
        labels = group if isinstance(group, tuple) else (group,)
        n = int(part["n"].sum())
        total = float((part["touches"] * part["n"]).sum())
        vals, counts = part["touches"].astype(float).tolist(), part["n"].tolist()
        rows.append(
            {
                **dict(zip(keys, labels, strict=True)),
                "mqls": n,
                "mean": total / n if n else None,
                "p50": weighted_quantile(vals, counts, 0.5),
                "p90": weighted_quantile(vals, counts, 0.9),
            }
        )
    return pd.DataFrame(rows, columns=[*keys, "mqls", "mean", "p50", "p90"])
