"""Who is in the simulated world: users (reps, managers, marketing), accounts, campaigns, assets, persons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from leadflow.playbook.schema import Playbook
from leadflow.simulate.columns import category, ids, join, num_text, strings, ts
from leadflow.simulate.config import CHANNELS, OUTBOUND, SimConfig

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
COMPANY = [
    "Acme",
    "Northwind",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Tyrell",
    "Cyberdyne",
    "Hooli",
    "Vandelay",
    "Soylent",
    "Oscorp",
    "Aperture",
    "Gringotts",
    "Wonka",
    "Pied Piper",
    "Massive",
    "Blue Sun",
]
SUFFIX = [
    "Systems",
    "Labs",
    "Group",
    "Analytics",
    "Health",
    "Capital",
    "Retail",
    "Works",
    "Logistics",
    "Cloud",
]
INDUSTRIES = [
    "software",
    "financial_services",
    "healthcare",
    "manufacturing",
    "retail",
    "education",
    "logistics",
    "media",
    "energy",
    "professional_services",
]
INDUSTRY_MIX = [0.22, 0.12, 0.10, 0.12, 0.09, 0.06, 0.07, 0.07, 0.05, 0.10]
COUNTRIES = [
    ("United States", "north_america"),
    ("Canada", "north_america"),
    ("United Kingdom", "emea"),
    ("Germany", "emea"),
    ("France", "emea"),
    ("Netherlands", "emea"),
    ("Australia", "apac"),
    ("Singapore", "apac"),
    ("India", "apac"),
    ("Brazil", "latam"),
]
COUNTRY_MIX = [0.40, 0.05, 0.12, 0.09, 0.06, 0.04, 0.06, 0.04, 0.08, 0.06]
EMPLOYEES = [(1, 199), (200, 1999), (2000, 60000)]  # as the default playbook's segments (enterprise capped)
FREE_MAIL = ["gmail.com", "outlook.com", "yahoo.com"]
# Titles by kind; the persona is then derived from the playbook's title keywords, as imports do.
TITLES = {
    "economic": [
        "Chief Marketing Officer",
        "CFO",
        "VP Sales",
        "Vice President Marketing",
        "Head of Growth",
        "Director of Revenue Operations",
        "Director of IT",
        "CEO",
    ],
    "practitioner": [
        "Marketing Manager",
        "Data Analyst",
        "Software Engineer",
        "Demand Gen Specialist",
        "Sales Operations Manager",
        "Team Lead",
        "Solutions Consultant",
        "Product Manager",
    ],
    "student": ["Student", "Marketing Intern", "MBA Student"],
    "other": ["Coordinator", "Associate", "Assistant", "Office Administrator", "Founder"],
}
TITLE_KIND_MIX = {"economic": 0.25, "practitioner": 0.50, "student": 0.0, "other": 0.25}  # student: params
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


@dataclass(frozen=True)
class Population:
    """The static world: arrow tables plus the numpy arrays the funnel and activities need."""

    users: pa.Table
    accounts: pa.Table
    campaigns: pa.Table
    assets: pa.Table
    inside_reps: np.ndarray  # user ids
    enterprise_reps: np.ndarray
    marketing_users: np.ndarray
    user_emails: list[str]  # index = user id
    account_seg: np.ndarray  # int8 per account (index = account id - 1)
    account_owner: np.ndarray
    person_account: np.ndarray  # account id per person
    person_seg: np.ndarray
    person_channel: np.ndarray
    person_student: np.ndarray
    person_title: np.ndarray  # code into titles
    titles: list[str]
    person_created: np.ndarray  # int64 seconds
    person_free_mail: np.ndarray


def epoch(dt: datetime) -> int:
    """Seconds since the epoch of an aware datetime."""
    return int(dt.timestamp())


def month_index(seconds: np.ndarray, cfg: SimConfig) -> np.ndarray:
    """Which simulated month (0-based, clipped to the window) each time falls in."""
    bounds = np.array([epoch(_month_start(cfg, m)) for m in range(1, cfg.months)], dtype=np.int64)
    return np.searchsorted(bounds, seconds, side="right").astype(np.int64)


def _month_start(cfg: SimConfig, m: int) -> datetime:
    month = cfg.start.month - 1 + m
    return cfg.start.replace(year=cfg.start.year + month // 12, month=month % 12 + 1)


def persona_of(title: str, pb: Playbook) -> str | None:
    """The first playbook persona whose keywords occur in the title (case-insensitive)."""
    low = title.lower()
    for name, persona in pb.personas.items():
        if any(k.lower() in low for k in persona.title_matches):
            return name
    return None


def _users(cfg: SimConfig) -> tuple[pa.Table, dict[str, np.ndarray], list[str]]:
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


def _accounts(
    cfg: SimConfig, rng: np.random.Generator, groups: dict[str, np.ndarray]
) -> tuple[pa.Table, ...]:
    p = cfg.params
    n = max(10, cfg.people // 3)
    seg = rng.choice(3, size=n, p=np.array(p.account_segment_mix)).astype(np.int8)
    lo = np.array([np.log(a) for a, _ in EMPLOYEES])[seg]
    hi = np.array([np.log(b + 1) for _, b in EMPLOYEES])[seg]
    employees = np.minimum(
        np.exp(rng.uniform(lo, hi)).astype(np.int64), np.array([b for _, b in EMPLOYEES])[seg]
    )
    revenue = np.round(employees * rng.lognormal(np.log(150_000), 0.5, n), -3)
    industry = rng.choice(len(INDUSTRIES), size=n, p=INDUSTRY_MIX)
    country = rng.choice(len(COUNTRIES), size=n, p=COUNTRY_MIX)
    owner = np.where(seg == 2, rng.choice(groups["enterprise"], n), rng.choice(groups["inside"], n))
    aid = np.arange(1, n + 1, dtype=np.int64)
    c1, c2 = rng.integers(0, len(COMPANY), n), rng.integers(0, len(SUFFIX), n)
    id_text = num_text(aid)
    name = join(strings(c1, COMPANY), " ", strings(c2, SUFFIX), " ", id_text)
    slug = pc.replace_substring(pc.utf8_lower(join(strings(c1, COMPANY), strings(c2, SUFFIX))), " ", "")
    domain = join(slug, "-", id_text, ".example")
    created = epoch(cfg.start) - rng.integers(30 * DAY, 900 * DAY, n)
    created_ts = ts(created)
    table = pa.table(
        {
            "id": aid,
            "external_id": join("sim-acct-", id_text),
            "name": name,
            "domain": domain,
            "industry": strings(industry, INDUSTRIES),
            "employees": employees.astype(np.int32),
            "annual_revenue": revenue,
            "country": strings(country, [c for c, _ in COUNTRIES]),
            "region": strings(country, [r for _, r in COUNTRIES]),
            "segment": strings(seg, ["smb", "mid_market", "enterprise"]),
            "owner_id": ids(owner),
            "parent_id": pa.nulls(n, pa.int64()),
            "properties": pa.array(["{}"] * n),
            "created_at": created_ts,
            "updated_at": created_ts,
            "version": pa.array(np.ones(n, np.int32)),
        }
    )
    return table, seg, owner, country


def _campaigns(cfg: SimConfig, counts: np.ndarray, rng: np.random.Generator) -> pa.Table:
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
    return channel.astype(np.int64) * cfg.months + month_index(seconds, cfg) + 1


def _assets(cfg: SimConfig, marketing_lead: int) -> pa.Table:
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


def build_population(cfg: SimConfig, pb: Playbook, rng: np.random.Generator) -> Population:
    """Draw users, accounts, persons' static attributes and campaigns (costs follow the leads they source)."""
    p = cfg.params
    users, groups, emails = _users(cfg)
    accounts, acc_seg, acc_owner, _ = _accounts(cfg, rng, groups)
    n = cfg.people
    weight = np.array(p.persons_per_account_weight)[acc_seg]
    person_account = rng.choice(len(acc_seg), size=n, p=weight / weight.sum()).astype(np.int64) + 1
    seg = acc_seg[person_account - 1]
    channel = rng.choice(len(CHANNELS), size=n, p=np.array([p.source_mix[c] for c in CHANNELS])).astype(
        np.int8
    )
    kinds = list(TITLES)
    mix = np.array([TITLE_KIND_MIX[k] for k in kinds])
    mix = mix / mix.sum() * (1 - p.student_share)
    mix[kinds.index("student")] = p.student_share
    kind = rng.choice(len(kinds), size=n, p=mix)
    titles = [t for k in kinds for t in TITLES[k]]
    first_code = np.cumsum([0] + [len(TITLES[k]) for k in kinds])[:-1]
    sizes = np.array([len(TITLES[k]) for k in kinds])
    title = first_code[kind] + (rng.random(n) * sizes[kind]).astype(np.int64)
    student = kind == kinds.index("student")
    start, end = epoch(cfg.start), epoch(cfg.end)
    created = np.sort(rng.integers(start, end - 3600, n))
    free = (seg == 0) & (rng.random(n) < 0.15) & (channel != OUTBOUND)
    counts = np.zeros((len(CHANNELS), cfg.months), dtype=np.int64)
    np.add.at(counts, (channel, month_index(created, cfg)), 1)
    return Population(
        users=users,
        accounts=accounts,
        campaigns=_campaigns(cfg, counts, rng),
        assets=_assets(cfg, int(groups["marketing"][0])),
        inside_reps=groups["inside"],
        enterprise_reps=groups["enterprise"],
        marketing_users=groups["marketing"],
        user_emails=emails,
        account_seg=acc_seg,
        account_owner=acc_owner,
        person_account=person_account,
        person_seg=seg,
        person_channel=channel,
        person_student=student,
        person_title=title,
        titles=titles,
        person_created=created,
        person_free_mail=free,
    )


def persons_static(
    cfg: SimConfig, pop: Population, pb: Playbook, rng: np.random.Generator
) -> dict[str, pa.Array]:
    """The descriptive person columns (names, email, title, persona, source) as arrow arrays."""
    n = cfg.people
    pid = np.arange(1, n + 1, dtype=np.int64)
    first, last = rng.integers(0, len(FIRST), n), rng.integers(0, len(LAST), n)
    first_s, last_s = strings(first, FIRST), strings(last, LAST)
    acc_domain = pop.accounts.column("domain").combine_chunks().take(pa.array(pop.person_account - 1))
    free_domain = strings(rng.integers(0, len(FREE_MAIL), n), FREE_MAIL)
    domain = pc.if_else(pa.array(pop.person_free_mail), free_domain, acc_domain)
    id_text = num_text(pid)
    email = pc.utf8_lower(join(first_s, ".", last_s, ".", id_text, "@", domain))
    personas = [persona_of(t, pb) for t in pop.titles]
    persona_names = sorted({x for x in personas if x})
    persona_code = np.array([persona_names.index(x) if x else len(persona_names) for x in personas])[
        pop.person_title
    ]
    roles = [pb.personas[x].committee_role if x else None for x in persona_names] + [None]
    acc_idx = pa.array(pop.person_account - 1)
    has_phone = rng.random(n) < 0.4
    phone = pc.if_else(
        pa.array(has_phone),
        join("+1-555-", pc.utf8_lpad(num_text(pid % 10_000), 4, "0")),
        pa.nulls(n, pa.string()),
    )
    return {
        "id": pa.array(pid),
        "external_id": join("sim-person-", id_text),
        "email": email,
        "first_name": first_s,
        "last_name": last_s,
        "title": strings(pop.person_title, pop.titles),
        "phone": phone,
        "country": pop.accounts.column("country").combine_chunks().take(acc_idx),
        "region": pop.accounts.column("region").combine_chunks().take(acc_idx),
        "account_id": pa.array(pop.person_account),
        "persona": strings(persona_code, [*persona_names, None]),
        "committee_role": strings(persona_code, roles),
        "source_channel": strings(pop.person_channel, CHANNELS),
        "source_campaign_id": pa.array(campaign_id(cfg, pop.person_channel, pop.person_created)),
        "sourced_by": strings((pop.person_channel == OUTBOUND).astype(np.int8), ["marketing", "sales"]),
    }


__all__ = ["Population", "build_population", "campaign_id", "category", "persons_static"]
