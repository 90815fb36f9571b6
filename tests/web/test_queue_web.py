"""The sales queue on the web and over the API: accept, reject with a reason, qualify, convert, 409s."""

from __future__ import annotations

from fastapi.testclient import TestClient
from test_api_persons import bearer  # type: ignore[import-not-found]
from web_helpers import login  # type: ignore[import-not-found]

from leadflow.domain.lifecycle import Actor
from leadflow.services.context import Context
from leadflow.services.lifecycle import create_person, move


def mql(ctx: Context, email: str) -> int:
    pid = create_person(ctx, {"email": email, "first_name": email.split("@")[0].title()})
    move(ctx, pid, "mql", Actor.system())  # routed to the only sales rep by round-robin
    return pid


def test_rep_accepts_and_rejects_from_the_queue_page(app_client: TestClient, web_ctx: Context) -> None:
    a, b = mql(web_ctx, "ann@corp.example"), mql(web_ctx, "ben@corp.example")
    token = login(app_client, "sales")
    page = app_client.get("/queue").text
    assert "Ann" in page and "Ben" in page and "data-due=" in page
    r = app_client.post(f"/queue/{a}/accept", data={"csrf_token": token})
    assert r.status_code == 200 and "accepted" in r.text
    missing = app_client.post(f"/queue/{b}/reject", data={"csrf_token": token, "reason": ""})
    assert missing.status_code == 422 and "needs a reason" in missing.text
    ok = app_client.post(
        f"/queue/{b}/reject", data={"csrf_token": token, "reason": "bad_timing", "note": "Q3"}
    )
    assert ok.status_code == 200
    from leadflow.services.persons import get

    assert get(web_ctx, a)["stage"] == "sal" and get(web_ctx, b)["stage"] == "recycled"


def test_api_flow_through_to_won_with_versions(app_client: TestClient, web_ctx: Context) -> None:
    pid = mql(web_ctx, "cat@corp.example")
    h = bearer(web_ctx, "sales")
    queue = app_client.get("/api/v1/queue", headers=h).json()
    item = next(i for i in queue if i["person_id"] == pid)
    assert item["stage"] == "mql" and item["due_at"]
    stale = app_client.post(f"/api/v1/persons/{pid}/accept", json={"version": item["version"] - 1}, headers=h)
    assert stale.status_code == 409
    r = app_client.post(f"/api/v1/persons/{pid}/accept", json={"version": item["version"]}, headers=h)
    assert r.status_code == 200 and r.json()["to_stage"] == "sal"
    bad = app_client.post(f"/api/v1/persons/{pid}/qualify", json={"budget": "1"}, headers=h)
    assert bad.status_code == 422 and bad.json()["error"]["where"] == "authority"
    bant = {"budget": "50k", "authority": "CFO", "need": "forecasting", "timeline": "Q3"}
    assert app_client.post(f"/api/v1/persons/{pid}/qualify", json=bant, headers=h).json()["to_stage"] == "sql"
    conv = app_client.post(
        f"/api/v1/persons/{pid}/convert", json={"amount": 42000, "expected_close": "2026-06-30"}, headers=h
    )
    assert conv.status_code == 200 and conv.json()["opportunity_id"]
    assert app_client.post(f"/api/v1/persons/{pid}/won", json={}, headers=h).json()["to_stage"] == "customer"
    again = app_client.post(f"/api/v1/persons/{pid}/won", json={}, headers=h)
    assert again.status_code == 409 and again.json()["error"]["code"] == "LF040"


def test_marketing_cannot_use_the_queue(app_client: TestClient, web_ctx: Context) -> None:
    login(app_client, "marketing")
    assert app_client.get("/queue").status_code == 403
    h = bearer(web_ctx, "marketing")
    assert app_client.get("/api/v1/queue", headers=h).status_code == 403
