"""From the funnel's decisions to store-shaped tables: stage_changes, stage_entries, persons' state, deals."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from leadflow.simulate.columns import NO_TIME, ids, join, strings, ts
from leadflow.simulate.config import SimConfig
from leadflow.simulate.funnel import (
    CONVERT,
    DISQ,
    LOST,
    MOVES,
    PROSPECT,
    QUALIFY,
    RECYCLE,
    ROLES,
    STAGES,
    FunnelState,
)
from leadflow.simulate.population import Population

BANT = [
    {
        "budget": "approved",
        "authority": "decision_maker",
        "need": "funnel visibility",
        "timeline": "this quarter",
    },
    {"budget": "in planning", "authority": "champion", "need": "sla compliance", "timeline": "next quarter"},
    {"budget": "approved", "authority": "committee", "need": "lead routing", "timeline": "this half"},
    {"budget": "pending", "authority": "decision_maker", "need": "attribution", "timeline": "this quarter"},
]
OPEN_DEAL_STAGES = ("qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin", "contractsent")
PRODUCTS = ("LeadFlow Team", "LeadFlow Business", "LeadFlow Enterprise")


def stage_change_table(
    st: FunnelState, pop: Population, amounts: np.ndarray, playbook_version: str, rng: np.random.Generator
) -> tuple[pa.Table, dict[str, np.ndarray]]:
    """The stage_changes table (ids in time order) and its numpy columns."""
    c = st.log.columns()
    n = len(c["at"])
    move, reason = c["move"], c["reason"].astype(np.int64)
    # fields JSON: reason rows name their reason; qualify rows carry BANT; convert rows the amount.
    texts = ["{}"] + [json.dumps({"reason": r}) for r in st.reasons] + [json.dumps(b) for b in BANT]
    lost_texts = [json.dumps({"lost_reason": r}) for r in st.reasons]
    texts += lost_texts
    code = np.zeros(n, np.int64)
    rej = np.isin(move, [RECYCLE, DISQ])
    code[rej] = 1 + reason[rej]
    q = move == QUALIFY
    code[q] = 1 + len(st.reasons) + rng.integers(0, len(BANT), int(q.sum()))
    lost = move == LOST
    code[lost] = 1 + len(st.reasons) + len(BANT) + reason[lost]
    fields = strings(code, texts)
    conv = move == CONVERT
    if conv.any():
        amount_text = pc.cast(
            pa.array(np.where(conv, amounts[np.maximum(c["opp"] - 1, 0)], 0.0)), pa.string()
        )
        fields = pc.if_else(pa.array(conv), join('{"amount": ', amount_text, "}"), fields)
    reason_names = strings(np.where(reason >= 0, reason, -1), st.reasons)
    actors = ["system", *pop.user_emails[1:]]
    table = pa.table(
        {
            "id": np.arange(1, n + 1, dtype=np.int64),
            "person_id": c["person"] + 1,
            "from_stage": strings(c["from"].astype(np.int64), STAGES),
            "to_stage": strings(c["to"], STAGES),
            "at": ts(c["at"]),
            "transition": strings(move, MOVES),
            "actor": strings(c["actor"], actors),
            "actor_role": strings(c["role"], ROLES),
            "reason": reason_names,
            "note": pa.nulls(n, pa.string()),
            "fields": fields,
            "skipped": strings(np.where(move == PROSPECT, 0, -1), ['["mql"]']),
            "playbook_version": pa.array(np.full(n, playbook_version)),
            "source": pa.array(np.full(n, "simulator")),
        }
    )
    return table, c


def stage_entries_table(c: dict[str, np.ndarray]) -> pa.Table:
    """First and last entry per (person, stage) and how many times."""
    key = c["person"] * 16 + c["to"]
    order = np.lexsort((c["at"], key))
    k = key[order]
    uniq, first, counts = np.unique(k, return_index=True, return_counts=True)
    at = c["at"][order]
    return pa.table(
        {
            "person_id": uniq // 16 + 1,
            "stage": strings(uniq % 16, STAGES),
            "first_entered_at": ts(at[first]),
            "last_entered_at": ts(at[first + counts - 1]),
            "times": counts.astype(np.int32),
        }
    )


def person_state(c: dict[str, np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each person's current stage, when they entered it, and their version (= history rows)."""
    order = np.lexsort((c["at"], c["person"]))
    person = c["person"][order]
    last = np.flatnonzero(np.r_[person[1:] != person[:-1], True])
    stage = np.zeros(n, np.int64)
    entered = np.zeros(n, np.int64)
    stage[person[last]] = c["to"][order][last]
    entered[person[last]] = c["at"][order][last]
    version = np.bincount(person, minlength=n).astype(np.int32)
    return stage, entered, version


def persons_table(
    static: dict[str, pa.Array],
    pop: Population,
    st: FunnelState,
    c: dict[str, np.ndarray],
    unsubscribed: np.ndarray,
) -> pa.Table:
    """The persons table with lifecycle state exactly as the engine leaves it."""
    n = len(pop.person_created)
    stage, entered, version = person_state(c, n)
    nulls_f = pa.nulls(n, pa.float64())
    return pa.table(
        {
            **static,
            "stage": strings(stage, STAGES),
            "stage_entered_at": ts(entered),
            "owner_id": ids(st.owner),
            "assigned_at": ts(np.where(st.assigned_at >= 0, st.assigned_at, NO_TIME)),
            "fit_score": nulls_f,
            "engagement_score": nulls_f,
            "grade": pa.nulls(n, pa.string()),
            "scored_at": pa.nulls(n, pa.timestamp("us")),
            "model_probability": nulls_f,
            "do_not_contact": pa.array(unsubscribed),
            "properties": pa.array(np.full(n, "{}")),
            "created_at": ts(pop.person_created),
            "updated_at": ts(entered),
            "version": version,
        }
    )


def opportunity_tables(
    cfg: SimConfig, st: FunnelState, pop: Population, persons: pa.Table, rng: np.random.Generator
) -> tuple[pa.Table, pa.Table]:
    """Opportunities (one per conversion) and their contacts (the converted person plus colleagues)."""
    person = np.concatenate(st.opp_person)
    n = len(person)
    created, status = np.concatenate(st.opp_created), np.concatenate(st.opp_status)
    closed, amount = np.concatenate(st.opp_closed), np.concatenate(st.opp_amount)
    lost_reason = np.concatenate(st.opp_lost_reason)
    oid = np.arange(1, n + 1, dtype=np.int64)
    seg = pop.person_seg[person]
    account = pop.person_account[person]
    median_days = np.array(cfg.params.median_days["opportunity_customer"])[seg]
    expected = created + (median_days * 86_400).astype(np.int64)
    stage_code = np.where(status == 1, 4, np.where(status == 2, 5, rng.integers(0, 4, n)))
    acc_name = pop.accounts.column("name").combine_chunks().take(pa.array(account - 1))
    product = strings(seg, PRODUCTS)
    updated = np.where(closed >= 0, closed, created)
    opps = pa.table(
        {
            "id": oid,
            "external_id": join("sim-deal-", pc.cast(pa.array(oid), pa.string())),
            "name": join(acc_name, " - ", product),
            "account_id": account,
            "person_id": person + 1,
            "owner_id": ids(st.owner[person]),
            "product": product,
            "stage": strings(stage_code, [*OPEN_DEAL_STAGES, "closedwon", "closedlost"]),
            "status": strings(status, ["open", "won", "lost"]),
            "amount": amount,
            "created_at": ts(created),
            "expected_close": ts(expected),
            "closed_at": ts(np.where(closed >= 0, closed, NO_TIME)),
            "lost_reason": strings(lost_reason, st.reasons),
            "sourced_by": persons.column("sourced_by").combine_chunks().take(pa.array(person)),
            "properties": pa.array(np.full(n, "{}")),
            "updated_at": ts(updated),
            "version": (1 + (status > 0)).astype(np.int32),
        }
    )
    # contacts: the converted person and up to two colleagues from the same account
    by_account = np.argsort(pop.person_account, kind="stable")
    starts = np.searchsorted(pop.person_account[by_account], account)
    sizes = np.searchsorted(pop.person_account[by_account], account, side="right") - starts
    extra = rng.integers(0, 3, n)
    opp_idx, who = [np.arange(n)], [person]
    for j in range(2):
        pick = np.flatnonzero((extra > j) & (sizes > 1))
        other = by_account[starts[pick] + (rng.random(len(pick)) * sizes[pick]).astype(np.int64)]
        keep = other != person[pick]
        opp_idx.append(pick[keep])
        who.append(other[keep])
    o, w = np.concatenate(opp_idx), np.concatenate(who)
    key = np.unique(o * (cfg.people + 1) + w)
    o, w = key // (cfg.people + 1), key % (cfg.people + 1)
    role = pc.fill_null(persons.column("committee_role").combine_chunks().take(pa.array(w)), "influencer")
    contacts = pa.table({"opportunity_id": o + 1, "person_id": w + 1, "role": role})
    return opps, contacts
