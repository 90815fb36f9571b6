"""Sign in and out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from leadflow.errors import PermissionDenied
from leadflow.services.users import authenticate
from leadflow.web.deps import Ctx, session_of
from leadflow.web.render import render
from leadflow.web.session import COOKIE, MAX_AGE, SessionCodec

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    # only local paths: an open redirect would let a phishing link bounce through us
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    """The sign-in form."""
    return render(request, "login.html", {"next": _safe_next(next), "error": None})


@router.post("/login")
def login(
    request: Request,
    ctx: Ctx,
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the password and set the signed session cookie."""
    try:
        user = authenticate(ctx, email, password)
    except PermissionDenied as exc:
        return render(
            request,
            "login.html",
            {"next": _safe_next(next), "error": exc.message, "email": email},
            status_code=401,
        )
    codec: SessionCodec = request.app.state.sessions
    value, _ = codec.new(user.id)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        COOKIE, value, max_age=MAX_AGE, httponly=True, samesite="lax", secure=request.app.state.cookie_secure
    )
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    """Forget the session (a form post so a link cannot sign people out)."""
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response


@router.get("/")
def home(request: Request, ctx: Ctx) -> Response:
    """Sales reps land on their queue, everyone else on the shared overview."""
    from leadflow.services.users import get_user

    session = session_of(request)
    user = get_user(ctx, session.user_id) if session else None
    if user is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse("/queue" if user.role == "sales" else "/overview", status_code=303)
