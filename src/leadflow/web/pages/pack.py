"""The meeting pack in the browser (GET /pack) and as a PDF (GET /pack.pdf), for any signed-in role."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from leadflow.reports import pack_filename, render_pack
from leadflow.services.users import User
from leadflow.web.deps import ANYONE, Ctx, require
from leadflow.web.filters import QueryFilters

router = APIRouter(include_in_schema=False)
Reader = Annotated[User, require(*ANYONE)]


@router.get("/pack")
def pack_html(ctx: Ctx, user: Reader, f: QueryFilters) -> Response:
    """The pack of a period (the current quarter by default) as one self-contained HTML page."""
    return HTMLResponse(render_pack(ctx, f, "html").decode("utf-8"))


@router.get("/pack.pdf")
def pack_pdf(ctx: Ctx, user: Reader, f: QueryFilters) -> Response:
    """The same pack as an A4 PDF download."""
    return Response(
        render_pack(ctx, f, "pdf"),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{pack_filename(f, "pdf")}"'},
    )
