"""A real LeadFlow server on 127.0.0.1 over a small demo company, and headless Debian Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from leadflow.clock import FrozenClock
from leadflow.config import get_settings
from leadflow.services.context import Context, open_context
from leadflow.services.demo import build_demo
from leadflow.store.engine import make_engine
from leadflow.web.app import create_app

CHROMIUM = os.environ.get("LEADFLOW_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The demo company served by uvicorn in a thread; yields base URL, context and logins."""
    if not Path(CHROMIUM).exists() or (shutil.which("chromium") is None and CHROMIUM == "/usr/bin/chromium"):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {CHROMIUM} is missing (scripts/ensure-services installs it)")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    url = f"sqlite:///{tmp_path_factory.mktemp('site') / 'demo.db'}"
    now = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)
    ctx: Context = open_context(
        get_settings(database_url=url), clock=FrozenClock(now), engine=make_engine(url)
    )
    report = build_demo(ctx, people=500, seed=11, now=now)
    app = create_app(ctx, secret="browser-test-secret-" + "x" * 20, demo=True)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    yield {"base": f"http://127.0.0.1:{port}", "ctx": ctx, "logins": {r: (e, p) for r, e, p in report.logins}}
    server.should_exit = True
    thread.join(timeout=10)
    ctx.engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Python Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()
