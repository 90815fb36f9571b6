"""A tiny hand-made funnel (six people, Q1 2026) every analytics test can compute by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Connection, insert

from leadflow.analytics.filters import Filters, make_filters
from leadflow.domain.lifecycle import skipped_stages
from leadflow.services.context import Context
from leadflow.services.lifecycle import create_person_in
from leadflow.store.engine import transaction
from leadflow.store.history import write_stage_change
from leadflow.store.tables import (
    accounts,
    activities,
    campaigns,
    deadlines,
    feedback,
    goals,
    opportunities,
    opportunity_contacts,
    users,
)

AS_OF = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # the conftest clock's T0


def at(month: int, day: int, hour: int = 9, year: int = 2026) -> datetime:
    """An aware UTC instant in the tiny data set."""
    return datetime(year, month, day, hour, 0, tzinfo=UTC)


# (email, account, persona, channel, campaign, sourced_by, created, [(stage, at, reason)])
PEOPLE: list[
    tuple[str, int, str | None, str | None, int | None, str, datetime, list[tuple[str, datetime, str | None]]]
] = [
    (
        "ada@a.test",
        1,
        "practitioner",
        "paid_search",
        1,
        "marketing",
        at(1, 5),
        [
            ("mql", at(1, 6), None),
            ("sal", at(1, 7), None),
            ("sql", at(1, 10), None),
            ("opportunity", at(1, 15), None),
            ("customer", at(2, 1), None),
        ],
    ),
    (
        "bob@b.test",
        2,
        "economic_buyer",
        "events",
        2,
        "marketing",
        at(1, 10),
        [("sql", at(1, 20), None), ("opportunity", at(2, 1), None)],
    ),
    (
        "cy@a.test",
        1,
        "practitioner",
        "paid_search",
        1,
        "marketing",
        at(1, 12),
        [("mql", at(1, 13), None), ("recycled", at(1, 14), "no_budget_now")],
    ),
    ("di@c.test", 3, "economic_buyer", "organic", None, "marketing", at(2, 1), [("mql", at(2, 2), None)]),
    (
        "ed@b.test",
        2,
        None,
        None,
        None,
        "sales",
        at(2, 10),
        [("sal", at(2, 10, 12), None), ("sql", at(2, 20), None)],
    ),
    (
        "fay@a.test",
        1,
        "student",
        "paid_search",
        1,
        "marketing",
        at(12, 1, year=2025),
        [("mql", at(1, 3), None), ("disqualified", at(1, 4), "student")],
    ),
]

# (person index, type, channel, campaign, day, actor)
TOUCHES: list[tuple[int, str, str | None, int | None, datetime, int | None]] = [
    (0, "page_view", "paid_search", 1, at(1, 4), None),
    (0, "form_submit", "paid_search", 1, at(1, 5), None),
    (0, "webinar_attended", "email", None, at(1, 6, 8), None),
    (0, "call", "sales", None, at(1, 12), 2),
    (1, "event_attended", "events", 2, at(1, 10), None),
    (1, "meeting", "sales", None, at(1, 25), 2),
    (2, "page_view", "paid_search", 1, at(1, 12), None),
    (3, "content_download", "organic", None, at(1, 30), None),
    (3, "form_submit", "organic", None, at(2, 1), None),
    (4, "call", "sales", None, at(2, 12), 2),
    (5, "page_view", "paid_search", 1, at(1, 2), None),
]


def _fixed_rows(conn: Connection) -> None:
    conn.execute(
        insert(users),
        [
            {
                "id": 1,
                "email": "mo@x.test",
                "name": "Mo",
                "team": "marketing",
                "role": "marketing",
                "created_at": at(1, 1),
                "properties": {},
            },
            {
                "id": 2,
                "email": "rep@x.test",
                "name": "Rep",
                "team": "sales",
                "role": "sales",
                "created_at": at(1, 1),
                "properties": {},
            },
        ],
    )
    conn.execute(
        insert(accounts),
        [
            {
                "id": i,
                "name": n,
                "segment": s,
                "employees": e,
                "created_at": at(1, 1),
                "updated_at": at(1, 1),
                "properties": {},
            }
            for i, n, s, e in [(1, "A", "smb", 50), (2, "B", "enterprise", 5000), (3, "C", "mid_market", 500)]
        ],
    )
    conn.execute(
        insert(campaigns),
        [
            {
                "id": 1,
                "name": "Search Q1",
                "channel": "paid_search",
                "cost": 3000.0,
                "created_at": at(1, 1),
                "properties": {},
            },
            {
                "id": 2,
                "name": "Expo",
                "channel": "events",
                "cost": 8000.0,
                "created_at": at(1, 1),
                "properties": {},
            },
        ],
    )


def build_tiny(ctx: Context) -> list[int]:
    """Insert the tiny funnel; returns the person ids in PEOPLE order."""
    pb = ctx.playbook.model
    ids: list[int] = []
    with transaction(ctx.engine) as conn:
        _fixed_rows(conn)
        for email, account, persona, channel, campaign, sourced_by, created, moves in PEOPLE:
            values: dict[str, Any] = {
                "email": email,
                "account_id": account,
                "persona": persona,
                "source_channel": channel,
                "source_campaign_id": campaign,
                "sourced_by": sourced_by,
                "owner_id": 2,
            }
            pid = create_person_in(conn, ctx, values, at=created, source="import")
            ids.append(pid)
            stage, version = "lead", 1
            for target, when, reason in moves:
                write_stage_change(
                    conn,
                    person_id=pid,
                    from_stage=stage,
                    to_stage=target,
                    at=when,
                    actor="import",
                    actor_role="system",
                    playbook_version=ctx.playbook.version,
                    expected_version=version,
                    reason=reason,
                    skipped=skipped_stages(pb, stage, target) or None,
                    source="import",
                )
                stage, version = target, version + 1
        for n, (who, kind, channel, campaign, when, actor) in enumerate(TOUCHES):
            conn.execute(
                insert(activities).values(
                    idempotency_key=f"t{n:03d}",
                    person_id=ids[who],
                    type=kind,
                    channel=channel,
                    campaign_id=campaign,
                    occurred_at=when,
                    actor_id=actor,
                )
            )
        conn.execute(
            insert(opportunities),
            [
                {
                    "id": 1,
                    "name": "A deal",
                    "account_id": 1,
                    "person_id": ids[0],
                    "owner_id": 2,
                    "stage": "closed",
                    "status": "won",
                    "amount": 10000.0,
                    "created_at": at(1, 15),
                    "closed_at": at(2, 1),
                    "sourced_by": "marketing",
                    "updated_at": at(2, 1),
                    "properties": {},
                },
                {
                    "id": 2,
                    "name": "B deal",
                    "account_id": 2,
                    "person_id": ids[1],
                    "owner_id": 2,
                    "stage": "proposal",
                    "status": "open",
                    "amount": 50000.0,
                    "created_at": at(2, 1),
                    "closed_at": None,
                    "sourced_by": None,
                    "updated_at": at(2, 1),
                    "properties": {},
                },
            ],
        )
        conn.execute(
            insert(opportunity_contacts),
            [
                {"opportunity_id": 2, "person_id": ids[4], "role": "influencer"},
            ],
        )
        dl = [  # (person, sla, team, stage, started, due, status)
            (0, "route_mql", "marketing", "mql", at(1, 6), at(1, 6, 10), "met"),
            (0, "mql_response", "sales", "mql", at(1, 6), at(1, 7, 9), "met"),
            (2, "route_mql", "marketing", "mql", at(1, 13), at(1, 13, 10), "met"),
            (2, "mql_response", "sales", "mql", at(1, 13), at(1, 14, 9), "met"),
            (3, "route_mql", "marketing", "mql", at(2, 2), at(2, 2, 10), "breached"),
            (3, "mql_response", "sales", "mql", at(2, 2), at(2, 3, 9), "breached"),
            (4, "sal_first_touch", "sales", "sal", at(2, 10, 12), at(2, 12, 12), "met"),
            (5, "mql_response", "sales", "mql", at(1, 3), at(1, 4, 9), "cancelled"),
        ]
        conn.execute(
            insert(deadlines),
            [
                {
                    "person_id": ids[p],
                    "sla_id": s,
                    "team": team,
                    "owner_id": 2,
                    "stage": st,
                    "started_at": a,
                    "due_at": d,
                    "status": status,
                    "closed_at": d if status == "met" else None,
                    "breached_at": d if status == "breached" else None,
                    "breach_count": int(status == "breached"),
                    "playbook_version": ctx.playbook.version,
                }
                for p, s, team, st, a, d, status in dl
            ],
        )
        conn.execute(
            insert(feedback),
            [
                {
                    "person_id": ids[2],
                    "user_id": 2,
                    "kind": "reject",
                    "reason": "no_budget_now",
                    "at": at(1, 14),
                },
            ],
        )
        conn.execute(
            insert(goals),
            [
                {"period": "2026-Q1", "segment": "all", "revenue": 100000.0, "updated_at": at(1, 1)},
            ],
        )
    return ids


@pytest.fixture
def as_of() -> datetime:
    """The instant tiny-funnel metrics are measured at (T0)."""
    return AS_OF


@pytest.fixture
def q1() -> Filters:
    """Filters for Q1 2026, measured at T0."""
    return make_filters("2026-Q1", AS_OF)


@pytest.fixture
def tiny_sqlite(sqlite_ctx: Context) -> Context:
    """The tiny funnel on SQLite."""
    build_tiny(sqlite_ctx)
    return sqlite_ctx


@pytest.fixture
def tiny_any(ctx: Context) -> Context:
    """The tiny funnel on SQLite and PostgreSQL."""
    build_tiny(ctx)
    return ctx
