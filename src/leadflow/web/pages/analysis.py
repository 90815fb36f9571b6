"""Feedback, Campaigns, Attribution, Plan and Leakage pages: library numbers, rendered; no logic here."""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from leadflow.analytics import connect_store
from leadflow.analytics.attribution import DEFAULT_MODELS, attribution
from leadflow.analytics.campaigns import campaigns
from leadflow.analytics.dashboard import records
from leadflow.analytics.plan import goals_for, plan
from leadflow.analytics.quality import acceptance, rejection_reasons, segment_mismatch
from leadflow.services import disputes as dispute_service
from leadflow.services.feedback_log import disputes, rejections
from leadflow.services.goals import set_goal
from leadflow.services.leakage import find_leakage
from leadflow.services.nurture import enroll_backlog
from leadflow.services.queue import assign as assign_person
from leadflow.services.users import User, list_users
from leadflow.web.deps import ANYONE, Ctx, require
from leadflow.web.filters import Text, page_filters
from leadflow.web.pages.overview import filter_options
from leadflow.web.render import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[User, require(*ANYONE)]
MILESTONES = ("lead_created", "mql", "opportunity_created", "won")


def _rows(df: pd.DataFrame) -> list[dict[str, Any]]:
    return records(df)


@router.get("/feedback")
def feedback_page(request: Request, ctx: Ctx, user: Reader, period: Text = None) -> Response:
    """Why sales rejected marketing's leads (by campaign, source and persona), the notes, and disputes."""
    f = page_filters(ctx, period, {})
    b = connect_store(ctx.engine, ctx.playbook.model)
    return render(
        request,
        "feedback.html",
        {
            "f": f,
            "options": filter_options(ctx),
            "period": f.period.label,
            "reasons": _rows(rejection_reasons(b, f)),
            "by": {dim: _rows(rejection_reasons(b, f, dim)) for dim in ("campaign", "channel", "persona")},
            "acceptance": {dim: _rows(acceptance(b, f, dim)) for dim in ("campaign", "channel", "persona")},
            "notes": rejections(ctx, f.period.start.replace(tzinfo=ctx.clock.now().tzinfo)),
            "disputes": disputes(ctx),
        },
    )


@router.post("/feedback/{person_id}/dispute")
def dispute_rejection(
    ctx: Ctx,
    user: Annotated[User, require("marketing", "marketing_lead")],
    person_id: int,
    note: Annotated[str, Form()] = "",
) -> Response:
    """Marketing disputes the latest rejection of a person."""
    dispute_service.dispute(ctx, person_id, user.id, note=note or None)
    return RedirectResponse("/feedback", status_code=303)


@router.post("/feedback/disputes/{dispute_id}/resolve")
def resolve(
    ctx: Ctx,
    user: Annotated[User, require("marketing_lead", "sales_manager")],
    dispute_id: int,
    outcome: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
) -> Response:
    """A lead resolves a dispute: upheld (rejection stands) or overturned."""
    dispute_service.resolve_dispute(ctx, dispute_id, user.id, outcome, note=note or None)
    return RedirectResponse("/feedback", status_code=303)


@router.get("/campaigns")
def campaigns_page(
    request: Request, ctx: Ctx, user: Reader, period: Text = None, channel: Text = None
) -> Response:
    """Cost per MQL, SQL and won deal; pipeline per cost; acceptance; segment mismatch."""
    f = page_filters(ctx, period, {"channel": channel})
    b = connect_store(ctx.engine, ctx.playbook.model)
    return render(
        request,
        "campaigns.html",
        {
            "f": f,
            "options": filter_options(ctx),
            "period": f.period.label,
            "channel": channel,
            "rows": _rows(campaigns(b, f)),
            "mismatch": _rows(segment_mismatch(b, f)),
            "acceptance": _rows(acceptance(b, f, "campaign")),
        },
    )


@router.get("/attribution")
def attribution_page(
    request: Request,
    ctx: Ctx,
    user: Reader,
    period: Text = None,
    milestone: Annotated[str, Query(max_length=40)] = "opportunity_created",
    models: Annotated[list[str] | None, Query()] = None,
    by: Annotated[str, Query(max_length=20)] = "channel",
) -> Response:
    """Credits per channel or campaign under the chosen models, side by side."""
    f = page_filters(ctx, period, {})
    chosen = [m for m in (models or ["first_touch", "w_shaped", "markov_1", "shapley"]) if m]
    b = connect_store(ctx.engine, ctx.playbook.model)
    df = attribution(b, f, milestone, chosen, by if by in ("channel", "campaign") else "channel")
    return render(
        request,
        "attribution.html",
        {
            "f": f,
            "options": filter_options(ctx),
            "period": f.period.label,
            "milestone": milestone,
            "milestones": MILESTONES,
            "models": DEFAULT_MODELS,
            "chosen": chosen,
            "by": by,
            "rows": _rows(df),
            "columns": list(df.columns),
        },
    )


@router.get("/plan")
def plan_page(request: Request, ctx: Ctx, user: Reader, period: Text = None) -> Response:
    """The reverse waterfall: what each stage still needs for the goal, by when, and the gap."""
    f = page_filters(ctx, period, {})
    b = connect_store(ctx.engine, ctx.playbook.model)
    has_goal = bool(goals_for(b, f.period.label))
    result = plan(b, f) if has_goal else None
    return render(
        request,
        "plan.html",
        {
            "f": f,
            "options": filter_options(ctx),
            "period": f.period.label,
            "summary": _rows(result.summary) if result else [],
            "stages": _rows(result.stages) if result else [],
            "segments": ["all", *ctx.playbook.model.segments],
            "can_edit": user.role in ("admin", "marketing_lead", "sales_manager"),
        },
    )


@router.post("/plan/goal")
def post_goal(
    ctx: Ctx,
    user: Annotated[User, require("marketing_lead", "sales_manager")],
    period: Annotated[str, Form()],
    segment: Annotated[str, Form()],
    revenue: Annotated[float, Form()],
) -> Response:
    """Change the revenue goal of a period."""
    set_goal(ctx, period, segment, revenue, user)
    return RedirectResponse(f"/plan?period={period}", status_code=303)


@router.get("/leakage")
def leakage_page(request: Request, ctx: Ctx, user: Reader) -> Response:
    """Everyone in no-man's-land, grouped by cause, with bulk assign or recycle."""
    report = find_leakage(ctx)
    reps = [u for u in list_users(ctx) if u["team"] == "sales" and u["active"]]
    return render(
        request,
        "leakage.html",
        {"report": report, "reps": reps, "causes": list(report.counts), "now": ctx.clock.now()},
    )


@router.post("/leakage/assign")
async def bulk_assign(
    request: Request, ctx: Ctx, user: Annotated[User, require("sales_manager", "marketing_lead")]
) -> Response:
    """Assign the ticked people to a rep (manual assignment, recorded with its reason)."""
    form = await request.form()
    rep = str(form.get("rep") or "")
    for pid in form.getlist("person"):
        if str(pid).isdigit():
            assign_person(
                ctx,
                int(str(pid)),
                rep,
                actor=user.email,
                reason=f"bulk assignment from Leakage by {user.email}",
            )
    return RedirectResponse("/leakage", status_code=303)


@router.post("/leakage/recycle")
async def bulk_recycle(
    request: Request, ctx: Ctx, user: Annotated[User, require("sales_manager", "marketing_lead")]
) -> Response:
    """Enrol the ticked recycled people in nurture now (marketing's half of the recycle promise)."""
    form = await request.form()
    enroll_backlog(ctx, [int(str(pid)) for pid in form.getlist("person") if str(pid).isdigit()])
    return RedirectResponse("/leakage", status_code=303)
