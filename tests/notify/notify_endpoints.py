"""Real endpoints on 127.0.0.1 for notification tests: a scriptable HTTP receiver and an SMTP server."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from leadflow.notify.signing import verify


@dataclass
class Received:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """An HTTP endpoint whose answers are scripted: a status per path, else statuses in order (then 200), an
    optional stall. Concurrent deliveries arrive in any order, so tests that send several at once script by path."""

    url: str = ""
    statuses: list[int] = field(default_factory=list)
    always: int | None = None
    by_path: dict[str, int] = field(default_factory=dict)
    secret: str | None = None
    stall_first: bool = False
    now: Callable[[], float] = time.time  # the receiver's clock (tests freeze it with the sender's)
    requests: list[Received] = field(default_factory=list)
    verdicts: list[str] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, received: Received) -> int:
        with self.lock:
            self.requests.append(received)
            first = len(self.requests) == 1
            if self.secret is not None:
                verdict = verify(self.secret, received.body, received.headers, now=self.now())
                self.verdicts.append("ok" if verdict.ok else verdict.reason)
                if not verdict.ok:
                    return 401
            if self.always is not None:
                return self.always
            if received.path in self.by_path:
                return self.by_path[received.path]
            status = self.statuses.pop(0) if self.statuses else 200
        if first and self.stall_first:
            self.release.wait(30)
        return status

    def wait_for(self, count: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} requests, got {len(self.requests)}")
            time.sleep(0.02)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A fresh HTTP receiver on 127.0.0.1 (random port), stopped after the test."""
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            status = state.answer(Received(self.path, dict(self.headers.items()), body))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    state.release.set()
    server.shutdown()
    server.server_close()


class Mailbox:
    """aiosmtpd handler that keeps every message."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        self.messages.append(
            {"from": envelope.mail_from, "to": list(envelope.rcpt_tos), "data": envelope.content.decode()}
        )
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server on 127.0.0.1 (random port) and the messages it received."""
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()
