"""A web app over a migrated store, with one user per role, driven by an in-process HTTP client."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from leadflow.playbook.schema import ROLES
from leadflow.services.context import Context
from leadflow.services.users import create_user, hash_password
from leadflow.web.app import create_app

PASSWORD = "correct-horse-9"
_HASH: list[str] = []


def password_hash() -> str:
    """One argon2 hash of PASSWORD per test process (hashing is deliberately slow)."""
    if not _HASH:
        _HASH.append(hash_password(PASSWORD))
    return _HASH[0]


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


def login(client: TestClient, role: str) -> str:
    """Sign in as the role's user; returns the CSRF token found on the landing page."""
    client.cookies.clear()
    r = client.post("/login", data={"email": f"{role}@acme.test", "password": PASSWORD, "next": "/playbook"})
    assert r.status_code == 200, r.text[:300]
    token = re.search(r'name="csrf_token" value="([^"]+)"', r.text)
    assert token, "the page carries a CSRF token"
    return token.group(1)
