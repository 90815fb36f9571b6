"""Who is in the simulated world: users (reps, managers, marketing), accounts, campaigns, assets, persons."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from leadflow.playbook.schema import Playbook
from leadflow.simulate.columns import ids, join, num_text, strings, ts
from leadflow.simulate.config import CHANNELS, OUTBOUND, SimConfig
from leadflow.simulate.organisation import (
    FIRST,
    LAST,
    build_assets,
    build_campaigns,
    build_users,
    campaign_id,
    epoch,
    month_index,
)

DAY = 86_400
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
    person_fit_effect: np.ndarray  # multiplier on lead->mql from title kind and industry


def persona_of(title: str, pb: Playbook) -> str | None:
    """The first playbook persona whose keywords occur in the title (case-insensitive)."""
    low = title.lower()
    for name, persona in pb.personas.items():
        if any(k.lower() in low for k in persona.title_matches):
            return name
    return None


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
    return table, seg, owner, industry


def build_population(cfg: SimConfig, pb: Playbook, rng: np.random.Generator) -> Population:
    """Draw users, accounts, persons' static attributes and campaigns (costs follow the leads they source)."""
    p = cfg.params
    users, groups, emails = build_users(cfg)
    accounts, acc_seg, acc_owner, acc_industry = _accounts(cfg, rng, groups)
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
    kind_effect = np.array([p.title_mql_effect.get(k, 0.0) for k in kinds])
    industry_effect = np.array(
        [p.industry_mql_effect.get(i, p.other_industry_mql_effect) for i in INDUSTRIES]
    )
    fit_effect = kind_effect[kind] * industry_effect[acc_industry[person_account - 1]]
    start, end = epoch(cfg.start), epoch(cfg.end)
    created = np.sort(rng.integers(start, end - 3600, n))
    free = (seg == 0) & (rng.random(n) < 0.15) & (channel != OUTBOUND)
    counts = np.zeros((len(CHANNELS), cfg.months), dtype=np.int64)
    np.add.at(counts, (channel, month_index(created, cfg)), 1)
    return Population(
        users=users,
        accounts=accounts,
        campaigns=build_campaigns(cfg, counts, rng),
        assets=build_assets(cfg, int(groups["marketing"][0])),
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
        person_fit_effect=fit_effect,
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
