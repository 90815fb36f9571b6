"""The agreement on screen: glossary, rules in words, version history with diffs, proposals and approvals."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from leadflow.errors import InvalidInput, PlaybookInvalid
from leadflow.playbook.glossary import glossary, rules_in_words
from leadflow.services.playbook_versions import approve, changes_between, list_versions, propose, reject
from leadflow.services.users import User
from leadflow.web.deps import ANYONE, Ctx, expire, require
from leadflow.web.render import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[User, require(*ANYONE)]


@router.get("/playbook")
def playbook_page(request: Request, ctx: Ctx, user: Reader) -> Response:
    """Glossary, rules, versions (each with what changed from the active one) and pending proposals."""
    pb = ctx.playbook
    versions = list_versions(ctx)
    active = next((v for v in versions if v.status == "active"), None)
    changes = {
        v.version: changes_between(active.text, v.text) if active and v.version != active.version else []
        for v in versions
    }
    backtests = {}
    try:
        from leadflow.playbook import parse_playbook
        from leadflow.services.backtest import backtest

        for v in versions:
            if v.status == "proposed":
                backtests[v.version] = backtest(ctx, parse_playbook(v.text, f"proposal {v.version}"))
    except ImportError:  # the backtest arrives with the scoring work
        backtests = {}
    return render(
        request,
        "playbook.html",
        {
            "pb": pb.model,
            "version": pb.version,
            "glossary": glossary(pb.model),
            "rules": rules_in_words(pb.model),
            "versions": versions,
            "changes": changes,
            "backtests": backtests,
            "problems": None,
        },
    )


@router.post("/playbook/propose")
async def propose_change(request: Request, ctx: Ctx, user: Reader, file: UploadFile) -> Response:
    """Upload a YAML playbook as a proposal; every problem is listed when it is not valid."""
    raw = await file.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(
            "the playbook must be UTF-8 text", where=file.filename or "upload", hint="save it as UTF-8"
        ) from None
    try:
        propose(ctx, text, user, source=file.filename or "upload")
    except PlaybookInvalid as exc:
        pb = ctx.playbook
        return render(
            request,
            "playbook.html",
            {
                "pb": pb.model,
                "version": pb.version,
                "glossary": glossary(pb.model),
                "rules": rules_in_words(pb.model),
                "versions": list_versions(ctx),
                "changes": {},
                "backtests": {},
                "problems": exc.problems,
            },
            status_code=422,
        )
    return RedirectResponse("/playbook", status_code=303)


@router.post("/playbook/{version}/approve")
def approve_change(request: Request, ctx: Ctx, user: Reader, version: str) -> Response:
    """A marketing lead or sales manager approves; the second approval activates the version."""
    approve(ctx, version, user)
    expire(request)  # the next request runs under the new version
    return RedirectResponse("/playbook", status_code=303)


@router.post("/playbook/{version}/reject")
def reject_change(ctx: Ctx, user: Reader, version: str, note: Annotated[str, Form()] = "") -> Response:
    """A lead turns a proposal down."""
    reject(ctx, version, user)
    return RedirectResponse("/playbook", status_code=303)
