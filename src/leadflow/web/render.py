"""Rendering templates with what every page needs: the user, their navigation and the CSRF token."""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

_TEMPLATES: Jinja2Templates | None = None

# (path, label, roles allowed; empty = everyone signed in)
NAV: list[tuple[str, str, tuple[str, ...]]] = [
    ("/overview", "Overview", ()),
    ("/queue", "My queue", ("sales", "sales_manager")),
    ("/feedback", "Feedback", ()),
    ("/campaigns", "Campaigns", ()),
    ("/attribution", "Attribution", ()),
    ("/plan", "Plan", ()),
    ("/leakage", "Leakage", ()),
    ("/playbook", "Playbook", ()),
    ("/resources", "Resources", ()),
    ("/pack", "Meeting pack", ()),
    ("/admin", "Admin", ("admin",)),
]


def templates() -> Jinja2Templates:
    """The Jinja2 environment (built once per process, on first use)."""
    global _TEMPLATES
    if _TEMPLATES is None:
        _TEMPLATES = Jinja2Templates(directory=str(resources.files("leadflow.web").joinpath("templates")))
    return _TEMPLATES


def nav_for(role: str | None) -> list[tuple[str, str]]:
    """The navigation entries a role may open."""
    if role is None:
        return []
    return [(path, label) for path, label, roles in NAV if not roles or role == "admin" or role in roles]


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> Response:
    """A page with the layout's context filled in."""
    user = getattr(request.state, "user", None)
    data = {
        "user": user,
        "nav": nav_for(user.role if user else None),
        "csrf": getattr(request.state, "csrf", ""),
        "path": request.url.path,
        "demo": getattr(request.app.state, "demo", False),
        **(context or {}),
    }
    return templates().TemplateResponse(request, name, data, status_code=status_code)
