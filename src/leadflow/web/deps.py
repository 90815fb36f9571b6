"""Request dependencies: the context, the signed-in user, role checks and CSRF."""

from __future__ import annotations

from math import inf
from time import monotonic
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select

from leadflow.errors import PermissionDenied
from leadflow.services.context import Context, active_playbook
from leadflow.services.users import User, get_user, user_for_token
from leadflow.store.tables import playbook_versions
from leadflow.web.session import COOKIE, SessionCodec, SessionData, csrf_ok

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class LoginRequired(Exception):
    """Raised for pages when nobody is signed in (the app redirects to /login)."""


RECHECK_SECONDS = 2.0


class Recheck:
    """Answers from memory what another process may change, re-reading it at most every RECHECK_SECONDS.

    Two things the API reads on every request: which playbook version is active, and whom a bearer token
    belongs to. A database round trip for each was a large share of a single-activity POST. Changes made
    through this app (an approval, a revoked token, an edited user) call `expire()` and apply at once; a change
    made by another process (the CLI, a second server) applies within RECHECK_SECONDS.
    """

    def __init__(self, seconds: float = RECHECK_SECONDS) -> None:
        self.seconds = seconds
        self.playbook_checked = -inf
        self.tokens: dict[str, tuple[float, User | None]] = {}

    def expire(self) -> None:
        """Forget everything: the next request reads the database again."""
        self.playbook_checked = -inf
        self.tokens.clear()

    def token_user(self, ctx: Context, token: str) -> User | None:
        now = monotonic()
        known = self.tokens.get(token)
        if known is not None and now - known[0] < self.seconds:
            return known[1]
        user = user_for_token(ctx, token)
        if len(self.tokens) > 10_000:  # unknown tokens must not grow the memory without bound
            self.tokens.clear()
        self.tokens[token] = (now, user)
        return user


async def get_ctx(request: Request) -> Context:
    """The app's context, under the playbook version active right now (an approval switches it live)."""
    ctx: Context = request.app.state.ctx
    recheck: Recheck = request.app.state.recheck
    now = monotonic()
    if ctx.settings.playbook is None and now - recheck.playbook_checked >= recheck.seconds:
        with ctx.engine.connect() as conn:
            active = conn.execute(
                select(playbook_versions.c.version).where(playbook_versions.c.status == "active")
            ).scalar_one_or_none()
        recheck.playbook_checked = now
        if active is not None and active != ctx.playbook.version:
            ctx = ctx.with_playbook(active_playbook(ctx.engine, None))
            request.app.state.ctx = ctx
    return ctx


def expire(request: Request) -> None:
    """After a change through this app to the playbook, a user or a token: the next request sees it."""
    recheck: Recheck = request.app.state.recheck
    recheck.expire()


def session_of(request: Request) -> SessionData | None:
    """The verified session cookie, if any."""
    codec: SessionCodec = request.app.state.sessions
    return codec.read(request.cookies.get(COOKIE))


async def current_user(request: Request, ctx: Annotated[Context, Depends(get_ctx)]) -> User:
    """The signed-in user: a bearer API token, or a session cookie (with CSRF checked on every write)."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        recheck: Recheck = request.app.state.recheck
        user = recheck.token_user(ctx, auth[7:].strip())
        if user is None:
            raise PermissionDenied(
                "the API token is unknown or revoked",
                where="Authorization header",
                hint="create a token on the Admin page",
            ) from None
        request.state.user = user
        return user
    session = session_of(request)
    user = get_user(ctx, session.user_id) if session else None
    if user is None or session is None:
        if request.url.path.startswith("/api/"):
            raise PermissionDenied(
                "sign in first", where="request", hint="send Authorization: Bearer <token>"
            )
        raise LoginRequired()
    if request.method not in SAFE_METHODS:
        given = request.headers.get("x-csrf-token")
        if given is None and "form" in request.headers.get("content-type", ""):
            form = await request.form()
            value = form.get("csrf_token")
            given = value if isinstance(value, str) else None
        if not csrf_ok(session.csrf, given):
            raise PermissionDenied(
                "the form's security token is missing or stale",
                where="csrf_token",
                hint="reload the page and submit again",
            )
    request.state.user = user
    request.state.csrf = session.csrf
    return user


CurrentUser = Annotated[User, Depends(current_user)]
Ctx = Annotated[Context, Depends(get_ctx)]


def require(*roles: str):  # type: ignore[no-untyped-def]
    """A dependency admitting only these roles (admin is always admitted)."""

    async def check(user: CurrentUser) -> User:
        if user.role != "admin" and user.role not in roles:
            raise PermissionDenied(
                f"the {user.role} role may not do this",
                where="role",
                hint="allowed roles: " + ", ".join(("admin", *roles)),
            )
        return user

    return Depends(check)


ANYONE = ("marketing", "marketing_lead", "sales", "sales_manager", "viewer")
SALES = ("sales", "sales_manager")
MARKETING = ("marketing", "marketing_lead")
LEADS = ("marketing_lead", "sales_manager")
