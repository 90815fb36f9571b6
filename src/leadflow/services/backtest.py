"""Backtest a scoring/MQL rule: replay history and measure MQL volume, recall, precision and speed.

Replay: each person is scored as of each of their activities (and their creation), exactly as the live
incremental scorer would have done, using the set-based scoring query; their would-be MQL time is the
first of those moments at which the MQL rule holds. Outcomes (SQL entries, won deals) are taken from
history as it happened. Both the current and the candidate playbook are replayed the same way.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import duckdb

from leadflow.domain.scoring.decay import EPOCH, MICROSECOND
from leadflow.domain.scoring.rules import compile_model
from leadflow.playbook import LoadedPlaybook
from leadflow.services.context import Context
from leadflow.services.scoring_batch import SOURCE_TABLES, attach_store, duckdb_connection
from leadflow.services.scoring_sql import lit, scoring_query

EXTRA_TABLES = ("stage_entries", "opportunities", "opportunity_contacts", "users", "stage_changes")
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class RuleOutcome:
    """What one playbook's scoring and MQL rule would have produced over the backtest window."""

    version: str
    mql_rule: str
    mqls: int
    mqls_per_week: float
    peak_week: int
    weekly: dict[str, int]
    sqls: int
    sqls_caught: int
    won_deals: int
    won_caught: int
    mqls_to_sql: int
    median_days_to_mql: float | None

    @property
    def sql_recall(self) -> float | None:
        """Share of SQLs that would have been MQLs by the time they became SQL."""
        return self.sqls_caught / self.sqls if self.sqls else None

    @property
    def won_recall(self) -> float | None:
        """Share of won deals with a contact who would have been an MQL by the time the deal was opened."""
        return self.won_caught / self.won_deals if self.won_deals else None

    @property
    def precision(self) -> float | None:
        """MQL-to-SQL rate: share of would-be MQLs that later became SQL."""
        return self.mqls_to_sql / self.mqls if self.mqls else None


@dataclass(frozen=True)
class BacktestResult:
    """The current and the candidate rule side by side over the same history."""

    start: datetime
    end: datetime
    weeks: float
    capacity_per_week: float | None
    recorded_mqls_per_week: float
    current: RuleOutcome
    candidate: RuleOutcome
    notes: list[str] = field(default_factory=list)

    def rows(self) -> list[tuple[str, str, str]]:
        """Printable rows: measure, current, candidate."""

        def pct(v: float | None) -> str:
            return "-" if v is None else f"{v:.0%}"

        def days(v: float | None) -> str:
            return "-" if v is None else f"{v:.1f} d"

        cap = "unlimited" if self.capacity_per_week is None else f"{self.capacity_per_week:g}"
        a, b = self.current, self.candidate
        return [
            ("MQL rule", a.mql_rule, b.mql_rule),
            ("MQLs", str(a.mqls), str(b.mqls)),
            (f"MQLs per week (sales capacity {cap})", f"{a.mqls_per_week:.1f}", f"{b.mqls_per_week:.1f}"),
            ("Busiest week", str(a.peak_week), str(b.peak_week)),
            (
                "Won deals caught (recall)",
                f"{pct(a.won_recall)} of {a.won_deals}",
                f"{pct(b.won_recall)} of {b.won_deals}",
            ),
            ("SQLs caught (recall)", f"{pct(a.sql_recall)} of {a.sqls}", f"{pct(b.sql_recall)} of {b.sqls}"),
            ("MQL-to-SQL rate (precision)", pct(a.precision), pct(b.precision)),
            ("Median first touch to MQL", days(a.median_days_to_mql), days(b.median_days_to_mql)),
        ]


def _us(value: datetime) -> int:
    return (value - EPOCH) // MICROSECOND


def _at(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=int(us))


def _mql_times(con: duckdb.DuckDBPyConnection, playbook: LoadedPlaybook) -> dict[int, int]:
    """Each person's first would-be MQL moment (epoch microseconds) under this playbook."""
    scored = scoring_query(compile_model(playbook.model), points="lf_points", details=False)
    sql = f"SELECT person_id, min(as_of_us) FROM ({scored}) WHERE mql GROUP BY 1"
    return {int(p): int(t) for p, t in con.execute(sql).fetchall()}


def _outcome(
    con: duckdb.DuckDBPyConnection,
    playbook: LoadedPlaybook,
    start_us: int,
    end_us: int,
    weeks: float,
    sql_stage: str,
) -> RuleOutcome:
    times = _mql_times(con, playbook)
    con.execute("CREATE OR REPLACE TEMP TABLE lf_mql (person_id BIGINT, mql_us BIGINT)")
    if times:
        con.executemany("INSERT INTO lf_mql VALUES (?, ?)", list(times.items()))
    in_window = {p: t for p, t in times.items() if start_us <= t <= end_us}
    weekly: dict[str, int] = {}
    for t in in_window.values():
        year, week, _ = _at(t).isocalendar()
        weekly[f"{year}-W{week:02d}"] = weekly.get(f"{year}-W{week:02d}", 0) + 1
    sql_first = dict(
        con.execute(
            "SELECT person_id, epoch_us(first_entered_at) FROM lf_stage_entries "
            f"WHERE stage = {lit(sql_stage)}"
        ).fetchall()
    )
    sqls = {p: t for p, t in sql_first.items() if start_us <= t <= end_us}
    won = con.execute(
        """SELECT o.id, epoch_us(o.created_at), epoch_us(coalesce(o.closed_at, o.updated_at, o.created_at)),
                  list(DISTINCT x.person_id) FILTER (WHERE x.person_id IS NOT NULL)
           FROM lf_opportunities o LEFT JOIN (
               SELECT id AS opportunity_id, person_id FROM lf_opportunities
               UNION ALL SELECT opportunity_id, person_id FROM lf_opportunity_contacts
           ) x ON x.opportunity_id = o.id
           WHERE o.status = 'won' GROUP BY 1, 2, 3"""
    ).fetchall()
    won = [w for w in won if start_us <= w[2] <= end_us]
    won_caught = sum(
        1 for _, created, _, people in won if any(p in times and times[p] <= created for p in people or [])
    )
    first_touch = dict(
        con.execute(
            """SELECT p.id, least(coalesce(min(epoch_us(a.occurred_at)), epoch_us(p.created_at)),
                                  epoch_us(p.created_at))
           FROM lf_persons p JOIN lf_mql m ON m.person_id = p.id
           LEFT JOIN lf_activities a ON a.person_id = p.id
           GROUP BY p.id, p.created_at"""
        ).fetchall()
    )
    delays = [max(0, t - first_touch[p]) / 86_400e6 for p, t in in_window.items() if p in first_touch]
    return RuleOutcome(
        version=playbook.version,
        mql_rule=playbook.model.scoring.mql_rule,
        mqls=len(in_window),
        mqls_per_week=len(in_window) / weeks if weeks else 0.0,
        peak_week=max(weekly.values(), default=0),
        weekly=dict(sorted(weekly.items())),
        sqls=len(sqls),
        sqls_caught=sum(1 for p, t in sqls.items() if p in times and times[p] <= t),
        won_deals=len(won),
        won_caught=won_caught,
        mqls_to_sql=sum(1 for p, t in in_window.items() if p in sql_first and sql_first[p] >= t),
        median_days_to_mql=statistics.median(delays) if delays else None,
    )


def backtest(
    ctx: Context, candidate: LoadedPlaybook, *, weeks: int | None = None, sql_stage: str = "sql"
) -> BacktestResult:
    """Replay the store's history under the current playbook and a candidate one; compare them."""
    end = ctx.clock.now()
    con = duckdb_connection()
    try:
        attach_store(con, ctx.engine, SOURCE_TABLES + EXTRA_TABLES)
        end_us = _us(end)
        con.execute(
            f"""CREATE TEMP TABLE lf_points AS
                SELECT DISTINCT person_id, epoch_us(occurred_at) AS as_of_us FROM lf_activities
                WHERE epoch_us(occurred_at) <= {end_us}
                UNION SELECT id, epoch_us(created_at) FROM lf_persons
                WHERE epoch_us(created_at) <= {end_us}"""
        )
        first = con.execute("SELECT min(as_of_us) FROM lf_points").fetchone()
        start = (
            end - timedelta(weeks=weeks)
            if weeks
            else (_at(first[0]) if first and first[0] is not None else end)
        )
        start = min(start, end)
        span = max((end - start) / WEEK, 1 / 7)
        start_us = _us(start)
        current = _outcome(con, ctx.playbook, start_us, end_us, span, sql_stage)
        other = _outcome(con, candidate, start_us, end_us, span, sql_stage)
        cap_row = con.execute(
            """SELECT count(*), sum(coalesce(max_open_mqls, max_new_per_day * 5)),
                      count(*) FILTER (WHERE max_open_mqls IS NULL AND max_new_per_day IS NULL)
               FROM lf_users WHERE active AND team = 'sales'"""
        ).fetchone()
        recorded = con.execute(
            f"""SELECT count(*) FROM lf_stage_changes
                WHERE to_stage = {lit(ctx.playbook.model.scoring.mql_stage)}
                AND epoch_us("at") BETWEEN {start_us} AND {end_us}"""
        ).fetchone()
    finally:
        con.close()
    notes = []
    capacity: float | None = None
    if cap_row and cap_row[0]:
        capacity = float(cap_row[1] or 0)
        if cap_row[2]:
            notes.append(f"{cap_row[2]} active sales user(s) have no capacity set and count as 0.")
    else:
        notes.append("No active sales users: capacity is unknown.")
    notes.append(
        "Would-be MQL: the first activity (or creation) at which the rule held, scored as of that moment."
    )
    return BacktestResult(
        start.astimezone(UTC),
        end,
        span,
        capacity,
        (recorded[0] if recorded else 0) / span,
        current,
        other,
        notes,
    )
