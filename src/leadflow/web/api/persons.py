"""/api/v1/persons: create, update (versioned), get and search leads."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from leadflow.services import persons as person_service
from leadflow.services.users import User
from leadflow.web.api.schemas import ErrorOut, PersonIn, PersonOut, PersonPatch
from leadflow.web.deps import ANYONE, Ctx, require

router = APIRouter(
    prefix="/api/v1/persons",
    tags=["persons"],
    responses={403: {"model": ErrorOut}, 404: {"model": ErrorOut}, 422: {"model": ErrorOut}},
)
Writer = Annotated[User, require("marketing", "marketing_lead", "sales", "sales_manager")]
Reader = Annotated[User, require(*ANYONE)]


def _out(row: dict[str, Any]) -> PersonOut:
    return PersonOut.model_validate({**row, "properties": row.get("properties") or {}})


@router.post("", status_code=201, response_model=PersonOut, responses={409: {"model": ErrorOut}})
def create_person(ctx: Ctx, user: Writer, body: PersonIn) -> PersonOut:
    """Create a lead in the playbook's initial stage (409 when the email or external id exists)."""
    return _out(person_service.create(ctx, body.model_dump(), actor=user.email))


@router.get("", response_model=list[PersonOut])
def search_persons(
    ctx: Ctx,
    user: Reader,
    q: Annotated[str | None, Query(max_length=200, description="Text in email, name or title.")] = None,
    stage: Annotated[str | None, Query(max_length=40)] = None,
    owner_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[PersonOut]:
    """Search persons, newest first."""
    rows = person_service.search(ctx, q=q, stage=stage, owner_id=owner_id, limit=limit, offset=offset)
    return [_out(r) for r in rows]


@router.get("/{key}", response_model=PersonOut)
def get_person(ctx: Ctx, user: Reader, key: str) -> PersonOut:
    """One person by id, email or external id."""
    return _out(person_service.get(ctx, key))


@router.patch("/{key}", response_model=PersonOut, responses={409: {"model": ErrorOut}})
def update_person(ctx: Ctx, user: Writer, key: str, body: PersonPatch) -> PersonOut:
    """Change contact fields; send the version you read to be protected from lost updates."""
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    return _out(person_service.update_fields(ctx, key, changes, version=body.version, actor=user.email))
