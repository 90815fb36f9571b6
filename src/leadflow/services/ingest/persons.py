"""Importing persons: dedupe by external id then email, account by id or email domain, persona, history.

New persons are written set-based, with exactly the rows `lifecycle.create_person_in` plus
`history.write_stage_change(source="import")` would write: the person, one stage change per step
(the first from None with transition "create") and one stage entry per stage.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from leadflow.domain.lifecycle import find_transition, skipped_stages
from leadflow.playbook.schema import Playbook
from leadflow.services.ingest.identity import email_domain
from leadflow.services.ingest.references import account_caches
from leadflow.services.ingest.rows import Record, Rejection
from leadflow.services.ingest.upsert import upsert_rows
from leadflow.services.ingest.writer import Writer, link, tally
from leadflow.store.history import write_stage_change
from leadflow.store.tables import persons, stage_changes, stage_entries

COLUMNS = (
    "external_id",
    "email",
    "first_name",
    "last_name",
    "title",
    "phone",
    "country",
    "region",
    "source_channel",
    "sourced_by",
    "do_not_contact",
)
ACTOR = "import"


def stage_chain(
    pb: Playbook, final: str | None, dates: dict[str, datetime], start: datetime
) -> list[tuple[str, datetime]]:
    """The history an import implies: initial stage, each dated stage in time order, then the final one."""
    initial = pb.initial_stage()
    order = {s: i for i, s in enumerate(pb.stage_ids())}
    chain = [(initial, min([start, *dates.values()]))]
    for at, _, stage in sorted((at, order.get(s, 99), s) for s, at in dates.items() if s != initial):
        if stage != chain[-1][0]:
            chain.append((stage, max(at, chain[-1][1])))
    if final is not None and final != chain[-1][0]:
        chain.append((final, chain[-1][1]))
    return chain


Steps = dict[tuple[str, str], tuple[str | None, list[str] | None]]


def _step(pb: Playbook, previous: str, stage: str, cache: Steps) -> tuple[str | None, list[str] | None]:
    """The transition name and skipped stages of one move (memoised per import: imports repeat moves)."""
    hit = cache.get((previous, stage))
    if hit is None:
        t = find_transition(pb, previous, stage)
        hit = cache[(previous, stage)] = (
            t.name if t is not None else None,
            skipped_stages(pb, previous, stage) or None,
        )
    return hit[0], list(hit[1]) if hit[1] else None


def history_rows(
    pb: Playbook,
    version: str,
    person_id: int,
    chain: list[tuple[str, datetime]],
    previous: str | None = None,
    cache: Steps | None = None,
) -> list[dict[str, Any]]:
    """Stage change rows for a chain, shaped as write_stage_change writes them (source import)."""
    cache = {} if cache is None else cache
    rows: list[dict[str, Any]] = []
    for stage, at in chain:
        if previous is None:
            transition: str | None = "create"
            skipped = None
        else:
            transition, skipped = _step(pb, previous, stage, cache)
        rows.append(
            {
                "person_id": person_id,
                "from_stage": previous,
                "to_stage": stage,
                "at": at,
                "transition": transition,
                "actor": ACTOR,
                "actor_role": "system",
                "reason": None,
                "note": None,
                "fields": {},
                "skipped": skipped,
                "playbook_version": version,
                "source": "import",
            }
        )
        previous = stage
    return rows


def entry_rows(person_id: int, chain: list[tuple[str, datetime]]) -> list[dict[str, Any]]:
    """One stage_entries row per stage of the chain: first and last entry and how many times."""
    seen: dict[str, dict[str, Any]] = {}
    for stage, at in chain:
        entry = seen.get(stage)
        if entry is None:
            seen[stage] = {
                "person_id": person_id,
                "stage": stage,
                "first_entered_at": at,
                "last_entered_at": at,
                "times": 1,
            }
        else:
            entry["last_entered_at"], entry["times"] = at, entry["times"] + 1
    return list(seen.values())


class PersonWriter(Writer):
    """Persons with their imported stage history; existing persons get only newer history appended."""

    kind = "persons"
    stage_column = "stage"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.steps: Steps = {}

    def check(self, record: Record) -> list[Rejection]:
        stage = record.values.get("stage")
        if stage is not None and stage not in self.ctx.playbook.model.stage_ids():
            return [
                Rejection(record.row, self.stage_column, str(stage), f"unknown stage {stage!r}", record.raw)
            ]
        return []

    def _dedupe(self, records: list[Record]) -> tuple[list[Record], int]:
        merged: list[Record] = []
        index: dict[tuple[str, Any], int] = {}
        duplicates = 0
        for rec in records:
            keys = [(k, rec.values[k]) for k in ("external_id", "email") if rec.values.get(k) is not None]
            hit = next((index[k] for k in keys if k in index), None)
            if hit is None:
                hit = len(merged)
                merged.append(
                    Record(rec.row, dict(rec.values), dict(rec.properties), dict(rec.stage_dates), rec.raw)
                )
            else:
                duplicates += 1
                target = merged[hit]
                target.values.update({k: v for k, v in rec.values.items() if v is not None})
                target.properties.update(rec.properties)
                target.stage_dates.update(rec.stage_dates)
            for k in keys:
                index[k] = hit
        return merged, duplicates

    def write(self, conn: Connection, records: list[Record]) -> tuple[Counter[str], list[Rejection]]:
        pb, version = self.ctx.playbook.model, self.ctx.playbook.version
        records, duplicates = self._dedupe(records)
        owners = self.owners(conn)
        by_ext, by_domain, by_name = account_caches()
        by_ext.load(conn, (r.values.get("account") for r in records))
        by_name.load(conn, (r.values.get("account_name") for r in records))
        domains = {
            r.values["email"]: email_domain(r.values.get("email")) for r in records if r.values.get("email")
        }
        by_domain.load(conn, (d for d in domains.values() if not self.identity.is_free_mail(d)))
        rows, chains = [], []
        for rec in records:
            v = rec.values
            props = dict(rec.properties)
            row: dict[str, Any] = {c: v[c] for c in COLUMNS if v.get(c) is not None}
            domain = domains.get(v.get("email") or "")
            account_id = by_ext.get(v.get("account")) or by_name.get(v.get("account_name"))
            if account_id is None and domain and not self.identity.is_free_mail(domain):
                account_id = by_domain.get(domain)
            row["account_id"] = link(props, "account", v.get("account") or v.get("account_name"), account_id)
            row["persona"], row["committee_role"] = self.identity.persona(v.get("title"))
            row["owner_id"] = link(props, "owner", v.get("owner"), owners.find(v.get("owner")))
            created = v.get("created_at") or (min(rec.stage_dates.values()) if rec.stage_dates else self.now)
            chain = stage_chain(pb, v.get("stage"), rec.stage_dates, created)
            row.update(
                properties=props,
                created_at=created,
                stage=chain[-1][0],
                stage_entered_at=chain[-1][1],
                updated_at=chain[-1][1],
                version=len(chain),
            )
            rows.append(row)
            chains.append(chain)
        outcomes = upsert_rows(conn, persons, rows, [("external_id", False), ("email", False)], self.now)
        changes: list[dict[str, Any]] = []
        entries: list[dict[str, Any]] = []
        existing: dict[int, list[tuple[str, datetime]]] = {}
        for (person_id, outcome), chain in zip(outcomes, chains, strict=True):
            if outcome == "inserted":
                changes += history_rows(pb, version, person_id, chain, cache=self.steps)
                entries += entry_rows(person_id, chain)
            else:
                existing[person_id] = chain
        if changes:
            conn.execute(insert(stage_changes), changes)
            conn.execute(insert(stage_entries), entries)
            self.extra["stage_changes"] += len(changes)
        counts = tally(outcomes)
        counts["updated"] += duplicates
        counts.update(self._append_history(conn, existing))
        return counts, []

    def _append_history(
        self, conn: Connection, chains: dict[int, list[tuple[str, datetime]]]
    ) -> Counter[str]:
        """Append the steps of the imported history that are newer than what the store already has."""
        counts: Counter[str] = Counter()
        if not chains:
            return counts
        state = {
            r[0]: r
            for r in conn.execute(
                select(persons.c.id, persons.c.stage, persons.c.stage_entered_at, persons.c.version).where(
                    persons.c.id.in_(list(chains))
                )
            )
        }
        pb = self.ctx.playbook.model
        for person_id, chain in chains.items():
            _, stage, entered, version = state[person_id]
            newer = [(s, at) for s, at in chain if at > entered]
            wrote = False
            for target, at in newer:
                if target == stage:
                    continue
                t = find_transition(pb, stage, target)
                write_stage_change(
                    conn,
                    person_id=person_id,
                    from_stage=stage,
                    to_stage=target,
                    at=at,
                    actor=ACTOR,
                    actor_role="system",
                    playbook_version=self.ctx.playbook.version,
                    expected_version=version,
                    transition=t.name if t else None,
                    skipped=skipped_stages(pb, stage, target) or None,
                    source="import",
                )
                stage, version, wrote = target, version + 1, True
                self.extra["stage_changes"] += 1
            if wrote:
                counts["history_appended"] += 1
        return counts
