"""Resources: assets by buyer stage and provider, and what each team gave the other lately."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from leadflow.services.resources import BUYER_STAGES, add_asset, assets_by_stage, exchange
from leadflow.services.users import User
from leadflow.web.deps import ANYONE, Ctx, require
from leadflow.web.render import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[User, require(*ANYONE)]
Writer = Annotated[User, require("marketing", "marketing_lead", "sales", "sales_manager")]


@router.get("/resources")
def resources_page(request: Request, ctx: Ctx, user: Reader) -> Response:
    """Assets by buyer stage and the last two weeks' exchange."""
    return render(
        request,
        "resources.html",
        {"grouped": assets_by_stage(ctx), "exchange": exchange(ctx, 14), "stages": BUYER_STAGES},
    )


@router.post("/resources")
def post_asset(
    ctx: Ctx,
    user: Writer,
    name: Annotated[str, Form()],
    buyer_stage: Annotated[str, Form()],
    kind: Annotated[str, Form()] = "",
    url: Annotated[str, Form()] = "",
) -> Response:
    """Add an asset; it counts as provided by the author's team."""
    add_asset(
        ctx,
        name=name,
        kind=kind,
        buyer_stage=buyer_stage,
        url=url,
        provided_by="sales" if user.team == "sales" else "marketing",
        user_id=user.id,
        actor=user.email,
    )
    return RedirectResponse("/resources", status_code=303)
