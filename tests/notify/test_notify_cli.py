"""`leadflow outbox deliver|list|retry` against a real receiver."""

from __future__ import annotations

import json
from typing import Any

from notify_endpoints import Receiver

from leadflow.notify.outbox import enqueue
from leadflow.services.context import Context
from leadflow.store.engine import transaction


def test_outbox_cli_delivers_lists_and_retries(sqlite_ctx: Context, receiver: Receiver, cli: Any) -> None:
    url = sqlite_ctx.engine.url.render_as_string(hide_password=False)
    env = {"LEADFLOW_WEBHOOK_SECRET": "cli-secret"}
    with transaction(sqlite_ctx.engine) as conn:
        good = enqueue(
            conn,
            sqlite_ctx,
            event="person.assigned",
            channel="webhook",
            recipient=receiver.url,
            subject=None,
            payload={"n": 1},
        )
        bad = enqueue(
            conn,
            sqlite_ctx,
            event="person.assigned",
            channel="webhook",
            recipient=receiver.url + "/gone",
            subject=None,
            payload={"n": 2},
        )
    receiver.by_path = {"/hook/gone": 410}  # the two are delivered concurrently: answer by address
    result = cli("outbox", "deliver", "--db", url, "--json", env=env)
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert (report["claimed"], report["delivered"], report["dead"]) == (2, 1, 1)
    assert report["errors"][0]["message_id"] == bad
    listed = cli("outbox", "list", "--db", url, "--status", "dead", env=env)
    assert bad in listed.out and good not in listed.out and "dead 1" in listed.out
    assert cli("outbox", "retry", "--db", url, "--all-dead", env=env).out.startswith("1 message(s)")
    receiver.by_path = {}  # the endpoint is back
    again = cli("outbox", "deliver", "--db", url, env=env)
    assert "delivered 1" in again.out
    assert cli("outbox", "retry", "--db", url).code != 0  # nothing named: a clear error, not a silent no-op
