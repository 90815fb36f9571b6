"""Importing users (reps, managers, marketers): placeholder emails, managers by name, capacities and hours."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Connection, select, update

from leadflow.playbook.schema import ROLES
from leadflow.services.ingest.references import Owners
from leadflow.services.ingest.rows import Record, Rejection
from leadflow.services.ingest.upsert import upsert_rows
from leadflow.services.ingest.values import slug
from leadflow.services.ingest.writer import Writer, tally
from leadflow.store.tables import users

TEAMS = ("marketing", "sales", "ops")
COLUMNS = (
    "external_id",
    "name",
    "email",
    "team",
    "role",
    "sales_team",
    "region",
    "timezone",
    "work_days",
    "work_start",
    "work_end",
    "max_open_mqls",
    "max_new_per_day",
    "routing_weight",
    "active",
)
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def placeholder_email(name: str, company: str) -> str:
    """A stable address for a user without one: firstname.lastname@<company>.invalid (never deliverable)."""
    local = ".".join(p for p in (slug(part) for part in name.split()) if p) or "user"
    return f"{local}@{slug(company) or 'company'}.invalid"


class UserWriter(Writer):
    """Users, upserted by external id then email; managers linked by name or email after the whole file."""

    kind = "users"

    def check(self, record: Record) -> list[Rejection]:
        v, problems = record.values, []
        for name, allowed in (("team", TEAMS), ("role", ROLES)):
            if v.get(name) is not None and v[name] not in allowed:
                problems.append(
                    Rejection(
                        record.row,
                        name,
                        v[name],
                        f"unknown {name} {v[name]!r} (use one of {', '.join(allowed)})",
                        record.raw,
                    )
                )
        if v.get("timezone"):
            try:
                ZoneInfo(v["timezone"])
            except (ZoneInfoNotFoundError, ValueError):
                problems.append(
                    Rejection(
                        record.row,
                        "timezone",
                        v["timezone"],
                        f"unknown time zone {v['timezone']!r} (use an IANA name such as Europe/Berlin)",
                        record.raw,
                    )
                )
        for name in ("work_start", "work_end"):
            if v.get(name) and not HHMM.match(v[name]):
                problems.append(
                    Rejection(
                        record.row, name, v[name], f"{v[name]!r} is not a time (write HH:MM)", record.raw
                    )
                )
        return problems

    def write(self, conn: Connection, records: list[Record]) -> tuple[Counter[str], list[Rejection]]:
        company = str(self.options.get("company") or "leadflow")
        rows: list[dict[str, Any]] = []
        for rec in records:
            v = rec.values
            row: dict[str, Any] = {c: v[c] for c in COLUMNS if v.get(c) is not None}
            props = dict(rec.properties)
            if not row.get("email"):
                row["email"] = placeholder_email(v["name"], company)
                props["email_placeholder"] = True
            row.setdefault("team", str(self.options.get("team") or "sales"))
            row.setdefault("role", str(self.options.get("role") or "sales"))
            if v.get("manager") is not None:
                props["manager_ref"] = v["manager"]
            row["properties"] = props
            row["created_at"] = self.now
            rows.append(row)
        outcomes = upsert_rows(conn, users, rows, [("external_id", False), ("email", True)], self.now)
        return tally(outcomes), []

    def finish(self, conn: Connection) -> None:
        """Link each user to their manager (by name or email) once every user of the file exists."""
        owners = Owners(conn)
        for uid, props, manager_id in conn.execute(
            select(users.c.id, users.c.properties, users.c.manager_id)
        ).all():
            ref = (props or {}).get("manager_ref")
            found = owners.find(str(ref)) if ref else None
            if found is not None and found != uid and found != manager_id:
                conn.execute(update(users).where(users.c.id == uid).values(manager_id=found))
