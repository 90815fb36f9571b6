"""Outbox delivery against real endpoints: retries, dead letter, HMAC, Slack and SMTP."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from notify_endpoints import Mailbox, Receiver
from sqlalchemy import select

from leadflow.clock import FrozenClock
from leadflow.errors import InvalidInput
from leadflow.notify.delivery import deliver_due
from leadflow.notify.outbox import count_by_status, enqueue, list_messages, retry
from leadflow.notify.retry import RetryPolicy
from leadflow.notify.signing import verify
from leadflow.services.context import Context
from leadflow.store.engine import reading, transaction
from leadflow.store.tables import outbox

SECRET = "test-secret-0123456789"


def tuned(ctx: Context, **settings: Any) -> Context:
    return replace(ctx, settings=ctx.settings.model_copy(update={"webhook_secret": SECRET, **settings}))


def put(ctx: Context, channel: str, recipient: str, event: str = "person.assigned", **payload: Any) -> str:
    with transaction(ctx.engine) as conn:
        return enqueue(
            conn,
            ctx,
            event=event,
            channel=channel,
            recipient=recipient,
            subject="New MQL",
            payload=payload or {"person": "ada@example.com", "text": "Ada is yours"},
        )


def row(ctx: Context, message_id: str) -> Any:
    with reading(ctx.engine) as conn:
        return conn.execute(select(outbox).where(outbox.c.message_id == message_id)).mappings().one()


def test_retry_schedule_doubles_and_caps() -> None:
    policy = RetryPolicy(max_attempts=8, base=timedelta(minutes=1), cap=timedelta(minutes=10))
    assert [d.total_seconds() / 60 for d in policy.schedule()] == [1, 2, 4, 8, 10, 10, 10]
    assert not policy.is_exhausted(7) and policy.is_exhausted(8)


def test_enqueue_writes_pending_row_in_callers_transaction(ctx: Context) -> None:
    ids = [put(ctx, "webhook", "http://127.0.0.1:9/x") for _ in range(3)]
    assert ids == sorted(ids) and len(set(ids)) == 3
    stored = row(ctx, ids[0])
    assert stored["status"] == "pending" and stored["attempts"] == 0
    assert stored["next_attempt_at"] == ctx.clock.now() and stored["locked_until"] is None
    with pytest.raises(RuntimeError), transaction(ctx.engine) as conn:
        enqueue(conn, ctx, event="x", channel="email", recipient="a@b.c", subject=None, payload={})
        raise RuntimeError("the causing event failed")
    assert count_by_status(ctx)["pending"] == 3  # rolled back with its cause
    with pytest.raises(InvalidInput, match="unknown notification channel"), transaction(ctx.engine) as conn:
        enqueue(conn, ctx, event="x", channel="sms", recipient="+1", subject=None, payload={})
    with pytest.raises(InvalidInput, match="http"), transaction(ctx.engine) as conn:
        enqueue(conn, ctx, event="x", channel="webhook", recipient="ftp://x", subject=None, payload={})


def test_webhook_is_signed_and_verified_by_receiver(sqlite_ctx: Context, receiver: Receiver) -> None:
    ctx = sqlite_ctx  # engine-independent logic: one store is enough
    ctx = tuned(ctx)
    receiver.secret = SECRET
    receiver.now = lambda: ctx.clock.now().timestamp()
    mid = put(ctx, "webhook", receiver.url, event="sla.breached", deal=42)
    report = deliver_due(ctx)
    assert (report.claimed, report.delivered) == (1, 1)
    assert receiver.verdicts == ["ok"]
    got = receiver.requests[0]
    assert got.headers["X-LeadFlow-Message-Id"] == mid and got.headers["X-LeadFlow-Event"] == "sla.breached"
    assert got.headers["X-LeadFlow-Signature"].startswith("sha256=")
    assert got.json()["data"] == {"deal": 42} and got.json()["id"] == mid
    stamp = int(got.headers["X-LeadFlow-Timestamp"])
    # Tampering with the body, a wrong secret or an old timestamp (replay) are all refused.
    assert not verify(SECRET, got.body.replace(b"42", b"43"), got.headers, now=stamp).ok
    assert not verify("other", got.body, got.headers, now=stamp).ok
    assert verify(SECRET, got.body, got.headers, now=stamp + 60).ok
    assert "replay" in verify(SECRET, got.body, got.headers, now=stamp + 3600).reason
    stored = row(ctx, mid)
    assert stored["status"] == "delivered" and stored["attempts"] == 1
    assert stored["delivered_at"] == ctx.clock.now()


def test_fails_twice_then_delivered_on_backoff_schedule(ctx: Context, receiver: Receiver) -> None:
    ctx = tuned(ctx)
    clock = ctx.clock
    assert isinstance(clock, FrozenClock)
    receiver.statuses = [500, 503]
    mid = put(ctx, "webhook", receiver.url)
    assert deliver_due(ctx).retried == 1
    assert row(ctx, mid)["next_attempt_at"] == clock.now() + timedelta(minutes=1)
    clock.advance(timedelta(seconds=59))
    assert deliver_due(ctx).claimed == 0  # not due yet
    clock.advance(timedelta(seconds=1))
    assert deliver_due(ctx).retried == 1
    assert row(ctx, mid)["next_attempt_at"] == clock.now() + timedelta(minutes=2)
    clock.advance(timedelta(minutes=2))
    assert deliver_due(ctx).delivered == 1
    stored = row(ctx, mid)
    assert (stored["status"], stored["attempts"]) == ("delivered", 3)
    assert {r.headers["X-LeadFlow-Message-Id"] for r in receiver.requests} == {mid}
    assert len(receiver.requests) == 3


def test_permanent_failure_goes_dead_after_max_attempts_and_can_be_retried(
    ctx: Context, receiver: Receiver
) -> None:
    ctx = tuned(ctx, notify_max_attempts=3)
    clock = ctx.clock
    assert isinstance(clock, FrozenClock)
    receiver.always = 500
    mid = put(ctx, "webhook", receiver.url)
    for _ in range(5):
        deliver_due(ctx)
        clock.advance(timedelta(hours=1))
    stored = row(ctx, mid)
    assert (stored["status"], stored["attempts"]) == ("dead", 3)
    assert "HTTP 500" in stored["last_error"] and len(receiver.requests) == 3
    assert [m.message_id for m in list_messages(ctx, status="dead")] == [mid]
    receiver.always = None
    assert retry(ctx, all_dead=True) == 1
    assert deliver_due(ctx).delivered == 1


def test_client_error_is_dead_at_once(sqlite_ctx: Context, receiver: Receiver) -> None:
    ctx = tuned(sqlite_ctx)
    receiver.always = 404
    mid = put(ctx, "webhook", receiver.url)
    assert deliver_due(ctx).dead == 1
    assert row(ctx, mid)["attempts"] == 1


def test_webhook_without_secret_is_not_sent_unsigned(sqlite_ctx: Context, receiver: Receiver) -> None:
    ctx = tuned(sqlite_ctx, webhook_secret=None)
    mid = put(ctx, "webhook", receiver.url)
    report = deliver_due(ctx)
    assert report.retried == 1 and not receiver.requests
    assert "LEADFLOW_WEBHOOK_SECRET" in row(ctx, mid)["last_error"]


def test_slack_webhook_gets_text(sqlite_ctx: Context, receiver: Receiver) -> None:
    ctx = tuned(sqlite_ctx)
    put(ctx, "slack", receiver.url, text="SLA breached for ada@example.com")
    assert deliver_due(ctx).delivered == 1
    assert receiver.requests[0].json() == {"text": "*New MQL*\nSLA breached for ada@example.com"}


def test_email_goes_through_a_real_smtp_server(sqlite_ctx: Context, smtp_server: tuple[Mailbox, int]) -> None:
    ctx = sqlite_ctx  # engine-independent logic: one store is enough
    box, port = smtp_server
    ctx = tuned(ctx, smtp_port=port, smtp_sender="leadflow@example.com")
    mid = put(ctx, "email", "rep@example.com", text="Ada Lovelace is your new MQL")
    assert deliver_due(ctx).delivered == 1
    [mail] = box.messages
    assert mail["to"] == ["rep@example.com"] and mail["from"] == "leadflow@example.com"
    assert "Subject: New MQL" in mail["data"] and f"<{mid}@leadflow>" in mail["data"]
    assert "Ada Lovelace is your new MQL" in mail["data"]


def test_smtp_server_down_is_retried(sqlite_ctx: Context) -> None:
    from notify_endpoints import free_port

    ctx = tuned(sqlite_ctx, smtp_port=free_port(), notify_timeout=2)
    mid = put(ctx, "email", "rep@example.com")
    assert deliver_due(ctx).retried == 1
    assert row(ctx, mid)["status"] == "pending" and "SMTP" in row(ctx, mid)["last_error"]


def test_many_messages_in_chunks_with_concurrency(sqlite_ctx: Context, receiver: Receiver) -> None:
    ctx = tuned(sqlite_ctx, notify_concurrency=4)
    ids = {put(ctx, "webhook", receiver.url, n=i) for i in range(230)}
    report = deliver_due(ctx, limit=200)
    assert (report.claimed, report.delivered) == (200, 200)
    assert deliver_due(ctx).delivered == 30
    assert {r.headers["X-LeadFlow-Message-Id"] for r in receiver.requests} == ids


def test_enqueue_many_writes_every_message_or_none(sqlite_ctx: Context) -> None:
    from leadflow.notify.outbox import enqueue_many

    msgs = [
        {
            "event": "e",
            "channel": "email",
            "recipient": f"r{i}@example.com",
            "subject": None,
            "payload": {"i": i},
        }
        for i in range(5)
    ]
    with transaction(sqlite_ctx.engine) as conn:
        ids = enqueue_many(conn, sqlite_ctx, msgs)
    assert ids == sorted(ids) and len(set(ids)) == 5
    with pytest.raises(InvalidInput), transaction(sqlite_ctx.engine) as conn:
        enqueue_many(conn, sqlite_ctx, [*msgs, {**msgs[0], "channel": "fax"}])
    assert count_by_status(sqlite_ctx)["pending"] == 5


def test_two_workers_at_once_never_send_a_message_twice(ctx: Context, receiver: Receiver) -> None:
    import threading

    ctx = tuned(ctx, notify_concurrency=2)
    ids = {put(ctx, "webhook", receiver.url, n=i) for i in range(120)}
    reports = []

    def work() -> None:
        reports.append(deliver_due(ctx, limit=1000))

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    sent = [r.headers["X-LeadFlow-Message-Id"] for r in receiver.requests]
    assert sorted(sent) == sorted(ids)  # each exactly once: claims under a lease do not overlap
    assert sum(r.delivered for r in reports) == 120
