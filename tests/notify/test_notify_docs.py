"""The receiver's verification example in docs/notifications.md works on what LeadFlow really sends."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from leadflow.notify.channels import Message, webhook_body
from leadflow.notify.signing import MESSAGE_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

DOC = Path(__file__).resolve().parents[2] / "docs" / "notifications.md"


def test_documented_receiver_check_accepts_a_real_message_and_refuses_forgery_and_replay() -> None:
    text = DOC.read_text(encoding="utf-8")
    snippet = next(b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "def verify" in b)
    scope: dict[str, Any] = {}
    exec(snippet, scope)  # the documented code, verbatim
    verify = scope["verify"]
    now = int(time.time())
    msg = Message(
        1,
        "019c0000-0000-7000-8000-000000000001",
        "person.assigned",
        "webhook",
        "http://x",
        None,
        {"person_id": 42},
        1,
        datetime.now(UTC),
    )
    body = webhook_body(msg, now)
    headers = {
        SIGNATURE_HEADER: sign("s3cret", body),
        TIMESTAMP_HEADER: str(now),
        MESSAGE_ID_HEADER: msg.message_id,
    }
    seen: set[str] = set()
    assert verify("s3cret", body, headers, seen)["data"] == {"person_id": 42}
    assert verify("s3cret", body, headers, seen) == {}  # the same id again: deduplicated
    with pytest.raises(ValueError, match="signature"):
        verify("wrong", body, headers, set())
    old = webhook_body(msg, now - 3600)
    stale = {**headers, SIGNATURE_HEADER: sign("s3cret", old), TIMESTAMP_HEADER: str(now - 3600)}
    with pytest.raises(ValueError, match="stale"):
        verify("s3cret", old, stale, set())
