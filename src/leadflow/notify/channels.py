"""The three ways a message leaves LeadFlow: email (SMTP), a Slack-style webhook, a signed generic webhook."""

from __future__ import annotations

import json
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

import httpx

from leadflow.config import Settings
from leadflow.notify.signing import EVENT_HEADER, MESSAGE_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

# HTTP statuses worth another try; any other 4xx means the request itself is wrong (dead at once).
_RETRYABLE_4XX = frozenset({408, 409, 425, 429})


@dataclass(frozen=True)
class Message:
    """One outbox row as a channel sends it."""

    id: int
    message_id: str
    event: str
    channel: str
    recipient: str
    subject: str | None
    payload: Mapping[str, Any]
    attempts: int
    created_at: datetime


class SendFailed(Exception):
    """A try did not deliver; permanent failures skip the remaining retries."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


def render_text(message: Message) -> str:
    """The human-readable text of a message: the payload's `text`, else its fields one per line."""
    text = message.payload.get("text")
    if isinstance(text, str) and text:
        return text
    lines = [f"{key}: {value}" for key, value in message.payload.items()]
    return "\n".join(lines) or message.event


def webhook_body(message: Message, timestamp: int) -> bytes:
    """The exact bytes a generic webhook receives (and the signature covers)."""
    document = {
        "id": message.message_id,
        "event": message.event,
        "timestamp": timestamp,
        "created_at": message.created_at.isoformat(),
        "subject": message.subject,
        "data": message.payload,
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True, default=str).encode("utf-8")


def _check_response(response: httpx.Response) -> None:
    if 200 <= response.status_code < 300:
        return
    permanent = 400 <= response.status_code < 500 and response.status_code not in _RETRYABLE_4XX
    raise SendFailed(f"HTTP {response.status_code} from {response.request.url}", permanent=permanent)


def _post(client: httpx.Client, url: str, body: bytes, headers: dict[str, str]) -> None:
    try:
        response = client.post(url, content=body, headers={"Content-Type": "application/json", **headers})
    except httpx.HTTPError as exc:
        raise SendFailed(f"{type(exc).__name__}: {exc} ({url})") from None
    _check_response(response)


def send_email(settings: Settings, message: Message) -> None:
    """Send one email through settings.smtp_host:smtp_port; SMTP 5xx replies are permanent."""
    mail = EmailMessage()
    mail["From"] = settings.smtp_sender
    mail["To"] = message.recipient
    mail["Subject"] = message.subject or message.event
    mail["Message-ID"] = f"<{message.message_id}@leadflow>"
    mail[MESSAGE_ID_HEADER] = message.message_id
    mail[EVENT_HEADER] = message.event
    mail.set_content(render_text(message))
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.notify_timeout) as smtp:
            smtp.send_message(mail)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        raise SendFailed(
            f"SMTP refused {message.recipient}: {codes}", permanent=all(c >= 500 for c in codes)
        ) from None
    except smtplib.SMTPResponseException as exc:
        raise SendFailed(
            f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", permanent=exc.smtp_code >= 500
        ) from None
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        raise SendFailed(
            f"SMTP {settings.smtp_host}:{settings.smtp_port}: {type(exc).__name__}: {exc}"
        ) from None


def send_slack(client: httpx.Client, message: Message) -> None:
    """Post {"text": ...} to a Slack-compatible incoming webhook."""
    text = render_text(message)
    if message.subject:
        text = f"*{message.subject}*\n{text}"
    body = json.dumps({"text": text}).encode("utf-8")
    _post(
        client, message.recipient, body, {MESSAGE_ID_HEADER: message.message_id, EVENT_HEADER: message.event}
    )


def send_webhook(client: httpx.Client, settings: Settings, message: Message, now: datetime) -> None:
    """Post the JSON document signed with HMAC-SHA256 (LEADFLOW_WEBHOOK_SECRET) and a timestamp."""
    if not settings.webhook_secret:
        raise SendFailed("LEADFLOW_WEBHOOK_SECRET is not set; generic webhooks are always signed")
    timestamp = int(now.timestamp())
    body = webhook_body(message, timestamp)
    headers = {
        SIGNATURE_HEADER: sign(settings.webhook_secret, body),
        MESSAGE_ID_HEADER: message.message_id,
        EVENT_HEADER: message.event,
        TIMESTAMP_HEADER: str(timestamp),
    }
    _post(client, message.recipient, body, headers)


class Sender:
    """Sends messages over every channel with one pooled HTTP client; close it when done."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        timeout = httpx.Timeout(settings.notify_timeout)
        limits = httpx.Limits(max_connections=settings.notify_concurrency * 2)
        self.client = httpx.Client(timeout=timeout, limits=limits, follow_redirects=False)

    def send(self, message: Message, now: datetime) -> None:
        """Deliver one message or raise SendFailed."""
        match message.channel:
            case "email":
                send_email(self.settings, message)
            case "slack":
                send_slack(self.client, message)
            case "webhook":
                send_webhook(self.client, self.settings, message, now)
            case other:
                raise SendFailed(f"unknown channel {other!r}", permanent=True)

    def close(self) -> None:
        """Release pooled connections."""
        self.client.close()
