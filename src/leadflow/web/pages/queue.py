"""My queue: assigned MQLs ordered by SLA deadline, with one-click accept, reject, qualify and convert."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from leadflow.services import deals, queue
from leadflow.services.users import User
from leadflow.web.deps import SALES, Ctx, require
from leadflow.web.render import render

router = APIRouter(include_in_schema=False)
Rep = Annotated[User, require(*SALES)]


def _version(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


@router.get("/queue")
def queue_page(request: Request, ctx: Ctx, user: Rep, done: str | None = None) -> Response:
    """The signed-in rep's open work, most urgent first."""
    items = queue.queue_for(ctx, user.id)
    pb = ctx.playbook.model
    reasons = [(lst, r) for lst in ("recycle", "disqualify") for r in pb.rejection_reasons.get(lst, [])]
    return render(
        request,
        "queue.html",
        {
            "items": items,
            "reasons": reasons,
            "lost_reasons": pb.lost_reasons,
            "done": done,
            "now": ctx.clock.now(),
        },
    )


@router.post("/queue/{person_id}/accept")
def accept(ctx: Ctx, user: Rep, person_id: int, version: Annotated[str, Form()] = "") -> Response:
    """Accept an MQL (-> SAL)."""
    queue.accept(ctx, person_id, user.id, expected_version=_version(version))
    return RedirectResponse(f"/queue?done=accepted+{person_id}", status_code=303)


@router.post("/queue/{person_id}/reject")
def reject(
    ctx: Ctx,
    user: Rep,
    person_id: int,
    reason: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    version: Annotated[str, Form()] = "",
) -> Response:
    """Return the lead to marketing or disqualify it, with an agreed reason and an optional note."""
    queue.reject(ctx, person_id, user.id, reason, note=note or None, expected_version=_version(version))
    return RedirectResponse(f"/queue?done=rejected+{person_id}", status_code=303)


@router.post("/queue/{person_id}/qualify")
def qualify(
    ctx: Ctx,
    user: Rep,
    person_id: int,
    budget: Annotated[str, Form()] = "",
    authority: Annotated[str, Form()] = "",
    need: Annotated[str, Form()] = "",
    timeline: Annotated[str, Form()] = "",
    version: Annotated[str, Form()] = "",
) -> Response:
    """Qualify with BANT (-> SQL)."""
    queue.qualify(
        ctx,
        person_id,
        user.id,
        budget=budget,
        authority=authority,
        need=need,
        timeline=timeline,
        expected_version=_version(version),
    )
    return RedirectResponse(f"/queue?done=qualified+{person_id}", status_code=303)


@router.post("/queue/{person_id}/convert")
def convert(
    ctx: Ctx,
    user: Rep,
    person_id: int,
    amount: Annotated[str, Form()] = "",
    expected_close: Annotated[str, Form()] = "",
    decision_maker: Annotated[str, Form()] = "",
    recommender: Annotated[str, Form()] = "",
    influencer: Annotated[str, Form()] = "",
    end_user: Annotated[str, Form()] = "",
    version: Annotated[str, Form()] = "",
) -> Response:
    """Convert to an opportunity with the buying committee (emails, comma separated)."""
    committee = {
        role: [e.strip() for e in value.split(",") if e.strip()]
        for role, value in (
            ("decision_maker", decision_maker),
            ("recommender", recommender),
            ("influencer", influencer),
            ("user", end_user),
        )
        if value.strip()
    }
    deals.convert(
        ctx,
        person_id,
        user.id,
        amount=amount,
        expected_close=expected_close or None,
        committee=committee,
        expected_version=_version(version),
    )
    return RedirectResponse(f"/queue?done=converted+{person_id}", status_code=303)
