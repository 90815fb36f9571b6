"""Importing accounts: upsert by external id (else domain, else name), segment from the playbook."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import Connection, select, update

from leadflow.services.ingest.references import ids_by
from leadflow.services.ingest.rows import Record, Rejection
from leadflow.services.ingest.upsert import upsert_rows
from leadflow.services.ingest.writer import Writer, link, tally
from leadflow.store.tables import accounts

COLUMNS = ("external_id", "name", "domain", "industry", "employees", "annual_revenue", "country", "region")


class AccountWriter(Writer):
    """Accounts; owners by user email or name; parents resolved once the whole file is in."""

    kind = "accounts"

    def write(self, conn: Connection, records: list[Record]) -> tuple[Counter[str], list[Rejection]]:
        owners = self.owners(conn)
        rows: list[dict[str, Any]] = []
        for rec in records:
            v = rec.values
            props = dict(rec.properties)
            row: dict[str, Any] = {c: v[c] for c in COLUMNS if v.get(c) is not None}
            row["segment"] = self.identity.segment(v.get("employees"), v.get("annual_revenue"))
            row["owner_id"] = link(props, "owner", v.get("owner"), owners.find(v.get("owner")))
            if v.get("parent") is not None:
                props["parent_ref"] = v["parent"]
            row["properties"] = props
            row["created_at"] = v.get("created_at") or self.now
            row["updated_at"] = self.now
            rows.append(row)
        outcomes = upsert_rows(
            conn,
            accounts,
            rows,
            [("external_id", False), ("domain", False), ("name", True)],
            self.now,
            first_key_only=True,
        )
        return tally(outcomes), []

    def finish(self, conn: Connection) -> None:
        """Link subsidiaries to their parent (by external id or name); parent_ref stays as imported."""
        pending = conn.execute(
            select(accounts.c.id, accounts.c.properties).where(accounts.c.parent_id.is_(None))
        ).all()
        wanted = {
            (row_id, str(props["parent_ref"]))
            for row_id, props in pending
            if props and props.get("parent_ref")
        }
        if not wanted:
            return
        by_ext = ids_by(conn, accounts, accounts.c.external_id, [r for _, r in wanted])
        by_name = ids_by(conn, accounts, accounts.c.name, [r.lower() for _, r in wanted], lower=True)
        for row_id, ref in wanted:
            parent = by_ext.get(ref) or by_name.get(ref.lower())
            if parent is not None and parent != row_id:
                conn.execute(update(accounts).where(accounts.c.id == row_id).values(parent_id=parent))
