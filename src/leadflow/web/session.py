"""Signed session cookies and CSRF tokens (no server-side session table needed)."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "leadflow_session"
MAX_AGE = 12 * 3600


@dataclass(frozen=True)
class SessionData:
    """What the cookie carries: the user and the CSRF token bound to this login."""

    user_id: int
    csrf: str


class SessionCodec:
    """Signs and reads the session cookie with the app's secret key."""

    def __init__(self, secret: str) -> None:
        self._s = URLSafeTimedSerializer(secret, salt="leadflow-session")

    def new(self, user_id: int) -> tuple[str, SessionData]:
        """A fresh cookie value and its data for a user who just logged in."""
        data = SessionData(user_id, secrets.token_urlsafe(24))
        return self._s.dumps({"u": data.user_id, "c": data.csrf}), data

    def read(self, value: str | None) -> SessionData | None:
        """The session in a cookie value, or None when missing, forged or expired."""
        if not value:
            return None
        try:
            raw = self._s.loads(value, max_age=MAX_AGE)
        except BadSignature:
            return None
        if not isinstance(raw, dict) or "u" not in raw or "c" not in raw:
            return None
        return SessionData(int(raw["u"]), str(raw["c"]))


def csrf_ok(expected: str, given: str | None) -> bool:
    """Constant-time comparison of the form's or header's token with the session's."""
    return bool(given) and hmac.compare_digest(expected, given or "")
