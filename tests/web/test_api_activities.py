"""Activity ingest (single, batch, idempotent), the form-fill webhook and the playbook API."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from test_api_persons import bearer  # type: ignore[import-not-found]

from leadflow.services.context import Context
from leadflow.services.lifecycle import create_person

DEFAULT = Path(__file__).resolve().parents[2] / "src/leadflow/playbook/default.yaml"


def test_batch_ingest_counts_accepted_duplicate_rejected(app_client: TestClient, web_ctx: Context) -> None:
    create_person(web_ctx, {"email": "eve@corp.example"})
    h = bearer(web_ctx, "marketing")
    batch = {
        "activities": [
            {
                "event_id": "e1",
                "email": "eve@corp.example",
                "type": "page_view",
                "occurred_at": "2026-03-01T10:00:00Z",
                "url": "/pricing",
            },
            {
                "event_id": "e2",
                "email": "eve@corp.example",
                "type": "email_click",
                "occurred_at": "2026-03-01T11:00:00Z",
            },
            {
                "event_id": "e3",
                "type": "page_view",
                "occurred_at": "2026-03-01T11:00:00Z",
            },  # nobody: rejected
        ]
    }
    first = app_client.post("/api/v1/activities/batch", json=batch, headers=h).json()
    assert (first["accepted"], first["duplicate"], first["rejected"]) == (2, 0, 1)
    assert first["results"][2]["reasons"]
    again = app_client.post("/api/v1/activities/batch", json=batch, headers=h).json()
    assert (again["accepted"], again["duplicate"], again["rejected"]) == (0, 2, 1)
    single = app_client.post("/api/v1/activities", json=batch["activities"][0], headers=h)
    assert single.status_code == 200 and single.json()["duplicate"] == 1
    bad = app_client.post(
        "/api/v1/activities",
        json={"email": "eve@corp.example", "type": "x", "occurred_at": "yesterday"},
        headers=h,
    )
    assert bad.status_code == 422 and bad.json()["error"]["where"] == "occurred_at"


def test_activity_bodies_refuse_nul_and_unknown_fields_naming_them(
    app_client: TestClient, web_ctx: Context
) -> None:
    create_person(web_ctx, {"email": "nul@corp.example"})
    h = bearer(web_ctx, "marketing")
    good = {"email": "nul@corp.example", "type": "page_view", "occurred_at": "2026-03-01T10:00:00Z"}
    cases = [
        ({"activities": [good, {**good, "url": "/a\x00b"}]}, "activities[1].url"),
        (
            {"activities": [good, {**good, "properties": {"note": ["x", "\x00"]}}]},
            "activities[1].properties.note[1]",
        ),
        ({"activities": [{**good, "colour": "red"}]}, "activities.0.colour"),
        ({"activities": [{**good, "person_id": "7"}]}, "activities.0.person_id"),
    ]
    for body, where in cases:
        r = app_client.post("/api/v1/activities/batch", json=body, headers=h)
        assert r.status_code == 422, (where, r.text)
        assert r.json()["error"]["where"] == where
    single = app_client.post("/api/v1/activities", json={**good, "channel": "or\x00ganic"}, headers=h)
    assert single.status_code == 422 and single.json()["error"]["where"] == "channel"
    with web_ctx.engine.connect() as conn:  # nothing of the refused bodies was stored
        assert conn.exec_driver_sql("SELECT count(*) FROM activities").scalar_one() == 0


def test_form_fill_creates_the_lead_once(app_client: TestClient, web_ctx: Context) -> None:
    h = bearer(web_ctx, "marketing")
    form = {
        "email": "New@Lead.example",
        "form": "demo-request",
        "submitted_at": "2026-03-02T09:00:00Z",
        "event_id": "form-1",
        "first_name": "Nia",
        "company": "Lead Co",
    }
    r = app_client.post("/api/v1/webhooks/form", json=form, headers=h)
    assert r.status_code == 200 and r.json()["accepted"] == 1
    assert app_client.post("/api/v1/webhooks/form", json=form, headers=h).json()["duplicate"] == 1
    person = app_client.get("/api/v1/persons/new@lead.example", headers=h).json()
    assert person["first_name"] == "Nia" and person["properties"]["company"] == "Lead Co"


def test_playbook_api_get_and_propose(app_client: TestClient, web_ctx: Context) -> None:
    h = bearer(web_ctx, "marketing_lead")
    got = app_client.get("/api/v1/playbook", headers=h).json()
    assert got["version"] == web_ctx.playbook.version and got["content"]["stages"][0]["id"] == "lead"
    text = DEFAULT.read_text().replace("engagement >= 40", "engagement >= 45")
    r = app_client.post(
        "/api/v1/playbook/proposals", content=text, headers={**h, "content-type": "application/x-yaml"}
    )
    assert r.status_code == 201 and r.json()["status"] == "proposed"
    bad = app_client.post("/api/v1/playbook/proposals", content="stages: [\n", headers=h)
    assert bad.status_code == 422 and bad.json()["error"]["problems"][0]["code"] == "PB001"


def test_ingested_activities_react_after_the_answer(app_client: TestClient, web_ctx: Context) -> None:
    """The API answers once the activities are stored; the drainer rescores and qualifies just after."""
    from datetime import timedelta

    from sqlalchemy import insert, select

    from leadflow.services.lifecycle import create_person_in
    from leadflow.store.engine import reading, transaction
    from leadflow.store.tables import accounts, pending_reactions, persons

    now = web_ctx.clock.now()
    with transaction(web_ctx.engine) as conn:
        account = conn.execute(
            insert(accounts)
            .values(
                name="Acme", industry="software", employees=500, properties={}, created_at=now, updated_at=now
            )
            .returning(accounts.c.id)
        ).scalar_one()
        pid = create_person_in(
            conn, web_ctx, {"email": "ada@acme.com", "title": "VP Marketing", "account_id": account}, at=now
        )
    at = (now - timedelta(minutes=5)).isoformat()
    touches = [
        {"email": "ada@acme.com", "type": t, "occurred_at": at} for t in ("form_submit", "demo_request")
    ]
    h = bearer(web_ctx, "marketing")
    assert (
        app_client.post("/api/v1/activities/batch", json={"activities": touches}, headers=h).json()[
            "accepted"
        ]
        == 2
    )
    assert app_client.app.state.reactions.wait_idle(60)  # type: ignore[attr-defined]
    with reading(web_ctx.engine) as conn:
        stage, grade = conn.execute(select(persons.c.stage, persons.c.grade).where(persons.c.id == pid)).one()
        left = conn.execute(select(pending_reactions)).all()
    assert (stage, grade, left) == ("mql", "A1", [])
    got = app_client.get("/api/v1/persons/ada@acme.com", headers=h).json()
    assert got["stage"] == "mql"
