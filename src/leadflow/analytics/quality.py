"""Team quality: MQL acceptance, rejection reasons (Pareto), segment mismatch, SLA compliance and leakage."""

from __future__ import annotations

from typing import Any

import ibis.expr.types as ir
import pandas as pd

from leadflow.analytics.engines import Backend
from leadflow.analytics.filters import DIMENSIONS, NONE_LABEL, Filters
from leadflow.analytics.milestones import funnel_stages, person_dims, reach, ts, within, won_stage
from leadflow.errors import InvalidInput

REVIEWED = ("mql",)  # decisions on these stages count for acceptance
REJECTABLE = ("mql", "sal")  # moves out of these into a non-funnel stage are rejections


def _dimension(by: str | None) -> list[str]:
    if by is None:
        return []
    if by not in DIMENSIONS:
        raise InvalidInput(f"cannot group by {by!r}", where="--by", hint=f"use {', '.join(DIMENSIONS)}")
    return [by]


def _decisions(b: Backend, f: Filters, from_stages: tuple[str, ...], keys: list[str]) -> ir.Table:
    sc = b.table("stage_changes")
    sc = sc.filter(sc.from_stage.isin(from_stages) & within(sc.at, f.period) & (sc.at <= ts(f.as_of)))
    dims = person_dims(b, f, tuple(keys))
    return sc.inner_join(dims, sc.person_id == dims.person_id)


def acceptance(b: Backend, f: Filters, by: str | None = "campaign") -> pd.DataFrame:
    """MQL decisions in the period: accepted (moved on in the funnel) vs rejected (recycled/disqualified)."""
    keys = _dimension(by)
    j = _decisions(b, f, REVIEWED, keys)
    forward = j.to_stage.isin(funnel_stages(b))
    agg = b.run(
        j.group_by(keys).agg(accepted=j.count(where=forward), rejected=j.count(where=~forward))
        if keys
        else j.aggregate(accepted=j.count(where=forward), rejected=j.count(where=~forward))
    )
    agg["decided"] = agg["accepted"] + agg["rejected"]
    agg["acceptance_rate"] = [
        a / d if d else None for a, d in zip(agg["accepted"], agg["decided"], strict=True)
    ]
    return (
        agg[[*keys, "decided", "accepted", "rejected", "acceptance_rate"]]
        .sort_values(keys or ["decided"])
        .reset_index(drop=True)
    )


def rejection_reasons(b: Backend, f: Filters, by: str | None = None) -> pd.DataFrame:
    """Pareto of the reasons sales gave when returning MQLs/SALs: count, share and cumulative share."""
    keys = _dimension(by)
    j = _decisions(b, f, REJECTABLE, keys)
    j = j.filter(~j.to_stage.isin(funnel_stages(b)))
    j = j.mutate(reason=j.reason.fill_null(NONE_LABEL))
    raw = b.run(j.group_by([*keys, "reason"]).agg(count=j.count()))
    parts = []
    for _, part in raw.groupby(keys, sort=True) if keys else [((), raw)]:
        part = part.sort_values(["count", "reason"], ascending=[False, True]).copy()
        total = part["count"].sum()
        part["share"] = part["count"] / total if total else 0.0
        part["cumulative_share"] = part["count"].cumsum() / total if total else 0.0
        parts.append(part)
    cols = [*keys, "reason", "count", "share", "cumulative_share"]
    return pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)


def segment_mismatch(b: Backend, f: Filters) -> pd.DataFrame:
    """Share of the period's MQLs by segment next to the share of its wins (where marketing aims vs wins)."""
    w = reach(b, f, ("segment",))
    end = ts(f.as_of)
    won = w[f"reach_{won_stage(b)}"]
    raw = b.run(
        w.group_by("segment").agg(
            mqls=w.person_id.count(where=within(w.reach_mql, f.period) & (w.reach_mql <= end)),
            wins=w.person_id.count(where=within(won, f.period) & (won <= end)),
        )
    )
    raw = raw[(raw["mqls"] > 0) | (raw["wins"] > 0)].sort_values("segment").reset_index(drop=True)
    m, wn = raw["mqls"].sum(), raw["wins"].sum()
    raw["mql_share"] = raw["mqls"] / m if m else 0.0
    raw["win_share"] = raw["wins"] / wn if wn else 0.0
    raw["difference"] = raw["mql_share"] - raw["win_share"]
    raw["win_index"] = [
        ws / ms if ms else None for ws, ms in zip(raw["win_share"], raw["mql_share"], strict=True)
    ]
    return raw


def sla_expr(b: Backend, f: Filters) -> ir.Table:
    """Deadlines due in the period (up to as_of) by team and SLA: met, breached, open, cancelled."""
    d = b.table("deadlines")
    end = ts(f.as_of)
    d = d.filter(within(d.due_at, f.period) & (d.started_at <= end))
    dims = person_dims(b, f)
    j = d.inner_join(dims, d.person_id == dims.person_id)
    breached = (j.status == "breached") | j.breached_at.notnull()
    return j.group_by(["team", "sla_id"]).agg(
        met=j.count(where=(j.status == "met") & j.breached_at.isnull()),
        breached=j.count(where=breached & (j.status != "cancelled")),
        open=j.count(where=(j.status == "open") & j.breached_at.isnull()),
        cancelled=j.count(where=j.status == "cancelled"),
    )


def sla_compliance(b: Backend, f: Filters) -> pd.DataFrame:
    """SLA compliance of both teams, per SLA and in total: met / (met + breached)."""
    cols = ["team", "sla_id", "met", "breached", "open", "cancelled"]
    raw = b.run(sla_expr(b, f)) if b.has_table("deadlines") else pd.DataFrame(columns=cols)
    raw = raw[cols].sort_values(["team", "sla_id"]).reset_index(drop=True)
    totals = raw.groupby("team", as_index=False)[["met", "breached", "open", "cancelled"]].sum()
    totals["sla_id"] = "(all)"
    out = pd.concat([raw, totals[cols]], ignore_index=True)
    for team in ("marketing", "sales"):
        if team not in set(out["team"]):
            out = pd.concat(
                [
                    out,
                    pd.DataFrame(
                        [
                            {
                                "team": team,
                                "sla_id": "(all)",
                                "met": 0,
                                "breached": 0,
                                "open": 0,
                                "cancelled": 0,
                            }
                        ]
                    ),
                ],
                ignore_index=True,
            )
    out["compliance"] = [
        m / (m + br) if m + br else None for m, br in zip(out["met"], out["breached"], strict=True)
    ]
    return out.sort_values(["team", "sla_id"]).reset_index(drop=True)


def leakage(ctx: Any) -> dict[str, Any]:
    """Leakage counts per cause from the leakage service (None with a note when it cannot run here)."""
    if ctx is None:
        return {
            "total": None,
            "by_cause": {},
            "note": "leakage needs the operational store (no context given)",
        }
    try:
        from leadflow.services.leakage import find_leakage
    except ImportError:
        return {"total": None, "by_cause": {}, "note": "leadflow.services.leakage is not installed"}
    report = find_leakage(ctx)
    counts = {str(k): int(v) for k, v in report.counts.items()}
    return {
        "total": sum(counts.values()),
        "by_cause": counts,
        "note": "people leaking now (not period-bound)",
    }
