"""HMAC-SHA256 webhook signatures: how LeadFlow signs a body and how a receiver checks it."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass

SIGNATURE_HEADER = "X-LeadFlow-Signature"
MESSAGE_ID_HEADER = "X-LeadFlow-Message-Id"
EVENT_HEADER = "X-LeadFlow-Event"
TIMESTAMP_HEADER = "X-LeadFlow-Timestamp"
DEFAULT_TOLERANCE = 300  # seconds a receiver accepts between the signed timestamp and its own clock


def sign(secret: str, body: bytes) -> str:
    """The signature header value for a raw body: 'sha256=' and the hex HMAC-SHA256 digest."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


@dataclass(frozen=True)
class Verdict:
    """Whether a received webhook is authentic and fresh, and why not."""

    ok: bool
    reason: str = ""


def verify(
    secret: str, body: bytes, headers: Mapping[str, str], *, now: float, tolerance: int = DEFAULT_TOLERANCE
) -> Verdict:
    """Check a received webhook: signature over the raw body, and a fresh timestamp that the body repeats."""
    lowered = {k.lower(): v for k, v in headers.items()}
    given = lowered.get(SIGNATURE_HEADER.lower(), "")
    if not hmac.compare_digest(given, sign(secret, body)):
        return Verdict(False, "bad signature")
    try:
        stamp = int(lowered.get(TIMESTAMP_HEADER.lower(), ""))
        document = json.loads(body)
    except ValueError:
        return Verdict(False, "missing timestamp or body is not JSON")
    if not isinstance(document, dict) or document.get("timestamp") != stamp:
        return Verdict(False, "timestamp header does not match the signed body")
    if abs(now - stamp) > tolerance:
        return Verdict(False, "stale timestamp (possible replay)")
    if document.get("id") != lowered.get(MESSAGE_ID_HEADER.lower()):
        return Verdict(False, "message id header does not match the signed body")
    return Verdict(True)
