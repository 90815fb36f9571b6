"""The person page: timeline of activities and stage changes, score explanation, owner, account, notes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from leadflow.services.persons import add_note, timeline
from leadflow.services.scoring import explain
from leadflow.services.users import User
from leadflow.web.deps import ANYONE, Ctx, require
from leadflow.web.render import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[User, require(*ANYONE)]
Writer = Annotated[User, require("marketing", "marketing_lead", "sales", "sales_manager")]


@router.get("/persons/{key}")
def person_page(request: Request, ctx: Ctx, user: Reader, key: str) -> Response:
    """Everything about one person that both teams need."""
    data = timeline(ctx, key)
    why = explain(
        ctx, data["person"]["id"]
    )  # recomputed as of now: stored details may describe an earlier moment
    events = [
        {
            "at": c.at,
            "kind": "stage",
            "text": f"{c.from_stage or 'created'} → {c.to_stage}",
            "who": f"{c.actor} ({c.actor_role})",
            "detail": " · ".join(x for x in (c.reason, c.note) if x),
        }
        for c in data["history"]
    ]
    events += [
        {
            "at": a["occurred_at"],
            "kind": "activity",
            "text": a["type"].replace("_", " "),
            "who": a["channel"] or "",
            "detail": " · ".join(x for x in (a["campaign"], a["url"]) if x),
        }
        for a in data["activities"]
    ]
    events.sort(key=lambda e: e["at"], reverse=True)
    return render(request, "person.html", {**data, "events": events, "pb": ctx.playbook.model, "why": why})


@router.post("/persons/{key}/notes")
def post_note(ctx: Ctx, user: Writer, key: str, text: Annotated[str, Form()]) -> Response:
    """Add a note from either team."""
    add_note(ctx, key, text, user_id=user.id, team=user.team)
    return RedirectResponse(f"/persons/{key}", status_code=303)
