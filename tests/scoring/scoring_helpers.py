"""Scoring test helpers: a playbook exercising every rule feature, and writers for accounts and activities."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert

from leadflow.playbook import load_playbook
from leadflow.store.tables import accounts, activities, assets, campaigns

SCORING_YAML = """
scoring:
  free_mail_domains: [gmail.com, yahoo.com]
  fit:
    - {when: {segment: [mid_market, enterprise]}, points: 20, label: Mid-market or enterprise}
    - {when: {employees: [1, 199]}, points: 5, label: Small}
    - {when: {industry: [software, healthcare]}, points: 15, label: Target industry}
    - {when: {persona: economic_buyer}, points: 15, label: Economic buyer}
    - {when: {title: [student, intern]}, points: -30, label: Student}
    - {when: {email_domain: free_mail}, points: -20, label: Free mail}
    - {when: {properties.plan: pro, country: [de, fr]}, points: 7, label: Pro plan in DE/FR}
    - {when: {account.properties.tier: {min: 2, max: 3}}, points: 3, label: Tier 2-3}
  engagement:
    half_life: 30d
    lifespan: 180d
    rules:
      - {when: {type: form_submit, asset_stage: decision}, points: 30, cap: 45, label: Decision form}
      - {when: {type: form_submit}, points: 20, cap: 50, label: Form fill}
      - {when: {type: webinar_attended, campaign: [spring-webinar, "Autumn Webinar"]}, points: 15, label: Web}
      - {when: {type: page_view, url: "/pricing*"}, points: 10, cap: 25, per: 7d, label: Pricing page}
      - {when: {type: page_view, url: "/careers*"}, points: -10, cap: 15, label: Careers page}
      - {when: {type: page_view}, points: 1, cap: 3, per: 1d, label: Other page view}
      - {when: {type: email_click, properties.score: {min: 5}}, points: 4, cap: 12, per: 30d, label: Hot}
      - {when: {type: email_click}, points: 2, label: Email click}
      - {when: {type: unsubscribe}, points: -30, label: Unsubscribed}
  grades: {fit: {A: 40, B: 25, C: 10}, engagement: {"1": 60, "2": 40, "3": 20}}
  mql_rule: "fit_grade >= 'B' and engagement >= 40"
  recycle_cool_down: 30d
"""


def playbook_with(scoring_yaml: str) -> str:
    """The default playbook text with its scoring section replaced."""
    text = load_playbook(None).text
    head, rest = text.split("\nscoring:\n", 1)
    tail = rest[rest.index("\nrouting:") :]
    return head + "\n" + scoring_yaml.strip("\n") + "\n" + tail


_keys = itertools.count()


def add_account(conn: Connection, at: datetime, **values: Any) -> int:
    """Insert an account."""
    row = {"name": "Acme", "properties": {}, "created_at": at, "updated_at": at, **values}
    return int(conn.execute(insert(accounts).values(**row).returning(accounts.c.id)).scalar_one())


def add_activity(conn: Connection, person_id: int, at: datetime, type_: str, **values: Any) -> int:
    """Insert one activity (no reactions)."""
    row = {
        "idempotency_key": f"t{next(_keys):012d}",
        "person_id": person_id,
        "type": type_,
        "occurred_at": at,
        **values,
    }
    return int(conn.execute(insert(activities).values(**row).returning(activities.c.id)).scalar_one())


def add_catalog(conn: Connection, at: datetime) -> dict[str, int]:
    """Two campaigns and two assets the test playbook names."""
    ids = {}
    for ext, name in (("spring-webinar", "Spring Webinar"), ("autumn", "Autumn Webinar"), ("other", "Other")):
        ids[ext] = int(
            conn.execute(
                insert(campaigns)
                .values(external_id=ext, name=name, channel="events", created_at=at)
                .returning(campaigns.c.id)
            ).scalar_one()
        )
    for ext, stage in (("pricing-sheet", "decision"), ("ebook", "awareness")):
        ids[ext] = int(
            conn.execute(
                insert(assets)
                .values(external_id=ext, name=ext, buyer_stage=stage, created_at=at)
                .returning(assets.c.id)
            ).scalar_one()
        )
    return ids
