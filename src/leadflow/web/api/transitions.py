"""/api/v1 transitions and the queue: accept, reject, qualify, convert, won, lost (409 on a stale version)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field

from leadflow.services import deals, queue
from leadflow.services.decisions import Decision
from leadflow.services.users import User
from leadflow.web.api.schemas import ApiIn, Day, ErrorOut, Float, Int
from leadflow.web.deps import SALES, Ctx, require

router = APIRouter(
    prefix="/api/v1",
    tags=["transitions"],
    responses={
        403: {"model": ErrorOut},
        404: {"model": ErrorOut},
        409: {"model": ErrorOut},
        422: {"model": ErrorOut},
    },
)
Rep = Annotated[User, require(*SALES)]


class Versioned(ApiIn):
    """Every decision may carry the version you read; a stale one gets 409."""

    version: Int | None = Field(None, ge=0, le=2**31)
    note: str | None = Field(None, max_length=4000)


class RejectIn(Versioned):
    """A rejection: a reason from the playbook's list; outcome recycle or disqualify (else from the reason)."""

    reason: str = Field(max_length=120)
    outcome: str | None = Field(None, max_length=20)


class QualifyIn(Versioned):
    """BANT."""

    budget: str = Field(min_length=1, max_length=500)
    authority: str = Field(min_length=1, max_length=500)
    need: str = Field(min_length=1, max_length=500)
    timeline: str = Field(min_length=1, max_length=500)


class ConvertIn(Versioned):
    """The opportunity and its buying committee (role -> person emails or ids)."""

    amount: Float = Field(gt=0, lt=1e12)
    expected_close: Day | None = None
    name: str | None = Field(None, max_length=300)
    product: str | None = Field(None, max_length=120)
    committee: dict[str, list[str]] = Field(default_factory=dict)


class WonIn(Versioned):
    """A won deal (amount optional: the opportunity's)."""

    amount: Float | None = Field(None, gt=0, lt=1e12)


class LostIn(Versioned):
    """A lost deal with an agreed lost reason."""

    lost_reason: str = Field(max_length=120)


class DecisionOut(ApiIn):
    """The stage change a decision made."""

    person_id: int
    from_stage: str | None
    to_stage: str
    at: datetime
    playbook_version: str
    feedback_id: int | None = None
    opportunity_id: int | None = None


class QueueItemOut(ApiIn):
    """One entry of a rep's queue."""

    person_id: int
    email: str | None
    name: str
    stage: str
    grade: str | None
    version: int
    sla_id: str | None
    due_at: datetime | None
    overdue: bool


def _out(d: Decision) -> DecisionOut:
    c = d.change
    return DecisionOut(
        person_id=c.person_id,
        from_stage=c.from_stage,
        to_stage=c.to_stage,
        at=c.at,
        playbook_version=c.playbook_version,
        feedback_id=d.feedback_id,
        opportunity_id=d.opportunity_id,
    )


@router.get("/queue", response_model=list[QueueItemOut])
def my_queue(
    ctx: Ctx, user: Rep, rep: Annotated[str | None, Query(max_length=320)] = None
) -> list[QueueItemOut]:
    """The caller's queue (managers may pass rep=<email>), most urgent first."""
    who: Any = rep if rep and user.role in ("sales_manager", "admin") else user.id
    return [
        QueueItemOut(
            person_id=i.person_id,
            email=i.email,
            name=i.name,
            stage=i.stage,
            grade=i.grade,
            version=i.version,
            sla_id=i.sla_id,
            due_at=i.due_at,
            overdue=i.overdue,
        )
        for i in queue.queue_for(ctx, who)
    ]


@router.post("/persons/{key}/accept", response_model=DecisionOut)
def accept(ctx: Ctx, user: Rep, key: str, body: Versioned) -> DecisionOut:
    """Accept an MQL (-> SAL)."""
    return _out(queue.accept(ctx, key, user.id, expected_version=body.version, note=body.note))


@router.post("/persons/{key}/reject", response_model=DecisionOut)
def reject(ctx: Ctx, user: Rep, key: str, body: RejectIn) -> DecisionOut:
    """Reject with an agreed reason (-> Recycled or Disqualified)."""
    return _out(
        queue.reject(
            ctx,
            key,
            user.id,
            body.reason,
            note=body.note,
            outcome=body.outcome,
            expected_version=body.version,
        )
    )


@router.post("/persons/{key}/qualify", response_model=DecisionOut)
def qualify(ctx: Ctx, user: Rep, key: str, body: QualifyIn) -> DecisionOut:
    """Qualify with BANT (-> SQL)."""
    return _out(
        queue.qualify(
            ctx,
            key,
            user.id,
            budget=body.budget,
            authority=body.authority,
            need=body.need,
            timeline=body.timeline,
            note=body.note,
            expected_version=body.version,
        )
    )


@router.post("/persons/{key}/convert", response_model=DecisionOut)
def convert(ctx: Ctx, user: Rep, key: str, body: ConvertIn) -> DecisionOut:
    """Convert to an opportunity with amount, expected close and buying committee."""
    return _out(
        deals.convert(
            ctx,
            key,
            user.id,
            amount=body.amount,
            expected_close=body.expected_close,
            committee=body.committee,
            name=body.name,
            product=body.product,
            note=body.note,
            expected_version=body.version,
        )
    )


@router.post("/persons/{key}/won", response_model=DecisionOut)
def won(ctx: Ctx, user: Rep, key: str, body: WonIn) -> DecisionOut:
    """The deal is won (-> Customer)."""
    return _out(
        deals.won(ctx, key, user.id, amount=body.amount, note=body.note, expected_version=body.version)
    )


@router.post("/persons/{key}/lost", response_model=DecisionOut)
def lost(ctx: Ctx, user: Rep, key: str, body: LostIn) -> DecisionOut:
    """The deal is lost with an agreed reason (-> Recycled)."""
    return _out(
        deals.lost(ctx, key, user.id, body.lost_reason, note=body.note, expected_version=body.version)
    )
