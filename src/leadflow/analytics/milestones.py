"""The shared relations every metric starts from: person dimensions and when each funnel stage was reached."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from datetime import datetime

import ibis
import ibis.expr.types as ir

from leadflow.analytics.engines import Backend
from leadflow.analytics.filters import DIMENSIONS, NONE_LABEL, Filters, Period

MINUTE = 60


def funnel_stages(b: Backend) -> list[str]:
    """The demand waterfall in order (lead ... customer)."""
    return b.playbook.funnel_stages()


def won_stage(b: Backend) -> str:
    """The last funnel stage: reaching it means the deal was won."""
    return funnel_stages(b)[-1]


def ts(value: datetime) -> ir.TimestampScalar:
    """A naive-UTC timestamp literal."""
    return ibis.timestamp(value.replace(tzinfo=None, microsecond=0))


def within(col: ir.TimestampValue, period: Period) -> ir.BooleanValue:
    """col in [period.start, period.end)."""
    return (col >= ts(period.start)) & (col < ts(period.end))


def minutes_between(start: ir.TimestampValue, end: ir.TimestampValue) -> ir.IntegerValue:
    """Whole minutes from start to end (durations are measured to the minute on every engine)."""
    return (end.epoch_seconds() - start.epoch_seconds()) // MINUTE


def dims_needed(f: Filters, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The dimension columns a query reads: its breakdown, its person filters and `extra`, in DIMENSIONS order."""
    wanted = {*f.breakdown, *f.person_filters(), *extra}
    return tuple(name for name in DIMENSIONS if name in wanted)


def person_dims(b: Backend, f: Filters, extra: tuple[str, ...] = ()) -> ir.Table:
    """One row per person: id, created_at, stage, stage_entered_at, sourced_by and the dimensions that f
    (breakdown, person filters) and `extra` read; no other dimension column is there.

    Each dimension costs a lookup (account segment, campaign name, rep email, the playbook_version of the
    person's creation row: a scan of the history), so the per-person relation only carries those asked for.
    """
    return reach(b, f, extra)  # the same materialised relation: one scan of persons and history per session


def _dimension_columns(b: Backend, names: tuple[str, ...]) -> tuple[ir.Table, dict[str, ir.Value]]:
    """persons with the lookups the named dimensions need, and each dimension's column expression."""
    p = b.table("persons")
    j = p
    cols: dict[str, ir.Value] = {}
    if "segment" in names:
        a = b.table("accounts").select(a_id="id", a_segment="segment")
        j = j.left_join(a, p.account_id == a.a_id)
    if "campaign" in names:
        c = b.table("campaigns").select(c_id="id", c_name="name")
        j = j.left_join(c, p.source_campaign_id == c.c_id)
    if "rep" in names:
        u = b.table("users").select(u_id="id", u_email="email")
        j = j.left_join(u, p.owner_id == u.u_id)
    if "playbook_version" in names:
        sc = b.table("stage_changes")
        created = (
            sc.filter(sc.from_stage.isnull())
            .group_by(pv_person="person_id")
            .agg(pv_version=sc.playbook_version.max())
        )
        j = j.left_join(created, p.id == created.pv_person)
    source = {
        "segment": "a_segment",
        "persona": "persona",
        "channel": "source_channel",
        "campaign": "c_name",
        "rep": "u_email",
        "playbook_version": "pv_version",
    }
    for name in names:
        cols[name] = j[source[name]].fill_null(NONE_LABEL)
    return j, cols


def _person_dims(b: Backend, f: Filters, names: tuple[str, ...]) -> ir.Table:
    j, cols = _dimension_columns(b, names)
    dims = j.select(
        person_id=j.id,
        created_at=j.created_at,
        stage=j.stage,
        stage_entered_at=j.stage_entered_at,
        sourced_by=j.sourced_by.fill_null(NONE_LABEL),
        **cols,
    )
    for name, value in f.person_filters().items():
        dims = dims.filter(dims[name] == value)
    return dims


def _with_dims(b: Backend, table: ir.Table, names: tuple[str, ...]) -> ir.Table:
    """A per-person relation plus the named dimension columns it lacks, looked up by person_id."""
    missing = tuple(n for n in names if n not in table.columns)
    if not missing:
        return table
    j, cols = _dimension_columns(b, missing)
    extra = j.select(x_person=j.id, **cols)
    out = table.left_join(extra, table.person_id == extra.x_person)
    return out.drop("x_person")


def reach(b: Backend, f: Filters, extra: tuple[str, ...] = ()) -> ir.Table:
    """Person dims (see person_dims) plus, per funnel stage s: reach_<s> (first time at s or any later stage),
    first_<s> (first real entry) and, for every stage but the won one, exit_<s> (the next change after that
    entry, any stage; null while still there). Materialised once per session, indexed on person_id for the
    joins that follow.

    A person who jumped over a stage (Lead -> SQL) passed it at the jump: reach_mql = reach_sal = the SQL
    entry, and first_mql (a real entry) stays null -- the skipped flag of stage_changes, derived per stage.

    In a session, one relation per set of person filters: it carries the dimensions of the first request,
    and a later request that needs more gets them joined on (looked up, not materialised again).
    """
    names = dims_needed(f, extra)
    rows = tuple(sorted(f.person_filters().items()))
    for key, table in b.reused():
        if isinstance(key, tuple) and key[:2] == ("reach", rows):
            return _with_dims(b, table, names)
    return b.reuse(("reach", rows, names), lambda: _reach(b, f, names), index="person_id")


def _reach(b: Backend, f: Filters, names: tuple[str, ...]) -> ir.Table:
    stages = funnel_stages(b)
    sc = b.table("stage_changes").select("id", "person_id", "to_stage", "at")
    # next_at: the next change after each row (any stage). It only grows along a person's history, so its
    # minimum over a stage's rows is the exit of the first entry into that stage. Both keys are NOT NULL, so
    # NULLS FIRST changes nothing but lets SQLite read the order straight from its (person_id, at) index.
    order = [ibis.asc("at", nulls_first=True), ibis.asc("id", nulls_first=True)]
    sc = sc.mutate(next_at=sc.at.lead().over(ibis.window(group_by="person_id", order_by=order)))
    aggs: dict[str, ir.Value] = {}
    for s in stages:
        aggs[f"first_{s}"] = sc.at.min(where=sc.to_stage == s)
        if s != stages[-1]:  # nobody leaves the won stage in a metric: no exit_<won>
            aggs[f"exit_{s}"] = sc.next_at.min(where=sc.to_stage == s)
    per_person = sc.group_by(r_person="person_id").agg(**aggs)
    # reach_<s> = the earliest real entry into s or a later stage: a row-wise minimum of the first_<t>, t >= s
    # (one aggregate per stage fewer; nulls read as the far future, which then reads as null again).
    never = ts(datetime(9999, 12, 31))
    reached: dict[str, ir.Value] = {f"reach_{stages[-1]}": per_person[f"first_{stages[-1]}"]}
    for i, s in enumerate(stages[:-1]):
        later = [per_person[f"first_{t}"].fill_null(never) for t in stages[i:]]
        reached[f"reach_{s}"] = ibis.least(*later).nullif(never)
    per_person = per_person.mutate(**reached)
    dims = _person_dims(b, f, names)
    j = dims.left_join(per_person, dims.person_id == per_person.r_person)
    return j.drop("r_person")


def group_keys(f: Filters) -> list[str]:
    """The breakdown columns of a result, in order."""
    return list(f.breakdown)


def dims_only(table: ir.Table) -> list[str]:
    """The dimension columns present in a table."""
    return [name for name in DIMENSIONS if name in table.columns]


def opportunity_facts(b: Backend, f: Filters, extra: tuple[str, ...] = ()) -> ir.Table:
    """One row per opportunity with its person's sourced_by and the dimensions f and `extra` read; segment
    from the deal's account first."""
    names = dims_needed(f, extra)
    o = b.table("opportunities")
    d = person_dims(b, Filters(f.period, f.as_of), names)
    d = d.select(d_person="person_id", d_sourced_by="sourced_by", **{f"d_{n}": n for n in names})
    j = o.left_join(d, o.person_id == d.d_person)
    cols: dict[str, ir.Value] = {n: j[f"d_{n}"].fill_null(NONE_LABEL) for n in names}
    if "segment" in names:
        a = b.table("accounts").select(oa_id="id", oa_segment="segment")
        j = j.left_join(a, j.account_id == a.oa_id)
        cols["segment"] = j.oa_segment.fill_null(j.d_segment.fill_null(NONE_LABEL))
    facts = j.select(
        opp_id=j.id,
        person_id=j.person_id,
        created_at=j.created_at,
        closed_at=j.closed_at,
        status=j.status,
        amount=j.amount.fill_null(0.0),
        sourced_by=j.sourced_by.fill_null(j.d_sourced_by.fill_null(NONE_LABEL)),
        **cols,
    )
    for name, value in f.person_filters().items():
        facts = facts.filter(facts[name] == value)
    return facts


Part = Callable[[ir.Table], tuple[ir.BooleanValue, dict[str, ir.Value]]]


def stacked(table: ir.Table, keys: list[str], labels: list[dict[str, str]], parts: list[Part]) -> ir.Table:
    """UNION ALL of one select per part, as one pass: the table crossed with a tiny table of part labels.

    Each part gets the crossed table and returns (keep-row condition, output columns); labels become
    constant columns. One scan instead of one per part keeps the SQL small and the engines fast.
    """
    names = list(labels[0])
    tags = ibis.memtable(
        {"lf_part": list(range(len(parts))), **{f"lf_{n}": [lab[n] for lab in labels] for n in names}}
    )
    # Rows no part keeps are dropped before the cross join (conditions read only the table's columns).
    wanted = [cond for cond, _ in (part(table) for part in parts)]
    table = table.filter(functools.reduce(operator.or_, wanted))
    j = table.cross_join(tags)
    built = [part(j) for part in parts]
    keep = ibis.cases(*[(j.lf_part == i, cond) for i, (cond, _) in enumerate(built)], else_=False)
    cols = {
        name: ibis.cases(*[(j.lf_part == i, out[name]) for i, (_, out) in enumerate(built)])
        for name in built[0][1]
    }
    return j.filter(keep).select(*keys, **{n: j[f"lf_{n}"] for n in names}, **cols)
