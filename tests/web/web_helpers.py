"""Signing in during web tests (a unique module name: several test folders have their own conftest.py)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from leadflow.services.users import hash_password

PASSWORD = "correct-horse-9"
_HASH: list[str] = []


def password_hash() -> str:
    """One argon2 hash of PASSWORD per test process (hashing is deliberately slow)."""
    if not _HASH:
        _HASH.append(hash_password(PASSWORD))
    return _HASH[0]


def login(client: TestClient, role: str) -> str:
    """Sign in as the role's user; returns the CSRF token found on the landing page."""
    client.cookies.clear()
    r = client.post("/login", data={"email": f"{role}@acme.test", "password": PASSWORD, "next": "/playbook"})
    assert r.status_code == 200, r.text[:300]
    token = re.search(r'name="csrf_token" value="([^"]+)"', r.text)
    assert token, "the page carries a CSRF token"
    return token.group(1)
