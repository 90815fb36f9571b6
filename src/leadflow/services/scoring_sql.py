"""The batch scorer as one set-based DuckDB query: the same rules as domain.scoring, written as SQL.

The query reads five relations (lf_persons, lf_accounts, lf_activities, lf_campaigns, lf_assets): views over
the attached store (SQLite or PostgreSQL through DuckDB's scanners) or, in benchmarks, native tables. Each
condition is translated from the same compiled matcher the Python scorer runs, so both agree to the point.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import Engine

from leadflow.domain.scoring.conditions import (
    URL_HOST,
    Between,
    Condition,
    Contains,
    OneOf,
    Pattern,
    glob_regex,
)
from leadflow.domain.scoring.decay import EPOCH, MICROSECOND, PERIOD_ANCHOR_EPOCH_US
from leadflow.domain.scoring.grades import GradeScale
from leadflow.domain.scoring.mql_rule import BoolOp, Const, Node, NotOp, NumberCmp, RankCmp
from leadflow.domain.scoring.rules import ScoringModel
from leadflow.errors import ConfigError

SOURCE_TABLES = ("persons", "accounts", "activities", "campaigns", "assets")
_FIT_SQL: dict[str, str] = {
    "email": "lower(p.email)",
    "email_domain": "CASE WHEN contains(p.email, '@') THEN lower(regexp_extract(p.email, '@([^@]*)$', 1)) "
    "END",
    "title": "lower(p.title)",
    "country": "lower(coalesce(p.country, acc.country))",
    "region": "lower(coalesce(p.region, acc.region))",
    "committee_role": "lower(p.committee_role)",
    "source_channel": "lower(p.source_channel)",
    "sourced_by": "lower(p.sourced_by)",
    "industry": "lower(acc.industry)",
    "employees": "acc.employees",
    "annual_revenue": "acc.annual_revenue",
    "account_domain": "lower(acc.domain)",
    "account_country": "lower(acc.country)",
    "account_region": "lower(acc.region)",
}
_ACTIVITY_SQL: dict[str, list[str]] = {
    "type": ["lower(a.type)"],
    "channel": ["lower(a.channel)"],
    "url": ["lower(a.url)"],
    "campaign": ["lower(c.external_id)", "lower(c.name)"],
    "campaign_kind": ["lower(c.kind)"],
    "asset": ["lower(s.external_id)"],
    "asset_kind": ["lower(s.kind)"],
    "asset_stage": ["lower(s.buyer_stage)"],
}


def lit(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def num(value: float) -> str:
    """A SQL double literal."""
    return f"CAST({float(value)!r} AS DOUBLE)"


def ts(value: datetime) -> str:
    """A naive-UTC timestamp literal (the store keeps naive UTC)."""
    return f"TIMESTAMP '{value.replace(tzinfo=None).isoformat(sep=' ')}'"


def _json(column: str, name: str) -> str:
    return f"lower(json_extract_string({column}, {lit('$.' + name)}))"


def matcher_sql(matcher: Any, expr: str) -> str:
    """One matcher applied to one (lower-cased) SQL expression; NULL never matches."""
    match matcher:
        case OneOf(values):
            return f"({expr} IN ({', '.join(lit(v) for v in sorted(values))}))"
        case Between(low, high):
            number = f"TRY_CAST({expr} AS DOUBLE)"
            parts = [
                f"{number} >= {num(low)}" if low is not None else "",
                f"{number} <= {num(high)}" if high is not None else "",
            ]
            parts = [p for p in parts if p] or [f"{number} IS NOT NULL"]
            return "(" + " AND ".join(parts) + ")"
        case Contains(words):
            return "(" + " OR ".join(f"contains({expr}, {lit(w)})" for w in words) + ")"
        case Pattern(globs):
            items = []
            for g in globs:
                target = f"regexp_replace({expr}, {lit(URL_HOST)}, '')" if g.startswith("/") else expr
                items.append(f"regexp_full_match({target}, {lit(glob_regex(g))})")
            return "(" + " OR ".join(items) + ")"
    raise AssertionError(matcher)  # pragma: no cover


def _persona_sql(model: ScoringModel) -> str:
    whens = [
        f"WHEN {matcher_sql(Contains(words), 'lower(p.title)')} THEN {lit(pid.lower())}"
        for pid, words in model.personas
        if words
    ]
    derived = f"CASE {' '.join(whens)} END" if whens else "NULL"
    return f"coalesce(lower(p.persona), {derived})"


def _segment_sql(model: ScoringModel) -> str:
    whens = []
    for sid, employees, revenue in model.segments:
        if not (employees or revenue):
            continue
        parts = []
        if employees:
            parts.append(matcher_sql(Between(*employees), "acc.employees"))
        if revenue:
            parts.append(matcher_sql(Between(*revenue), "acc.annual_revenue"))
        whens.append(f"WHEN {' AND '.join(parts)} THEN {lit(sid)}")
    derived = f"CASE {' '.join(whens)} END" if whens else "NULL"
    return f"coalesce(lower(acc.segment), {derived})"


def _fit_condition(model: ScoringModel, cond: Condition) -> str:
    if cond.field.startswith("account.properties."):
        expr = _json("acc.properties", cond.field.removeprefix("account.properties."))
    elif cond.field.startswith("properties."):
        expr = _json("p.properties", cond.field.removeprefix("properties."))
    elif cond.field == "persona":
        expr = _persona_sql(model)
    elif cond.field == "segment":
        expr = _segment_sql(model)
    else:
        expr = _FIT_SQL[cond.field]
    return matcher_sql(cond.matcher, expr)


def _activity_columns(model: ScoringModel) -> dict[str, list[str]]:
    """The activity fields the rules use, each projected once (column name -> SQL expressions)."""
    out: dict[str, list[str]] = {}
    for rule in model.engagement_rules:
        for cond in rule.conditions:
            if cond.field.startswith("properties."):
                out[cond.field] = [_json("a.properties", cond.field.removeprefix("properties."))]
            else:
                out[cond.field] = _ACTIVITY_SQL[cond.field]
    return out


def _col(field: str, i: int) -> str:
    return "f_" + re.sub(r"[^a-z0-9_]", "_", field.lower()) + f"_{i}"


def _rule_condition(cond: Condition, names: dict[str, list[str]]) -> str:
    return "(" + " OR ".join(matcher_sql(cond.matcher, col) for col in names[cond.field]) + ")"


def _case(model: ScoringModel, attr: str, default: str = "0") -> str:
    whens = " ".join(
        f"WHEN {r.index} THEN {value}"
        for r in model.engagement_rules
        if (value := _rule_attr(r, attr)) is not None
    )
    return f"CASE rule {whens} ELSE {default} END" if whens else default


def _rule_attr(rule: Any, attr: str) -> str | None:
    if attr == "points":
        return num(rule.points)
    if attr == "period":
        return f"(at_us - {PERIOD_ANCHOR_EPOCH_US}) // {rule.per_us}" if rule.per_us else None
    if attr == "clip":
        return f"greatest(least(total, {num(rule.cap)}), -{num(rule.cap)})" if rule.cap is not None else None
    if attr == "positive":
        return "TRUE" if rule.points > 0 else None
    raise AssertionError(attr)  # pragma: no cover


def scoring_query(model: ScoringModel, as_of: datetime | None = None, *, points: str | None = None) -> str:
    """Score every person as of one moment, or (points = a relation of person_id, as_of_us) at many moments.

    Output columns: person_id, as_of_us, stage, stage_entered_at, fit, fit_rules (list of rule indexes),
    engagement, eng_rules (list of {rule, points, n, capped}), last_positive_us.
    """
    if (as_of is None) == (points is None):
        raise ValueError("give either as_of or points")
    names = _activity_columns(model)
    projected = {f: [_col(f, i) for i in range(len(exprs))] for f, exprs in names.items()}
    proj = ", ".join(
        f"{e} AS {c}" for f, exprs in names.items() for e, c in zip(exprs, projected[f], strict=True)
    )
    needs_c = any(e.startswith("lower(c.") for exprs in names.values() for e in exprs)
    needs_s = any(e.startswith("lower(s.") for exprs in names.values() for e in exprs)
    joins = ("LEFT JOIN lf_campaigns c ON c.id = a.campaign_id " if needs_c else "") + (
        "LEFT JOIN lf_assets s ON s.id = a.asset_id " if needs_s else ""
    )
    life = model.lifespan_us
    if as_of is not None:
        now_us = f"CAST({(as_of - EPOCH) // MICROSECOND} AS BIGINT)"
        where = f"a.occurred_at <= {ts(as_of)}"
        if life is not None:
            where += f" AND a.occurred_at > {ts(as_of - timedelta(microseconds=life))}"
        src_from = f"lf_activities a {joins}WHERE {where}"
        key_sel, key = f"{now_us} AS as_of_us", "pid"
    else:
        cond = "a.person_id = pt.person_id AND epoch_us(a.occurred_at) <= pt.as_of_us"
        if life is not None:
            cond += f" AND epoch_us(a.occurred_at) > pt.as_of_us - {life}"
        src_from = f"{points} pt JOIN lf_activities a ON {cond} {joins}"
        key_sel, key, now_us = "pt.as_of_us AS as_of_us", "pid, as_of_us", "as_of_us"
    rules = [
        f"WHEN {' AND '.join(_rule_condition(c, projected) for c in r.conditions) or 'TRUE'} THEN {r.index}"
        for r in model.engagement_rules
    ]
    rule_case = f"CASE {' '.join(rules)} END" if rules else "CAST(NULL AS INTEGER)"
    decay = f" * pow(0.5, ({now_us} - at_us) / {model.half_life_us})" if model.half_life_us else ""
    fit_conds = [
        " AND ".join(_fit_condition(model, c) for c in r.conditions) or "TRUE" for r in model.fit_rules
    ]
    fit_sum = " + ".join(
        f"CASE WHEN {c} THEN {num(r.points)} ELSE 0 END"
        for c, r in zip(fit_conds, model.fit_rules, strict=True)
    )
    fit_terms = [f"CASE WHEN {c} THEN {r.index} END" for c, r in zip(fit_conds, model.fit_rules, strict=True)]
    fit_sum = fit_sum or "CAST(0 AS DOUBLE)"
    fit_list = f"list_filter([{', '.join(fit_terms)}], x -> x IS NOT NULL)" if fit_terms else "[]::INTEGER[]"
    account_join = "LEFT JOIN lf_accounts acc ON acc.id = p.account_id"
    if points is None:
        base = f"lf_persons p {account_join}"
        outer_key = f"p.id AS person_id, {now_us} AS as_of_us"
        eng_join = "e.pid = p.id"
    else:
        base = f"{points} pt JOIN lf_persons p ON p.id = pt.person_id {account_join}"
        outer_key = "p.id AS person_id, pt.as_of_us AS as_of_us"
        eng_join = "e.pid = p.id AND e.as_of_us = pt.as_of_us"
    return f"""
WITH src AS (
  SELECT a.person_id AS pid, {key_sel}, epoch_us(a.occurred_at) AS at_us{", " + proj if proj else ""}
  FROM {src_from}
), matched AS (
  SELECT pid, as_of_us, at_us, {rule_case} AS rule FROM src
), rated AS (
  SELECT pid, as_of_us, at_us, rule, {_case(model, "points")}{decay} AS pts,
         {_case(model, "period")} AS period, {_case(model, "positive", "FALSE")} AS positive
  FROM matched WHERE rule IS NOT NULL
), periods AS (
  SELECT {key}, rule, period, sum(pts) AS total, count(*) AS n,
         max(CASE WHEN positive THEN at_us END) AS last_pos
  FROM rated GROUP BY {key}, rule, period
), clipped AS (
  SELECT {key}, rule, {_case(model, "clip", "total")} AS pts, total, n, last_pos FROM periods
), per_rule AS (
  SELECT {key}, rule, sum(pts) AS pts, sum(n) AS n, bool_or(pts <> total) AS capped, max(last_pos) AS last_pos
  FROM clipped GROUP BY {key}, rule
), eng AS (
  SELECT {key}, sum(pts) AS engagement, max(last_pos) AS last_pos,
         list({{'rule': rule, 'points': pts, 'n': n, 'capped': capped}} ORDER BY rule) AS eng_rules
  FROM per_rule GROUP BY {key}
)
SELECT {outer_key}, p.stage, p.stage_entered_at, {fit_sum} AS fit, {fit_list} AS fit_rules,
       coalesce(e.engagement, 0) AS engagement, e.eng_rules, e.last_pos AS last_positive_us
FROM {base} LEFT JOIN eng e ON {eng_join}
"""


def rank_sql(scale: GradeScale, expr: str) -> str:
    """The grade rank (0 = best) of a score expression."""
    whens = " ".join(f"WHEN {expr} >= {num(t)} THEN {i}" for i, t in enumerate(scale.thresholds))
    return f"(CASE {whens} ELSE {len(scale.thresholds)} END)" if whens else "0"


def mql_sql(node: Node, fit: str, engagement: str, fit_rank: str, engagement_rank: str) -> str:
    """The MQL rule as a SQL boolean over the given column expressions."""
    names = {"fit": fit, "engagement": engagement}
    match node:
        case NumberCmp(left, op, right):
            a = names[left] if isinstance(left, str) else num(left)
            b = names[right] if isinstance(right, str) else num(right)
            return f"({a} {'=' if op == '==' else op} {b})"
        case RankCmp(part, op, rank):
            return f"({fit_rank if part == 'fit' else engagement_rank} {'=' if op == '==' else op} {rank})"
        case BoolOp(kind, items):
            return (
                "("
                + f" {kind.upper()} ".join(
                    mql_sql(i, fit, engagement, fit_rank, engagement_rank) for i in items
                )
                + ")"
            )
        case NotOp(item):
            return f"(NOT {mql_sql(item, fit, engagement, fit_rank, engagement_rank)})"
        case Const(value):
            return "TRUE" if value else "FALSE"
    raise AssertionError(node)  # pragma: no cover


def duckdb_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that loads extensions only from the installed duckdb-ext packages (no network)."""
    import duckdb_ext  # type: ignore[import-not-found,import-untyped,unused-ignore]

    folder = Path(next(iter(duckdb_ext.__path__))) / "extensions"
    # The scanners come from our pinned wheel; checking their signature costs ~0.8 s per connection, which
    # would dominate batch runs on small stores. Only our own SQL runs on this private connection.
    config: dict[str, str | bool | int | float | list[str]] = {
        "extension_directory": folder.as_posix(),
        "autoinstall_known_extensions": False,
        "allow_unsigned_extensions": True,
    }
    return duckdb.connect(config=config)


def attach_store(con: duckdb.DuckDBPyConnection, engine: Engine) -> None:
    """Attach the store read-only and create the lf_* views the scoring query reads."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise ConfigError(
                "batch scoring cannot read an in-memory SQLite store",
                where=str(url),
                hint="use a SQLite file",
            )
        con.execute("LOAD sqlite")
        con.execute(f"ATTACH {lit(url.database)} AS store (TYPE sqlite, READ_ONLY)")
    elif url.get_backend_name() == "postgresql":
        con.execute("LOAD postgres")
        parts = {
            "host": url.host or "127.0.0.1",
            "port": url.port or 5432,
            "dbname": url.database,
            "user": url.username,
            "password": url.password,
        }
        dsn = " ".join(f"{k}={v}" for k, v in parts.items() if v)
        options = url.query.get("options")
        option = options if isinstance(options, str) else (options[0] if options else "")
        found = re.search(r"search_path=([A-Za-z0-9_]+)", option.replace("%3D", "="))
        schema = f", SCHEMA {lit(found.group(1))}" if found else ""
        con.execute(f"ATTACH {lit(dsn)} AS store (TYPE postgres, READ_ONLY{schema})")
    else:
        raise ConfigError(
            f"no batch scoring for {url.get_backend_name()!r}",
            where=str(url),
            hint="use SQLite or PostgreSQL",
        )
    for table in SOURCE_TABLES:
        con.execute(f"CREATE OR REPLACE VIEW lf_{table} AS SELECT * FROM store.{table}")
