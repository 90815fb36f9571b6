"""/api/v1/persons with a bearer token: create, conflict, get, search, versioned update, clear errors."""

from __future__ import annotations

from fastapi.testclient import TestClient

from leadflow.services.context import Context
from leadflow.services.users import issue_token


def bearer(ctx: Context, role: str) -> dict[str, str]:
    from sqlalchemy import select

    from leadflow.store.tables import users

    with ctx.engine.connect() as conn:
        uid = conn.execute(select(users.c.id).where(users.c.email == f"{role}@acme.test")).scalar_one()
    return {"Authorization": f"Bearer {issue_token(ctx, uid, 'test', actor='test')}"}


def test_person_lifecycle_over_the_api(app_client: TestClient, web_ctx: Context) -> None:
    h = bearer(web_ctx, "marketing")
    r = app_client.post(
        "/api/v1/persons", json={"email": " Zoe@Corp.example ", "first_name": "Zoe"}, headers=h
    )
    assert r.status_code == 201, r.text
    zoe = r.json()
    assert zoe["email"] == "zoe@corp.example" and zoe["stage"] == "lead" and zoe["version"] == 1
    dup = app_client.post("/api/v1/persons", json={"email": "zoe@corp.example"}, headers=h)
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "LF030"
    assert app_client.get("/api/v1/persons/zoe@corp.example", headers=h).json()["id"] == zoe["id"]
    found = app_client.get("/api/v1/persons", params={"q": "zoe", "stage": "lead"}, headers=h).json()
    assert [p["id"] for p in found] == [zoe["id"]]
    ok = app_client.patch(f"/api/v1/persons/{zoe['id']}", json={"version": 1, "title": "CFO"}, headers=h)
    assert ok.status_code == 200 and ok.json()["version"] == 2 and ok.json()["title"] == "CFO"
    stale = app_client.patch(f"/api/v1/persons/{zoe['id']}", json={"version": 1, "title": "CEO"}, headers=h)
    assert stale.status_code == 409 and "changed since version 1" in stale.json()["error"]["message"]


def test_errors_name_the_field(app_client: TestClient, web_ctx: Context) -> None:
    h = bearer(web_ctx, "sales")
    bad = app_client.post("/api/v1/persons", json={"email": "x@y.z", "colour": "red"}, headers=h)
    assert bad.status_code == 422 and bad.json()["error"]["where"] == "colour"
    bad_email = app_client.post("/api/v1/persons", json={"email": "not-an-email"}, headers=h)
    assert bad_email.status_code == 422 and bad_email.json()["error"]["where"] == "field email"
    missing = app_client.get("/api/v1/persons/99999999999999999999999", headers=h)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "LF020"
    nul = app_client.get("/api/v1/persons", params={"q": "a\x00b"}, headers=h)
    assert nul.status_code == 422
    assert app_client.get("/api/v1/persons").status_code == 403


def test_viewer_may_read_but_not_write(app_client: TestClient, web_ctx: Context) -> None:
    h = bearer(web_ctx, "viewer")
    assert app_client.get("/api/v1/persons", headers=h).status_code == 200
    assert app_client.post("/api/v1/persons", json={"email": "v@corp.example"}, headers=h).status_code == 403
    revoked = {"Authorization": "Bearer lf_not_a_token"}
    assert app_client.get("/api/v1/persons", headers=revoked).status_code == 403
