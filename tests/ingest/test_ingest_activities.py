"""`ingest_activities`: the library entry point the REST API calls for single and batch activity ingest."""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, func, select

from leadflow.services import reactions
from leadflow.services.context import Context
from leadflow.services.ingest import import_file, ingest_activities
from leadflow.services.lifecycle import create_person
from leadflow.store.engine import reading
from leadflow.store.tables import activities, persons


@pytest.fixture
def reacted(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """Record the person ids passed to reactions.on_activities (the real function still runs)."""
    calls: list[list[int]] = []
    real = reactions.on_activities

    def spy(conn: Connection, ctx: Context, person_ids: Collection[int]) -> None:
        calls.append(sorted(person_ids))
        real(conn, ctx, person_ids)

    monkeypatch.setattr(reactions, "on_activities", spy)
    return calls


def test_single_batch_duplicates_and_rejections(ctx: Context, reacted: list[list[int]]) -> None:
    ada = create_person(ctx, {"email": "ada@acme.com", "external_id": "crm-1"})
    now = ctx.clock.now()
    batch: list[dict[str, Any]] = [
        {
            "email": "ADA@acme.com",
            "type": "page_view",
            "occurred_at": now.isoformat(),
            "url": "/pricing",
            "event_id": "evt-1",
            "properties": {"utm_source": "google"},
        },
        {"person": "crm-1", "type": "Form Submission", "occurred_at": (now - timedelta(hours=1)).isoformat()},
        {"email": "ada@acme.com", "type": "page_view", "occurred_at": now.isoformat(), "event_id": "evt-1"},
        {"email": "new.lead@beta.io", "type": "demo_request", "occurred_at": now.isoformat()},
        {"email": "bad-address", "type": "page_view", "occurred_at": now.isoformat()},
        {"person": "nobody", "type": "page_view", "occurred_at": now.isoformat()},
        {"email": "ada@acme.com", "type": "page_view", "occurred_at": "last tuesday"},
        {"email": "ada@acme.com", "occurred_at": now.isoformat()},
    ]
    summary = ingest_activities(ctx, batch)
    assert (summary.accepted, summary.duplicate, summary.rejected) == (3, 1, 4)
    assert [r.status for r in summary.results] == [
        "accepted",
        "accepted",
        "duplicate",
        "accepted",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
    ]
    assert summary.results[4].reasons == ("email: 'bad-address' is not a valid email address",)
    assert "unknown person 'nobody'" in summary.results[5].reasons[0]
    assert "not a date" in summary.results[6].reasons[0]
    assert summary.results[7].reasons == ("type: missing required field type",)
    assert summary.results[0].key is not None and summary.results[0].key.endswith("-evt-1")
    with reading(ctx.engine) as conn:
        assert conn.execute(select(func.count()).select_from(activities)).scalar_one() == 3
        props = conn.execute(
            select(activities.c.properties).where(activities.c.url == "/pricing")
        ).scalar_one()
        assert props == {"utm_source": "google"}
        new_id = conn.execute(select(persons.c.id).where(persons.c.email == "new.lead@beta.io")).scalar_one()
    assert reacted == [sorted([ada, new_id])]
    again = ingest_activities(ctx, [batch[0]])
    assert (again.accepted, again.duplicate) == (0, 1)
    assert reacted == [sorted([ada, new_id])]  # nothing new, no reaction


def test_keys_are_time_ordered(sqlite_ctx: Context) -> None:
    create_person(sqlite_ctx, {"email": "t@acme.com"})
    base = sqlite_ctx.clock.now()
    records = [
        {"email": "t@acme.com", "type": "page_view", "occurred_at": (base - timedelta(minutes=m)).isoformat()}
        for m in range(5)
    ]
    keys = [r.key for r in ingest_activities(sqlite_ctx, records).results]
    assert keys == sorted(keys, reverse=True) and all(k is not None for k in keys)


def test_file_import_reacts_only_to_recent_activities(
    sqlite_ctx: Context, reacted: list[list[int]], tmp_path: Path
) -> None:
    fresh = create_person(sqlite_ctx, {"email": "fresh@acme.com"})
    create_person(sqlite_ctx, {"email": "old@acme.com"})
    now = sqlite_ctx.clock.now()
    path = tmp_path / "acts.csv"
    path.write_text(
        "email,type,occurred_at\n"
        f"fresh@acme.com,page_view,{(now - timedelta(days=1)).isoformat()}\n"
        f"old@acme.com,page_view,{(now - timedelta(days=90)).isoformat()}\n",
        encoding="utf-8",
    )
    summary = import_file(sqlite_ctx, "activities", path)
    assert summary.inserted == 2 and summary.extra["persons_reacted"] == 1
    assert reacted == [[fresh]]
    path2 = tmp_path / "more.csv"
    path2.write_text(
        f"email,type,occurred_at\nfresh@acme.com,email_click,{now.isoformat()}\n", encoding="utf-8"
    )
    import_file(sqlite_ctx, "activities", path2, react="never")
    assert reacted == [[fresh]]
