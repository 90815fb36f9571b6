"""Routing: account owner first, playbook rules, round-robin skipping absent, full and off-duty reps."""

from __future__ import annotations

from datetime import timedelta

import yaml
from handoff_support import add_account, add_lead, add_user, make_team
from sqlalchemy import select

from leadflow.clock import FrozenClock
from leadflow.domain.routing import PersonFacts, rule_matches
from leadflow.playbook import load_playbook, parse_playbook
from leadflow.services.context import Context
from leadflow.services.sla_sweep import route_pending
from leadflow.store.engine import reading
from leadflow.store.tables import assignments, deadlines, persons


def _assignment(ctx: Context, pid: int) -> tuple[int | None, str, str]:
    with reading(ctx.engine) as conn:
        row = conn.execute(
            select(assignments.c.user_id, assignments.c.method, assignments.c.reason)
            .where(assignments.c.person_id == pid)
            .order_by(assignments.c.id.desc())
        ).first()
    assert row is not None, "no assignment recorded"
    return row.user_id, row.method, row.reason


def _with_routing(ctx: Context, routing: dict[str, object]) -> Context:
    data = yaml.safe_load(load_playbook(None).text)
    data["routing"] = routing
    return ctx.with_playbook(parse_playbook(yaml.safe_dump(data), "test"))


def test_rule_matching_is_case_insensitive_and_lists_mean_any() -> None:
    facts = PersonFacts(segment="enterprise", country="DE", product=("Analytics", "CRM"))
    assert rule_matches({"segment": "enterprise", "country": ["de", "at"]}, facts)
    assert rule_matches({"product": "crm"}, facts)
    assert not rule_matches({"segment": "enterprise", "country": "fr"}, facts)
    assert not rule_matches({"persona": "economic_buyer"}, facts)


def test_account_owner_comes_first(ctx: Context) -> None:
    reps = make_team(ctx, 3)
    owner = reps["rep2@acme.test"]
    acct = add_account(ctx, "Acme Corp", owner_id=owner, segment="enterprise")
    pid = add_lead(ctx, "ada@acme.example", account_id=acct)
    user_id, method, reason = _assignment(ctx, pid)
    assert (user_id, method) == (owner, "account_owner")
    assert "Acme Corp" in reason and "rep2@acme.test" in reason
    with reading(ctx.engine) as conn:
        assert conn.execute(select(persons.c.owner_id).where(persons.c.id == pid)).scalar_one() == owner


def test_segment_rule_routes_to_its_team(ctx: Context) -> None:
    make_team(ctx, 2)
    ent = add_user(ctx, "ent@acme.test", sales_team="enterprise")
    acct = add_account(ctx, "Big Co", segment="enterprise")
    pid = add_lead(ctx, "cio@big.example", account_id=acct)
    user_id, method, reason = _assignment(ctx, pid)
    assert (user_id, method) == (ent, "rule")
    assert "team:enterprise" in reason
    small = add_account(ctx, "Small Co", segment="smb")
    pid2 = add_lead(ctx, "owner@small.example", account_id=small)
    assert _assignment(ctx, pid2)[1] == "round_robin"


def test_user_rule_territory_and_fallback(sqlite_ctx: Context) -> None:
    ctx = _with_routing(
        sqlite_ctx,
        {
            "rules": [
                {"when": {"country": ["de", "at", "ch"]}, "to": "user:dach@acme.test", "label": "DACH"},
                {"when": {"persona": "economic_buyer"}, "to": "team:strategic"},
            ],
            "round_robin": {"among": "team:inbound"},
        },
    )
    dach = add_user(ctx, "dach@acme.test", sales_team="dach")
    strategic = add_user(ctx, "vip@acme.test", sales_team="strategic")
    rest = add_user(ctx, "rest@acme.test", sales_team="inbound")
    assert _assignment(ctx, add_lead(ctx, "a@x.example", country="DE"))[:2] == (dach, "rule")
    assert _assignment(ctx, add_lead(ctx, "b@x.example", persona="economic_buyer"))[:2] == (strategic, "rule")
    assert _assignment(ctx, add_lead(ctx, "c@x.example", country="FR"))[:2] == (rest, "round_robin")
    # the DACH rep is away: the lead falls through to the next rule, then to round-robin
    with ctx.engine.begin() as conn:
        from leadflow.store.tables import users

        conn.execute(users.update().where(users.c.id == dach).values(out_of_office_from=ctx.clock.now()))
    assert _assignment(ctx, add_lead(ctx, "d@x.example", country="AT"))[:2] == (rest, "round_robin")


def test_round_robin_skips_absent_full_and_off_duty_reps(sqlite_ctx: Context) -> None:
    ctx = sqlite_ctx
    now = ctx.clock.now()
    add_user(
        ctx,
        "away@acme.test",
        out_of_office_from=now - timedelta(days=1),
        out_of_office_until=now + timedelta(days=1),
    )
    add_user(ctx, "full@acme.test", max_open_mqls=1)
    add_user(ctx, "daily@acme.test", max_new_per_day=2)
    add_user(ctx, "night@acme.test", timezone="Asia/Tokyo")  # 19:00 in Tokyo at T0
    add_user(ctx, "free@acme.test")
    owners = [_assignment(ctx, add_lead(ctx, f"l{i}@x.example"))[0] for i in range(12)]
    counts = {o: owners.count(o) for o in set(owners)}
    with reading(ctx.engine) as conn:
        from leadflow.store.tables import users

        by_email = dict(conn.execute(select(users.c.email, users.c.id)).all())
    assert by_email["away@acme.test"] not in counts
    assert by_email["night@acme.test"] not in counts
    assert counts[by_email["full@acme.test"]] == 1
    assert counts[by_email["daily@acme.test"]] == 2
    assert counts[by_email["free@acme.test"]] == 9
    reason = _assignment(ctx, add_lead(ctx, "last@x.example"))[2]
    assert "away@acme.test out of office" in reason and "outside working hours" in reason


def test_unroutable_mql_waits_then_the_worker_routes_it(sqlite_ctx: Context) -> None:
    ctx = sqlite_ctx
    clock = ctx.clock
    assert isinstance(clock, FrozenClock)
    rep = add_user(ctx, "solo@acme.test", out_of_office_until=clock.now() + timedelta(hours=1))
    pid = add_lead(ctx, "wait@x.example")
    with reading(ctx.engine) as conn:
        assert conn.execute(select(persons.c.owner_id).where(persons.c.id == pid)).scalar_one() is None
        status = conn.execute(
            select(deadlines.c.status).where(deadlines.c.sla_id == "route_mql")
        ).scalar_one()
    assert status == "open"
    clock.advance(timedelta(hours=2))
    assert route_pending(ctx) == {"pending": 1, "routed": 1}
    with reading(ctx.engine) as conn:
        rows = {r.sla_id: r for r in conn.execute(select(deadlines).where(deadlines.c.person_id == pid))}
    assert rows["route_mql"].closed_at is not None  # late (15 minutes): counted as breached by the report
    assert rows["mql_response"].owner_id == rep and rows["mql_response"].status == "open"
