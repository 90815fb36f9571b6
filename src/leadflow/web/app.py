"""The FastAPI app factory: pages and API routers are discovered, errors become clear pages or JSON."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

import leadflow.web.api
import leadflow.web.pages
from leadflow.errors import LeadflowError
from leadflow.services.context import Context
from leadflow.services.reaction_queue import ReactionDrainer
from leadflow.store.checkpoint import WalCheckpointer
from leadflow.web.api.ingest_queue import IngestQueue
from leadflow.web.api.schemas import ErrorOut
from leadflow.web.deps import LoginRequired, Recheck
from leadflow.web.metrics_cache import MetricsCache
from leadflow.web.render import render
from leadflow.web.session import SessionCodec


def _routers(package: Any) -> list[Any]:
    found = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        if hasattr(module, "router"):
            found.append(module.router)
    return found


# Every API operation may answer these (a body that is not JSON is 400; no or a wrong token 403; a field
# the schema refuses 422); routers declare their own 404/409 where they can happen.
API_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "The body is not valid JSON"},
    403: {"model": ErrorOut, "description": "No valid token, or the role may not do this"},
    422: {"model": ErrorOut, "description": "A field is missing or invalid"},
}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


class RefuseNul:
    """Refuses a NUL character in the address with a clear 422 (no database stores NUL in text).

    Pure ASGI rather than `@app.middleware("http")`: that wrapper costs every request a task and a stream,
    which showed up as the largest share of the event loop's time under single-activity ingest.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (
            "\x00" in scope["path"]
            or b"%00" in scope.get("raw_path", b"")
            or b"%00" in scope.get("query_string", b"")
            or b"\x00" in scope.get("query_string", b"")
        ):
            body = {
                "error": {
                    "code": "LF050",
                    "message": "the address contains a NUL character",
                    "where": "url",
                    "hint": "remove %00 from the path or query",
                }
            }
            await JSONResponse(body, status_code=422)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def create_app(ctx: Context, *, secret: str, demo: bool = False, worker: Any = None) -> FastAPI:
    """A LeadFlow web app over one context; `worker` (optional) runs beside it for the app's lifetime."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        checkpointer.start()
        app.state.reactions.start()
        if worker is not None:
            worker.start()
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
            app.state.reactions.stop()
            checkpointer.stop()

    app = FastAPI(
        title="LeadFlow API",
        version="1",
        description="One agreement, one flow, one set of numbers for B2B marketing and sales.",
        lifespan=lifespan,
        docs_url="/api/docs",
        openapi_url="/api/v1/openapi.json",
        redoc_url=None,
    )
    app.state.ctx = ctx
    app.state.sessions = SessionCodec(secret)
    app.state.demo = demo
    app.state.metrics_cache = MetricsCache()
    app.state.ingest_queue = IngestQueue()
    app.state.recheck = Recheck()
    app.state.reactions = ReactionDrainer(ctx)
    checkpointer = WalCheckpointer(ctx.engine)
    app.state.cookie_secure = not demo
    app.mount(
        "/static",
        StaticFiles(directory=str(resources.files("leadflow.web").joinpath("static"))),
        name="static",
    )
    for router in _routers(leadflow.web.pages):
        app.include_router(router)
    for router in _routers(leadflow.web.api):
        app.include_router(router, responses=API_ERRORS)

    app.add_middleware(RefuseNul)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    @app.exception_handler(LeadflowError)
    async def _leadflow_error(request: Request, exc: LeadflowError) -> Response:
        if _is_api(request):
            body: dict[str, Any] = exc.to_dict()
            problems = getattr(exc, "problems", None)
            if problems:
                body["problems"] = [
                    {
                        "code": p.code,
                        "message": p.message,
                        "line": p.line,
                        "column": p.column,
                        "path": p.dotted_path(),
                        "severity": p.severity,
                    }
                    for p in problems
                ]
            return JSONResponse({"error": body}, status_code=exc.http_status)
        return render(request, "error.html", {"error": exc}, status_code=exc.http_status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {
                "field": ".".join(str(p) for p in e["loc"] if p not in ("body", "query", "path")),
                "message": e["msg"],
            }
            for e in exc.errors()
        ]
        first = problems[0] if problems else {"field": "", "message": "invalid request"}
        body = {
            "error": {
                "code": "LF050",
                "message": f"{first['field']}: {first['message']}",
                "where": first["field"],
                "hint": "fix the named field and send again",
                "problems": problems,
            }
        }
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if _is_api(request):
            return JSONResponse(
                {
                    "error": {
                        "code": f"HTTP{exc.status_code}",
                        "message": str(exc.detail),
                        "where": request.url.path,
                        "hint": "see /api/docs",
                    }
                },
                status_code=exc.status_code,
            )
        error = LeadflowError(str(exc.detail), where=request.url.path)
        return render(request, "error.html", {"error": error}, status_code=exc.status_code)

    return app
