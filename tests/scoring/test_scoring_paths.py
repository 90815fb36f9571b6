"""Batch (DuckDB, set-based) and incremental (Python) scoring agree to the point on random people."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scoring_helpers import add_account, add_activity, add_catalog
from sqlalchemy import delete, insert

from leadflow.domain.scoring.score import PersonScore
from leadflow.services.context import Context
from leadflow.services.scoring import model_for, score_persons_in
from leadflow.services.scoring_batch import batch_table
from leadflow.store.engine import reading, transaction
from leadflow.store.tables import (
    accounts,
    activities,
    assets,
    campaigns,
    persons,
    score_details,
    stage_changes,
    stage_entries,
)

TITLES = [None, "VP Marketing", "Student assistant", "Marketing Manager", "Head of Data", "Intern", "CEO"]
DOMAINS = ["acme.com", "gmail.com", "Yahoo.com", "corp.io"]
TYPES = ["form_submit", "webinar_attended", "page_view", "email_click", "Email_Click", "unsubscribe", "call"]
URLS = [
    None,
    "/pricing",
    "https://acme.com/pricing/enterprise?x=1",
    "/careers/jobs",
    "/blog/a",
    "HTTPS://X.IO/Pricing",
]

accounts_st = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {
            "industry": st.sampled_from([None, "software", "Healthcare", "retail"]),
            "employees": st.one_of(st.none(), st.integers(0, 5000)),
            "segment": st.sampled_from([None, None, "enterprise", "smb"]),
            "properties": st.sampled_from([{}, {"tier": 2}, {"tier": "3"}, {"tier": 5}, {"tier": True}]),
        }
    ),
)
activity_st = st.fixed_dictionaries(
    {
        "type": st.sampled_from(TYPES),
        "url": st.sampled_from(URLS),
        "age_h": st.integers(-48, 24 * 200),
        "minute": st.integers(0, 59),
        "campaign": st.sampled_from([None, "spring-webinar", "autumn", "other"]),
        "asset": st.sampled_from([None, "pricing-sheet", "ebook"]),
        "properties": st.sampled_from([None, {"score": 7}, {"score": "2"}, {"score": 5.5}]),
    }
)
person_st = st.fixed_dictionaries(
    {
        "title": st.sampled_from(TITLES),
        "domain": st.sampled_from(DOMAINS),
        "country": st.sampled_from([None, "DE", "us"]),
        "properties": st.sampled_from([{}, {"plan": "Pro"}, {"plan": "free"}]),
        "account": accounts_st,
        "activities": st.lists(activity_st, max_size=14),
    }
)


def _reset(ctx: Context) -> None:
    with transaction(ctx.engine) as conn:
        for table in (
            score_details,
            activities,
            stage_entries,
            stage_changes,
            persons,
            accounts,
            campaigns,
            assets,
        ):
            conn.execute(delete(table))


def _load(ctx: Context, people: list[dict[str, Any]], now: datetime) -> list[int]:
    ids = []
    with transaction(ctx.engine) as conn:
        catalog = add_catalog(conn, now)
        for i, p in enumerate(people):
            account_id = add_account(conn, now, **p["account"]) if p["account"] is not None else None
            pid = int(
                conn.execute(
                    insert(persons)
                    .values(
                        email=f"p{i}@{p['domain']}",
                        title=p["title"],
                        country=p["country"],
                        properties=p["properties"],
                        account_id=account_id,
                        stage="lead",
                        stage_entered_at=now,
                        created_at=now,
                        updated_at=now,
                    )
                    .returning(persons.c.id)
                ).scalar_one()
            )
            ids.append(pid)
            for a in p["activities"]:
                at = now - timedelta(hours=a["age_h"], minutes=a["minute"], microseconds=a["minute"] * 7)
                add_activity(
                    conn,
                    pid,
                    at,
                    a["type"],
                    url=a["url"],
                    properties=a["properties"],
                    campaign_id=catalog.get(a["campaign"] or ""),
                    asset_id=catalog.get(a["asset"] or ""),
                )
    return ids


def assert_same(row: dict[str, Any], incremental: PersonScore) -> None:
    """Scores, grades, the MQL verdict and per-rule details agree to 1e-6."""
    assert row["fit"] == pytest.approx(incremental.fit, abs=1e-6)
    assert row["engagement"] == pytest.approx(incremental.engagement, abs=1e-6)
    assert row["grade"] == incremental.grade
    assert (row["fit_rank"], row["engagement_rank"]) == (incremental.fit_rank, incremental.engagement_rank)
    a, b = json.loads(row["detail"]), incremental.detail()
    a["engagement"].sort(key=lambda r: r["rule"])  # the batch writes rules in any order
    assert a["fit"] == b["fit"] and a["as_of"] == b["as_of"]
    assert [(r["rule"], r["label"], r["activities"], r["capped"]) for r in a["engagement"]] == [
        (r["rule"], r["label"], r["activities"], r["capped"]) for r in b["engagement"]
    ]
    for x, y in zip(a["engagement"], b["engagement"], strict=True):
        assert x["points"] == pytest.approx(y["points"], abs=1e-6)
    last = row["last_positive_us"]
    at = None if last is None else datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=last)
    assert at == incremental.last_positive_at


def assert_same_numbers(row: dict[str, Any], incremental: PersonScore) -> None:
    """What the numbers-only batch query gives (no detail JSON) agrees to 1e-6."""
    assert row["detail"] is None
    assert row["fit"] == pytest.approx(incremental.fit, abs=1e-6)
    assert row["engagement"] == pytest.approx(incremental.engagement, abs=1e-6)
    assert (row["grade"], row["fit_rank"], row["engagement_rank"]) == (
        incremental.grade,
        incremental.fit_rank,
        incremental.engagement_rank,
    )
    assert row["last_positive_us"] is None  # only with the detail (the MQL re-check uses the incremental)


def _compare(ctx: Context, ids: list[int]) -> dict[int, PersonScore]:
    """Both batch queries (with the detail JSON: per-period path; numbers only: per-person fast path)."""
    rows = batch_table(ctx).to_pylist()
    numbers = {r["person_id"]: r for r in batch_table(ctx, details=False).to_pylist()}
    with reading(ctx.engine) as conn:
        incremental = {s.person_id: s for s in score_persons_in(conn, ctx, ids)}
    assert sorted(r["person_id"] for r in rows) == sorted(ids) == sorted(numbers)
    model = model_for(ctx)
    for row in rows:
        score = incremental[row["person_id"]]
        assert_same(row, score)
        assert_same_numbers(numbers[row["person_id"]], score)
        assert row["mql"] == numbers[row["person_id"]]["mql"]
        assert row["mql"] == model.mql.holds(
            score.fit, score.engagement, score.fit_rank, score.engagement_rank
        )
    return incremental


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=st.lists(person_st, min_size=1, max_size=5))
def test_batch_equals_incremental(sqlite_sctx: Context, people: list[dict[str, Any]]) -> None:
    ctx = sqlite_sctx
    now = ctx.clock.now()
    _reset(ctx)
    ids = _load(ctx, people, now)
    _compare(ctx, ids)


def test_batch_equals_incremental_on_both_stores(sctx: Context) -> None:
    now = sctx.clock.now()
    people = [
        {
            "title": "VP Sales",
            "domain": "acme.com",
            "country": "DE",
            "properties": {"plan": "pro"},
            "account": {
                "industry": "Software",
                "employees": 500,
                "segment": None,
                "properties": {"tier": "2"},
            },
            "activities": [
                {"type": t, "url": u, "age_h": h, "minute": 3, "campaign": c, "asset": s, "properties": pr}
                for t, u, h, c, s, pr in [
                    ("form_submit", None, 5, None, "pricing-sheet", None),
                    ("form_submit", None, 50, None, "pricing-sheet", None),
                    ("page_view", "/pricing", 1, None, None, None),
                    ("page_view", "/pricing", 2, None, None, None),
                    ("page_view", "/pricing", 3, None, None, None),
                    ("page_view", "/careers", 3, None, None, None),
                    ("email_click", None, 30, "other", None, {"score": 9}),
                    ("webinar_attended", None, 400, "autumn", None, None),
                    ("unsubscribe", None, 24 * 190, None, None, None),
                ]
            ],
        },
        {
            "title": "Student",
            "domain": "gmail.com",
            "country": None,
            "properties": {},
            "account": None,
            "activities": [],
        },
    ]
    ids = _load(sctx, people, now)
    incremental = _compare(sctx, ids)
    first = incremental[ids[0]]
    assert first.fit == 20 + 15 + 15 + 7 + 3  # mid-market (derived), software, VP, pro in DE, tier 2
    assert incremental[ids[1]].fit == -30 - 20
