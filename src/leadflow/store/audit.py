"""The audit trail: who changed what, written in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert

from leadflow.store.tables import audit_log


def audit_in(
    conn: Connection,
    *,
    at: datetime,
    actor: str,
    action: str,
    object_type: str,
    object_id: object = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one audit row inside the caller's transaction."""
    conn.execute(
        insert(audit_log).values(
            at=at,
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=None if object_id is None else str(object_id),
            detail=detail or {},
        )
    )
