"""Sign-in, CSRF on every form, roles enforced, API tokens hashed, the audit trail, playbook approvals."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from web_helpers import login  # type: ignore[import-not-found]

from leadflow.services.context import Context
from leadflow.services.users import revoke_token
from leadflow.store.tables import api_tokens, audit_log, playbook_versions
from leadflow.web.deps import Recheck

DEFAULT = Path(__file__).resolve().parents[2] / "src/leadflow/playbook/default.yaml"


def test_login_required_and_wrong_password(app_client: TestClient) -> None:
    r = app_client.get("/playbook", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    bad = app_client.post("/login", data={"email": "sales@acme.test", "password": "nope-nope"})
    assert bad.status_code == 401 and "wrong email or password" in bad.text


def test_session_cookie_is_signed_and_http_only(app_client: TestClient) -> None:
    r = app_client.post(
        "/login", data={"email": "viewer@acme.test", "password": "correct-horse-9"}, follow_redirects=False
    )
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    app_client.cookies.set("leadflow_session", "forged")
    assert app_client.get("/playbook", follow_redirects=False).status_code == 303


def test_forms_need_the_csrf_token(app_client: TestClient, web_ctx: Context) -> None:
    token = login(app_client, "admin")
    form = {"email": "new@acme.test", "name": "New", "role": "viewer", "password": "long-enough-1"}
    refused = app_client.post("/admin/users", data=form)
    assert refused.status_code == 403 and "security token" in refused.text
    ok = app_client.post("/admin/users", data={**form, "csrf_token": token}, follow_redirects=False)
    assert ok.status_code == 303
    with web_ctx.engine.connect() as conn:
        actions = [r.action for r in conn.execute(select(audit_log.c.action))]
    assert "user.create" in actions


def test_admin_page_is_for_admins_only(app_client: TestClient) -> None:
    for role in ("marketing", "marketing_lead", "sales", "sales_manager", "viewer"):
        login(app_client, role)
        assert app_client.get("/admin").status_code == 403, role
    login(app_client, "admin")
    assert app_client.get("/admin").status_code == 200


def test_api_tokens_are_stored_hashed_and_work_once_issued(app_client: TestClient, web_ctx: Context) -> None:
    token = login(app_client, "admin")
    page = app_client.post("/admin/tokens", data={"user_id": "1", "name": "crm", "csrf_token": token})
    issued = page.text.split('id="new-token">')[1].split("<")[0]
    with web_ctx.engine.connect() as conn:
        stored = conn.execute(select(api_tokens.c.token_hash)).scalar_one()
    assert issued.startswith("lf_") and issued not in stored and len(stored) == 64


def test_a_revoked_token_is_refused_at_once_and_outside_changes_within_the_recheck(
    app_client: TestClient, web_ctx: Context
) -> None:
    """The app remembers whom a token belongs to for a moment (no query per API call): a revocation through
    the Admin page applies to the next call; one made elsewhere (the CLI) once the recheck interval passed."""
    token = login(app_client, "admin")

    def issue(name: str) -> str:
        page = app_client.post("/admin/tokens", data={"user_id": "1", "name": name, "csrf_token": token})
        return page.text.split('id="new-token">')[1].split("<")[0]

    def status(api_token: str) -> int:
        # the bearer token is checked first, whatever the admin's session cookie says
        return app_client.get("/api/v1/persons", headers={"Authorization": f"Bearer {api_token}"}).status_code

    def token_id(name: str) -> int:
        with web_ctx.engine.connect() as conn:
            return int(conn.execute(select(api_tokens.c.id).where(api_tokens.c.name == name)).scalar_one())

    crm = issue("crm")
    assert status(crm) == 200
    app_client.post(f"/admin/tokens/{token_id('crm')}/revoke", data={"csrf_token": token})
    assert status(crm) == 403

    cli = issue("cli")
    assert status(cli) == 200
    revoke_token(web_ctx, token_id("cli"), actor="cli")
    recheck: Recheck = app_client.app.state.recheck  # type: ignore[attr-defined]
    recheck.seconds = 0.2
    time.sleep(0.25)
    assert status(cli) == 403


def test_playbook_change_needs_both_leads(app_client: TestClient, web_ctx: Context) -> None:
    proposal = DEFAULT.read_text().replace("engagement >= 40", "engagement >= 50")
    token = login(app_client, "marketing")
    r = app_client.post(
        "/playbook/propose",
        files={"file": ("new.yaml", proposal, "application/x-yaml")},
        data={"csrf_token": token},
    )
    assert r.status_code == 200
    page = app_client.get("/playbook").text
    assert "The MQL rule changed from fit_grade &gt;= &#39;B&#39; and engagement &gt;= 40" in page
    with web_ctx.engine.connect() as conn:
        version = conn.execute(
            select(playbook_versions.c.version).where(playbook_versions.c.status == "proposed")
        ).scalar_one()
    token = login(app_client, "sales")
    assert app_client.post(f"/playbook/{version}/approve", data={"csrf_token": token}).status_code == 403
    token = login(app_client, "marketing_lead")
    app_client.post(f"/playbook/{version}/approve", data={"csrf_token": token})
    token = login(app_client, "sales_manager")
    app_client.post(f"/playbook/{version}/approve", data={"csrf_token": token})
    with web_ctx.engine.connect() as conn:
        status = conn.execute(
            select(playbook_versions.c.status).where(playbook_versions.c.version == version)
        ).scalar_one()
    assert status == "active"
    assert "engagement &gt;= 50" in app_client.get("/playbook").text


def test_invalid_proposal_lists_problems_with_lines(app_client: TestClient) -> None:
    token = login(app_client, "marketing_lead")
    bad = DEFAULT.read_text().replace("to: sal, by: [sales]}", "to: nowhere, by: [sales]}", 1)
    r = app_client.post(
        "/playbook/propose",
        files={"file": ("bad.yaml", bad, "application/x-yaml")},
        data={"csrf_token": token},
    )
    assert r.status_code == 422 and "PB011" in r.text and "bad.yaml:" in r.text


def test_person_page_shows_history_and_takes_notes(app_client: TestClient, web_ctx: Context) -> None:
    from leadflow.domain.lifecycle import Actor
    from leadflow.services.lifecycle import create_person, move

    pid = create_person(web_ctx, {"email": "pat@corp.example", "first_name": "Pat", "title": "VP Sales"})
    move(web_ctx, pid, "mql", Actor.system())
    token = login(app_client, "sales")
    page = app_client.get(f"/persons/{pid}")
    assert page.status_code == 200 and "lead → mql" in page.text and "VP Sales" in page.text
    assert "Why this score" in page.text and "Economic buyer" in page.text  # the fit rule the title earns
    app_client.post(f"/persons/{pid}/notes", data={"text": "Asked for pricing", "csrf_token": token})
    assert "Asked for pricing" in app_client.get(f"/persons/{pid}").text
    login(app_client, "viewer")
    assert app_client.post(f"/persons/{pid}/notes", data={"text": "x", "csrf_token": "t"}).status_code == 403


def test_resources_page_groups_assets_and_counts_the_exchange(
    app_client: TestClient, web_ctx: Context
) -> None:
    token = login(app_client, "sales")
    app_client.post(
        "/resources", data={"name": "Competitor battlecard", "buyer_stage": "decision", "csrf_token": token}
    )
    token = login(app_client, "marketing")
    app_client.post(
        "/resources", data={"name": "Buyers guide", "buyer_stage": "awareness", "csrf_token": token}
    )
    bad = app_client.post("/resources", data={"name": "X", "buyer_stage": "later", "csrf_token": token})
    assert bad.status_code == 422 and "unknown buyer stage" in bad.text
    from leadflow.services.resources import assets_by_stage, exchange

    grouped = assets_by_stage(web_ctx)
    assert [a["name"] for a in grouped["decision"]["sales"]] == ["Competitor battlecard"]
    assert [a["name"] for a in grouped["awareness"]["marketing"]] == ["Buyers guide"]
    ex = exchange(web_ctx)
    assert (ex.assets_by_marketing, ex.assets_by_sales) == (1, 1)
    assert "Competitor battlecard" in app_client.get("/resources").text
