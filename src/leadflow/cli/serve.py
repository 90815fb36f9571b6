"""`leadflow serve`: the web workspace and REST API, with the worker's jobs in the same process."""

from __future__ import annotations

from typing import Annotated

import typer

from leadflow.cli.common import DbOption, PlaybookOption, console, context


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    no_worker: Annotated[
        bool, typer.Option("--no-worker", help="Do not run the scheduled jobs in this process.")
    ] = False,
    demo: Annotated[
        bool, typer.Option("--demo", help="Allow the demo secret and plain-HTTP cookies.")
    ] = False,
    db: DbOption = None,
    playbook: PlaybookOption = None,
) -> None:
    """Start the web app (pages + /api/v1) on HOST:PORT."""
    import gc

    import uvicorn

    from leadflow.services.setup import init_database
    from leadflow.web.app import create_app
    from leadflow.web.background import BackgroundWorker

    ctx = context(db, playbook)
    secret = ctx.settings.require_secret(demo)
    init_database(ctx)
    worker = None if no_worker else BackgroundWorker(ctx)
    app = create_app(ctx, secret=secret, demo=demo, worker=worker)
    console.print(
        f"LeadFlow is serving {ctx.engine.url.render_as_string(hide_password=True)} at http://{host}:{port}/ "
        f"(API docs: http://{host}:{port}/api/docs){'' if worker else '; worker off'}"
    )
    # The app's long-lived objects (routes, schemas, templates, the playbook) leave the collector's view: a
    # full collection no longer walks them all, which cost a busy ingest about a quarter of its time.
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


def register(app: typer.Typer) -> None:
    """Add serve."""
    app.command("serve")(serve)
