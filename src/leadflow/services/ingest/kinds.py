"""What each kind of record can hold: target fields, their types and size limits, and which are required."""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("accounts", "persons", "activities", "campaigns", "assets", "opportunities", "users")


@dataclass(frozen=True)
class Target:
    """One field a source column can fill: a type name and, for text, the longest value the store keeps."""

    type: str  # text, email, domain, int, float, datetime, bool, ref, refs, slug, stage, status
    max_len: int | None = None


_PERSON = {
    "external_id": Target("text", 120),
    "email": Target("email", 320),
    "first_name": Target("text", 120),
    "last_name": Target("text", 120),
    "title": Target("text", 300),
    "phone": Target("text", 60),
    "country": Target("text", 80),
    "region": Target("text", 80),
    "account": Target("ref", 120),
    "account_name": Target("ref", 300),
    "owner": Target("ref", 320),
    "source_channel": Target("slug", 60),
    "sourced_by": Target("slug", 20),
    "stage": Target("stage", 40),
    "do_not_contact": Target("bool"),
    "created_at": Target("datetime"),
}

FIELDS: dict[str, dict[str, Target]] = {
    "accounts": {
        "external_id": Target("text", 120),
        "name": Target("text", 300),
        "domain": Target("domain", 255),
        "industry": Target("slug", 120),
        "employees": Target("int"),
        "annual_revenue": Target("float"),
        "country": Target("text", 80),
        "region": Target("text", 80),
        "owner": Target("ref", 320),
        "parent": Target("ref", 300),
        "created_at": Target("datetime"),
    },
    "persons": _PERSON,
    "activities": {
        "person": Target("ref", 120),
        "person_id": Target("int"),
        "email": Target("email", 320),
        "type": Target("slug", 60),
        "occurred_at": Target("datetime"),
        "channel": Target("slug", 60),
        "campaign": Target("ref", 300),
        "asset": Target("ref", 120),
        "url": Target("text", 1000),
        "actor": Target("ref", 320),
        "event_id": Target("text", 200),
    },
    "campaigns": {
        "external_id": Target("text", 120),
        "name": Target("text", 300),
        "channel": Target("slug", 60),
        "kind": Target("text", 60),
        "cost": Target("float"),
        "started_at": Target("datetime"),
        "ended_at": Target("datetime"),
    },
    "assets": {
        "external_id": Target("text", 120),
        "name": Target("text", 300),
        "kind": Target("text", 60),
        "buyer_stage": Target("slug", 40),
        "provided_by": Target("slug", 40),
        "url": Target("text", 1000),
    },
    "opportunities": {
        "external_id": Target("text", 120),
        "name": Target("text", 300),
        "account": Target("ref", 120),
        "account_name": Target("ref", 300),
        "contacts": Target("refs", 2000),
        "owner": Target("ref", 320),
        "product": Target("text", 120),
        "stage": Target("text", 60),
        "status": Target("status", 10),
        "amount": Target("float"),
        "created_at": Target("datetime"),
        "close_date": Target("datetime"),
        "expected_close": Target("datetime"),
        "closed_at": Target("datetime"),
        "lost_reason": Target("text", 120),
        "sourced_by": Target("slug", 20),
    },
    "users": {
        "external_id": Target("text", 120),
        "name": Target("text", 200),
        "email": Target("email", 320),
        "team": Target("slug", 40),
        "role": Target("slug", 40),
        "manager": Target("ref", 320),
        "sales_team": Target("text", 80),
        "region": Target("text", 80),
        "timezone": Target("text", 64),
        "work_days": Target("text", 40),
        "work_start": Target("text", 5),
        "work_end": Target("text", 5),
        "max_open_mqls": Target("int"),
        "max_new_per_day": Target("int"),
        "routing_weight": Target("float"),
        "active": Target("bool"),
    },
}

# Fields that must be present on every row (in addition to what a mapping adds); tuples mean "one of".
REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    "accounts": (("name",),),
    "persons": (("external_id", "email"),),
    "activities": (("person", "email", "person_id"), ("type",), ("occurred_at",)),
    "campaigns": (("name",),),
    "assets": (("name",),),
    "opportunities": (("stage",),),
    "users": (("name",),),
}

OPPORTUNITY_STATUSES = ("open", "won", "lost")
