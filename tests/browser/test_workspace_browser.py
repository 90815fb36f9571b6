"""In a real browser: a rep accepts one lead and rejects another with a reason; marketing finds that
rejection on Feedback; the Overview shows the library's numbers; every page is screenshotted."""

from __future__ import annotations

from typing import Any

import pytest
from browser_helpers import shot  # type: ignore[import-not-found]
from sqlalchemy import select

from leadflow.analytics import dashboard_metrics
from leadflow.store.tables import persons, users
from leadflow.web.filters import page_filters

pytestmark = pytest.mark.browser


def sign_in(browser: Any, site: dict[str, Any], role: str, width: int = 1280) -> Any:
    page = browser.new_page(viewport={"width": width, "height": 900})
    email, password = site["logins"][role]
    page.goto(site["base"] + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")
    return page


def test_rep_decides_and_marketing_sees_the_rejection(browser: Any, site: dict[str, Any]) -> None:
    ctx = site["ctx"]
    rep_email = site["logins"]["sales"][0]
    with ctx.engine.connect() as conn:
        rep_id = conn.execute(select(users.c.id).where(users.c.email == rep_email)).scalar_one()
        queue = conn.execute(
            select(persons.c.id, persons.c.email)
            .where(persons.c.owner_id == rep_id, persons.c.stage == "mql")
            .order_by(persons.c.id)
        ).all()
    assert len(queue) >= 2, "the demo leaves MQLs in the rep's queue"
    (keep_id, _), (drop_id, drop_email) = queue[0], queue[1]
    page = sign_in(browser, site, "sales")
    assert page.url.endswith("/queue")
    shot(page, "queue")
    page.locator(f"#person-{keep_id}").get_by_role("button", name="Accept").click()
    page.wait_for_load_state("networkidle")
    assert "Done: accepted" in page.content()
    card = page.locator(f"#person-{drop_id}")
    card.get_by_label("Reason", exact=False).first.select_option("no_budget_now")
    card.locator("input[name=note]").fill("Budget frozen until Q3, call back in June")
    card.get_by_role("button", name="Reject").click()
    page.wait_for_load_state("networkidle")
    assert "Done: rejected" in page.content()
    with ctx.engine.connect() as conn:
        stages = dict(
            conn.execute(
                select(persons.c.id, persons.c.stage).where(persons.c.id.in_([keep_id, drop_id]))
            ).all()
        )
    assert stages == {keep_id: "sal", drop_id: "recycled"}
    page.close()

    page = sign_in(browser, site, "marketing")
    page.goto(site["base"] + "/feedback")
    row = page.locator("#rejections tr", has_text=drop_email)
    assert row.count() == 1
    text = row.inner_text()
    assert "no_budget_now" in text and "Budget frozen until Q3" in text
    shot(page, "feedback")
    page.close()


def test_overview_shows_the_library_numbers(browser: Any, site: dict[str, Any]) -> None:
    ctx = site["ctx"]
    page = sign_in(browser, site, "marketing_lead")
    page.goto(site["base"] + "/overview")
    m = dashboard_metrics(ctx, page_filters(ctx, None, {}))
    for r in m["funnel"]:
        cell = page.locator(f'#funnel-table tr[data-stage="{r["stage"]}"] td.entered').inner_text()
        assert int(cell) == r["entered"], r["stage"]
    assert int(page.locator("#kpi-leakage").inner_text()) == m["leakage"]["total"]
    page.wait_for_selector(".chart svg", timeout=10_000)  # the vendored Vega-Lite drew the funnel
    shot(page, "overview")
    page.close()


@pytest.mark.parametrize("width,label", [(1280, "desktop"), (390, "phone")])
def test_every_page_renders_and_is_screenshotted(
    browser: Any, site: dict[str, Any], width: int, label: str
) -> None:
    page = sign_in(browser, site, "admin", width)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    for path in (
        "/overview",
        "/queue",
        "/feedback",
        "/campaigns",
        "/attribution",
        "/plan",
        "/leakage",
        "/playbook",
        "/resources",
        "/admin",
        "/definitions",
    ):
        response = page.goto(site["base"] + path)
        assert response is not None and response.status == 200, path
        shot(page, f"{label}{path.replace('/', '-')}")
    assert errors == []
    page.close()


def test_forbidden_pages_for_each_role(browser: Any, site: dict[str, Any]) -> None:
    forbidden = {
        "marketing": ["/queue", "/admin"],
        "sales": ["/admin"],
        "marketing_lead": ["/queue", "/admin"],
        "sales_manager": ["/admin"],
    }
    for role, paths in forbidden.items():
        page = sign_in(browser, site, role)
        for path in paths:
            response = page.goto(site["base"] + path)
            assert response is not None and response.status == 403, (role, path)
        page.close()
