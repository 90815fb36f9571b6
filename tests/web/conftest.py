"""A web app over a migrated store, with one user per role, driven by an in-process HTTP client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from web_helpers import password_hash

from leadflow.playbook.schema import ROLES
from leadflow.services.context import Context
from leadflow.services.users import create_user
from leadflow.web.app import create_app


@pytest.fixture
def web_ctx(ctx: Context) -> Context:
    """The store with one user per role: <role>@acme.test / PASSWORD."""
    for role in ROLES:
        create_user(
            ctx,
            {
                "email": f"{role}@acme.test",
                "name": role.replace("_", " ").title(),
                "role": role,
                "password_hash": password_hash(),
                "sales_team": "inside_sales" if role == "sales" else None,
            },
        )
    return ctx


@pytest.fixture
def app_client(web_ctx: Context) -> Iterator[TestClient]:
    """A client of the app (cookies kept between requests)."""
    app = create_app(web_ctx, secret="test-secret-" + "x" * 20, demo=True)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield client
