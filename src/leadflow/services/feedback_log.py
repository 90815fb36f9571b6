"""What sales fed back to marketing: rejections with their notes, and disputes with their resolution."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import aliased

from leadflow.services.context import Context
from leadflow.store.engine import reading
from leadflow.store.tables import campaigns, feedback, persons, users


def rejections(ctx: Context, since: datetime, *, limit: int = 200) -> list[dict[str, Any]]:
    """Recent rejections and disqualifications, newest first, with person, source, rep, reason and note."""
    rep = users.alias("rep")
    with reading(ctx.engine) as conn:
        rows = conn.execute(
            select(
                feedback.c.id,
                feedback.c.at,
                feedback.c.kind,
                feedback.c.reason,
                feedback.c.note,
                persons.c.id.label("person_id"),
                persons.c.email,
                persons.c.persona,
                persons.c.source_channel,
                campaigns.c.name.label("campaign"),
                rep.c.name.label("rep"),
            )
            .select_from(
                feedback.join(persons, persons.c.id == feedback.c.person_id)
                .outerjoin(campaigns, campaigns.c.id == persons.c.source_campaign_id)
                .outerjoin(rep, rep.c.id == feedback.c.user_id)
            )
            .where(feedback.c.kind.in_(("reject", "disqualify")), feedback.c.at >= since)
            .order_by(feedback.c.at.desc(), feedback.c.id.desc())
            .limit(limit)
        ).mappings()
        return [dict(r) for r in rows]


def disputes(ctx: Context, *, limit: int = 200) -> list[dict[str, Any]]:
    """Disputes of rejections (open first), with who disputed, the rejection's reason and the resolution."""
    by = users.alias("by")
    resolver = users.alias("resolver")
    rejection = aliased(feedback, name="rejection")
    with reading(ctx.engine) as conn:
        rows = conn.execute(
            select(
                feedback.c.id,
                feedback.c.at,
                feedback.c.status,
                feedback.c.note,
                feedback.c.resolved_at,
                feedback.c.resolution_note,
                persons.c.id.label("person_id"),
                persons.c.email,
                by.c.name.label("disputed_by"),
                resolver.c.name.label("resolved_by"),
                rejection.c.reason.label("rejection_reason"),
                rejection.c.note.label("rejection_note"),
            )
            .select_from(
                feedback.join(persons, persons.c.id == feedback.c.person_id)
                .outerjoin(by, by.c.id == feedback.c.user_id)
                .outerjoin(resolver, resolver.c.id == feedback.c.resolved_by)
                .outerjoin(
                    rejection,
                    and_(
                        rejection.c.stage_change_id == feedback.c.stage_change_id,
                        rejection.c.kind.in_(("reject", "disqualify")),
                    ),
                )
            )
            .where(feedback.c.kind == "dispute")
            .order_by((feedback.c.status == "open").desc(), feedback.c.at.desc())
            .limit(limit)
        ).mappings()
        return [dict(r) for r in rows]
