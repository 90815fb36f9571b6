"""Weighted round-robin stays fair over 10,000 leads, across restarts (new contexts) and rep changes."""

from __future__ import annotations

from collections import Counter

from handoff_support import add_user
from sqlalchemy import insert, update

from leadflow.clock import FrozenClock
from leadflow.services.assignments import route_many_in
from leadflow.services.context import Context, open_context
from leadflow.store.engine import transaction
from leadflow.store.tables import persons, users

LEADS = 10_000
RESTART_EVERY = 1_000


def _bulk_leads(ctx: Context, n: int) -> list[int]:
    now = ctx.clock.now()
    rows = [
        {
            "email": f"lead{i}@fair.example",
            "stage": "lead",
            "stage_entered_at": now,
            "created_at": now,
            "updated_at": now,
            "version": 1,
            "properties": {},
        }
        for i in range(n)
    ]
    with transaction(ctx.engine) as conn:
        conn.execute(insert(persons), rows)
        return [
            int(i)
            for i in conn.execute(
                persons.select().with_only_columns(persons.c.id).order_by(persons.c.id)
            ).scalars()
        ]


def _route(ctx: Context, ids: list[int]) -> list[int]:
    chosen = []
    with transaction(ctx.engine) as conn:
        # a few leads one by one (the reaction path), the rest in one batch (the bulk path): same state
        singles = [route_many_in(conn, ctx, [pid])[0] for pid in ids[:20]]
        for done in [*singles, *route_many_in(conn, ctx, ids[20:])]:
            assert done is not None
            chosen.append(done.user_id)
    return chosen


def _set_user(ctx: Context, user_id: int, **values: object) -> None:
    with transaction(ctx.engine) as conn:
        conn.execute(update(users).where(users.c.id == user_id).values(**values))


def _assert_proportional(counts: Counter[int], weights: dict[int, float], slack: float = 1.0) -> None:
    total, weight = sum(counts.values()), sum(weights.values())
    assert set(counts) == set(weights), (counts, weights)
    for user_id, w in weights.items():
        assert abs(counts[user_id] - total * w / weight) <= slack + 1e-9, (user_id, counts, weights)


def test_ten_thousand_leads_stay_balanced_through_restarts_and_rep_changes(sqlite_ctx: Context) -> None:
    base = sqlite_ctx
    clock = base.clock
    assert isinstance(clock, FrozenClock)
    a = add_user(base, "a@fair.test", routing_weight=1.0)
    b = add_user(base, "b@fair.test", routing_weight=2.0)
    c = add_user(base, "c@fair.test", routing_weight=1.0)
    ids = _bulk_leads(base, LEADS)
    phases: list[tuple[int, dict[int, float]]] = []  # (leads in phase, expected weights)
    picks: list[int] = []

    def run(n: int, weights: dict[int, float]) -> None:
        start = len(picks)
        while len(picks) < start + n:
            # every batch is a "restart": a brand-new context (engine, playbook) with no memory
            ctx = open_context(base.settings, clock=clock)
            batch = ids[len(picks) : min(start + n, len(picks) + RESTART_EVERY)]
            picks.extend(_route(ctx, batch))
            ctx.engine.dispose()
        phases.append((n, weights))

    run(3_000, {a: 1, b: 2, c: 1})
    d = add_user(
        base, "d@fair.test", routing_weight=1.0
    )  # a new rep joins: no flood, a fair share from now on
    run(2_000, {a: 1, b: 2, c: 1, d: 1})
    _set_user(base, a, routing_weight=3.0)  # weight change
    run(2_000, {a: 3, b: 2, c: 1, d: 1})
    _set_user(base, b, out_of_office_from=clock.now())  # b goes on holiday
    run(1_500, {a: 3, c: 1, d: 1})
    _set_user(base, b, out_of_office_from=None)  # b is back: no catch-up burst
    _set_user(base, c, active=False)  # c leaves the company
    run(1_500, {a: 3, b: 2, d: 1})
    assert len(picks) == LEADS

    offset = 0
    for n, weights in phases:
        _assert_proportional(Counter(picks[offset : offset + n]), weights, slack=1.5)
        offset += n
    # overall, each rep's share matches the time-weighted expectation within a handful of leads
    expected: Counter[int] = Counter()
    for n, weights in phases:
        for user_id, w in weights.items():
            expected[user_id] += n * w / sum(weights.values())
    overall = Counter(picks)
    assert all(abs(overall[u] - expected[u]) <= 5 for u in expected), (overall, expected)


def test_concurrent_routers_share_one_fair_sequence(ctx: Context) -> None:
    import threading

    reps = [add_user(ctx, f"c{i}@fair.test") for i in range(3)]
    ids = _bulk_leads(ctx, 240)
    picks: list[int] = []
    lock = threading.Lock()
    errors: list[str] = []

    def worker(chunk: list[int]) -> None:
        try:
            for pid in chunk:  # one transaction per MQL, as concurrent stage changes would do
                with transaction(ctx.engine) as conn:
                    done = route_many_in(conn, ctx, [pid])[0]
                assert done is not None
                with lock:
                    picks.append(done.user_id)
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=worker, args=(ids[i::8],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    counts = Counter(picks)
    assert sum(counts.values()) == 240 and set(counts) == set(reps)
    assert max(counts.values()) - min(counts.values()) <= 2, counts
