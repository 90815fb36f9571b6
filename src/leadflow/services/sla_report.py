"""SLA compliance for a period, per SLA, team and rep, on both sides of the agreement.

A deadline belongs to the period when it started in [start, end). Each is counted once, as:
met_on_time (kept before due), breached (swept as breached, or kept only after its due time),
open_overdue (still open and past due at report time, not yet swept), open (not due yet) or
cancelled (the obligation vanished, e.g. the lead left the stage another way).
Compliance = met_on_time / (met_on_time + breached + open_overdue).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select

from leadflow.domain.deadlines import OUTCOMES
from leadflow.errors import InvalidInput
from leadflow.services.context import Context
from leadflow.store.engine import reading
from leadflow.store.tables import deadlines, users


@dataclass
class Compliance:
    """Counts of one group (SLA x team x rep, or a total)."""

    sla_id: str
    side: str  # marketing | sales: whose promise
    team: str  # the rep's sales team, or the side for unowned deadlines
    rep: str  # the owner's email, or "-" for team deadlines
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))

    @property
    def total(self) -> int:
        """Deadlines started in the period."""
        return sum(self.counts.values())

    @property
    def compliance(self) -> float | None:
        """Share kept on time among those decided or overdue (None when there are none)."""
        judged = self.counts["met_on_time"] + self.counts["breached"] + self.counts["open_overdue"]
        return self.counts["met_on_time"] / judged if judged else None

    def as_dict(self) -> dict[str, Any]:
        """A flat JSON/CSV row."""
        rate = self.compliance
        return {
            "sla_id": self.sla_id,
            "side": self.side,
            "team": self.team,
            "rep": self.rep,
            "total": self.total,
            **self.counts,
            "compliance": None if rate is None else round(rate, 4),
        }


@dataclass(frozen=True)
class SlaReport:
    """Compliance rows per SLA, team and rep, with totals per SLA and per team."""

    start: datetime
    end: datetime
    as_of: datetime
    rows: list[Compliance]
    by_sla: list[Compliance]
    by_team: list[Compliance]


def _outcome(as_of: datetime) -> Any:
    return case(
        (or_(deadlines.c.breach_count > 0, deadlines.c.status == "breached"), literal("breached")),
        (and_(deadlines.c.status == "met", deadlines.c.closed_at > deadlines.c.due_at), literal("breached")),
        (deadlines.c.status == "met", literal("met_on_time")),
        (deadlines.c.status == "cancelled", literal("cancelled")),
        (deadlines.c.due_at <= as_of, literal("open_overdue")),
        else_=literal("open"),
    )


def sla_report(ctx: Context, start: datetime | None = None, end: datetime | None = None) -> SlaReport:
    """Compliance for deadlines started in [start, end) (default: the last 30 days), as of now."""
    now = ctx.clock.now()
    end = end or now
    start = start or end - timedelta(days=30)
    if start >= end:
        raise InvalidInput(
            f"the period {start:%Y-%m-%d} .. {end:%Y-%m-%d} is empty",
            where="--from/--to",
            hint="give --from before --to",
        )
    outcome = _outcome(now).label("outcome")
    query = (
        select(deadlines.c.sla_id, deadlines.c.team, users.c.email, users.c.sales_team, outcome, func.count())
        .select_from(deadlines.outerjoin(users, deadlines.c.owner_id == users.c.id))
        .where(deadlines.c.started_at >= start, deadlines.c.started_at < end)
        .group_by(deadlines.c.sla_id, deadlines.c.team, users.c.email, users.c.sales_team, outcome)
    )
    with reading(ctx.engine) as conn:
        found = conn.execute(query).all()
    rows: dict[tuple[str, str, str, str], Compliance] = {}
    by_sla: dict[tuple[str, str, str, str], Compliance] = {}
    by_team: dict[tuple[str, str, str, str], Compliance] = {}
    for sla_id, side, email, sales_team, kind, count in found:
        team = (sales_team or side) if email else side
        for table, key in (
            (rows, (sla_id, side, team, email or "-")),
            (by_sla, (sla_id, side, "*", "*")),
            (by_team, ("*", side, team, "*")),
        ):
            item = table.get(key)
            if item is None:
                item = table[key] = Compliance(*key)
            item.counts[kind] += int(count)
    order = defaultdict(lambda: 99, {s.id: i for i, s in enumerate(ctx.playbook.model.slas)})

    def ordered(table: dict[tuple[str, str, str, str], Compliance]) -> list[Compliance]:
        return sorted(table.values(), key=lambda c: (order[c.sla_id], c.side, c.team, c.rep))

    return SlaReport(start, end, now, ordered(rows), ordered(by_sla), ordered(by_team))
