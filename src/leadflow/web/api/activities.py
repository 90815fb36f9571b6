"""/api/v1/activities (single and batch, idempotent by event id) and the form-fill webhook."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from pydantic import Field

from leadflow.errors import InvalidInput
from leadflow.services import persons as person_service
from leadflow.services.ingest.events import IngestSummary, ingest_activities
from leadflow.services.reaction_queue import ReactionDrainer
from leadflow.services.users import User
from leadflow.web.api.ingest_queue import IngestQueue
from leadflow.web.api.schemas import ApiIn, ErrorOut, Instant, Int
from leadflow.web.deps import Ctx, require

router = APIRouter(
    prefix="/api/v1", tags=["activities"], responses={403: {"model": ErrorOut}, 422: {"model": ErrorOut}}
)
Writer = Annotated[User, require("marketing", "marketing_lead", "sales", "sales_manager")]
MAX_BATCH = 10_000


class ActivityIn(ApiIn):
    """One touch. Identify the person by email, person_id or external id (`person`)."""

    event_id: str | None = Field(
        None, max_length=80, description="Your id for this event; resending it adds nothing."
    )
    email: str | None = Field(None, max_length=320)
    person_id: Int | None = Field(None, ge=1, le=2**62)
    person: str | None = Field(None, max_length=120, description="The person's external id.")
    type: str = Field(
        min_length=1, max_length=60, description="page_view, form_submit, email_click, call ..."
    )
    occurred_at: Instant
    channel: str | None = Field(None, max_length=60)
    campaign: str | None = Field(None, max_length=120, description="Campaign external id.")
    asset: str | None = Field(None, max_length=120, description="Asset external id (slug).")
    url: str | None = Field(None, max_length=1000)
    properties: dict[str, Any] = Field(default_factory=dict)


class BatchIn(ApiIn):
    """Up to 10,000 activities in one request."""

    activities: list[ActivityIn] = Field(max_length=MAX_BATCH)


class ResultOut(ApiIn):
    """What happened to one submitted activity."""

    index: int
    status: str
    key: str | None = None
    reasons: list[str] = Field(default_factory=list)


class IngestOut(ApiIn):
    """Counts and per-record results, in the order submitted."""

    accepted: int
    duplicate: int
    rejected: int
    results: list[ResultOut]


class FormFillIn(ApiIn):
    """A form submission from the website or the marketing tool."""

    email: str = Field(min_length=3, max_length=320)
    form: str = Field(min_length=1, max_length=120, description="Form name or id.")
    submitted_at: Instant
    event_id: str | None = Field(None, max_length=80)
    first_name: str | None = Field(None, max_length=120)
    last_name: str | None = Field(None, max_length=120)
    title: str | None = Field(None, max_length=300)
    company: str | None = Field(None, max_length=300)
    country: str | None = Field(None, max_length=80)
    url: str | None = Field(None, max_length=1000)
    campaign: str | None = Field(None, max_length=120)
    channel: str | None = Field(None, max_length=60)
    fields: dict[str, Any] = Field(
        default_factory=dict, description="Any other form fields (kept as properties)."
    )


def _records(items: list[ActivityIn]) -> list[dict[str, Any]]:
    out = []
    for item in items:
        data = item.model_dump(exclude_none=True)
        data["occurred_at"] = item.occurred_at.isoformat()
        out.append(data)
    return out


def _out(summary: IngestSummary) -> IngestOut:
    return IngestOut(
        accepted=summary.accepted,
        duplicate=summary.duplicate,
        rejected=summary.rejected,
        results=[
            ResultOut(index=r.index, status=r.status, key=r.key, reasons=list(r.reasons))
            for r in summary.results
        ],
    )


def _react(request: Request, result: IngestOut) -> None:
    """Tell the reaction drainer: accepted activities' persons were queued in the ingest's transaction."""
    drainer: ReactionDrainer = request.app.state.reactions
    drainer.notify(queued=result.accepted > 0)


# A single activity the store refuses comes back as its summary (with the reasons) under 422; a request the
# schema refuses gets the usual error body.
REJECTED: dict[int | str, dict[str, Any]] = {
    422: {
        "model": IngestOut | ErrorOut,
        "description": "The activity was rejected (summary) or the request is invalid",
    }
}


@router.post("/activities", response_model=IngestOut, responses=REJECTED)
async def post_activity(
    request: Request, ctx: Ctx, user: Writer, body: ActivityIn, response: Response
) -> IngestOut:
    """Record one activity (200 whether accepted or a duplicate, 422 with the reasons when rejected)."""
    queue: IngestQueue = request.app.state.ingest_queue
    result = _out(await queue.ingest_one(ctx, _records([body])[0]))
    _react(request, result)
    if result.rejected:
        response.status_code = 422
    return result


@router.post("/activities/batch", response_model=IngestOut)
def post_batch(request: Request, ctx: Ctx, user: Writer, body: BatchIn) -> IngestOut:
    """Record many activities at once; good ones land, bad ones are listed with their reasons."""
    if not body.activities:
        raise InvalidInput("the batch is empty", where="activities", hint="send at least one activity")
    result = _out(ingest_activities(ctx, _records(body.activities), defer=True))
    _react(request, result)
    return result


@router.post("/webhooks/form", response_model=IngestOut, responses=REJECTED)
def form_fill(request: Request, ctx: Ctx, user: Writer, body: FormFillIn, response: Response) -> IngestOut:
    """A form fill: creates the lead when new, then records a form_submit activity (idempotent by event_id)."""
    email = body.email.strip().lower()
    try:
        person_service.get(ctx, email)
    except Exception:
        person_service.create(
            ctx,
            {
                "email": email,
                "first_name": body.first_name,
                "last_name": body.last_name,
                "title": body.title,
                "country": body.country,
                "source_channel": body.channel,
                "properties": {"company": body.company, **body.fields} if body.company else dict(body.fields),
            },
            actor=user.email,
        )
    activity = ActivityIn(
        event_id=body.event_id,
        email=email,
        type="form_submit",
        occurred_at=body.submitted_at,
        channel=body.channel,
        campaign=body.campaign,
        url=body.url,
        properties={"form": body.form, **body.fields},
    )
    result = _out(ingest_activities(ctx, _records([activity]), defer=True))
    _react(request, result)
    if result.rejected:
        response.status_code = 422
    return result
