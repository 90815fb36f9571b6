"""Activity streams: source touches, assists, channel-dependent engagement, MQL triggers and sales touches."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from leadflow.simulate.columns import category, hex_keys, ids, ts
from leadflow.simulate.config import CHANNELS, SimConfig
from leadflow.simulate.funnel import FunnelState
from leadflow.simulate.organisation import ASSETS, campaign_id
from leadflow.simulate.population import Population

TYPES = (
    "page_view",
    "form_submit",
    "demo_request",
    "webinar_attended",
    "event_attended",
    "content_download",
    "email_click",
    "unsubscribe",
    "call",
    "email_sent",
    "meeting",
)
PV, FORM, DEMO, WEBINAR, EVENT, DOWNLOAD, CLICK, UNSUB, CALL, EMAIL_SENT, MEETING = range(len(TYPES))
URLS = (
    "/",
    "/pricing",
    "/pricing/enterprise",
    "/careers",
    "/careers/sales-engineer",
    "/blog/what-is-an-mql",
    "/blog/sla-between-marketing-and-sales",
    "/blog/lead-scoring-101",
    "/blog/funnel-leakage",
    "/blog/attribution-models",
    "/product",
    "/product/routing",
    "/product/analytics",
    "/docs/getting-started",
    "/customers",
    "/lp/demo",
    "/lp/webinar",
    "/lp/ebook",
    "/contact",
    *[f"/resources/{a[0]}" for a in ASSETS],
)
ASSET_URL0 = URLS.index(f"/resources/{ASSETS[0][0]}")
# page view url mix: home, pricing x2, careers x2, blog x5, product x3, docs, customers
PAGE_URLS = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14])
PAGE_MIX = np.array([10, 5, 3, 2.5, 1.5, 9, 9, 9, 9, 9, 8, 6, 6, 8, 5.0])
STUDENT_PAGE_MIX = PAGE_MIX * np.where(np.isin(PAGE_URLS, [3, 4]), 12.0, 1.0)
SOURCE_TOUCH = {  # channel -> (type, url index or -1 for none, or -2 for an asset)
    "paid_search": (FORM, 15),
    "organic": (FORM, 18),
    "social": (FORM, 17),
    "email": (FORM, 17),
    "events": (EVENT, -1),
    "webinars": (WEBINAR, 16),
    "content_syndication": (DOWNLOAD, -2),
    "referrals": (FORM, 18),
    "outbound": (EMAIL_SENT, -1),
}
ASSIST_TOUCH = {
    "webinars": (WEBINAR, 16),
    "events": (EVENT, -1),
    "email": (CLICK, -1),
    "content_syndication": (DOWNLOAD, -2),
    "social": (PV, 8),
}
DAY = 86_400


# Small columns travel packed in one int64 until the time sort is done: fewer, cheaper gathers.
_FIELDS = (
    ("kind", 0, 4),
    ("channel", 4, 4),
    ("url", 8, 7),
    ("asset", 15, 6),
    ("campaign", 21, 16),
    ("actor", 37, 16),
)


class Rows:
    """Activity rows collected as chunks of (person, time, packed small columns); -1 / 0 mean null."""

    def __init__(self) -> None:
        self.person: list[np.ndarray] = []
        self.at: list[np.ndarray] = []
        self.packed: list[np.ndarray] = []

    def add(
        self,
        person: np.ndarray,
        at: np.ndarray,
        kind: np.ndarray | int,
        channel: np.ndarray | int = -1,
        campaign: np.ndarray | int = 0,
        asset: np.ndarray | int = 0,
        url: np.ndarray | int = -1,
        actor: np.ndarray | int = 0,
    ) -> None:
        """Append rows; scalars broadcast."""
        values = {
            "kind": kind,
            "channel": np.asarray(channel) + 1,
            "url": np.asarray(url) + 1,
            "asset": asset,
            "campaign": campaign,
            "actor": actor,
        }
        packed = np.zeros(len(person), dtype=np.int64)
        for name, shift, _bits in _FIELDS:
            v = values[name]
            if isinstance(v, np.ndarray) and v.ndim:
                packed |= v.astype(np.int64, copy=False) << shift
            elif int(v):
                packed |= np.int64(int(v) << shift)
        self.person.append(person.astype(np.int32, copy=False))
        self.at.append(at.astype(np.int64, copy=False))
        self.packed.append(packed)

    def sorted_columns(self, base: int) -> dict[str, np.ndarray]:
        """Every row in time order, unpacked (-1 = null channel or url); frees the chunks."""
        key = np.concatenate(self.at)
        self.at.clear()
        key -= base
        key <<= 32
        key |= np.arange(len(key), dtype=np.int64)
        key.sort()
        order = key & np.int64(0xFFFFFFFF)
        key >>= 32
        key += base
        cols = {"at": key}
        person = np.concatenate(self.person)
        self.person.clear()
        cols["person"] = person[order]
        del person
        packed = np.concatenate(self.packed)
        self.packed.clear()
        packed = packed[order]
        del order
        small = {
            "kind": np.int8,
            "channel": np.int8,
            "url": np.int16,
            "asset": np.int16,
            "campaign": np.int32,
            "actor": np.int32,
        }
        for name, shift, bits in _FIELDS:
            cols[name] = ((packed >> shift) & np.int64((1 << bits) - 1)).astype(small[name])
        cols["channel"] -= 1
        cols["url"] -= 1
        return cols


def pick(rng: np.random.Generator, codes: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """n draws of codes with (approximately, to 1/4096) the given weights: a table lookup, not a search."""
    counts = np.round(weights / weights.sum() * 4096).astype(np.int64)
    table = np.repeat(codes, counts)
    return table[rng.integers(0, len(table), n, dtype=np.int32)]


def _between(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    at: np.ndarray = lo + (rng.random(len(lo), dtype=np.float32) * np.maximum(hi - lo, 1)).astype(np.int64)
    return at


def _asset_rows(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    marketing_assets = np.array([i for i, a in enumerate(ASSETS) if a[3] == "marketing"])
    a = rng.choice(marketing_assets, n)
    return a + 1, a + ASSET_URL0


def _touches(cfg: SimConfig, rng: np.random.Generator, pop: Population, st: FunnelState, rows: Rows) -> None:
    """The source touch of every person and their assist touches (before their MQL decision)."""
    end = int(cfg.end.timestamp())
    n = cfg.people
    everyone = np.arange(n)
    for c, channel in enumerate(CHANNELS):
        who = everyone[pop.person_channel == c]
        kind, url = SOURCE_TOUCH[channel]
        at = pop.person_created[who]
        camp = campaign_id(cfg, pop.person_channel[who], at)
        if url == -2:
            asset, urls = _asset_rows(rng, len(who))
            rows.add(who, at, kind, c, camp, asset, urls)
        else:
            actor = st.owner[who] if channel == "outbound" else 0
            rows.add(who, at, kind, c, camp, 0, url, actor)
    window_end = np.minimum(st.mql_window_end, end - 1)
    for j, channel in enumerate(st.assist_channels):
        who = np.flatnonzero(st.assists[:, j])
        at = _between(rng, pop.person_created[who] + 60, window_end[who])
        at = np.minimum(at, end - 1)
        c = CHANNELS.index(channel)
        kind, url = ASSIST_TOUCH[channel]
        camp = campaign_id(cfg, np.full(len(who), c), at)
        if url == -2:
            asset, urls = _asset_rows(rng, len(who))
            rows.add(who, at, kind, c, camp, asset, urls)
        else:
            rows.add(who, at, kind, c, camp, 0, url)


def _engagement(
    cfg: SimConfig, rng: np.random.Generator, pop: Population, st: FunnelState, rows: Rows
) -> None:
    """Web visits, email clicks, downloads and forms, more for engaged channels and for people who MQL."""
    p, end, start = cfg.params, int(cfg.end.timestamp()), int(cfg.start.timestamp())
    eng = np.array([p.channel_engagement[c] for c in CHANNELS])[pop.person_channel]
    alive = (end - pop.person_created) / max(end - start, 1)
    lam = p.activities_per_person * eng * np.where(st.first_mql >= 0, 1.5, 1.0) * alive * 1.9
    count = rng.poisson(lam)
    who = np.repeat(np.arange(cfg.people, dtype=np.int32), count)
    at = pop.person_created[who] + 30
    span = (end - 1 - at).astype(np.float32)
    span *= rng.random(len(who), dtype=np.float32)
    at += span.astype(np.int64)
    del span
    mix = np.array(
        [0.60, 0.04, 0.0, 0.02, 0.01, 0.07, 0.26]
    )  # page, form, demo, webinar, event, download, click
    kind = pick(rng, np.arange(7, dtype=np.int8), mix, len(who))
    url = np.full(len(who), -1, np.int16)
    channel = np.full(len(who), -1, np.int8)
    camp = np.zeros(len(who), np.int64)
    asset = np.zeros(len(who), np.int64)
    pv = np.flatnonzero(kind == PV)
    student = pop.person_student[who[pv]]
    url[pv] = pick(rng, PAGE_URLS, PAGE_MIX, len(pv))
    url[pv[student]] = pick(rng, PAGE_URLS, STUDENT_PAGE_MIX, int(student.sum()))
    web = np.array([CHANNELS.index(c) for c in ("organic", "organic", "organic", "paid_search", "social")])
    channel[pv] = web[rng.integers(0, len(web), len(pv))]
    paid = pv[np.isin(channel[pv], web[3:])]
    camp[paid] = campaign_id(cfg, channel[paid], at[paid])
    for k, ch in ((CLICK, "email"), (WEBINAR, "webinars"), (EVENT, "events")):
        sel = np.flatnonzero(kind == k)
        channel[sel] = CHANNELS.index(ch)
        camp[sel] = campaign_id(cfg, channel[sel], at[sel])
    for k in (DOWNLOAD, FORM):
        sel = np.flatnonzero(kind == k)
        channel[sel] = CHANNELS.index("organic")
        if k == DOWNLOAD:
            asset[sel], url[sel] = _asset_rows(rng, len(sel))
        else:
            url[sel] = 18
    rows.add(who, at, kind, channel, camp, asset, url)
    # a few unsubscribe (never people who reach MQL)
    unsub = np.flatnonzero((st.first_mql < 0) & (rng.random(cfg.people) < 0.025))
    rows.add(
        unsub,
        _between(rng, pop.person_created[unsub] + 60, np.full(len(unsub), end - 1)),
        UNSUB,
        CHANNELS.index("email"),
    )


def _triggers(cfg: SimConfig, rng: np.random.Generator, pop: Population, st: FunnelState, rows: Rows) -> None:
    """What makes an MQL under the default scoring, just before it: a form, pricing views, often a demo."""
    who = np.flatnonzero(st.first_mql >= 0)
    t, created = st.first_mql[who], pop.person_created[who] + 1
    organic = CHANNELS.index("organic")
    rows.add(who, np.maximum(t - rng.integers(3600, 3 * DAY, len(who)), created), FORM, organic, 0, 0, 18)
    rows.add(who, np.maximum(t - rng.integers(600, 2 * DAY, len(who)), created), PV, organic, 0, 0, 1)
    demo = rng.random(len(who)) < 0.6
    d = who[demo]
    rows.add(
        d,
        np.maximum(st.first_mql[d] - rng.integers(60, 3600, len(d)), pop.person_created[d] + 1),
        DEMO,
        organic,
        0,
        0,
        15,
    )
    o = who[~demo]
    asset, url = _asset_rows(rng, len(o))
    rows.add(
        o,
        np.maximum(st.first_mql[o] - rng.integers(3600, 2 * DAY, len(o)), pop.person_created[o] + 1),
        DOWNLOAD,
        organic,
        0,
        asset,
        url,
    )
    rows.add(
        o,
        np.maximum(st.first_mql[o] - rng.integers(60, 3600, len(o)), pop.person_created[o] + 1),
        PV,
        organic,
        0,
        0,
        2,
    )


def _sales(cfg: SimConfig, rng: np.random.Generator, st: FunnelState, rows: Rows) -> None:
    """Calls, emails and meetings by the owner from acceptance until the person leaves the funnel."""
    end = int(cfg.end.timestamp())
    who = np.flatnonzero(st.first_sal >= 0)
    sal = st.first_sal[who]
    first = np.minimum(
        sal + (5 * 3600 * np.exp(0.6 * rng.standard_normal(len(who)))).astype(np.int64), end - 1
    )
    rows.add(who, first, np.where(rng.random(len(who)) < 0.5, CALL, EMAIL_SENT), -1, 0, 0, -1, st.owner[who])
    stop = np.where(st.exit_at[who] > sal, st.exit_at[who], end - 1)
    count = rng.poisson(5.0, len(who))
    many = np.repeat(np.arange(len(who)), count)
    kind = rng.choice(np.array([CALL, EMAIL_SENT, MEETING]), len(many), p=[0.35, 0.5, 0.15])
    at = _between(rng, sal[many] + 60, stop[many])
    rows.add(who[many], at, kind, -1, 0, 0, -1, st.owner[who[many]])


def build_activities(
    cfg: SimConfig, rng: np.random.Generator, pop: Population, st: FunnelState
) -> tuple[pa.Table, np.ndarray]:
    """The activities table, in time order with time-ordered idempotency keys; and who unsubscribed."""
    rows = Rows()
    _touches(cfg, rng, pop, st, rows)
    _engagement(cfg, rng, pop, st, rows)
    _triggers(cfg, rng, pop, st, rows)
    _sales(cfg, rng, st, rows)
    c = rows.sorted_columns(int(cfg.start.timestamp()) - 400 * DAY)
    n = len(c["at"])
    unsubscribed = np.zeros(cfg.people, dtype=bool)
    unsubscribed[c["person"][c["kind"] == UNSUB]] = True
    aid = np.arange(1, n + 1, dtype=np.int64)
    columns: dict[str, pa.Array] = {"id": pa.array(aid), "idempotency_key": activity_keys(cfg.seed, aid)}
    del aid
    person = c.pop("person").astype(np.int64)
    person += 1
    columns["person_id"] = pa.array(person)
    del person
    columns["type"] = category(c.pop("kind"), TYPES)
    columns["channel"] = category(c.pop("channel"), CHANNELS)
    columns["campaign_id"] = ids(c.pop("campaign"))
    columns["asset_id"] = ids(c.pop("asset"))
    columns["url"] = category(c.pop("url"), URLS)
    columns["occurred_at"] = ts(c.pop("at"))
    columns["actor_id"] = ids(c.pop("actor"))
    columns["properties"] = pa.nulls(n, pa.string())
    return pa.table(columns), unsubscribed


def activity_keys(seed: int, activity_ids: np.ndarray) -> pa.Array:
    """Idempotency keys "sim-SSSS" + the id in hex: ids follow time, so the keys are time-ordered."""
    return hex_keys(f"sim-{seed % 65536:04x}", activity_ids, 12)
