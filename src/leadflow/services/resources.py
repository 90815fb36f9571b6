"""Resources both teams give each other: assets by buyer stage and provider, and the last two weeks' exchange."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, insert, select

from leadflow.errors import InvalidInput
from leadflow.services.context import Context
from leadflow.store.audit import audit_in
from leadflow.store.engine import reading, transaction
from leadflow.store.tables import assets, feedback, stage_changes

BUYER_STAGES = ("awareness", "consideration", "decision")
PROVIDERS = ("marketing", "sales")


@dataclass(frozen=True)
class Exchange:
    """What each team gave the other in a window."""

    days: int
    assets_by_marketing: int
    assets_by_sales: int
    mqls_to_sales: int
    feedback_to_marketing: int
    rejections_with_reasons: int


def assets_by_stage(ctx: Context) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Assets grouped by buyer stage, then by the team that provided them."""
    grouped: dict[str, dict[str, list[dict[str, Any]]]] = {
        s: {p: [] for p in PROVIDERS} for s in (*BUYER_STAGES, "unmapped")
    }
    with reading(ctx.engine) as conn:
        for row in conn.execute(select(assets).order_by(assets.c.created_at.desc())).mappings():
            stage = row["buyer_stage"] if row["buyer_stage"] in BUYER_STAGES else "unmapped"
            provider = row["provided_by"] if row["provided_by"] in PROVIDERS else "marketing"
            grouped[stage][provider].append(dict(row))
    return grouped


def exchange(ctx: Context, days: int = 14) -> Exchange:
    """Assets each team added, MQLs marketing handed over and feedback sales gave back, in the last `days`."""
    since = ctx.clock.now() - timedelta(days=days)
    with reading(ctx.engine) as conn:
        by_team: dict[str, int] = defaultdict(int)
        for provider, n in conn.execute(
            select(assets.c.provided_by, func.count())
            .where(assets.c.created_at >= since)
            .group_by(assets.c.provided_by)
        ):
            by_team[provider] = int(n)
        mqls = conn.execute(
            select(func.count())
            .select_from(stage_changes)
            .where(stage_changes.c.to_stage == "mql", stage_changes.c.at >= since)
        ).scalar_one()
        fb = conn.execute(
            select(func.count()).select_from(feedback).where(feedback.c.at >= since)
        ).scalar_one()
        reasons = conn.execute(
            select(func.count())
            .select_from(feedback)
            .where(
                feedback.c.at >= since,
                feedback.c.kind.in_(("reject", "disqualify")),
                feedback.c.reason.is_not(None),
            )
        ).scalar_one()
    return Exchange(days, by_team["marketing"], by_team["sales"], int(mqls), int(fb), int(reasons))


def add_asset(
    ctx: Context,
    *,
    name: str,
    kind: str | None,
    buyer_stage: str,
    url: str | None,
    provided_by: str,
    user_id: int | None,
    actor: str,
) -> int:
    """Register a piece of content for a buyer stage."""
    if buyer_stage not in BUYER_STAGES:
        raise InvalidInput(
            f"unknown buyer stage {buyer_stage!r}",
            where="field buyer_stage",
            hint="use " + ", ".join(BUYER_STAGES),
        )
    if provided_by not in PROVIDERS:
        raise InvalidInput(
            f"unknown team {provided_by!r}", where="field provided_by", hint="marketing or sales"
        )
    if not name.strip():
        raise InvalidInput("the asset needs a name", where="field name", hint="give it a title")
    slug = "-".join(name.lower().split())[:100]
    with transaction(ctx.engine) as conn:
        exists = conn.execute(
            select(func.count()).select_from(assets).where(assets.c.external_id == slug)
        ).scalar_one()
        asset_id = int(
            conn.execute(
                insert(assets)
                .values(
                    external_id=slug if not exists else None,
                    name=name.strip(),
                    kind=kind or None,
                    buyer_stage=buyer_stage,
                    provided_by=provided_by,
                    url=url or None,
                    created_by=user_id,
                    properties={},
                    created_at=ctx.clock.now(),
                )
                .returning(assets.c.id)
            ).scalar_one()
        )
        audit_in(
            conn,
            at=ctx.clock.now(),
            actor=actor,
            action="asset.create",
            object_type="asset",
            object_id=asset_id,
        )
    return asset_id
