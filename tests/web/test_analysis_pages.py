"""Feedback, Campaigns, Attribution, Plan, Leakage and Overview on a small simulated company, per role."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from leadflow.clock import FrozenClock
from leadflow.config import get_settings
from leadflow.services.context import Context, open_context
from leadflow.services.demo import DEMO_PASSWORD, build_demo
from leadflow.store.engine import make_engine
from leadflow.web.app import create_app

LOGINS: dict[str, str] = {}


@pytest.fixture(scope="module")
def demo_ctx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Context]:
    """A 600-person demo company (history plus live days) in a SQLite file, shared by the module."""
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    clock = FrozenClock(datetime(2026, 11, 25, 18, 0, tzinfo=UTC))
    ctx = open_context(get_settings(database_url=url), clock=clock, engine=make_engine(url))
    report = build_demo(ctx, people=600, seed=3, now=clock.now())
    LOGINS.update({role: email for role, email, _ in report.logins})
    yield ctx
    ctx.engine.dispose()


def client_as(ctx: Context, role: str) -> TestClient:
    app = create_app(ctx, secret="s" * 32, demo=True)
    client = TestClient(app, base_url="http://127.0.0.1")
    email = LOGINS[role]
    assert client.post("/login", data={"email": email, "password": DEMO_PASSWORD}).status_code == 200
    return client


PAGES = [
    "/overview",
    "/feedback",
    "/campaigns",
    "/attribution",
    "/plan",
    "/leakage",
    "/playbook",
    "/resources",
    "/definitions",
    "/people?stage=mql",
    "/attribution?milestone=won&by=campaign&models=linear&models=markov_2",
    "/plan?period=2026-Q3",
    "/overview?segment=enterprise&period=2026-Q3",
]


def test_every_analysis_page_renders(demo_ctx: Context) -> None:
    client = client_as(demo_ctx, "marketing")
    for page in PAGES:
        r = client.get(page)
        assert r.status_code == 200, (page, r.text[:500])


def test_overview_numbers_equal_the_library(demo_ctx: Context) -> None:
    from leadflow.analytics import dashboard_metrics
    from leadflow.web.filters import page_filters

    client = client_as(demo_ctx, "marketing")
    page = client.get("/overview").text
    m = dashboard_metrics(demo_ctx, page_filters(demo_ctx, None, {}))
    mql = next(r for r in m["funnel"] if r["stage"] == "mql")
    assert f'id="kpi-mql"><a href="/people?stage=mql&period={m["period"]["label"]}">{mql["entered"]}<' in page
    assert f'id="kpi-leakage"><a href="/leakage">{m["leakage"]["total"]}<' in page


def test_people_behind_a_number_are_that_many(demo_ctx: Context) -> None:
    from leadflow.analytics import dashboard_metrics
    from leadflow.web.filters import page_filters

    m = dashboard_metrics(demo_ctx, page_filters(demo_ctx, None, {}))
    sal = next(r for r in m["funnel"] if r["stage"] == "sal")["entered"]
    page = client_as(demo_ctx, "marketing").get("/people?stage=sal").text
    assert page.count('<tr><td><a href="/persons/') == sal


def test_leads_set_goals_and_act_on_leakage(demo_ctx: Context) -> None:
    lead = client_as(demo_ctx, "marketing_lead")
    token = lead.get("/plan").text.split('name="csrf_token" value="')[1].split('"')[0]
    r = lead.post(
        "/plan/goal", data={"period": "2027-Q1", "segment": "all", "revenue": "2500000", "csrf_token": token}
    )
    assert r.status_code == 200 and "2,500,000" in r.text
    marketer = client_as(demo_ctx, "marketing")
    token = marketer.get("/plan").text.split('name="csrf_token" value="')[1].split('"')[0]
    assert (
        marketer.post(
            "/plan/goal", data={"period": "2027-Q1", "segment": "all", "revenue": "1", "csrf_token": token}
        ).status_code
        == 403
    )
    from leadflow.services.leakage import find_leakage

    before = find_leakage(demo_ctx).counts["recycled_not_enrolled"]
    stuck = [i.person_id for i in find_leakage(demo_ctx).by_cause("recycled_not_enrolled")][:3]
    token = lead.get("/leakage").text.split('name="csrf_token" value="')[1].split('"')[0]
    r = lead.post("/leakage/recycle", data={"person": [str(p) for p in stuck], "csrf_token": token})
    assert r.status_code == 200
    assert find_leakage(demo_ctx).counts["recycled_not_enrolled"] <= before - 1


def test_viewer_cannot_resolve_or_assign(demo_ctx: Context) -> None:
    client = client_as(demo_ctx, "sales")
    token = client.get("/overview").text.split('csrf_token" value="')[1].split('"')[0]
    assert client.post("/leakage/assign", data={"rep": "x", "csrf_token": token}).status_code == 403
    assert (
        client.post(
            "/feedback/disputes/1/resolve", data={"outcome": "upheld", "csrf_token": token}
        ).status_code
        == 403
    )
    assert client.post("/feedback/1/dispute", data={"csrf_token": token}).status_code == 403


def test_metrics_api_serves_the_library_numbers(demo_ctx: Context) -> None:
    from leadflow.analytics import connect_store
    from leadflow.analytics.funnel import funnel
    from leadflow.web.filters import page_filters

    client = client_as(demo_ctx, "marketing")
    assert "funnel" in client.get("/api/v1/metrics").json()["metrics"]
    got = client.get("/api/v1/metrics/funnel", params={"period": "2026-Q4"}).json()
    want = funnel(
        connect_store(demo_ctx.engine, demo_ctx.playbook.model), page_filters(demo_ctx, "2026-Q4", {})
    )
    assert [r["entered"] for r in got["rows"]] == [int(x) for x in want["entered"]]
    by = client.get("/api/v1/metrics/funnel", params={"by": "segment"}).json()["rows"]
    assert {r["segment"] for r in by} >= {"smb"}
    assert client.get("/api/v1/metrics/nope").status_code == 404
    assert client.get("/api/v1/metrics/funnel", params={"by": "colour"}).status_code == 422
    assert client.get("/api/v1/metrics/funnel", params={"period": "someday"}).status_code == 422
    dash = client.get("/api/v1/metrics/dashboard").json()
    assert dash["leakage"]["total"] >= 0 and dash["funnel"][0]["stage"] == "lead"
