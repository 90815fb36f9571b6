"""The simulator is deterministic and its observable history matches the ground truth it writes."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from leadflow.playbook import load_playbook
from leadflow.simulate import SimConfig, SimResult, simulate
from leadflow.simulate.config import CHANNELS, SEGMENTS
from leadflow.simulate.population import persona_of

STAGES = ["lead", "mql", "sal", "sql", "opportunity", "customer", "recycled", "disqualified"]
FROM_TO = {
    "lead_mql": ("lead", "mql"),
    "mql_sal": ("mql", "sal"),
    "sal_sql": ("sal", "sql"),
    "sql_opportunity": ("sql", "opportunity"),
    "opportunity_customer": ("opportunity", "customer"),
    "recycled_mql": ("recycled", "mql"),
    "lead_sal": ("lead", "sal"),
}


@pytest.fixture(scope="module")
def big() -> SimResult:
    """Two years of 20,000 persons: enough complete cohorts for every transition."""
    return simulate(SimConfig(people=20_000, seed=11, months=24))


def _np(table: pa.Table, column: str) -> np.ndarray:
    col = table.column(column).combine_chunks()
    if pa.types.is_dictionary(col.type):
        col = col.cast(pa.string())
    if pa.types.is_timestamp(col.type):
        return col.cast(pa.int64()).to_numpy(zero_copy_only=False) // 1_000_000
    return col.to_numpy(zero_copy_only=False)


def _transitions(result: SimResult) -> dict[str, np.ndarray]:
    """Every entry into a stage with the person's next move (to stage and time), -1 when none."""
    sc = result.tables["stage_changes"]
    person, at = _np(sc, "person_id"), _np(sc, "at")
    to = np.array([STAGES.index(s) for s in _np(sc, "to_stage")])
    order = np.lexsort((_np(sc, "id"), at, person))
    person, at, to = person[order], at[order], to[order]
    same = np.r_[person[1:] == person[:-1], False]
    nxt_to = np.where(same, np.r_[to[1:], -1], -1)
    nxt_at = np.where(same, np.r_[at[1:], -1], -1)
    persons = result.tables["persons"]
    seg_of = {n: i for i, n in enumerate(SEGMENTS)}
    acc_seg = np.array([seg_of[s] for s in _np(result.tables["accounts"], "segment")])
    p_seg = acc_seg[_np(persons, "account_id") - 1]
    p_ch = np.array([CHANNELS.index(c) for c in _np(persons, "source_channel")])
    student = _np(persons, "persona") == "student"
    return {
        "person": person - 1,
        "at": at,
        "to": to,
        "next_to": nxt_to,
        "next_at": nxt_at,
        "seg": p_seg[person - 1],
        "channel": p_ch[person - 1],
        "student": student[person - 1],
    }


def _cohort(result: SimResult, tr: dict[str, np.ndarray], name: str) -> np.ndarray:
    """Entries into the from-stage old enough that their decision cannot be censored."""
    truth = result.ground_truth
    end = int(datetime.fromisoformat(truth["end"]).timestamp())
    frm = STAGES.index(FROM_TO[name][0])
    sel = (tr["to"] == frm) & (tr["at"] <= end - truth["max_days"][name] * 86_400)
    outbound = tr["channel"] == CHANNELS.index("outbound")
    if name == "lead_mql":
        sel &= ~outbound & ~tr["student"]
    if name == "lead_sal":
        sel &= outbound
    return np.flatnonzero(sel)


def test_same_seed_same_data_other_seed_other_data() -> None:
    a, b = simulate(SimConfig(people=3000, seed=4)), simulate(SimConfig(people=3000, seed=4))
    for name, table in a.tables.items():
        assert table.equals(b.tables[name]), name
    assert a.ground_truth == b.ground_truth
    c = simulate(SimConfig(people=3000, seed=5))
    assert not c.tables["stage_changes"].equals(a.tables["stage_changes"])


@pytest.mark.parametrize("name", list(FROM_TO))
def test_observed_rates_match_ground_truth_per_segment(big: SimResult, name: str) -> None:
    tr = _transitions(big)
    idx = _cohort(big, tr, name)
    to = STAGES.index(FROM_TO[name][1])
    success = tr["next_to"][idx] == to
    rates = big.ground_truth["rates"][name]
    p = np.array(
        [rates[SEGMENTS[s]][CHANNELS[c]] for s, c in zip(tr["seg"][idx], tr["channel"][idx], strict=True)]
    )
    checked = 0
    for s in range(3):
        m = tr["seg"][idx] == s
        if m.sum() < 100:
            continue
        expected, se = p[m].sum(), math.sqrt((p[m] * (1 - p[m])).sum())
        assert abs(success[m].sum() - expected) <= 4 * se + 1, (
            name,
            SEGMENTS[s],
            success[m].sum(),
            expected,
            se,
        )
        checked += 1
    assert checked >= 1, f"no segment had 100 complete {name} entries"


@pytest.mark.parametrize(
    "name",
    ["lead_mql", "mql_sal", "sal_sql", "sql_opportunity", "opportunity_customer", "recycled_mql", "lead_sal"],
)
def test_median_durations_match_ground_truth(big: SimResult, name: str) -> None:
    tr = _transitions(big)
    idx = _cohort(big, tr, name)
    decided = idx[tr["next_to"][idx] >= 0]
    days = (tr["next_at"][decided] - tr["at"][decided]) / 86_400
    medians = big.ground_truth["median_days"][name]
    truth = np.array(
        [
            medians[SEGMENTS[s]][CHANNELS[c]]
            for s, c in zip(tr["seg"][decided], tr["channel"][decided], strict=True)
        ]
    )
    sigma = big.ground_truth["duration_model"]["sigma"]
    cool = big.ground_truth["duration_model"]["cool_down_days"] if name == "recycled_mql" else 0.0
    assert (days >= cool).all()
    # each wait divided by its cell's median is lognormal(0, sigma): its median is 1 in every segment
    ratio = (days - cool) / (truth - cool)
    for s in range(3):
        r = ratio[tr["seg"][decided] == s]
        if len(r) < 50:
            continue
        tolerance = 4 * 1.2533 * sigma / math.sqrt(len(r)) + 0.001
        assert abs(math.log(np.median(r))) <= tolerance, (name, SEGMENTS[s], np.median(r), len(r))
    assert ratio.max() <= math.exp(sigma * big.ground_truth["duration_model"]["clip_z"]) + 0.001


def test_deal_sizes_follow_the_lognormal_per_segment(big: SimResult) -> None:
    opps = big.tables["opportunities"]
    persons = big.tables["persons"]
    seg = _np(big.tables["accounts"], "segment")[_np(opps, "account_id") - 1]
    amount = _np(opps, "amount")
    assert len(persons) > 0
    for name, truth in big.ground_truth["deal_size"].items():
        a = amount[seg == name]
        assert len(a) > 50
        tolerance = 4 * 1.2533 * truth["sigma"] / math.sqrt(len(a)) + 0.01  # amounts are rounded to 100
        assert abs(math.log(np.median(a) / truth["median"])) <= tolerance, name


def test_some_people_are_in_flight_at_the_end(big: SimResult) -> None:
    stages = pc.value_counts(big.tables["persons"].column("stage").combine_chunks()).to_pylist()
    counts = {d["values"]: d["counts"] for d in stages}
    for stage in ("lead", "mql", "sal", "sql", "opportunity", "customer", "recycled", "disqualified"):
        assert counts.get(stage, 0) > 0, stage
    end = datetime.fromisoformat(big.ground_truth["end"]).replace(tzinfo=None)
    for table, column in (("stage_changes", "at"), ("activities", "occurred_at"), ("persons", "created_at")):
        assert pc.max(big.tables[table].column(column)).as_py() < end
    assert big.ground_truth["now"] == big.ground_truth["end"]
    assert big.now == datetime(2027, 12, 1, tzinfo=UTC)
    statuses = set(big.tables["opportunities"].column("status").to_pylist())
    assert statuses == {"open", "won", "lost"}


def test_history_is_consistent_with_persons_and_entries(big: SimResult) -> None:
    tr = _transitions(big)
    persons = big.tables["persons"]
    sc = big.tables["stage_changes"]
    # every move starts where the previous one ended (replay), and the last one is the person's stage
    frm = np.array([STAGES.index(s) if s else -1 for s in sc.column("from_stage").to_pylist()])
    order = np.lexsort((_np(sc, "id"), _np(sc, "at"), _np(sc, "person_id")))
    person, frm_sorted = _np(sc, "person_id")[order], frm[order]
    first = np.r_[True, person[1:] != person[:-1]]
    assert (frm_sorted[first] == -1).all()
    prev_to = np.r_[-1, tr["to"][:-1]]
    assert (frm_sorted[~first] == prev_to[~first]).all()
    last = np.r_[person[1:] != person[:-1], True]
    stage_now = np.array([STAGES.index(s) for s in _np(persons, "stage")])
    assert (tr["to"][last] == stage_now[person[last] - 1]).all()
    assert (np.bincount(person, minlength=persons.num_rows + 1)[1:] == _np(persons, "version")).all()
    entries = big.tables["stage_entries"]
    assert pc.sum(entries.column("times")).as_py() == sc.num_rows
    # ids follow time in stage_changes and activities; activity keys are unique and ordered like ids
    assert (np.diff(_np(sc, "at")) >= 0).all()
    acts = big.tables["activities"]
    assert (np.diff(_np(acts, "occurred_at")) >= 0).all()
    keys = acts.column("idempotency_key").to_pylist()
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert set(sc.column("source").to_pylist()) == {"simulator"}


def test_world_follows_the_default_playbook(big: SimResult) -> None:
    pb = load_playbook(None).model
    accounts = big.tables["accounts"]
    for emp, seg in zip(_np(accounts, "employees"), _np(accounts, "segment"), strict=True):
        r = pb.segments[seg].employees
        assert r is not None and (r.min or 0) <= emp <= (r.max or math.inf)
    persons = big.tables["persons"].slice(0, 3000)
    for title, persona in zip(
        persons.column("title").to_pylist(), persons.column("persona").to_pylist(), strict=True
    ):
        assert persona_of(title, pb) == persona
    sourced = dict(
        zip(
            persons.column("source_channel").to_pylist(),
            persons.column("sourced_by").to_pylist(),
            strict=False,
        )
    )
    assert sourced["outbound"] == "sales" and sourced["organic"] == "marketing"
    users = big.tables["users"]
    assert users.column("password_hash").null_count == users.num_rows
    roles = set(users.column("role").to_pylist())
    assert {"sales", "sales_manager", "marketing", "marketing_lead"} <= roles
    assert {"inside_sales", "enterprise"} <= set(users.column("sales_team").to_pylist())
    reasons = pb.rejection_reasons["recycle"] + pb.rejection_reasons["disqualify"] + pb.lost_reasons
    assert set(big.tables["stage_changes"].column("reason").drop_null().to_pylist()) <= set(reasons)
    kinds = set(big.tables["activities"].column("type").combine_chunks().dictionary.to_pylist())
    assert {
        "page_view",
        "form_submit",
        "demo_request",
        "call",
        "email_sent",
        "meeting",
        "unsubscribe",
    } <= kinds
    costs = big.tables["campaigns"].column("cost").to_pylist()
    assert all(c > 0 for c in costs)


def test_every_simulated_move_is_one_the_playbook_allows() -> None:
    """Each history row passes the engine's own check: transition, actor, required fields, cool-down."""
    from leadflow.domain.lifecycle import Actor, decide

    pb = load_playbook(None).model
    result = simulate(SimConfig(people=3000, seed=6, months=18))
    rows = (
        result.tables["stage_changes"]
        .sort_by([("person_id", "ascending"), ("at", "ascending"), ("id", "ascending")])
        .to_pylist()
    )
    entered: dict[int, datetime] = {}
    for row in rows:
        if row["from_stage"] is not None:
            role = row["actor_role"]
            actor = Actor.system(row["actor"]) if role == "system" else Actor(row["actor"], role, role)
            fields = {k: str(v) for k, v in json.loads(row["fields"]).items()}
            t = decide(
                pb,
                row["from_stage"],
                row["to_stage"],
                actor,
                fields,
                entered_current_at=entered[row["person_id"]],
                now=row["at"],
            )
            assert t.name == row["transition"]
        entered[row["person_id"]] = row["at"]


def test_fit_effects_show_in_who_becomes_an_mql(big: SimResult) -> None:
    """Economic buyers and target industries reach MQL more often, by the factors the ground truth states."""
    tr = _transitions(big)
    idx = _cohort(big, tr, "lead_mql")
    success = tr["next_to"][idx] == STAGES.index("mql")
    rates = big.ground_truth["rates"]["lead_mql"]
    cell = np.array(
        [rates[SEGMENTS[s]][CHANNELS[c]] for s, c in zip(tr["seg"][idx], tr["channel"][idx], strict=True)]
    )
    effects = big.ground_truth["fit_effects"]
    persona = _np(big.tables["persons"], "persona")[tr["person"][idx]]
    kind = {"economic_buyer": "economic", "practitioner": "practitioner", None: "other"}
    for name, factor in effects["lead_mql_by_title_kind"].items():
        m = np.array([kind[p] == name for p in persona])
        expected = (cell[m] * factor).sum()  # each effect averages 1, so E[p | kind] ~ cell rate x factor
        se = math.sqrt((cell[m] * factor * (1 - cell[m] * factor)).sum())
        assert abs(success[m].sum() - expected) <= 4 * se + 0.02 * expected, (
            name,
            success[m].sum(),
            expected,
        )
