"""Revenue sourcing (marketing/sales-sourced, marketing-influenced) and attribution of milestones."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow.compute as pc

from leadflow.analytics.engines import Backend
from leadflow.analytics.filters import NONE_LABEL, Filters
from leadflow.analytics.milestones import group_keys, opportunity_facts, reach, ts, within
from leadflow.domain.attribution import (
    RULE_MODELS,
    Attribution,
    Journey,
    PathTotals,
    Touch,
    aggregate_paths,
    attribute,
    journey_rows,
    markov_attribution,
    shapley_attribution,
)
from leadflow.errors import InvalidInput

Milestone = Literal["lead_created", "mql", "opportunity_created", "won"]
MILESTONES: tuple[str, ...] = ("lead_created", "mql", "opportunity_created", "won")
DEFAULT_MODELS = (*RULE_MODELS, "markov_1", "markov_2", "shapley")
SOURCING = ("marketing_sourced", "sales_sourced", "unknown_sourced", "total", "marketing_influenced")


def influenced_expr(b: Backend, f: Filters) -> ir.Table:
    """Opportunities with a marketing touch (an activity not done by a rep) by any contact before creation.

    A property of each opportunity, not of the period or filters: computed once per session.
    """
    return b.reuse(("influenced",), lambda: _influenced(b, f), index="i_opp")


def _influenced(b: Backend, f: Filters) -> ir.Table:
    o = opportunity_facts(b, Filters(f.period, f.as_of))
    links = o.select(l_opp="opp_id", l_person="person_id", l_at="created_at")
    if b.has_table("opportunity_contacts"):
        oc = b.table("opportunity_contacts")
        extra = oc.inner_join(o, oc.opportunity_id == o.opp_id).select(
            l_opp="opportunity_id", l_person=oc.person_id, l_at="created_at"
        )
        links = ibis.union(links, extra, distinct=True)
    acts = b.table("activities")
    acts = acts.filter(acts.actor_id.isnull())
    # A semi-join: engines stop at the first touch per link (SQLite walks its person/time index).
    touched = links.semi_join(acts, [links.l_person == acts.person_id, acts.occurred_at <= links.l_at])
    return touched.select(i_opp="l_opp").distinct()


def sourcing_expr(b: Backend, f: Filters) -> ir.Table:
    """Pipeline created and revenue won in the period by sourced_by and marketing influence."""
    o = opportunity_facts(b, f)
    inf = influenced_expr(b, f)
    j = o.left_join(inf, o.opp_id == inf.i_opp)
    created = within(j.created_at, f.period) & (j.created_at <= ts(f.as_of))
    won = (j.status == "won") & within(j.closed_at, f.period) & (j.closed_at <= ts(f.as_of))
    keys = group_keys(f)
    j = j.mutate(influenced=ibis.cases((j.i_opp.notnull(), 1), else_=0))
    return j.group_by([*keys, "sourced_by", "influenced"]).agg(
        opportunities=j.opp_id.count(where=created),
        pipeline=j.amount.sum(where=created),
        won=j.opp_id.count(where=won),
        revenue=j.amount.sum(where=won),
    )


def sourcing(b: Backend, f: Filters) -> pd.DataFrame:
    """Marketing-sourced, sales-sourced, unknown, total and marketing-influenced pipeline and revenue."""
    keys = group_keys(f)
    raw = b.run(sourcing_expr(b, f))
    for col in ("pipeline", "revenue"):
        raw[col] = raw[col].fillna(0.0).astype(float)
    cats = {
        "marketing_sourced": raw["sourced_by"] == "marketing",
        "sales_sourced": raw["sourced_by"] == "sales",
        "unknown_sourced": ~raw["sourced_by"].isin(["marketing", "sales"]),
        "total": raw["sourced_by"].notna(),
        "marketing_influenced": raw["influenced"] == 1,
    }
    groups = raw[keys].drop_duplicates().sort_values(keys) if keys else pd.DataFrame([{}])
    rows = []
    for _, g in groups.iterrows():
        mask = pd.Series(True, index=raw.index)
        for k in keys:
            mask &= raw[k] == g[k]
        for name, cat in cats.items():
            part = raw[mask & cat]
            rows.append(
                {
                    **{k: g[k] for k in keys},
                    "category": name,
                    "opportunities": int(part["opportunities"].sum()),
                    "pipeline": float(part["pipeline"].sum()),
                    "won": int(part["won"].sum()),
                    "revenue": float(part["revenue"].sum()),
                }
            )
    return pd.DataFrame(rows, columns=[*keys, "category", "opportunities", "pipeline", "won", "revenue"])


def conversions_expr(b: Backend, f: Filters, milestone: str) -> ir.Table:
    """Journeys to credit: (conv_id, person_id, at, value, converted, lead_at, opp_at, won_at), one per row.

    conv_id is the person id, or minus the opportunity id for the opportunity milestones.

    Converted: the milestone happened in the period (and by as_of). Not converted (for Markov and Shapley):
    people created in the period who had not reached it by as_of; their path ends at as_of.
    """
    if milestone not in MILESTONES:
        raise InvalidInput(
            f"unknown milestone {milestone!r}", where="--milestone", hint=f"use {', '.join(MILESTONES)}"
        )
    end = ts(f.as_of)
    w = reach(b, f)
    o = b.table("opportunities")
    opp = o.group_by(p_person="person_id").agg(
        p_opp=o.created_at.min(), p_won=o.closed_at.min(where=o.status == "won")
    )
    w = w.left_join(opp, w.person_id == opp.p_person)
    base = dict(person_id=w.person_id, lead_at=w.created_at, opp_at=w.p_opp, won_at=w.p_won)
    if milestone in ("lead_created", "mql"):
        at = w.created_at if milestone == "lead_created" else w.reach_mql
        done = at.notnull() & within(at, f.period) & (at <= end)
        conv = w.filter(done).select(
            conv_id=w.person_id.cast("int64"),
            at=at.cast("timestamp"),
            value=ibis.literal(1.0),
            converted=ibis.literal(1, "int8"),
            **base,
        )
        later = at.isnull() | (at > end)
    else:
        facts = opportunity_facts(b, f)
        at_col = "created_at" if milestone == "opportunity_created" else "closed_at"
        ok = facts[at_col].notnull() & within(facts[at_col], f.period) & (facts[at_col] <= end)
        if milestone == "won":
            ok = ok & (facts.status == "won")
        c = facts.filter(ok & facts.person_id.notnull())
        c = c.inner_join(w, c.person_id == w.person_id)
        conv = c.select(
            conv_id=-c.opp_id.cast("int64"),
            at=c[at_col].cast("timestamp"),
            value=c.amount,
            converted=ibis.literal(1, "int8"),
            person_id=c.person_id,
            lead_at=c.created_at_right,
            opp_at=c.p_opp,
            won_at=c.p_won,
        )
        first = w.p_opp if milestone == "opportunity_created" else w.p_won
        later = first.isnull() | (first > end)
    nulls = w.filter(within(w.created_at, f.period) & (w.created_at <= end) & later).select(
        conv_id=w.person_id.cast("int64"),
        at=end.cast("timestamp"),
        value=ibis.literal(0.0),
        converted=ibis.literal(0, "int8"),
        **base,
    )
    return ibis.union(conv, nulls, distinct=False)


def touches_expr(b: Backend, conv: ir.Table, by: str) -> ir.Table:
    """The touches of each journey up to its conversion (or as_of): conv_id, occurred_at, id, key."""
    acts = b.table("activities")
    if by == "campaign":
        c = b.table("campaigns").select(k_id="id", k_name="name")
        acts = acts.left_join(c, acts.campaign_id == c.k_id)
        key = acts.k_name.fill_null(NONE_LABEL)
    elif by == "channel":
        key = acts.channel.fill_null(NONE_LABEL)
    else:
        raise InvalidInput(f"cannot attribute by {by!r}", where="--by", hint="use channel or campaign")
    acts = acts.select(a_person="person_id", occurred_at="occurred_at", a_id="id", key=key)
    keys = conv.select("conv_id", "person_id", "at")
    j = acts.inner_join(keys, acts.a_person == keys.person_id)
    return j.filter(j.occurred_at <= j.at).select("conv_id", "occurred_at", "a_id", "key")


def _last_at_or_before(times: Sequence[datetime], limit: Any) -> int | None:
    if limit is None or limit is pd.NaT or (isinstance(limit, float) and limit != limit):
        return None
    idx = None
    for i, t in enumerate(times):
        if t <= limit:
            idx = i
    return idx


def _py(value: Any) -> Any:
    return (
        None
        if value is None or value is pd.NaT
        else (value.to_pydatetime() if hasattr(value, "to_pydatetime") else value)
    )


def build_journeys(conv: pd.DataFrame, touches: pd.DataFrame) -> list[Journey]:
    """Journeys in conv_id order, touches in time order, milestone touches flagged."""
    touches = touches.sort_values(["conv_id", "occurred_at", "a_id"])
    by_conv: dict[str, tuple[list[str], list[datetime]]] = {}
    for cid, key, at in zip(
        touches["conv_id"].tolist(),
        touches["key"].tolist(),
        touches["occurred_at"].dt.to_pydatetime().tolist(),
        strict=True,
    ):
        slot = by_conv.setdefault(cid, ([], []))
        slot[0].append(str(key))
        slot[1].append(at)
    conv = conv.sort_values("conv_id")
    journeys = []
    cols = [conv[c].tolist() for c in ("conv_id", "value", "converted", "at", "lead_at", "opp_at", "won_at")]
    for cid, value, converted, at, lead_at, opp_at, won_at in zip(*cols, strict=True):
        keys, times = by_conv.get(cid, ([], []))
        lead_i = _last_at_or_before(times, _py(lead_at))
        opp_i = _last_at_or_before(times, _py(opp_at))
        won_i = _last_at_or_before(times, _py(won_at))
        items = tuple(
            Touch(
                k,
                t,
                is_first=i == 0,
                is_lead_creation=i == lead_i,
                is_opportunity_creation=i == opp_i,
                is_closed_won=i == won_i,
            )
            for i, (k, t) in enumerate(zip(keys, times, strict=True))
        )
        name = f"opportunity {-cid}" if cid < 0 else f"person {cid}"
        journeys.append(Journey(name, items, float(value), bool(converted), _py(at)))
    return journeys


def _data_driven(name: str) -> bool:
    return name == "shapley" or (name.startswith("markov_") and name[7:].isdigit())


def credit(
    journeys: Iterable[Journey],
    models: Sequence[str],
    paths: dict[tuple[str, ...], PathTotals] | None = None,
    done: dict[str, Attribution] | None = None,
) -> pd.DataFrame:
    """Credits per model and key (conversions and value); each model's credits sum to the conversions.

    Rule models credit the converted journeys; Markov and Shapley use `paths` (all journeys, aggregated),
    built from the journeys when not given; `done` holds models already computed another way.
    """
    journeys = list(journeys)
    converted = [j for j in journeys if j.converted]
    done = done or {}
    if paths is None:
        data_driven = any(_data_driven(m) and m not in done for m in models)
        paths = aggregate_paths(journey_rows(journeys)) if data_driven else {}
    rows = []
    for name in models:
        result: Attribution
        if name in done:
            result = done[name]
        elif name in RULE_MODELS:
            result = attribute(converted, RULE_MODELS[name])
        elif name.startswith("markov_") and name[7:].isdigit():
            result = markov_attribution(paths, int(name[7:])).attribution
        elif name == "shapley":
            result = shapley_attribution(paths)
        else:
            raise InvalidInput(
                f"unknown model {name!r}",
                where="--model",
                hint=f"use {', '.join(DEFAULT_MODELS)} (markov_K for any order K)",
            )
        total = result.total_conversions
        for key in sorted(result.conversions):
            conv = float(result.conversions[key])
            rows.append(
                {
                    "model": name,
                    "key": key,
                    "conversions": conv,
                    "value": float(result.value.get(key, 0.0)),
                    "share": conv / total if total else 0.0,
                }
            )
    return pd.DataFrame(rows, columns=["model", "key", "conversions", "value", "share"])


def journeys_for(
    b: Backend, f: Filters, milestone: str = "won", by: str = "channel", converted_only: bool = False
) -> list[Journey]:
    """The journeys to a milestone of the period (engine: selection and joins; Python: ordering)."""
    with b.session():
        conv_e = conversions_expr(b, f, milestone)
        if converted_only:
            conv_e = conv_e.filter(conv_e.converted == 1)
        conv = b.run(conv_e)
        touches = b.run(touches_expr(b, conv_e, by))
        return build_journeys(conv, touches)


@dataclass(frozen=True)
class OrderedTouches:
    """Every journey's touches as integer codes, journeys in conv_id order, touches in time order.

    conv_ids/converted/values: one row per journey (sorted by conv_id); touch_conv/touch_code: one row per
    touch (sorted by conv_id, time, activity id); names: the key of each touch code.
    """

    conv_ids: np.ndarray
    converted: np.ndarray
    values: np.ndarray
    touch_conv: np.ndarray
    touch_code: np.ndarray
    names: list[str]


def ordered_touches(b: Backend, f: Filters, milestone: str = "won", by: str = "channel") -> OrderedTouches:
    """The engine joins and orders the touches; only (conv_id, key code) pairs leave it, as Arrow arrays."""
    with b.session():
        conv_e = conversions_expr(b, f, milestone)
        conv = b.run(conv_e.select("conv_id", "converted", "value").order_by("conv_id"))
        t = touches_expr(b, conv_e, by)
        touches = b.con.to_pyarrow(t.order_by(["conv_id", "occurred_at", "a_id"]).select("conv_id", "key"))
    keys = pc.dictionary_encode(touches.column("key").combine_chunks())
    return OrderedTouches(
        conv["conv_id"].to_numpy(dtype=np.int64),
        conv["converted"].to_numpy(dtype=np.int64) == 1,
        conv["value"].to_numpy(dtype=np.float64),
        touches.column("conv_id").to_numpy().astype(np.int64, copy=False),
        keys.indices.to_numpy(zero_copy_only=False).astype(np.int64),
        [str(k) for k in keys.dictionary.to_pylist()],
    )


def paths_for(
    b: Backend, f: Filters, milestone: str = "won", by: str = "channel"
) -> dict[tuple[str, ...], PathTotals]:
    """Aggregated paths (what Markov and Shapley need) without per-touch objects: fast at 1M journeys."""
    return aggregated_paths(ordered_touches(b, f, milestone, by))


def aggregated_paths(o: OrderedTouches) -> dict[tuple[str, ...], PathTotals]:
    """The paths of ordered touches, identical paths counted once (a journey without touches: (none))."""
    names = np.asarray(o.names, dtype=object)[o.touch_code].tolist()
    n = len(o.touch_conv)
    starts = np.flatnonzero(np.r_[True, o.touch_conv[1:] != o.touch_conv[:-1]]) if n else np.array([], int)
    ends = np.r_[starts[1:], n] if n else np.array([], int)  # no touches: no paths
    by_code = {
        int(o.touch_conv[s]): tuple(names[s:e]) for s, e in zip(starts.tolist(), ends.tolist(), strict=True)
    }
    rows = zip(o.conv_ids.tolist(), o.converted.tolist(), o.values.tolist(), strict=True)
    return aggregate_paths((by_code.get(code, ()), c, v) for code, c, v in rows)


def attribution(
    b: Backend,
    f: Filters,
    milestone: str = "won",
    models: Sequence[str] = DEFAULT_MODELS,
    by: str = "channel",
) -> pd.DataFrame:
    """Credits of the period's conversions at a milestone per model and channel (or campaign).

    First-order Markov comes from transition counts; other orders and Shapley from aggregated paths."""
    from leadflow.analytics.transitions import count_transitions, markov_1

    with b.session():
        rules = any(m in RULE_MODELS for m in models)
        journeys = journeys_for(b, f, milestone, by, converted_only=True) if rules else []
        data_driven = [m for m in models if _data_driven(m)]
        touches = ordered_touches(b, f, milestone, by) if data_driven else None
        done = {}
        if touches is not None and "markov_1" in models:
            done["markov_1"] = markov_1(count_transitions(touches)).attribution
        others = touches is not None and any(m not in done for m in data_driven)
        paths = aggregated_paths(touches) if touches is not None and others else {}
        return credit(journeys, models, paths, done)
