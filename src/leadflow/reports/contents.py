"""What goes in the pack: every section's numbers, taken as they are from the analytics library."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from leadflow.analytics import connect_store, dashboard_metrics
from leadflow.analytics.attribution import attribution, sourcing
from leadflow.analytics.campaigns import campaigns
from leadflow.analytics.dashboard import records
from leadflow.analytics.definitions import DEFINITIONS
from leadflow.analytics.filters import Filters
from leadflow.analytics.quality import rejection_reasons, segment_mismatch
from leadflow.playbook.glossary import GlossaryEntry, glossary, rules_in_words
from leadflow.services.context import Context
from leadflow.services.feedback_log import disputes, rejections
from leadflow.services.leakage import Leak, find_leakage

ATTRIBUTION_MODELS = ("first_touch", "w_shaped", "markov_1", "shapley")
ATTRIBUTION_MILESTONE = "opportunity_created"
EXAMPLES_PER_CAUSE = 3
NOTES_SHOWN = 8
DISPUTES_SHOWN = 8
CAMPAIGNS_SHOWN = 25


@dataclass(frozen=True)
class PackContents:
    """Everything one pack shows, as plain values ready for the template."""

    generated_at: datetime
    filters: Filters
    playbook_name: str
    playbook_version: str
    playbook_note: str
    metrics: dict[str, Any]
    stage_names: dict[str, str]
    won_stage: str
    influenced_previous: float
    rejections: list[dict[str, Any]]
    rejection_notes: list[dict[str, Any]]
    disputes: list[dict[str, Any]]
    dispute_counts: dict[str, int]
    campaigns: list[dict[str, Any]]
    campaigns_idle: int
    campaigns_more: int
    attribution: list[dict[str, Any]]
    attribution_totals: dict[str, float]
    mismatch: list[dict[str, Any]]
    leakage_counts: dict[str, int]
    leakage_examples: dict[str, list[Leak]]
    leakage_thresholds: dict[str, str]
    definitions: dict[str, tuple[str, str]]
    rules: list[str]
    stages: list[GlossaryEntry]
    extra: dict[str, Any] = field(default_factory=dict)


def _active_campaigns(df: pd.DataFrame) -> pd.DataFrame:
    """Campaigns with something in the period, most revenue, pipeline and MQLs first."""
    busy = (df[["leads", "mqls", "sqls", "won"]].sum(axis=1) > 0) | (df["pipeline"] > 0) | (df["revenue"] > 0)
    return df[busy].sort_values(
        ["revenue", "pipeline", "mqls", "campaign"], ascending=[False, False, False, True]
    )


def _attribution_rows(df: pd.DataFrame) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """One row per channel with each model's conversions and share, side by side."""
    rows: dict[str, dict[str, Any]] = {}
    totals: dict[str, float] = {}
    for r in df.itertuples():
        row = rows.setdefault(str(r.key), {"key": str(r.key)})
        row[f"{r.model}_conversions"] = float(r.conversions)
        row[f"{r.model}_share"] = float(r.share)
        totals[str(r.model)] = totals.get(str(r.model), 0.0) + float(r.conversions)
    ordered = sorted(
        rows.values(),
        key=lambda row: (-max(row.get(f"{m}_share", 0.0) for m in ATTRIBUTION_MODELS), row["key"]),
    )
    return ordered, totals


def _in_period(at: Any, f: Filters) -> bool:
    if at is None:
        return False
    naive = at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo else at
    return bool(f.period.start <= naive < f.period.end)


def gather(ctx: Context, f: Filters) -> PackContents:
    """Every number of the pack for a period and filters, from the library (nothing is recomputed here)."""
    pb = ctx.playbook.model
    b = connect_store(ctx.engine, pb)
    metrics = dashboard_metrics(ctx, f)
    prev = f.with_period(f.period.previous())
    with b.session():
        before = sourcing(b, prev).set_index("category")
        reasons = rejection_reasons(b, f)
        camp = campaigns(b, f)
        credits = attribution(b, f, ATTRIBUTION_MILESTONE, ATTRIBUTION_MODELS)
        mismatch = segment_mismatch(b, f)
    active = _active_campaigns(camp)
    attr_rows, attr_totals = _attribution_rows(credits)
    start = f.period.start.replace(tzinfo=UTC)
    notes = [r for r in rejections(ctx, start) if _in_period(r["at"], f)]
    all_disputes = disputes(ctx)
    counts = {
        "open": sum(1 for d in all_disputes if d["status"] == "open"),
        "upheld": sum(1 for d in all_disputes if d["status"] == "upheld" and _in_period(d["resolved_at"], f)),
        "overturned": sum(
            1 for d in all_disputes if d["status"] == "overturned" and _in_period(d["resolved_at"], f)
        ),
    }
    report = find_leakage(ctx)
    thresholds = {
        t.cause: (f"{t.sla_id}: {t.within}" if t.sla_id else (t.within or "not checked"))
        for t in report.thresholds
    }
    funnel = pb.funnel_stages()
    return PackContents(
        generated_at=ctx.clock.now(),
        filters=f,
        playbook_name=pb.name,
        playbook_version=ctx.playbook.version,
        playbook_note=pb.version_note,
        metrics=metrics,
        stage_names={s.id: s.name for s in pb.stages},
        won_stage=funnel[-1],
        influenced_previous=float(before.loc["marketing_influenced", "revenue"]),
        rejections=records(reasons),
        rejection_notes=notes[:NOTES_SHOWN],
        disputes=all_disputes[:DISPUTES_SHOWN],
        dispute_counts=counts,
        campaigns=records(active.head(CAMPAIGNS_SHOWN)),
        campaigns_idle=len(camp) - len(active),
        campaigns_more=max(len(active) - CAMPAIGNS_SHOWN, 0),
        attribution=attr_rows,
        attribution_totals=attr_totals,
        mismatch=records(mismatch),
        leakage_counts=dict(report.counts),
        leakage_examples={c: report.by_cause(c)[:EXAMPLES_PER_CAUSE] for c in report.counts},
        leakage_thresholds=thresholds,
        definitions=dict(DEFINITIONS),
        rules=rules_in_words(pb),
        stages=glossary(pb),
    )
