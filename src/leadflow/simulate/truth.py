"""The ground truth the simulator used, written to ground_truth.json so analytics can be tested against it."""

from __future__ import annotations

import functools
import itertools
import math
from typing import Any

import numpy as np

from leadflow.simulate.config import CHANNELS, SEGMENTS, TRANSITIONS, SimConfig
from leadflow.simulate.funnel import LEAD, MQL, OPP, RECYCLED, SAL, SQL
from leadflow.simulate.population import INDUSTRIES, INDUSTRY_MIX, TITLE_KIND_MIX

FROM_STAGE = {
    "lead_mql": LEAD,
    "mql_sal": MQL,
    "sal_sql": SAL,
    "sql_opportunity": SQL,
    "opportunity_customer": OPP,
    "recycled_mql": RECYCLED,
    "lead_sal": LEAD,
}
TO_STAGE = {
    "lead_mql": "mql",
    "mql_sal": "sal",
    "sal_sql": "sql",
    "sql_opportunity": "opportunity",
    "opportunity_customer": "customer",
    "recycled_mql": "mql",
    "lead_sal": "sal",
}


def assist_factor(cfg: SimConfig) -> float:
    """E[product of assist lifts]: the assists are independent draws, so this is exact."""
    p = cfg.params
    return math.prod(1 - p.assist_share[c] + p.assist_share[c] * p.assist_lift[c] for c in p.assist_share)


def mql_multipliers(cfg: SimConfig) -> tuple[tuple[float, float], ...]:
    """Every (probability, multiplier) of a non-student's lead->mql fit and assist effects, enumerated."""
    p = cfg.params
    return _multipliers(
        tuple(p.title_mql_effect.items()),
        tuple(p.industry_mql_effect.items()),
        p.other_industry_mql_effect,
        tuple(p.assist_share.items()),
        tuple(p.assist_lift.items()),
    )


@functools.lru_cache(maxsize=8)
def _multipliers(
    title_effect: tuple[tuple[str, float], ...],
    industry_effect: tuple[tuple[str, float], ...],
    other_industry: float,
    assist_share: tuple[tuple[str, float], ...],
    assist_lift: tuple[tuple[str, float], ...],
) -> tuple[tuple[float, float], ...]:
    kinds = [k for k in TITLE_KIND_MIX if k != "student"]
    kind_mix = [TITLE_KIND_MIX[k] / sum(TITLE_KIND_MIX[x] for x in kinds) for k in kinds]
    titles, industries, lifts = dict(title_effect), dict(industry_effect), dict(assist_lift)
    industry = [industries.get(i, other_industry) for i in INDUSTRIES]
    out = []
    for kind, kind_p in zip(kinds, kind_mix, strict=True):
        for ind_effect, ind_p in zip(industry, INDUSTRY_MIX, strict=True):
            for present in itertools.product((False, True), repeat=len(assist_share)):
                prob, lift = kind_p * ind_p, titles[kind] * ind_effect
                for (ch, share), on in zip(assist_share, present, strict=True):
                    prob *= share if on else 1 - share
                    lift *= lifts[ch] if on else 1.0
                out.append((prob, lift))
    return tuple(out)


def cell_rate(cfg: SimConfig, name: str, s: int, c: int) -> float:
    """The probability of the transition for segment s and channel c (averaged over fit and assists)."""
    p = cfg.params
    base = p.base_rate[name][s]
    channel = CHANNELS[c]
    if name == "lead_mql":
        rate = min(base * p.channel_mql_effect[channel], p.max_rate)
        return sum(prob * min(rate * lift, 1.0) for prob, lift in mql_multipliers(cfg))
    if name == "lead_sal":
        return base if channel == "outbound" else 0.0
    if name == "recycled_mql":
        return base
    return min(base * p.channel_downstream_effect[channel], p.max_rate)


def cell_median_days(cfg: SimConfig, name: str, s: int, c: int) -> float:
    """The median days from entering the from-stage to the decision, for segment s and channel c."""
    if name == "recycled_mql":
        return cfg.params.median_days[name][s]
    return cfg.params.median_days[name][s] * cfg.params.channel_speed[CHANNELS[c]]


def max_days(cfg: SimConfig, name: str) -> float:
    """The longest possible wait for the decision (draws are clipped): older cohorts are complete."""
    p = cfg.params
    factor = math.exp(p.sigma * p.clip_z)
    if name == "recycled_mql":
        return max(p.cool_down_days + (m - p.cool_down_days) * factor for m in p.median_days[name])
    return max(cell_median_days(cfg, name, s, c) for s in range(3) for c in range(len(CHANNELS))) * factor


def ground_truth(
    cfg: SimConfig,
    log: dict[str, np.ndarray],
    seg: np.ndarray,
    channel: np.ndarray,
    student: np.ndarray,
    realised: dict[str, Any],
    playbook_version: str,
) -> dict[str, Any]:
    """Everything the simulation was built from, plus the realised counts."""
    p = cfg.params
    rates: dict[str, Any] = {}
    medians: dict[str, Any] = {}
    expected: dict[str, Any] = {}
    to_code = log["to"]
    for name in TRANSITIONS:
        rates[name] = {
            SEGMENTS[s]: {CHANNELS[c]: round(cell_rate(cfg, name, s, c), 6) for c in range(len(CHANNELS))}
            for s in range(3)
        }
        medians[name] = {
            SEGMENTS[s]: {
                CHANNELS[c]: round(cell_median_days(cfg, name, s, c), 4) for c in range(len(CHANNELS))
            }
            for s in range(3)
        }
        # the rate a large sample of this run converges to: cell rates averaged over the actual entries
        entries = log["person"][to_code == FROM_STAGE[name]]
        if name == "lead_mql":
            entries = entries[channel[entries] != CHANNELS.index("outbound")]
        if name == "lead_sal":
            entries = entries[channel[entries] == CHANNELS.index("outbound")]
        if name in ("lead_mql", "lead_sal"):
            entries = entries[~student[entries]]
        table = np.array([[cell_rate(cfg, name, s, c) for c in range(len(CHANNELS))] for s in range(3)])
        cell = table[seg[entries], channel[entries]]
        expected[name] = {
            SEGMENTS[s]: round(float(cell[seg[entries] == s].mean()), 6)
            if (seg[entries] == s).any()
            else None
            for s in range(3)
        }
        expected[name]["all"] = round(float(cell.mean()), 6) if len(cell) else None
    return {
        "seed": cfg.seed,
        "people": cfg.people,
        "start": cfg.start.isoformat(),
        "end": cfg.end.isoformat(),
        "now": cfg.end.isoformat(),
        "playbook_version": playbook_version,
        "notes": [
            "Use `end` as 'now': people still in mql, sal, sql or opportunity are in flight (censored).",
            "rates[t][segment][channel] = P(eventually making transition t | entered its from-stage), by the "
            "person's segment and source channel. Decisions are independent of durations.",
            "lead_mql applies to marketing-sourced persons who are not students (students never reach MQL; "
            "most are disqualified by marketing). lead_sal (prospect) applies to outbound non-students.",
            "expected_rate[t][segment] = the cell rates averaged over this run's actual entries into the "
            "from-stage (same population as rates): what a large uncensored sample converges to.",
            "A decision falls median_days after entering the from-stage (lognormal, sigma, clipped at clip_z "
            "sigmas); measure rates on cohorts that entered at least max_days before `end`.",
            "Those who do not advance from mql/sal/sql are disqualified with disqualify_share[segment], else "
            "recycled; lost opportunities are recycled with a lost reason. recycled_mql waits the cool-down.",
            "lead_mql is multiplied by the title kind's and the industry's fit effect (each averaging 1 over the "
            "simulated mix) and by assist_lift for each assist touch (independent draws, assist_share); rates "
            "are the exact average over all of these.",
        ],
        "transitions": {
            t: {
                "from": ["lead", "mql", "sal", "sql", "opportunity", "customer", "recycled"][FROM_STAGE[t]],
                "to": TO_STAGE[t],
            }
            for t in TRANSITIONS
        },
        "rates": rates,
        "expected_rate": expected,
        "median_days": medians,
        "max_days": {t: round(max_days(cfg, t), 3) for t in TRANSITIONS},
        "duration_model": {
            "distribution": "lognormal",
            "sigma": p.sigma,
            "clip_z": p.clip_z,
            "cool_down_days": p.cool_down_days,
        },
        "disqualify_share": dict(zip(SEGMENTS, p.disqualify_share, strict=True)),
        "deal_size": {
            SEGMENTS[s]: {
                "median": p.deal_median[s],
                "sigma": p.deal_sigma,
                "mean": round(p.deal_median[s] * math.exp(p.deal_sigma**2 / 2), 2),
            }
            for s in range(3)
        },
        "channel_effects": {
            "lead_mql_multiplier": dict(p.channel_mql_effect),
            "downstream_multiplier": dict(p.channel_downstream_effect),
            "speed_multiplier": dict(p.channel_speed),
            "assist_share": dict(p.assist_share),
            "assist_lift": dict(p.assist_lift),
            "assist_factor": round(assist_factor(cfg), 6),
            "source_mix": dict(p.source_mix),
            "cost_per_lead": dict(p.cost_per_lead),
        },
        "fit_effects": {
            "lead_mql_by_title_kind": dict(p.title_mql_effect),
            "title_kinds": {"economic": "economic_buyer", "practitioner": "practitioner", "other": None},
            "lead_mql_by_industry": dict(p.industry_mql_effect),
            "lead_mql_other_industries": p.other_industry_mql_effect,
        },
        "student_share": p.student_share,
        "student_disqualify_rate": p.student_disqualify_rate,
        "realised": realised,
    }
