"""Leakage on a planted history: every stuck lead is found with its cause, and nothing else is."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, update

from leadflow.domain.durations import parse_duration
from leadflow.services.context import Context
from leadflow.services.leakage import CAUSES, _calendar, find_leakage, latest_start
from leadflow.services.lifecycle import create_person_in
from leadflow.store.engine import transaction
from leadflow.store.history import write_stage_change
from leadflow.store.tables import (
    activities,
    nurture_enrollments,
    opportunities,
    opportunity_contacts,
    persons,
    users,
)

H, D = timedelta(hours=1), timedelta(days=1)


def user(conn: Connection, email: str, at: datetime) -> int:
    return int(
        conn.execute(
            insert(users)
            .values(email=email, name=email.split("@")[0], team="sales", role="sales", created_at=at)
            .returning(users.c.id)
        ).scalar_one()
    )


def plant(
    conn: Connection,
    ctx: Context,
    email: str,
    *path: tuple[str, datetime],
    owner: int | None = None,
    assigned_at: datetime | None = None,
) -> int:
    """A person whose history walks `path` as imported rows (no reactions), optionally owned."""
    pid = create_person_in(
        conn,
        ctx,
        {"email": email, "first_name": email.split("@")[0]},
        at=path[0][1] - 30 * D,
        actor="import",
        source="import",
    )
    previous = "lead"
    for stage, at in path:
        write_stage_change(
            conn,
            person_id=pid,
            from_stage=previous,
            to_stage=stage,
            at=at,
            actor="import",
            actor_role="system",
            playbook_version=ctx.playbook.version,
            expected_version=None,
            source="import",
        )
        previous = stage
    if owner is not None:
        conn.execute(
            update(persons).where(persons.c.id == pid).values(owner_id=owner, assigned_at=assigned_at)
        )
    return pid


def touch(conn: Connection, pid: int, kind: str, at: datetime) -> None:
    conn.execute(
        insert(activities).values(
            idempotency_key=f"{pid}-{kind}-{at.isoformat()}", person_id=pid, type=kind, occurred_at=at
        )
    )


def opp(
    conn: Connection,
    person_id: int | None,
    owner: int | None,
    status: str,
    close: datetime,
    at: datetime,
    name: str = "Deal",
) -> int:
    return int(
        conn.execute(
            insert(opportunities)
            .values(
                name=name,
                person_id=person_id,
                owner_id=owner,
                stage="proposal",
                status=status,
                amount=1000.0,
                created_at=at - 60 * D,
                expected_close=close,
                updated_at=at,
            )
            .returning(opportunities.c.id)
        ).scalar_one()
    )


def build(ctx: Context) -> tuple[set[tuple[str, Any]], dict[str, int]]:
    """Plant the history; return the expected leaks as (cause, person id or opp:id) and the rep ids."""
    t0 = ctx.clock.now()  # Monday 2026-03-02 10:00 UTC; the default calendar works Mon-Fri 09-17 UTC
    expected: set[tuple[str, Any]] = set()
    with transaction(ctx.engine) as conn:
        rep, rep2 = user(conn, "rep@example.com", t0 - 400 * D), user(conn, "rep2@example.com", t0 - 400 * D)
        # --- leaks ---
        expected.add(("mql_unrouted", plant(conn, ctx, "unrouted@x.com", ("mql", t0 - H))))
        expected.add(
            (
                "mql_unanswered",
                plant(conn, ctx, "unanswered@x.com", ("mql", t0 - 3 * D), owner=rep, assigned_at=t0 - 3 * D),
            )
        )
        # owner given long before the MQL: the clock starts at the MQL (Friday 09:00 -> 9 working hours)
        expected.add(
            (
                "mql_unanswered",
                plant(
                    conn,
                    ctx,
                    "old-owner@x.com",
                    ("mql", t0 - 3 * D - H),
                    owner=rep2,
                    assigned_at=t0 - 100 * D,
                ),
            )
        )
        expected.add(
            (
                "recycled_not_enrolled",
                plant(
                    conn,
                    ctx,
                    "recycled@x.com",
                    ("mql", t0 - 20 * D),
                    ("sal", t0 - 15 * D),
                    ("recycled", t0 - 10 * D),
                    owner=rep,
                ),
            )
        )
        stale_enrol = plant(
            conn,
            ctx,
            "reenrol@x.com",
            ("mql", t0 - 90 * D),
            ("recycled", t0 - 80 * D),
            ("mql", t0 - 30 * D),
            ("recycled", t0 - 10 * D),
        )
        conn.execute(
            insert(nurture_enrollments).values(
                person_id=stale_enrol, track_id="re_engage", enrolled_at=t0 - 80 * D, status="exited"
            )
        )
        expected.add(("recycled_not_enrolled", stale_enrol))
        expected.add(
            (
                "sal_untouched",
                plant(conn, ctx, "sal@x.com", ("mql", t0 - 9 * D), ("sal", t0 - 7 * D), owner=rep),
            )
        )
        stale_touch = plant(
            conn, ctx, "sal-stale@x.com", ("mql", t0 - 21 * D), ("sal", t0 - 20 * D), owner=rep
        )
        touch(conn, stale_touch, "call", t0 - 15 * D)
        expected.add(("sal_untouched", stale_touch))
        page_only = plant(conn, ctx, "sal-pages@x.com", ("mql", t0 - 9 * D), ("sal", t0 - 7 * D), owner=rep2)
        touch(conn, page_only, "page_view", t0 - H)  # not a sales touch
        expected.add(("sal_untouched", page_only))
        expected.add(
            (
                "sql_no_opportunity",
                plant(
                    conn,
                    ctx,
                    "sql@x.com",
                    ("mql", t0 - 60 * D),
                    ("sal", t0 - 50 * D),
                    ("sql", t0 - 40 * D),
                    owner=rep,
                ),
            )
        )
        opp_person = plant(
            conn,
            ctx,
            "opp@x.com",
            ("mql", t0 - 90 * D),
            ("sal", t0 - 80 * D),
            ("sql", t0 - 70 * D),
            ("opportunity", t0 - 60 * D),
            owner=rep,
        )
        expected.add(("opportunity_stale", f"opp:{opp(conn, opp_person, rep, 'open', t0 - 5 * D, t0)}"))
        expected.add(
            ("opportunity_stale", f"opp:{opp(conn, None, rep2, 'open', t0 - 1 * D, t0, 'Orphan deal')}")
        )
        # --- not leaks ---
        plant(conn, ctx, "fresh-mql@x.com", ("mql", t0 - timedelta(minutes=5)))
        plant(conn, ctx, "routed-early@x.com", ("mql", t0 - 2 * H), owner=rep, assigned_at=t0 - 2 * H)
        # routed Friday 16:00: one working hour on Friday and one on Monday, far from 8 business hours
        plant(
            conn,
            ctx,
            "friday@x.com",
            ("mql", t0 - 2 * D - 18 * H),
            owner=rep,
            assigned_at=t0 - 2 * D - 18 * H,
        )
        enrolled = plant(conn, ctx, "enrolled@x.com", ("mql", t0 - 20 * D), ("recycled", t0 - 10 * D))
        conn.execute(
            insert(nurture_enrollments).values(
                person_id=enrolled, track_id="re_engage", enrolled_at=t0 - 10 * D, status="active"
            )
        )
        plant(conn, ctx, "weekend-recycle@x.com", ("mql", t0 - 20 * D), ("recycled", t0 - 2 * D))
        touched = plant(conn, ctx, "touched@x.com", ("mql", t0 - 9 * D), ("sal", t0 - 7 * D), owner=rep)
        touch(conn, touched, "email_sent", t0 - H)
        plant(conn, ctx, "sunday-sal@x.com", ("mql", t0 - 2 * D), ("sal", t0 - D), owner=rep)
        with_opp = plant(
            conn,
            ctx,
            "sql-opp@x.com",
            ("mql", t0 - 60 * D),
            ("sal", t0 - 50 * D),
            ("sql", t0 - 40 * D),
            owner=rep,
        )
        opp(conn, with_opp, rep, "open", t0 + 30 * D, t0)
        contact = plant(
            conn,
            ctx,
            "sql-contact@x.com",
            ("mql", t0 - 60 * D),
            ("sal", t0 - 50 * D),
            ("sql", t0 - 40 * D),
            owner=rep,
        )
        other = opp(conn, None, rep, "open", t0 + 10 * D, t0, "Committee deal")
        conn.execute(
            insert(opportunity_contacts).values(opportunity_id=other, person_id=contact, role="user")
        )
        plant(conn, ctx, "young-sql@x.com", ("mql", t0 - 20 * D), ("sal", t0 - 15 * D), ("sql", t0 - 10 * D))
        opp(conn, None, rep, "won", t0 - 5 * D, t0, "Won deal")
        plant(
            conn,
            ctx,
            "customer@x.com",
            ("mql", t0 - 90 * D),
            ("sal", t0 - 80 * D),
            ("sql", t0 - 70 * D),
            ("opportunity", t0 - 60 * D),
            ("customer", t0 - 30 * D),
        )
        plant(conn, ctx, "dq@x.com", ("disqualified", t0 - 30 * D))
        create_person_in(conn, ctx, {"email": "lead@x.com"}, at=t0 - 300 * D, source="import")
    return expected, {"rep": rep, "rep2": rep2}


def found_keys(report: Any) -> set[tuple[str, Any]]:
    return {
        (i.cause, f"opp:{i.opportunity_id}" if i.cause == "opportunity_stale" else i.person_id)
        for i in report.items
    }


def test_every_planted_leak_is_found_and_nothing_else(ctx: Context) -> None:
    expected, reps = build(ctx)
    report = find_leakage(ctx)
    assert found_keys(report) == expected
    assert report.counts == {
        "mql_unrouted": 1,
        "mql_unanswered": 2,
        "recycled_not_enrolled": 2,
        "sal_untouched": 3,
        "sql_no_opportunity": 1,
        "opportunity_stale": 2,
    }
    assert report.total == 11 and set(report.counts) == set(CAUSES)
    [sql] = report.by_cause("sql_no_opportunity")
    assert (sql.email, sql.owner, sql.owner_id, sql.days_stuck) == (
        "sql@x.com",
        "rep@example.com",
        reps["rep"],
        40.0,
    )
    stale = {i.email: i for i in report.by_cause("sal_untouched")}
    assert stale["sal-stale@x.com"].days_stuck == 15.0  # stuck since the last touch, not since entering SAL
    orphan = [i for i in report.by_cause("opportunity_stale") if i.person_id is None]
    assert (
        orphan[0].name == "Orphan deal"
        and orphan[0].owner == "rep2@example.com"
        and orphan[0].days_stuck == 1.0
    )
    assert {t.cause: t.sla_id for t in report.thresholds if t.sla_id} == {
        "mql_unrouted": "route_mql",
        "mql_unanswered": "mql_response",
        "recycled_not_enrolled": "nurture_recycled",
        "sal_untouched": "sal_first_touch",
        "sql_no_opportunity": "sql_progress",
    }


def test_business_time_cutoff_is_the_latest_past_due_start(sqlite_ctx: Context) -> None:
    pb, t0 = sqlite_ctx.playbook.model, sqlite_ctx.clock.now()
    cal = _calendar(pb, "default")
    friday_10 = datetime(2026, 2, 27, 10, 0, tzinfo=UTC)
    assert latest_start(cal, t0, parse_duration("8 business_hours")) == friday_10
    assert latest_start(cal, t0, parse_duration("15m")) == t0 - timedelta(minutes=15)
    cut5 = latest_start(cal, t0, parse_duration("5 business_days"))
    assert cut5 == datetime(2026, 2, 23, 10, 0, tzinfo=UTC)  # one working week back


def test_cli_leakage_formats(sqlite_ctx: Context, cli: Any) -> None:
    build(sqlite_ctx)
    url = sqlite_ctx.engine.url.render_as_string(hide_password=False)
    # The CLI runs on the wall clock (months after the planted history), so every open case has aged further;
    # the planted leaks are all still there.
    as_json = cli("leakage", "--db", url, "--format", "json")
    assert as_json.code == 0, as_json.err
    document = json.loads(as_json.out)
    assert document["counts"]["mql_unrouted"] >= 1 and document["total"] == len(document["items"])
    emails = {i["email"] for i in document["items"]}
    assert {"unrouted@x.com", "sql@x.com", "recycled@x.com"} <= emails
    as_csv = cli("leakage", "--db", url, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.out)))
    assert rows and {"cause", "email", "owner", "days_stuck"} <= set(rows[0])
    table = cli("leakage", "--db", url)
    assert table.code == 0 and "mql_unrouted" in table.out
    bad = cli("leakage", "--db", url, "--format", "xml")
    assert bad.code != 0
