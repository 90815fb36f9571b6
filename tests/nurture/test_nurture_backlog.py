"""Catching up after an import: recycled persons without an enrolment are enrolled by their reason."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from leadflow.services.context import Context
from leadflow.services.leakage import find_leakage
from leadflow.services.lifecycle import create_person_in
from leadflow.services.nurture import enroll_backlog
from leadflow.store.engine import reading, transaction
from leadflow.store.history import write_stage_change
from leadflow.store.tables import nurture_enrollments


def imported_recycled(ctx: Context, email: str, reason: str) -> int:
    at = ctx.clock.now() - timedelta(days=20)
    with transaction(ctx.engine) as conn:
        pid = create_person_in(conn, ctx, {"email": email}, at=at - timedelta(days=10), source="import")
        for frm, to in (("lead", "mql"), ("mql", "recycled")):
            write_stage_change(
                conn,
                person_id=pid,
                from_stage=frm,
                to_stage=to,
                at=at,
                actor="import",
                actor_role="system",
                playbook_version=ctx.playbook.version,
                expected_version=None,
                reason=reason if to == "recycled" else None,
                source="import",
            )
    return pid


def test_backlog_enrolls_imported_recycled_persons_once(ctx: Context) -> None:
    good = imported_recycled(ctx, "ada@example.com", "no_response")
    odd = imported_recycled(ctx, "bob@example.com", "moved_abroad")
    before = {i.person_id for i in find_leakage(ctx).by_cause("recycled_not_enrolled")}
    assert before == {good, odd}
    result = enroll_backlog(ctx)
    assert (result.enrolled, result.unmatched) == (1, {"moved_abroad": 1})
    with reading(ctx.engine) as conn:
        rows = conn.execute(select(nurture_enrollments.c.person_id, nurture_enrollments.c.track_id)).all()
    assert [tuple(r) for r in rows] == [(good, "re_engage")]
    assert enroll_backlog(ctx).enrolled == 0  # idempotent
    after = {i.person_id for i in find_leakage(ctx).by_cause("recycled_not_enrolled")}
    assert after == {odd}  # still visible: no track matches their reason
