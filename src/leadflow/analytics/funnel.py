"""Funnel metrics: people entering each stage, period volumes and cohort conversion (share and time)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

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
    person_dims,
    reach,
    stacked,
    ts,
    within,
    won_stage,
)
from leadflow.analytics.survival import weighted_quantile

MINUTES_PER_DAY = 1440.0


def _aggregate(table: ir.Table, keys: list[str], **aggs: ir.Scalar) -> ir.Table:
    return table.group_by(keys).agg(**aggs) if keys else table.aggregate(**aggs)


def entries_expr(b: Backend, f: Filters) -> ir.Table:
    """Per breakdown group: entered_<s> and skipped_<s> for every funnel stage (the SQL we snapshot)."""
    w = reach(b, f)
    aggs: dict[str, ir.Scalar] = {}
    for s in funnel_stages(b):
        came = within(w[f"reach_{s}"], f.period)
        jumped = w[f"first_{s}"].isnull() | (w[f"first_{s}"] > w[f"reach_{s}"])
        aggs[f"entered_{s}"] = w.person_id.count(where=came)
        aggs[f"skipped_{s}"] = w.person_id.count(where=came & jumped)
    return _aggregate(w, group_keys(f), **aggs)


def moves_expr(b: Backend, f: Filters) -> ir.Table:
    """Stage changes into each stage during the period (re-entries and non-funnel stages included)."""
    sc = b.table("stage_changes")
    dims = person_dims(b, f)
    sc = sc.filter(within(sc.at, f.period))
    j = sc.inner_join(dims, sc.person_id == dims.person_id)
    return j.group_by([*group_keys(f), "to_stage"]).agg(moves=j.count())


def stage_entries(b: Backend, f: Filters) -> pd.DataFrame:
    """Per funnel stage (and breakdown): people entering it in the period and how many skipped it."""
    keys = group_keys(f)
    wide = b.run(entries_expr(b, f))
    rows = []
    for _, row in wide.iterrows():
        for s in funnel_stages(b):
            rows.append(
                {
                    **{k: row[k] for k in keys},
                    "stage": s,
                    "entered": int(row[f"entered_{s}"]),
                    "skipped": int(row[f"skipped_{s}"]),
                }
            )
    return pd.DataFrame(rows, columns=[*keys, "stage", "entered", "skipped"])


def stage_volumes(b: Backend, f: Filters) -> pd.DataFrame:
    """Per funnel stage (and breakdown): people entering it in the period, how many skipped it, all moves."""
    keys = group_keys(f)
    out = stage_entries(b, f)
    moves = b.run(moves_expr(b, f)).rename(columns={"to_stage": "stage"})
    out = out.merge(moves, on=[*keys, "stage"], how="outer")
    out["stage"] = out["stage"].astype(str)
    for col in ("entered", "skipped", "moves"):
        out[col] = out[col].fillna(0).astype("int64")
    order = {s: i for i, s in enumerate(b.playbook.stage_ids())}
    out["_o"] = out["stage"].map(order).fillna(len(order))
    return out.sort_values([*keys, "_o", "stage"]).drop(columns="_o").reset_index(drop=True)


def default_pairs(b: Backend) -> list[tuple[str, str]]:
    """Each funnel stage to the next one, and to won."""
    stages = funnel_stages(b)
    pairs = list(itertools.pairwise(stages))
    pairs += [(s, won_stage(b)) for s in stages[:-2]]
    return pairs


def conversion_expr(b: Backend, f: Filters, pairs: Sequence[tuple[str, str]]) -> ir.Table:
    """Histogram (breakdown, from, to, minutes or null when not reached by as_of, n) of cohort conversion."""
    w = reach(b, f)
    keys = group_keys(f)

    def part(x: str, y: str) -> Part:
        def build(t: ir.Table) -> tuple[ir.BooleanValue, dict[str, ir.Value]]:
            got = t[f"reach_{y}"].notnull() & (t[f"reach_{y}"] <= ts(f.as_of))
            minutes = ibis.cases(
                (got, minutes_between(t[f"reach_{x}"], t[f"reach_{y}"])), else_=ibis.null("int64")
            )
            return within(t[f"reach_{x}"], f.period), {"minutes": minutes}

        return build

    labels = [{"from_stage": x, "to_stage": y} for x, y in pairs]
    u = stacked(w, keys, labels, [part(x, y) for x, y in pairs])
    return u.group_by([*keys, "from_stage", "to_stage", "minutes"]).agg(n=u.count())


def cohort_conversion(b: Backend, f: Filters, pairs: Sequence[tuple[str, str]] | None = None) -> pd.DataFrame:
    """Of those who entered X in the period, the share that reached Y by as_of and how long it took (days)."""
    pairs = list(pairs or default_pairs(b))
    keys = group_keys(f)
    hist = b.run(conversion_expr(b, f, pairs))
    rows = []
    for group, part in hist.groupby([*keys, "from_stage", "to_stage"], sort=True, dropna=False):
        labels = group if isinstance(group, tuple) else (group,)
        done = part[part["minutes"].notna()]
        entered = int(part["n"].sum())
        reached = int(done["n"].sum())
        row: dict[str, object] = dict(zip([*keys, "from_stage", "to_stage"], labels, strict=True))
        row.update(entered=entered, reached=reached, rate=reached / entered if entered else None)
        for q, tag in ((0.5, "p50_days"), (0.75, "p75_days"), (0.9, "p90_days")):
            value = weighted_quantile(done["minutes"].astype(float).tolist(), done["n"].tolist(), q)
            row[tag] = None if value is None else value / MINUTES_PER_DAY
        rows.append(row)
    cols = [*keys, "from_stage", "to_stage", "entered", "reached", "rate", "p50_days", "p75_days", "p90_days"]
    out = pd.DataFrame(rows, columns=cols)
    pair_order = {p: i for i, p in enumerate(pairs)}
    out["_o"] = [pair_order[(x, y)] for x, y in zip(out["from_stage"], out["to_stage"], strict=True)]
    return out.sort_values([*keys, "_o"]).drop(columns="_o").reset_index(drop=True)


def funnel(b: Backend, f: Filters) -> pd.DataFrame:
    """The funnel table: per stage entered, skipped, moves, conversion to the next stage and to won."""
    with b.session():
        keys = group_keys(f)
        vol = stage_volumes(b, f)
        conv = cohort_conversion(b, f)
        won = won_stage(b)
        nxt = conv[conv["to_stage"] != won].rename(
            columns={
                "from_stage": "stage",
                "to_stage": "next_stage",
                "rate": "to_next_rate",
                "p50_days": "to_next_p50_days",
            }
        )[[*keys, "stage", "next_stage", "to_next_rate", "to_next_p50_days"]]
        last = funnel_stages(b)[-2]
        last_rows = conv[(conv["from_stage"] == last) & (conv["to_stage"] == won)].rename(
            columns={
                "from_stage": "stage",
                "to_stage": "next_stage",
                "rate": "to_next_rate",
                "p50_days": "to_next_p50_days",
            }
        )[[*keys, "stage", "next_stage", "to_next_rate", "to_next_p50_days"]]
        nxt = pd.concat([nxt, last_rows], ignore_index=True)
        to_won = conv[conv["to_stage"] == won].rename(
            columns={"from_stage": "stage", "rate": "to_won_rate", "p50_days": "to_won_p50_days"}
        )[[*keys, "stage", "to_won_rate", "to_won_p50_days"]]
        out = vol.merge(nxt, on=[*keys, "stage"], how="left").merge(to_won, on=[*keys, "stage"], how="left")
        return out.reset_index(drop=True)
