"""Admin: users, teams, roles, capacities, working hours, out-of-office, API tokens, the audit trail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from leadflow.playbook.schema import ROLES
from leadflow.services.users import (
    User,
    at_or_none,
    create_user,
    issue_token,
    list_tokens,
    list_users,
    revoke_token,
    update_user,
)
from leadflow.store.engine import reading
from leadflow.store.tables import audit_log
from leadflow.web.deps import Ctx, expire, require
from leadflow.web.render import render

router = APIRouter(include_in_schema=False)
Admin = Annotated[User, require()]


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value not in (None, "") else None


@router.get("/admin")
def admin_page(request: Request, ctx: Ctx, user: Admin, new_token: str | None = None) -> Response:
    """Users, tokens and the latest audit entries."""
    with reading(ctx.engine) as conn:
        audit = [
            dict(r)
            for r in conn.execute(select(audit_log).order_by(audit_log.c.id.desc()).limit(50)).mappings()
        ]
    return render(
        request,
        "admin.html",
        {
            "users": list_users(ctx),
            "tokens": list_tokens(ctx),
            "roles": ROLES,
            "audit": audit,
            "new_token": new_token,
        },
    )


@router.post("/admin/users")
def add_user(
    ctx: Ctx,
    user: Admin,
    email: Annotated[str, Form()],
    name: Annotated[str, Form()],
    role: Annotated[str, Form()],
    password: Annotated[str, Form()],
    sales_team: Annotated[str, Form()] = "",
    timezone: Annotated[str, Form()] = "UTC",
) -> Response:
    """Create a user."""
    create_user(
        ctx,
        {
            "email": email,
            "name": name,
            "role": role,
            "password": password,
            "sales_team": sales_team or None,
            "timezone": timezone,
        },
        actor=user.email,
    )
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/users/{user_id}")
def edit_user(
    request: Request,
    ctx: Ctx,
    user: Admin,
    user_id: int,
    role: Annotated[str, Form()],
    timezone: Annotated[str, Form()],
    work_start: Annotated[str, Form()],
    work_end: Annotated[str, Form()],
    max_open_mqls: Annotated[str, Form()] = "",
    max_new_per_day: Annotated[str, Form()] = "",
    out_of_office_from: Annotated[str, Form()] = "",
    out_of_office_until: Annotated[str, Form()] = "",
    active: Annotated[str, Form()] = "",
) -> Response:
    """Change a user's role, hours, capacity or out-of-office."""
    update_user(
        ctx,
        user_id,
        {
            "role": role,
            "timezone": timezone,
            "work_start": work_start,
            "work_end": work_end,
            "max_open_mqls": _int_or_none(max_open_mqls),
            "max_new_per_day": _int_or_none(max_new_per_day),
            "out_of_office_from": at_or_none(out_of_office_from),
            "out_of_office_until": at_or_none(out_of_office_until),
            "active": active == "on",
        },
        actor=user.email,
    )
    expire(request)  # a role change or deactivation applies to the user's API tokens at once
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/tokens")
def add_token(
    request: Request, ctx: Ctx, user: Admin, user_id: Annotated[int, Form()], name: Annotated[str, Form()]
) -> Response:
    """Issue an API token; it is shown once on the page that follows."""
    token = issue_token(ctx, user_id, name, actor=user.email)
    return admin_page(request, ctx, user, new_token=token)


@router.post("/admin/tokens/{token_id}/revoke")
def remove_token(request: Request, ctx: Ctx, user: Admin, token_id: int) -> Response:
    """Revoke an API token."""
    revoke_token(ctx, token_id, actor=user.email)
    expire(request)
    return RedirectResponse("/admin", status_code=303)
