"""The handoff commands through the real CLI: queue, decisions, assign, worker --once and sla report."""

from __future__ import annotations

import json
from typing import Any

from handoff_support import add_lead, add_user, make_team

from leadflow.services.context import Context


def test_queue_decisions_assign_worker_and_report(sqlite_ctx: Context, cli: Any) -> None:
    ctx = sqlite_ctx
    db = str(ctx.engine.url)
    make_team(ctx, 1)
    ada = add_lead(ctx, "ada@x.example", first_name="Ada")
    add_lead(ctx, "bo@x.example")
    add_lead(ctx, "deal@x.example")
    add_user(ctx, "vip@acme.test", sales_team="vip")

    shown = cli("queue", "rep0@acme.test", "--db", db)
    assert shown.code == 0, shown.err
    assert "ada@x.example" in shown.out and "mql_response" in shown.out
    as_json = json.loads(cli("queue", "rep0@acme.test", "--format", "json", "--db", db).out)
    assert {row["email"] for row in as_json} == {"ada@x.example", "bo@x.example", "deal@x.example"}

    ok = cli("accept", str(ada), "--as", "rep0@acme.test", "--note", "call her", "--db", db)
    assert ok.code == 0 and "mql -> sal" in ok.out, ok.err

    missing = cli("reject", "bo@x.example", "--as", "rep0@acme.test", "--db", db)
    assert missing.code == 7
    assert "needs a reason" in missing.err and "no_budget_now" in missing.err
    rejected = cli("reject", "bo@x.example", "--as", "rep0@acme.test", "--reason", "bad_timing", "--db", db)
    assert rejected.code == 0 and "mql -> recycled" in rejected.out

    steps = [
        ("accept", "deal@x.example", "--as", "rep0@acme.test"),
        (
            "qualify",
            "deal@x.example",
            "--as",
            "rep0@acme.test",
            "--budget",
            "50k",
            "--authority",
            "CFO",
            "--need",
            "reporting",
            "--timeline",
            "Q3",
        ),
        (
            "convert",
            "deal@x.example",
            "--as",
            "rep0@acme.test",
            "--amount",
            "25000",
            "--close",
            "2026-12-31",
            "--committee",
            "decision_maker=ada@x.example",
        ),
        ("won", "deal@x.example", "--as", "rep0@acme.test"),
    ]
    for args in steps:
        result = cli(*args, "--db", db)
        assert result.code == 0, (args, result.err)
    refused = cli("lost", "deal@x.example", "--as", "rep0@acme.test", "--reason", "price", "--db", db)
    assert refused.code == 6 and "customer is terminal" in refused.err  # the playbook says why

    moved = cli("assign", str(ada), "vip@acme.test", "--as", "boss@acme.test", "--reason", "VIP", "--db", db)
    assert moved.code == 0 and "vip@acme.test (manual): VIP" in moved.out
    both = cli("assign", str(ada), "vip@acme.test", "--auto", "--db", db)
    assert both.code == 7 and "not both" in both.err

    ran = cli("worker", "--once", "--job", "route_pending", "--job", "sla_sweep", "--db", db)
    assert ran.code == 0 and "sla_sweep" in ran.out and "route_pending" in ran.out, ran.err
    assert cli("worker", "--once", "--job", "nope", "--db", db).code == 7

    report = cli(
        "sla", "report", "--from", "2026-01-01", "--to", "2027-01-01", "--format", "json", "--db", db
    )
    assert report.code == 0, report.err
    data = json.loads(report.out)
    response = next(r for r in data["by_sla"] if r["sla_id"] == "mql_response")
    assert response["total"] >= 3
    csv_out = cli(
        "sla", "report", "--from", "2026-01-01", "--to", "2027-01-01", "--format", "csv", "--db", db
    )
    assert csv_out.out.splitlines()[0].startswith("sla_id,side,team,rep,total,met_on_time,breached")
    assert (
        "Totals per SLA" in cli("sla", "report", "--from", "2026-01-01", "--to", "2027-01-01", "--db", db).out
    )
