"""`leadflow demo` end to end: history plus live days leave every screen something true to show."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text


def test_demo_builds_a_believable_company(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "demo.db"
    result = cli("demo", "--no-serve", "--people", "800", "--path", str(db))
    assert result.code == 0, result.err
    for heading in (
        "People per stage today",
        "Stage-to-stage conversion",
        "Where leads are stuck",
        "SLA compliance",
        "Demo logins",
        "leadflow-demo",
    ):
        assert heading in result.out
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:

        def one(sql: str) -> int:
            return int(conn.execute(text(sql)).scalar_one())

        assert one("select count(*) from assignments") > 0  # MQLs were routed live
        assert one("select count(*) from feedback where kind = 'accept'") > 0
        assert (
            one("select count(*) from feedback where kind in ('reject', 'disqualify') and reason is not null")
            > 0
        )
        assert one("select count(*) from deadlines where team = 'sales' and status = 'breached'") > 0
        assert one("select count(*) from deadlines where team = 'marketing' and status = 'met'") > 0
        assert one("select count(*) from nurture_enrollments") > 0
        assert one("select count(*) from score_details") > 700
        assert one("select count(*) from users where password_hash is not null") == 5
        assert (
            one("select count(*) from persons where stage = 'mql' and owner_id is not null") > 0
        )  # a live queue
    engine.dispose()
