"""The organisation running the funnel: users: users, campaigns per channel and month, assets."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pyarrow as pa

from leadflow.simulate.columns import ts
from leadflow.simulate.config import CHANNELS, SimConfig, add_months

DAY = 86_400
FIRST = [
    "Ana",
    "Ben",
    "Chen",
    "Dana",
    "Eli",
    "Fatima",
    "Gus",
    "Hana",
    "Ivan",
    "Jon",
    "Kai",
    "Lea",
    "Mia",
    "Noah",
    "Omar",
    "Pia",
    "Quinn",
    "Raj",
    "Sara",
    "Tom",
    "Uma",
    "Vik",
    "Wen",
    "Yara",
    "Zoe",
    "Luis",
    "Ines",
    "Sven",
]
LAST = [
    "Smith",
    "Garcia",
    "Kim",
    "Muller",
    "Rossi",
    "Nguyen",
    "Okafor",
    "Silva",
    "Novak",
    "Larsen",
    "Patel",
    "Cohen",
    "Dubois",
    "Tanaka",
    "Jensen",
    "Moreau",
    "Fischer",
    "Santos",
    "Berg",
    "Walsh",
    "Ivanova",
    "Khan",
]
CHANNEL_KIND = {
    "paid_search": "search ads",
    "organic": "seo",
    "social": "social ads",
    "email": "newsletter",
    "events": "trade show",
    "webinars": "webinar",
    "content_syndication": "syndicated ebook",
    "referrals": "referral program",
    "outbound": "sequence",
}
ASSETS = [  # slug, kind, buyer stage, provided by
    ("buyers-guide", "guide", "awareness", "marketing"),
    ("roi-calculator", "calculator", "consideration", "marketing"),
    ("customer-story", "case study", "decision", "marketing"),
    ("product-update", "newsletter", "consideration", "marketing"),
    ("webinar-invite", "invite", "awareness", "marketing"),
    ("state-of-b2b-report", "report", "awareness", "marketing"),
    ("pricing-sheet", "datasheet", "decision", "marketing"),
    ("security-whitepaper", "whitepaper", "decision", "marketing"),
    ("funnel-benchmarks", "ebook", "awareness", "marketing"),
    ("integration-guide", "guide", "consideration", "marketing"),
    ("competitor-battlecard", "battlecard", "decision", "sales"),
    ("exec-deck", "deck", "decision", "sales"),
    ("implementation-plan", "plan", "decision", "sales"),
    ("analyst-report", "report", "consideration", "marketing"),
]


def epoch(dt: datetime) -> int:
    """Seconds since the epoch of an aware datetime."""
    return int(dt.timestamp())


def month_index(seconds: np.ndarray, cfg: SimConfig) -> np.ndarray:
    """Which simulated month (0-based, clipped to the window) each time falls in."""
    bounds = np.array([epoch(_month_start(cfg, m)) for m in range(1, cfg.months)], dtype=np.int64)
    return np.searchsorted(bounds, seconds, side="right").astype(np.int64)


def _month_start(cfg: SimConfig, m: int) -> datetime:
    return add_months(cfg.start, m)


def build_users(cfg: SimConfig) -> tuple[pa.Table, dict[str, np.ndarray], list[str]]:
    n_inside = int(np.clip(round(cfg.people / 15_000), 4, 60))
    n_ent = int(np.clip(round(cfg.people / 50_000), 2, 20))
    tzs = ["America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London", "Europe/Berlin"]
    rows: list[dict[str, object]] = []

    def add(
        name: str, team: str, role: str, sales_team: str | None, manager: int | None, **extra: object
    ) -> int:
        uid = len(rows) + 1
        slug = name.lower().replace(" ", ".")
        rows.append(
            {
                "id": uid,
                "email": f"{slug}@leadflow-sim.example",
                "name": name,
                "team": team,
                "role": role,
                "manager_id": manager,
                "sales_team": sales_team,
                "timezone": tzs[uid % len(tzs)],
                "region": None,
                "external_id": f"sim-user-{uid}",
                **extra,
            }
        )
        return uid

    admin = add("Riley Admin", "ops", "admin", None, None)
    lead = add("Morgan Marketing Lead", "marketing", "marketing_lead", None, None)
    mkt = [add(f"{FIRST[i]} Marketer", "marketing", "marketing", None, lead) for i in range(3)]
    inside_mgr = add("Casey Inside Manager", "sales", "sales_manager", "inside_sales", None)
    ent_mgr = add("Jordan Enterprise Manager", "sales", "sales_manager", "enterprise", None)
    inside = [
        add(
            f"{FIRST[i % len(FIRST)]} {LAST[i % len(LAST)]} Rep{i + 1}",
            "sales",
            "sales",
            "inside_sales",
            inside_mgr,
            max_open_mqls=60 + 10 * (i % 3),
            max_new_per_day=15 + 5 * (i % 2),
        )
        for i in range(n_inside)
    ]
    ent = [
        add(
            f"{FIRST[-1 - i % len(FIRST)]} {LAST[-1 - i % len(LAST)]} AE{i + 1}",
            "sales",
            "sales",
            "enterprise",
            ent_mgr,
            max_open_mqls=30,
            max_new_per_day=8,
        )
        for i in range(n_ent)
    ]
    created = ts(np.full(len(rows), epoch(cfg.start) - 400 * DAY, dtype=np.int64))
    table = pa.table(
        {
            "id": pa.array([r["id"] for r in rows], pa.int64()),
            "email": [r["email"] for r in rows],
            "name": [r["name"] for r in rows],
            "team": [r["team"] for r in rows],
            "role": [r["role"] for r in rows],
            "manager_id": pa.array([r["manager_id"] for r in rows], pa.int64()),
            "sales_team": [r["sales_team"] for r in rows],
            "region": pa.array([None] * len(rows), pa.string()),
            "timezone": [r["timezone"] for r in rows],
            "work_days": ["mon,tue,wed,thu,fri"] * len(rows),
            "work_start": ["08:00" if i % 4 == 0 else "09:00" for i in range(len(rows))],
            "work_end": ["16:00" if i % 4 == 0 else "17:00" for i in range(len(rows))],
            "max_open_mqls": pa.array([r.get("max_open_mqls") for r in rows], pa.int32()),
            "max_new_per_day": pa.array([r.get("max_new_per_day") for r in rows], pa.int32()),
            "routing_weight": [1.0] * len(rows),
            "out_of_office_from": pa.nulls(len(rows), pa.timestamp("us")),
            "out_of_office_until": pa.nulls(len(rows), pa.timestamp("us")),
            "active": [True] * len(rows),
            "password_hash": pa.nulls(len(rows), pa.string()),
            "external_id": [r["external_id"] for r in rows],
            "properties": ["{}"] * len(rows),
            "created_at": created,
            "version": pa.array([1] * len(rows), pa.int32()),
        }
    )
    groups = {
        "inside": np.array(inside),
        "enterprise": np.array(ent),
        "marketing": np.array([lead, *mkt]),
        "admin": np.array([admin]),
    }
    return table, groups, [""] + [str(r["email"]) for r in rows]


def build_campaigns(cfg: SimConfig, counts: np.ndarray, rng: np.random.Generator) -> pa.Table:
    """One campaign per channel and month; cost = leads sourced x the channel's cost per lead (+-15%)."""
    rows: dict[str, list[object]] = {
        k: [] for k in ("id", "external_id", "name", "channel", "kind", "cost", "started_at", "ended_at")
    }
    for c, channel in enumerate(CHANNELS):
        for m in range(cfg.months):
            start, end = _month_start(cfg, m), _month_start(cfg, m + 1)
            cpl = cfg.params.cost_per_lead[channel]
            cost = float(round(max(counts[c, m], 5) * cpl * rng.lognormal(0.0, 0.15), 2))
            rows["id"].append(c * cfg.months + m + 1)
            rows["external_id"].append(f"sim-cmp-{channel}-{start:%Y-%m}")
            rows["name"].append(f"{channel.replace('_', ' ').title()} {CHANNEL_KIND[channel]} {start:%Y-%m}")
            rows["channel"].append(channel)
            rows["kind"].append(CHANNEL_KIND[channel])
            rows["cost"].append(cost)
            rows["started_at"].append(epoch(start))
            rows["ended_at"].append(epoch(end) - 1)
    n = len(rows["id"])
    return pa.table(
        {
            "id": pa.array(rows["id"], pa.int64()),
            "external_id": rows["external_id"],
            "name": rows["name"],
            "channel": rows["channel"],
            "kind": rows["kind"],
            "cost": rows["cost"],
            "started_at": ts(np.array(rows["started_at"])),
            "ended_at": ts(np.array(rows["ended_at"])),
            "properties": ["{}"] * n,
            "created_at": ts(np.array(rows["started_at"]) - 14 * DAY),
        }
    )


def campaign_id(cfg: SimConfig, channel: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """The id of the campaign of this channel running in the month of each time."""
    ids: np.ndarray = channel.astype(np.int64) * cfg.months + month_index(seconds, cfg) + 1
    return ids


def build_assets(cfg: SimConfig, marketing_lead: int) -> pa.Table:
    n = len(ASSETS)
    return pa.table(
        {
            "id": pa.array(range(1, n + 1), pa.int64()),
            "external_id": [a[0] for a in ASSETS],
            "name": [a[0].replace("-", " ").title() for a in ASSETS],
            "kind": [a[1] for a in ASSETS],
            "buyer_stage": [a[2] for a in ASSETS],
            "provided_by": [a[3] for a in ASSETS],
            "url": [f"/resources/{a[0]}" for a in ASSETS],
            "created_by": pa.array([marketing_lead] * n, pa.int64()),
            "properties": ["{}"] * n,
            "created_at": ts(np.full(n, epoch(cfg.start) - 200 * DAY, dtype=np.int64)),
        }
    )
