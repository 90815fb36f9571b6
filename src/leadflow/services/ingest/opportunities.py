"""Importing opportunities: status from the stage, owner and account links, contacts and their history."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from leadflow.domain.lifecycle import find_transition, skipped_stages
from leadflow.services.ingest.references import account_caches, person_caches
from leadflow.services.ingest.rows import Record, Rejection
from leadflow.services.ingest.upsert import upsert_rows
from leadflow.services.ingest.writer import Writer, link, tally
from leadflow.store.history import write_stage_change
from leadflow.store.tables import opportunities, opportunity_contacts, persons

COLUMNS = ("external_id", "name", "product", "stage", "status", "amount", "lost_reason", "sourced_by")
COMMITTEE_ROLES = ("decision_maker", "recommender", "influencer", "user")


def status_of(stage: str) -> str:
    """open, won or lost from a CRM stage name when the mapping gives no status map."""
    text = stage.lower().replace("_", " ")
    if "won" in text.split() or text.endswith("won"):
        return "won"
    if "lost" in text.split() or text.endswith("lost"):
        return "lost"
    return "open"


class OpportunityWriter(Writer):
    """Opportunities upserted by external id; contacts linked and their history extended (source import)."""

    kind = "opportunities"

    def write(self, conn: Connection, records: list[Record]) -> tuple[Counter[str], list[Rejection]]:
        owners = self.owners(conn)
        acc_ext, _, acc_name = account_caches()
        acc_ext.load(conn, (r.values.get("account") for r in records))
        acc_name.load(conn, (r.values.get("account_name") or r.values.get("account") for r in records))
        by_ext, by_email = person_caches()
        refs = [c for r in records for c in (r.values.get("contacts") or [])]
        by_ext.load(conn, refs)
        by_email.load(conn, (c.lower() for c in refs if "@" in c))
        rows, contact_ids = [], []
        for rec in records:
            v = rec.values
            props = dict(rec.properties)
            row: dict[str, Any] = {c: v[c] for c in COLUMNS if v.get(c) is not None}
            row["status"] = v.get("status") or status_of(str(v["stage"]))
            account = v.get("account")
            found = acc_ext.get(account) or acc_name.get(v.get("account_name") or account)
            row["account_id"] = link(props, "account", v.get("account_name") or account, found)
            row["owner_id"] = link(props, "owner", v.get("owner"), owners.find(v.get("owner")))
            close = v.get("closed_at") or v.get("close_date")
            if row["status"] == "open":
                row["expected_close"] = v.get("expected_close") or v.get("close_date")
            else:
                row["closed_at"] = close
                row["expected_close"] = v.get("expected_close")
            if row["status"] == "lost" and row.get("amount") == 0:
                row["amount"] = None  # lost deals often carry 0 for "no value recorded"
            if v.get("created_at") is None:
                props["created_at_unknown"] = True
            row["created_at"] = v.get("created_at") or self.now
            row["updated_at"] = self.now
            people = [
                p for p in (by_ext.get(c) or by_email.get(c.lower()) for c in v.get("contacts") or []) if p
            ]
            unknown = [c for c in v.get("contacts") or [] if not (by_ext.get(c) or by_email.get(c.lower()))]
            if unknown:
                props["contacts_ref"] = unknown
            row["person_id"] = people[0] if people else None
            row["properties"] = props
            rows.append(row)
            contact_ids.append(people)
        outcomes = upsert_rows(
            conn, opportunities, rows, [("external_id", False), ("name", True)], self.now, first_key_only=True
        )
        self._contacts(conn, outcomes, rows, contact_ids)
        return tally(outcomes), []

    def _contacts(
        self,
        conn: Connection,
        outcomes: list[tuple[int, str]],
        rows: list[dict[str, Any]],
        contact_ids: list[list[int]],
    ) -> None:
        pairs = {
            (opp_id, pid) for (opp_id, _), people in zip(outcomes, contact_ids, strict=True) for pid in people
        }
        if not pairs:
            return
        have = {
            (int(o), int(p))
            for o, p in conn.execute(
                select(opportunity_contacts.c.opportunity_id, opportunity_contacts.c.person_id).where(
                    opportunity_contacts.c.opportunity_id.in_({o for o, _ in pairs})
                )
            )
        }
        roles = {
            int(p): r
            for p, r in conn.execute(
                select(persons.c.id, persons.c.committee_role).where(persons.c.id.in_({p for _, p in pairs}))
            )
        }
        new = [
            {
                "opportunity_id": o,
                "person_id": p,
                "role": roles.get(p) if roles.get(p) in COMMITTEE_ROLES else "influencer",
            }
            for o, p in sorted(pairs - have)
        ]
        if new:
            conn.execute(insert(opportunity_contacts), new)
        # only the primary contact (the lead the deal was converted from) moves through the funnel; the other
        # contacts are the buying committee: linked in opportunity_contacts, not counted as conversions
        steps = [
            (row["created_at"], people[0], row)
            for row, people in zip(rows, contact_ids, strict=True)
            if people
        ]
        for _, pid, row in sorted(steps, key=lambda s: (s[0], s[1])):
            self._advance(conn, pid, row)

    def _advance(self, conn: Connection, person_id: int, opp: dict[str, Any]) -> None:
        """Move the contact to opportunity at the deal's creation, then customer (won) or recycled (lost)."""
        pb = self.ctx.playbook.model
        ids, funnel = pb.stage_ids(), pb.funnel_stages()
        if "opportunity" not in funnel:
            return
        stage, entered, version = conn.execute(
            select(persons.c.stage, persons.c.stage_entered_at, persons.c.version).where(
                persons.c.id == person_id
            )
        ).one()
        plan: list[tuple[str, datetime | None, str | None]] = [("opportunity", opp["created_at"], None)]
        if opp["status"] == "won" and "customer" in ids:
            plan.append(("customer", opp.get("closed_at"), None))
        elif opp["status"] == "lost" and "recycled" in ids:
            plan.append(("recycled", opp.get("closed_at"), opp.get("lost_reason")))
        for target, at, reason in plan:
            if at is None or at < entered or stage == target:
                continue
            if target == "opportunity" and not (
                stage in funnel and funnel.index(stage) < funnel.index(target)
            ):
                continue
            if target != "opportunity" and stage != "opportunity":
                continue
            t = find_transition(pb, stage, target)
            write_stage_change(
                conn,
                person_id=person_id,
                from_stage=stage,
                to_stage=target,
                at=at,
                actor="import",
                actor_role="system",
                playbook_version=self.ctx.playbook.version,
                expected_version=version,
                transition=t.name if t else None,
                reason=reason,
                fields={"lost_reason": reason} if reason else None,
                skipped=skipped_stages(pb, stage, target) or None,
                source="import",
            )
            stage, entered, version = target, at, version + 1
            self.extra["stage_changes"] += 1
