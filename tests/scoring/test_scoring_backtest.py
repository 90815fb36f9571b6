"""Backtest on a small hand-built history (both stores), and the score/backtest commands end to end."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from scoring_helpers import add_account, add_activity, playbook_with
from sqlalchemy import insert

from leadflow.playbook import load_playbook, parse_playbook
from leadflow.services.backtest import backtest
from leadflow.services.context import Context
from leadflow.store.engine import transaction
from leadflow.store.tables import opportunities, opportunity_contacts, persons, stage_entries, users

D, H = timedelta(days=1), timedelta(hours=1)
CANDIDATE_RULE = "fit_grade >= 'B' and engagement >= 20"


def _candidate_text() -> str:
    text = load_playbook(None).text
    return text.replace(
        "mql_rule: \"fit_grade >= 'B' and engagement >= 40\"", f'mql_rule: "{CANDIDATE_RULE}"'
    )


def _history(ctx: Context) -> None:
    t0 = ctx.clock.now()
    with transaction(ctx.engine) as conn:
        for i, (open_mqls, per_day) in enumerate([(10, None), (None, 2)]):
            conn.execute(
                insert(users).values(
                    email=f"rep{i}@acme.test",
                    name="Rep",
                    team="sales",
                    role="sales",
                    max_open_mqls=open_mqls,
                    max_new_per_day=per_day,
                    created_at=t0,
                    properties={},
                )
            )
        account = add_account(conn, t0, industry="software", employees=500)

        def person(email: str, title: str, created: timedelta) -> int:
            return int(
                conn.execute(
                    insert(persons)
                    .values(
                        email=email,
                        title=title,
                        account_id=account,
                        stage="lead",
                        stage_entered_at=t0 - created,
                        created_at=t0 - created,
                        updated_at=t0,
                        properties={},
                    )
                    .returning(persons.c.id)
                ).scalar_one()
            )

        p1, p2 = person("p1@acme.com", "VP Sales", 80 * D), person("p2@acme.com", "VP Sales", 45 * D)
        p3, p4 = person("p3@acme.com", "VP Sales", 25 * D), person("p4@acme.com", "Student", 30 * D)
        add_activity(conn, p1, t0 - 70 * D, "demo_request")  # 40: MQL under both rules
        add_activity(conn, p1, t0 - 70 * D + H, "form_submit")
        add_activity(conn, p2, t0 - 40 * D, "form_submit")  # 25: only the candidate
        add_activity(conn, p3, t0 - 20 * D, "webinar_attended")  # 15, then ~25 an hour later
        add_activity(conn, p3, t0 - 20 * D + H, "content_download")
        add_activity(conn, p4, t0 - 10 * D, "demo_request")  # a student: fit grade D, never
        for pid, entered in ((p1, 60 * D), (p2, 30 * D)):
            conn.execute(
                insert(stage_entries).values(
                    person_id=pid,
                    stage="sql",
                    first_entered_at=t0 - entered,
                    last_entered_at=t0 - entered,
                    times=1,
                )
            )
        o1 = conn.execute(
            insert(opportunities)
            .values(
                name="Deal 1",
                account_id=account,
                person_id=p1,
                stage="won",
                status="won",
                amount=1000.0,
                created_at=t0 - 50 * D,
                closed_at=t0 - 20 * D,
                updated_at=t0,
                properties={},
            )
            .returning(opportunities.c.id)
        )
        o2 = conn.execute(
            insert(opportunities)
            .values(
                name="Deal 2",
                account_id=account,
                person_id=None,
                stage="won",
                status="won",
                amount=1000.0,
                created_at=t0 - 25 * D,
                closed_at=t0 - 10 * D,
                updated_at=t0,
                properties={},
            )
            .returning(opportunities.c.id)
        )
        o1.scalar_one()
        conn.execute(
            insert(opportunity_contacts).values(
                opportunity_id=o2.scalar_one(), person_id=p2, role="decision_maker"
            )
        )


def test_backtest_hand_checked(ctx: Context) -> None:
    _history(ctx)
    result = backtest(ctx, parse_playbook(_candidate_text(), "candidate.yaml"))
    assert result.weeks == pytest.approx(80 / 7)
    assert result.capacity_per_week == 20  # 10 open MQLs + 2 per day x 5
    cur, cand = result.current, result.candidate
    assert (cur.mqls, cand.mqls) == (1, 3)
    assert cur.mqls_per_week == pytest.approx(7 / 80) and cand.mqls_per_week == pytest.approx(21 / 80)
    assert (cur.sqls, cur.sqls_caught, cand.sqls_caught) == (2, 1, 2)
    assert (cur.won_deals, cur.won_caught, cand.won_caught) == (2, 1, 2)
    assert (cur.won_recall, cand.won_recall) == (0.5, 1.0)
    assert cur.precision == 1.0 and cand.precision == pytest.approx(2 / 3)
    assert cur.median_days_to_mql == pytest.approx(10)  # created 80 d ago, MQL at the demo request 70 d ago
    assert cand.median_days_to_mql == pytest.approx(5 + 1 / 24)  # delays 10, 5 and 5 d 1 h
    assert cand.mql_rule == CANDIDATE_RULE
    labels = [row[0] for row in result.rows()]
    assert "MQL-to-SQL rate (precision)" in labels and "Median first touch to MQL" in labels


def test_score_and_backtest_commands(cli, sqlite_ctx: Context, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _history(sqlite_ctx)
    url = str(sqlite_ctx.engine.url)
    run = cli("score", "run", "--db", url)
    assert run.code == 0, run.out + run.err
    assert "scored 4 person(s)" in run.out
    explained = cli("score", "explain", "p1@acme.com", "--db", url)
    assert explained.code == 0, explained.err
    assert "fit 50 (A)" in explained.out and "Economic buyer" in explained.out
    missing = cli("score", "explain", "nobody@acme.com", "--db", url)
    assert missing.code == 4 and "no person" in missing.err
    candidate = tmp_path / "candidate.yaml"
    candidate.write_text(_candidate_text(), encoding="utf-8")
    bt = cli("playbook", "backtest", "--playbook", str(candidate), "--db", url)
    assert bt.code == 0, bt.err
    assert "MQLs per week" in bt.out and CANDIDATE_RULE.replace("'", "'") in bt.out


def test_candidate_must_be_a_valid_playbook() -> None:
    with pytest.raises(Exception, match="problem"):
        parse_playbook(playbook_with('scoring:\n  mql_rule: "fit >>"\n'))
