"""Importing activities: person by external id or email, time-ordered idempotency keys, bulk insert."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from leadflow.services import reaction_queue, reactions
from leadflow.services.ingest.bulk import ActivityRow, insert_activities
from leadflow.services.ingest.references import asset_cache, campaign_caches, ids_by, person_caches
from leadflow.services.ingest.rows import Record, Rejection
from leadflow.services.ingest.writer import Writer
from leadflow.services.lifecycle import create_person_in
from leadflow.store.tables import persons

# Activities newer than this (against the clock) are "live": they trigger rescoring and the other reactions.
LIVE_WINDOW = timedelta(days=7)
ACTIVITY_TYPES = {
    "page_viewed": "page_view",
    "pageview": "page_view",
    "page_visit": "page_view",
    "form_submission": "form_submit",
    "form_submitted": "form_submit",
    "form_fill": "form_submit",
    "email_clicked": "email_click",
    "marketing_email_click": "email_click",
    "email_opened": "email_open",
    "marketing_email_open": "email_open",
    "download": "content_download",
    "content_downloaded": "content_download",
    "webinar": "webinar_attended",
    "webinar_attendance": "webinar_attended",
    "event": "event_attended",
    "event_attendance": "event_attended",
    "demo_requested": "demo_request",
    "email_sent": "email_sent",
    "sales_email": "email_sent",
    "email": "email_sent",
    "logged_call": "call",
    "phone_call": "call",
    "meeting_booked": "meeting",
    "unsubscribed": "unsubscribe",
}


def activity_key(at: datetime, event_id: str | None, details: str) -> str:
    """Time-prefixed idempotency key: the event id, else a hash of person, type and details."""
    prefix = f"{round(at.timestamp() * 1_000_000):014x}"  # microseconds since 1970 in hex: sorts by time
    if event_id:
        if len(event_id) <= 58 and event_id.isprintable():
            return f"{prefix}-{event_id}"
        return f"{prefix}-e{hashlib.sha256(event_id.encode()).hexdigest()[:40]}"
    return f"{prefix}-h{hashlib.sha256(details.encode()).hexdigest()[:40]}"


class ActivityWriter(Writer):
    """Activities, idempotent by key; an unknown person with an email becomes a new lead, else rejected."""

    kind = "activities"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.by_ext, self.by_email = person_caches()
        self.campaign_ext, self.campaign_name = campaign_caches()
        self.assets = asset_cache()
        self.person_column = "person"
        self.live_after = self.now - LIVE_WINDOW
        self.known_ids: set[int] = set()
        self.last_keys: list[
            tuple[int, str]
        ] = []  # (row, key) of the last batch's rows, for per-record results
        self.last_accepted: set[str] = set()
        self.track = False  # keep (row, key) per record: ingest_activities reports per record
        # who creates a lead first seen in an activity: an import (history) or the live engine (API)
        self.person_actor, self.person_source = "import", "import"
        self.defer = False  # queue the reactions for the drainer instead of running them in this transaction

    def _person(self, conn: Connection, rec: Record) -> int | None:
        v = rec.values
        if v.get("person_id") is not None:
            return int(v["person_id"]) if int(v["person_id"]) in self.known_ids else None
        found = self.by_ext.get(v.get("person")) or self.by_email.get(v.get("email"))
        if found is not None or not v.get("email"):
            return found
        values = {
            "email": v["email"],
            "external_id": v.get("person"),
            "source_channel": v.get("channel"),
            "properties": {},
        }
        try:
            with conn.begin_nested():
                person_id = create_person_in(
                    conn,
                    self.ctx,
                    values,
                    at=v["occurred_at"],
                    actor=self.person_actor,
                    source=self.person_source,
                )
        except IntegrityError:  # someone created this person a moment ago (concurrent API requests)
            again = ids_by(conn, persons, persons.c.email, [v["email"]]).get(v["email"])
            if again is None:
                raise
            self.by_email.put(v["email"], again)
            return again
        self.by_email.put(v["email"], person_id)
        if v.get("person"):
            self.by_ext.put(v["person"], person_id)
        self.extra["persons_created"] += 1
        return person_id

    def write(self, conn: Connection, records: list[Record]) -> tuple[Counter[str], list[Rejection]]:
        self.by_ext.load(conn, {r.values.get("person") for r in records})
        self.by_email.load(conn, {r.values.get("email") for r in records})
        self.campaign_ext.load(conn, {r.values.get("campaign") for r in records})
        self.campaign_name.load(conn, {r.values.get("campaign") for r in records})
        self.assets.load(conn, {r.values.get("asset") for r in records})
        given_ids = {int(r.values["person_id"]) for r in records if r.values.get("person_id") is not None}
        if given_ids:
            self.known_ids |= set(ids_by(conn, persons, persons.c.id, given_ids).values())
        owners = self.owners(conn) if any(r.values.get("actor") for r in records) else None
        rows: list[ActivityRow] = []
        people: dict[str, tuple[int, datetime]] = {}
        rejections: list[Rejection] = []
        self.last_keys = []
        ext_get = self.by_ext.known.get
        types = ACTIVITY_TYPES
        last_keys = self.last_keys
        track = self.track or self.react != "never"
        for rec in records:
            v = rec.values
            ref = v.get("person")
            person_id = ext_get(ref) if ref is not None else None
            if person_id is None:
                person_id = self._person(conn, rec)
                if person_id is None:
                    ref = ref if v.get("person_id") is None else v["person_id"]
                    rejections.append(
                        Rejection(
                            rec.row,
                            self.person_column,
                            ref,
                            f"unknown person {ref!r} (import the persons first, or give an Email)",
                            rec.raw,
                        )
                    )
                    continue
            at: datetime = v["occurred_at"]
            kind = types.get(v["type"], v["type"])
            campaign, asset, url, channel = v.get("campaign"), v.get("asset"), v.get("url"), v.get("channel")
            campaign_id = asset_id = None
            props = rec.properties or None
            if campaign is not None or asset is not None:
                campaign_id = self.campaign_ext.get(campaign) or self.campaign_name.get(campaign)
                asset_id = self.assets.get(asset)
                if (campaign is not None and campaign_id is None) or (asset is not None and asset_id is None):
                    props = dict(props or {})
                    if campaign_id is None and campaign is not None:
                        props["campaign_ref"] = campaign
                    if asset_id is None and asset is not None:
                        props["asset_ref"] = asset
            key = activity_key(
                at,
                v.get("event_id"),
                f"{ref or v.get('email')}\x1f{kind}\x1f"
                f"{url or ''}\x1f{campaign or ''}\x1f{asset or ''}\x1f{channel or ''}",
            )
            actor_id = owners.find(v.get("actor")) if owners is not None else None
            rows.append(
                (
                    key,
                    person_id,
                    kind,
                    channel,
                    campaign_id,
                    asset_id,
                    url,
                    at.replace(tzinfo=None),
                    actor_id,
                    props,
                )
            )
            if track:
                people[key] = (person_id, at)
                last_keys.append((rec.row, key))
        accepted = insert_activities(conn, rows)
        self.last_accepted = accepted
        if self.react != "never":
            self.react_to(conn, [people[k] for k in accepted])
        return Counter(inserted=len(accepted), unchanged=len(rows) - len(accepted)), rejections

    def react_to(self, conn: Connection, added: list[tuple[int, datetime]]) -> None:
        """Call the reactions for persons with new activities (all of them, only recent ones, or none)."""
        if self.react == "never" or not added:
            return
        ids = {pid for pid, at in added if self.react == "always" or at >= self.live_after}
        if ids and self.defer:
            reaction_queue.queue_in(conn, ids, self.ctx.clock.now())
            self.extra["persons_queued"] += len(ids)
        elif ids:
            reactions.on_activities(conn, self.ctx, sorted(ids))
            self.extra["persons_reacted"] += len(ids)
