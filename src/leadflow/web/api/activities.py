"""/api/v1/activities (single and batch, idempotent by event id) and the form-fill webhook."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, NotRequired

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import ConfigDict, Field, with_config
from typing_extensions import TypedDict  # pydantic reads typing.TypedDict only from Python 3.12

from leadflow.errors import InvalidInput
from leadflow.services import persons as person_service
from leadflow.services.ingest.events import IngestSummary, ingest_activities
from leadflow.services.reaction_queue import ReactionDrainer
from leadflow.services.users import User
from leadflow.web.api.ingest_queue import IngestQueue
from leadflow.web.api.schemas import ApiIn, ErrorOut, Instant, Int, refuse_nul
from leadflow.web.deps import Ctx, require

router = APIRouter(
    prefix="/api/v1", tags=["activities"], responses={403: {"model": ErrorOut}, 422: {"model": ErrorOut}}
)
Writer = Annotated[User, require("marketing", "marketing_lead", "sales", "sales_manager")]
MAX_BATCH = 10_000


# The activity bodies are typed dicts rather than models: a batch of thousands validates into plain dicts
# (what the ingest reads) at a third of the cost of building a model per activity.
@with_config(ConfigDict(extra="forbid"))
class ActivityIn(TypedDict):
    """One touch. Identify the person by email, person_id or external id (`person`)."""

    event_id: NotRequired[
        Annotated[
            str | None, Field(max_length=80, description="Your id for this event; resending it adds nothing.")
        ]
    ]
    email: NotRequired[Annotated[str | None, Field(max_length=320)]]
    person_id: NotRequired[Annotated[Int | None, Field(ge=1, le=2**62)]]
    person: NotRequired[Annotated[str | None, Field(max_length=120, description="The person's external id.")]]
    type: Annotated[
        str, Field(min_length=1, max_length=60, description="page_view, form_submit, email_click, call ...")
    ]
    occurred_at: Instant
    channel: NotRequired[Annotated[str | None, Field(max_length=60)]]
    campaign: NotRequired[Annotated[str | None, Field(max_length=120, description="Campaign external id.")]]
    asset: NotRequired[Annotated[str | None, Field(max_length=120, description="Asset external id (slug).")]]
    url: NotRequired[Annotated[str | None, Field(max_length=1000)]]
    properties: NotRequired[dict[str, Any]]


@with_config(ConfigDict(extra="forbid"))
class BatchIn(TypedDict):
    """Up to 10,000 activities in one request."""

    activities: Annotated[list[ActivityIn], Field(max_length=MAX_BATCH)]


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


async def _raw_body(request: Request) -> bytes:
    return await request.body()  # FastAPI has read it (and kept it) to parse the JSON


RawBody = Annotated[bytes, Depends(_raw_body)]


def _records(raw: bytes, body: Any, items: list[ActivityIn]) -> list[dict[str, Any]]:
    """The validated activities as the ingest reads them (nulls left out); a NUL anywhere in the body: 422."""
    refuse_nul(raw, body)
    return [_given(item) for item in items]


def _given(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


def _answer(request: Request, summary: IngestSummary, rejected_status: int = 200) -> JSONResponse:
    """The IngestOut body, written directly (a batch has thousands of results; building models for them and
    having FastAPI validate them again cost more than storing the batch); the drainer is told about it."""
    drainer: ReactionDrainer = request.app.state.reactions
    drainer.notify(queued=summary.accepted > 0)
    body = {
        "accepted": summary.accepted,
        "duplicate": summary.duplicate,
        "rejected": summary.rejected,
        "results": [
            {"index": r.index, "status": r.status, "key": r.key, "reasons": list(r.reasons)}
            for r in summary.results
        ],
    }
    return JSONResponse(body, status_code=rejected_status if summary.rejected else 200)


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
    request: Request, ctx: Ctx, user: Writer, body: ActivityIn, raw: RawBody
) -> JSONResponse:
    """Record one activity (200 whether accepted or a duplicate, 422 with the reasons when rejected)."""
    queue: IngestQueue = request.app.state.ingest_queue
    return _answer(request, await queue.ingest_one(ctx, _records(raw, body, [body])[0]), 422)


@router.post("/activities/batch", response_model=IngestOut)
def post_batch(request: Request, ctx: Ctx, user: Writer, body: BatchIn, raw: RawBody) -> JSONResponse:
    """Record many activities at once; good ones land, bad ones are listed with their reasons."""
    if not body["activities"]:
        raise InvalidInput("the batch is empty", where="activities", hint="send at least one activity")
    return _answer(request, ingest_activities(ctx, _records(raw, body, body["activities"]), defer=True))


@router.post("/webhooks/form", response_model=IngestOut, responses=REJECTED)
def form_fill(request: Request, ctx: Ctx, user: Writer, body: FormFillIn) -> JSONResponse:
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
    activity = {
        "event_id": body.event_id,
        "email": email,
        "type": "form_submit",
        "occurred_at": body.submitted_at,
        "channel": body.channel,
        "campaign": body.campaign,
        "url": body.url,
        "properties": {"form": body.form, **body.fields},
    }
    return _answer(request, ingest_activities(ctx, [_given(activity)], defer=True), 422)
