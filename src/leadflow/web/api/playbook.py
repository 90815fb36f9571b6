"""/api/v1/playbook: the agreement in force, and proposals of a new version."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request

from leadflow.errors import InvalidInput
from leadflow.services.playbook_versions import propose
from leadflow.services.users import User
from leadflow.web.api.schemas import ApiIn, ErrorOut
from leadflow.web.deps import ANYONE, Ctx, require

router = APIRouter(
    prefix="/api/v1/playbook",
    tags=["playbook"],
    responses={403: {"model": ErrorOut}, 409: {"model": ErrorOut}, 422: {"model": ErrorOut}},
)
Reader = Annotated[User, require(*ANYONE)]


class PlaybookOut(ApiIn):
    """The playbook in force: its version, its parsed content and the YAML text."""

    version: str
    name: str
    content: dict[str, Any]
    text: str


class ProposalOut(ApiIn):
    """A stored proposal awaiting a marketing lead's and a sales manager's approval."""

    version: str
    status: str


@router.get("", response_model=PlaybookOut)
def get_playbook(ctx: Ctx, user: Reader) -> PlaybookOut:
    """The active playbook."""
    pb = ctx.playbook
    return PlaybookOut(
        version=pb.version,
        name=pb.model.name,
        content=pb.model.model_dump(mode="json", by_alias=True),
        text=pb.text,
    )


@router.post(
    "/proposals",
    response_model=ProposalOut,
    status_code=201,
    openapi_extra={
        "requestBody": {"content": {"application/x-yaml": {"schema": {"type": "string"}}}, "required": True}
    },
)
async def propose_playbook(request: Request, ctx: Ctx, user: Reader) -> ProposalOut:
    """Propose a new playbook (YAML body); every problem comes back with its code and line (422)."""
    raw = await request.body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(
            "the body must be UTF-8 YAML", where="body", hint="send the playbook file as text"
        ) from None
    if "\x00" in text:
        raise InvalidInput(
            "the body contains a NUL character", where="body", hint="send the playbook file as text"
        )
    loaded = propose(ctx, text, user, source="api")
    return ProposalOut(version=loaded.version, status="proposed")
