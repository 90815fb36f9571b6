"""Schemathesis against the real app: no input gives a 5xx, every response matches the OpenAPI declaration.

The app runs over a migrated SQLite store with a few persons (one MQL owned by the caller, so decisions can
succeed) and is called in-process with a sales manager's bearer token. Examples are derandomized and bounded
(SCHEMA_EXAMPLES, default 30 per operation); run with SCHEMA_EXAMPLES=1000 by hand to shake out more.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode, checks
from sqlalchemy import func, select, update

import leadflow.web.api
from leadflow.clock import FrozenClock
from leadflow.config import get_settings
from leadflow.playbook.schema import ROLES
from leadflow.services.context import Context, open_context
from leadflow.services.lifecycle import create_person
from leadflow.services.setup import init_database
from leadflow.services.users import create_user, issue_token, user_for_token
from leadflow.store.engine import make_engine, transaction
from leadflow.store.tables import activities, api_tokens, persons, users
from leadflow.web.api import ingest_queue as ingest_queue_module
from leadflow.web.api.ingest_queue import IngestQueue
from leadflow.web.app import _routers, create_app

EXAMPLES = int(os.environ.get("SCHEMA_EXAMPLES", "30"))
# The API checks meaning beyond the schema (an email must be an address, a stage must exist in the playbook
# in force, a transition must be allowed), answering 404/409/422 with a clear error: schema-valid is not valid.
SEMANTIC = [checks.positive_data_acceptance]
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _seed(ctx: Context) -> str:
    """Users of every role, a few persons (one MQL owned by the sales manager); the manager's token."""
    for role in ROLES:
        create_user(
            ctx,
            {
                "email": f"{role}@acme.test",
                "name": role.title(),
                "role": role,
                "sales_team": "inside_sales" if role.startswith("sales") else None,
            },
        )
    with ctx.engine.connect() as conn:
        manager = conn.execute(
            select(users.c.id).where(users.c.email == "sales_manager@acme.test")
        ).scalar_one()
    for i in range(5):
        create_person(ctx, {"email": f"p{i}@corp.example", "external_id": f"x{i}", "first_name": f"P{i}"})
    with transaction(ctx.engine) as conn:
        conn.execute(
            update(persons).where(persons.c.email == "p0@corp.example").values(stage="mql", owner_id=manager)
        )
    return issue_token(ctx, manager, "schemathesis", actor="test")


@pytest.fixture(scope="module")
def api_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str]]:
    """The app over one seeded store for the whole module, and a bearer token."""
    folder: Path = tmp_path_factory.mktemp("schema")
    url = f"sqlite:///{folder / 'leadflow.db'}"
    ctx = open_context(get_settings(database_url=url), clock=FrozenClock(T0), engine=make_engine(url))
    init_database(ctx)
    token = _seed(ctx)
    yield create_app(ctx, secret="schema-secret-" + "x" * 20, demo=True), token
    ctx.engine.dispose()


@pytest.fixture(scope="module")
def api_schema(api_app: tuple[Any, str]) -> Any:
    """The OpenAPI document the app serves, loaded by schemathesis."""
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", api_app[0])


def _operations() -> list[tuple[str, str]]:
    """(method, path) of every API route, read from the routers (no app or store needed to collect)."""
    found = []
    for router in _routers(leadflow.web.api):
        for route in router.routes:
            if isinstance(route, APIRoute) and route.include_in_schema:
                found += [(m, route.path) for m in sorted(route.methods)]
    return found


# schemathesis.pytest.from_fixture does not work with pytest 9 (it reads request.node._nodeid), so each
# operation is a plain parametrized test driving the operation's hypothesis strategy itself.
@pytest.mark.parametrize(
    "mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["positive", "negative"]
)
@pytest.mark.parametrize(("method", "path"), _operations(), ids=[f"{m} {p}" for m, p in _operations()])
def test_api_conforms_to_its_schema(
    api_schema: Any, api_app: tuple[Any, str], method: str, path: str, mode: GenerationMode
) -> None:
    headers = {"Authorization": f"Bearer {api_app[1]}"}
    strategy = api_schema[path][method].as_strategy(generation_mode=mode)

    # Each new filter set recomputes every dashboard metric (~1 s): fewer examples there keep the file fast.
    examples = max(6, EXAMPLES // 5) if path.startswith("/api/v1/metrics/") else EXAMPLES

    @given(case=strategy)
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, excluded_checks=SEMANTIC, timeout=120)

    try:
        run()
    except Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise
        pytest.skip("nothing in this operation's parameters can be made invalid on the wire")


def test_concurrent_single_activities_are_each_written_once(api_app: tuple[Any, str]) -> None:
    """The group commit behind POST /api/v1/activities: 8 concurrent senders, 20 events each, every 5th sent
    twice, one invalid record each; the writes are grouped, and each event is stored once."""
    app = api_app[0]
    ctx: Context = app.state.ctx
    queue: IngestQueue = app.state.ingest_queue
    groups: list[int] = []
    original = ingest_queue_module.ingest_activities

    def counting(ctx: Context, records: Any, **kwargs: Any) -> Any:
        groups.append(len(records))
        return original(ctx, records, **kwargs)

    async def send(worker: int) -> list[str]:
        statuses = []
        for i in range(20):
            record = {
                "event_id": f"grp-{worker}-{i}",
                "email": f"p{i % 5}@corp.example",
                "type": "page_view",
                "occurred_at": "2026-03-01T09:00:00+00:00",
            }
            statuses.append((await queue.ingest_one(ctx, record)).results[0].status)
            if i % 5 == 0:
                statuses.append((await queue.ingest_one(ctx, record)).results[0].status)
        bad = {"type": "page_view", "occurred_at": "2026-03-01"}
        statuses.append((await queue.ingest_one(ctx, bad)).results[0].status)
        return statuses

    async def everyone() -> list[list[str]]:
        return await asyncio.gather(*(send(w) for w in range(8)))

    def stored() -> int:
        with ctx.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(activities)).scalar_one())

    before = stored()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ingest_queue_module, "ingest_activities", counting)
        outcomes = [s for part in asyncio.run(everyone()) for s in part]
    assert outcomes.count("accepted") == 160 and outcomes.count("duplicate") == 32
    assert outcomes.count("rejected") == 8
    assert stored() - before == 160
    assert sum(groups) == 200 and max(groups) > 1, "concurrent requests share transactions"


def test_every_operation_is_documented() -> None:
    """docs/api.md lists every operation of the OpenAPI document (a new endpoint needs its line there)."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
    missing = [f"{m} {p}" for m, p in _operations() if f"| {m} | `{p}` |" not in doc]
    assert missing == [], f"add these to the operation reference in docs/api.md: {missing}"


def test_token_last_use_is_written_at_most_once_a_minute(api_app: tuple[Any, str]) -> None:
    """Checking a token is a read; its last use is recorded when older than a minute (no write per request)."""
    ctx: Context = api_app[0].state.ctx
    with ctx.engine.connect() as conn:
        uid = conn.execute(select(users.c.id).where(users.c.email == "viewer@acme.test")).scalar_one()
    token = issue_token(ctx, uid, "last-use", actor="test")

    def last_use() -> datetime | None:
        with ctx.engine.connect() as conn:
            value: datetime | None = conn.execute(
                select(api_tokens.c.last_used_at).where(api_tokens.c.name == "last-use")
            ).scalar_one()
        return value

    clock = ctx.clock
    assert isinstance(clock, FrozenClock)
    assert user_for_token(ctx, token) is not None and last_use() == clock.now()
    first = clock.now()
    clock.advance(timedelta(seconds=30))
    assert user_for_token(ctx, token) is not None and last_use() == first
    clock.advance(timedelta(seconds=31))
    assert user_for_token(ctx, token) is not None and last_use() == clock.now()
    assert user_for_token(ctx, "lf_not_a_token") is None
