"""Fixtures of the notification tests (real HTTP and SMTP endpoints on 127.0.0.1)."""

from notify_endpoints import receiver, smtp_server

__all__ = ["receiver", "smtp_server"]
