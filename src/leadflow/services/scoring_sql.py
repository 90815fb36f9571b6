"""The batch scorer as one set-based DuckDB query: the same rules as domain.scoring, written as SQL.

The query reads five relations (lf_persons, lf_accounts, lf_activities, lf_campaigns, lf_assets): views over
the attached store (SQLite or PostgreSQL through DuckDB's scanners) or, in benchmarks, native tables. Each
condition is translated from the same compiled matcher the Python scorer runs, so both agree to the point.
"""

from __future__ import annotations

import json
import math
import re
import string
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

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

_FIT_SQL: dict[str, str] = {
    "email": "lower(p.email)",
    # The text after the last '@' (as the Python scorer's regex); string_split is ~4x cheaper than a regex.
    "email_domain": "CASE WHEN contains(p.email, '@') THEN lower(string_split(p.email, '@')[-1]) END",
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
    # Stored lower case (store.types.LowerText): lower() on 10M+ rows would cost ~4 % of the batch query.
    "type": ["a.type"],
    "channel": ["a.channel"],
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
    return f"TIMESTAMP '{value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=' ')}'"


def _json(column: str, name: str) -> str:
    return f"lower(json_extract_string({column}, {lit('$.' + name)}))"


SHORT_LIST = 8
"""Value lists up to this long are written as equalities; longer ones stay IN lists (a hash lookup)."""


def matcher_sql(matcher: Any, expr: str) -> str:
    """One matcher applied to one (lower-cased) SQL expression; NULL never matches."""
    match matcher:
        case OneOf(values):
            items = sorted(values)
            if 0 < len(items) <= SHORT_LIST:
                # Equalities: DuckDB runs `x IN ('a')` inside a CASE at half the speed of `x = 'a'`.
                return "(" + " OR ".join(f"{expr} = {lit(v)}" for v in items) + ")"
            return f"({expr} IN ({', '.join(lit(v) for v in items)}))"
        case Between(low, high):
            number = f"TRY_CAST({expr} AS DOUBLE)"
            parts = [
                f"{number} >= {num(low)}" if low is not None else "",
                f"{number} <= {num(high)}" if high is not None else "",
            ]
            parts = [p for p in parts if p] or [f"{number} IS NOT NULL"]
            return "(" + " AND ".join(parts) + ")"
        case Contains(words):
            if len(words) >= 3 and all(words):
                # One pass of RE2 over the text for all the words (a literal alternation) beats a contains()
                # per word: the persona CASE has a dozen. Same answer: some word occurs in the text.
                return f"regexp_matches({expr}, {lit('|'.join(_literal_regex(w) for w in words))})"
            return "(" + " OR ".join(f"contains({expr}, {lit(w)})" for w in words) + ")"
        case Pattern(globs):
            # The host can only be there if the text has '://' (the regex needs it): test that first.
            host = f"regexp_replace({expr}, {lit(URL_HOST)}, '')"
            path = f"(CASE WHEN contains({expr}, '://') THEN {host} ELSE {expr} END)"
            return "(" + " OR ".join(_glob_sql(g, path if g.startswith("/") else expr) for g in globs) + ")"
    raise AssertionError(matcher)  # pragma: no cover


def _literal_regex(text: str) -> str:
    """A regular expression (RE2) matching exactly `text`: punctuation escaped, as `glob_regex` does."""
    return "".join("\\" + ch if ch in string.punctuation else ch for ch in text)


def _glob_sql(glob: str, expr: str) -> str:
    """A glob as a full match of `expr`, what `glob_regex` gives Python's re.fullmatch, without a regex.

    A glob with only `*` wildcards is a LIKE: '%' matches any text, newlines included, as '(?s).*' does.
    """
    text = glob.lower()
    if "?" in text:
        return f"regexp_full_match({expr}, {lit(glob_regex(glob))})"
    if "*" not in text:
        return f"({expr} = {lit(text)})"
    like = "".join("%" if ch == "*" else ("\\" + ch if ch in "%_\\" else ch) for ch in text)
    escape = " ESCAPE '\\'" if any(ch in text for ch in "%_\\") else ""
    return f"({expr} LIKE {lit(like)}{escape})"


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


def _fit_expr(model: ScoringModel, cond: Condition) -> str:
    """The (lower-cased) SQL value a fit condition tests, over lf_persons p and lf_accounts acc."""
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
    return expr


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


def _rule_case(rules: list[tuple[int, list[str]]]) -> str:
    """The first rule in file order whose conditions all hold (a CASE stops at the first WHEN that holds).

    Consecutive rules that start with the same condition (e.g. type: page_view with three url patterns)
    share one WHEN on it with a nested CASE, so it is tested once per activity, not once per rule. If no
    rule of the run matches, the outer WHEN fails too and the later rules are tried as before.
    """
    whens = []
    i = 0
    while i < len(rules):
        head = rules[i][1][:1]
        j = i + 1
        while head and j < len(rules) and rules[j][1][:1] == head:
            j += 1
        if j - i == 1:
            index, conds = rules[i]
            whens.append(f"WHEN {' AND '.join(conds) or 'TRUE'} THEN {index}")
        else:
            rests = [(index, " AND ".join(conds[1:]) or "TRUE") for index, conds in rules[i:j]]
            any_rest = (
                "" if any(r == "TRUE" for _, r in rests) else f" AND ({' OR '.join(r for _, r in rests)})"
            )
            inner = " ".join(f"WHEN {r} THEN {index}" for index, r in rests)
            whens.append(f"WHEN {head[0]}{any_rest} THEN CASE {inner} END")
        i = j
    return f"CASE {' '.join(whens)} END" if whens else "CAST(NULL AS INTEGER)"


def _json_text(value: Any) -> str:
    return lit(json.dumps(value))


def _fit_sql(model: ScoringModel, only: str | None, previous_grade: bool) -> tuple[str, str, str]:
    """The fit CTE (one row per person with a match flag per rule), the fit sum and the fit detail JSON.

    Each value the conditions test (persona, segment, e-mail domain...) is computed once per person in an
    inner projection, however many rules test it (the persona alone is a CASE over a dozen words).
    """
    values: dict[str, str] = {}

    def test(cond: Condition) -> str:
        column = values.setdefault(_fit_expr(model, cond), f"x{len(values)}")
        return matcher_sql(cond.matcher, column)

    flags = [
        f"coalesce({' AND '.join(test(c) for c in r.conditions) or 'TRUE'}, FALSE) AS m{r.index}"
        for r in model.fit_rules
    ]
    prev = ", previous_grade" if previous_grade else ""
    cte = (
        f"SELECT person_id, stage, stage_entered_at{prev}{''.join(', ' + f for f in flags)} FROM ("
        + "SELECT p.id AS person_id, p.stage, p.stage_entered_at"
        + (", p.grade AS previous_grade" if previous_grade else "")
        + "".join(f", {expr} AS {column}" for expr, column in values.items())
        + " FROM lf_persons p LEFT JOIN lf_accounts acc ON acc.id = p.account_id"
        + (f" WHERE p.id IN (SELECT person_id FROM {only})" if only else "")
        + ")"
    )
    total = " + ".join(f"CASE WHEN m{r.index} THEN {num(r.points)} ELSE 0 END" for r in model.fit_rules)
    items = [
        f"CASE WHEN m{r.index} THEN "
        + _json_text({"rule": r.index, "label": r.label, "points": float(r.points)})
        + " END"
        for r in model.fit_rules
    ]
    detail = f"concat_ws(',', {', '.join(items)})" if items else "''"
    return cte, total or "CAST(0 AS DOUBLE)", detail


def _engagement_fragment() -> str:
    """One rule's entry of the detail JSON, from a by_rule row (label looked up by rule)."""
    return (
        """'{"rule":' || rule || ',"label":' || label || ',"points":' || CAST(p AS VARCHAR)"""
        """ || ',"activities":' || n || ',"capped":' """
        """|| CASE WHEN capped THEN 'true' ELSE 'false' END || '}'"""
    )


def _by_rule(model: ScoringModel, value: Any, default: str = "NULL") -> str:
    """A CASE over the matched rule index: `value(rule)` is the SQL for that rule (None: the default)."""
    whens = [(r.index, value(r)) for r in model.engagement_rules]
    body = " ".join(f"WHEN {i} THEN {v}" for i, v in whens if v is not None)
    return f"CASE rule {body} ELSE {default} END" if body else default


def _engagement_sql(model: ScoringModel, now_us: str) -> tuple[str, str, str, str, list[str]]:
    """Per-activity decay factor and cap period; per-(rule, period) points, clipped points, positive flag.

    The decay factor is exp(ln 2 * (at - now) / half_life), the same number as 0.5 ** (age / half_life)
    (to ~1e-16), computed from integer microseconds. Points are factored out of the period sum
    (points x sum of factors), so each activity costs one exp and one CASE.
    """
    hl = model.half_life_us
    factor = f"exp((at_us - {now_us}) * {math.log(2) / hl!r})" if hl else "1.0"
    period = _by_rule(
        model,
        lambda r: f"(at_us - {PERIOD_ANCHOR_EPOCH_US}) // {r.per_us}" if r.per_us else None,
        "0",
    )
    raw = _by_rule(model, lambda r: f"{num(r.points)} * f")
    clipped = _by_rule(
        model,
        lambda r: (
            f"greatest(least({num(r.points)} * f, {num(r.cap)}), {num(-r.cap)})"
            if r.cap is not None
            else f"{num(r.points)} * f"
        ),
    )
    positive = [str(r.index) for r in model.engagement_rules if r.points > 0]
    return factor, period, raw, clipped, positive


QUANTUM = 16
"""Decay factors are counted in sixteenths (rounded up) when deciding whether a cap might clip."""


def _bound(points: float, cap: float) -> int:
    """The largest sum of quantized factors of a rule's activities that can never pass the cap.

    Each activity adds q = ceil(factor x QUANTUM) >= factor x QUANTUM (every factor is at most 1, so q is at
    most QUANTUM). A period's sum of factors is at most Q / QUANTUM, Q the sum of q over all the rule's
    activities, so |points| x that sum stays within the cap while Q x |points| <= cap x QUANTUM. One quantum
    less leaves a margin of |points| / QUANTUM, far above the rounding of any floating-point sum: within the
    bound, clipping changes nothing. Decay makes old activities count less, so few persons pass it.
    """
    size = abs(points)
    if cap < 0:
        return 0
    room = cap * QUANTUM
    if size == 0 or room / size > 2**21:
        return 2**20  # cannot bind before ~65,000 undecayed activities; beyond that the exact path decides
    n = int(room // size)
    while n > 0 and n * size > room:
        n -= 1
    while (n + 1) * size <= room:
        n += 1
    return max(n - 1, 0)


def _per_rule(values: list[Any], sql_type: str) -> str:
    """values[rule] (NULL for no rule): a constant list indexed by the rule, far cheaper than a CASE."""
    return f"(CAST([{', '.join(str(v) for v in values)}] AS {sql_type}[]))[rule + 1]"


def _packed_counts(model: ScoringModel, factor: str) -> list[tuple[str, str]]:
    """Per-activity values whose per-person sums bound the decayed activities of each capped rule.

    A BIGINT word packs one w-bit slot per such rule and, above them, the total Q of all their quantized
    factors (see `_bound`): within 63 bits while Q < 2**w (then no slot carries into the next); a larger sum
    means Q >= 2**w, which is flagged too. A person is flagged (corrected by the exact per-period path; a
    lifetime cap is one period) when some rule's slot passes its `_bound`. Returns (one activity's value,
    flag over the summed column w{i}) per word.
    """
    capped = [(r.index, _bound(r.points, r.cap)) for r in model.engagement_rules if r.cap is not None]
    if not capped:
        return []
    per_word = 63 // max((b + 1).bit_length() for _, b in capped) - 1
    words = []
    for w, start in enumerate(range(0, len(capped), per_word)):
        group = capped[start : start + per_word]
        width = 63 // (len(group) + 1)
        top = 1 << (width * len(group))
        values = [0] * len(model.engagement_rules)
        for j, (i, _) in enumerate(group):
            values[i] = (1 << (width * j)) + top
        mask = (1 << width) - 1
        slots = " OR ".join(
            f"(CAST(w{w} AS BIGINT) >> {width * j}) & {mask} > {b}" for j, (_, b) in enumerate(group)
        )
        test = f"CASE WHEN w{w} >= CAST('{top << width}' AS HUGEINT) THEN TRUE ELSE {slots} END"
        quantized = f"CAST(ceil({factor} * {QUANTUM}) AS BIGINT)"
        words.append((f"{quantized} * {_per_rule(values, 'BIGINT')}", test))
    return words


def scoring_query(
    model: ScoringModel,
    as_of: datetime | None = None,
    *,
    points: str | None = None,
    details: bool = True,
    only: str | None = None,
    previous_grade: bool = False,
) -> str:
    """Score every person as of one moment, or (points = a relation of person_id, as_of_us) at many moments.

    Output: person_id, as_of_us, stage, stage_entered_at, fit, engagement, fit_grade, engagement_grade, grade,
    fit_rank, engagement_rank, mql (the MQL rule holds), last_positive_us and detail (score_details JSON; both
    NULL without `details`); with `previous_grade` also the stored persons.grade. `only` names a relation with a
    person_id column: score just those persons.
    """
    if (as_of is None) == (points is None):
        raise ValueError("give either as_of or points")
    names = _activity_columns(model)
    projected = {f: [_col(f, i) for i in range(len(exprs))] for f, exprs in names.items()}
    proj = "".join(
        f", {e} AS {c}" for f, exprs in names.items() for e, c in zip(exprs, projected[f], strict=True)
    )
    needs_c = any(e.startswith("lower(c.") for exprs in names.values() for e in exprs)
    needs_s = any(e.startswith("lower(s.") for exprs in names.values() for e in exprs)
    joins = ("LEFT JOIN lf_campaigns c ON c.id = a.campaign_id " if needs_c else "") + (
        "LEFT JOIN lf_assets s ON s.id = a.asset_id " if needs_s else ""
    )
    life = model.lifespan_us
    only_act = f" AND a.person_id IN (SELECT person_id FROM {only})" if only else ""
    if as_of is not None:
        now_us = f"CAST({(as_of - EPOCH) // MICROSECOND} AS BIGINT)"
        # Lifespan first: activities that cannot count are dropped at the scan.
        where = f"a.occurred_at <= {ts(as_of)}"
        if life is not None:
            where += f" AND a.occurred_at > {ts(as_of - timedelta(microseconds=life))}"
        key, key_sel = "pid", ""
        outer_from = "fm"
        outer_key = f"fm.person_id, {now_us} AS as_of_us"
        eng_join = "e.pid = fm.person_id"

        source = f"lf_activities a {joins}WHERE {where}{only_act}"

    else:
        cond = "a.person_id = pt.person_id AND epoch_us(a.occurred_at) <= pt.as_of_us"
        if life is not None:
            cond += f" AND epoch_us(a.occurred_at) > pt.as_of_us - {life}"
        key, key_sel, now_us = "pid, as_of_us", ", pt.as_of_us AS as_of_us", "as_of_us"
        outer_from = f"{points} pt JOIN fm ON fm.person_id = pt.person_id"
        outer_key = "fm.person_id, pt.as_of_us AS as_of_us"
        eng_join = "e.pid = fm.person_id AND e.as_of_us = pt.as_of_us"

        source = f"{points} pt JOIN lf_activities a ON {cond}{only_act} {joins}"

    rule_case = _rule_case(
        [(r.index, [_rule_condition(c, projected) for c in r.conditions]) for r in model.engagement_rules]
    )
    factor, period, raw, clipped, positive = _engagement_sql(model, now_us)
    last = f"CASE WHEN rule IN ({', '.join(positive)}) THEN last_at END" if positive else "NULL::BIGINT"
    fit_cte, fit_total, fit_detail = _fit_sql(model, only, previous_grade)
    fit_rank, eng_rank = rank_sql(model.fit_scale, "fit"), rank_sql(model.engagement_scale, "engagement")
    fit_grade, eng_grade, grade = grades_sql(model.fit_scale, model.engagement_scale)
    mql = mql_sql(model.mql.tree, "fit", "engagement", "fit_rank", "engagement_rank")

    # The counted activities with the rule each matched.
    matched = f"""SELECT {key}, at_us, {rule_case} AS rule FROM (
    SELECT a.person_id AS pid{key_sel}, epoch_us(a.occurred_at) AS at_us{proj} FROM {source}
  )"""

    def by_period(rows: str, count: bool) -> str:
        """Per (person, rule, cap period): the summed decay factors, the activities and the last one."""
        n = ", count(*) AS n" if count else ""
        return f"""SELECT {key}, rule, sum(factor) AS f{n}, max(at_us) AS last_at
  FROM (SELECT {key}, at_us, rule, {factor} AS factor, {period} AS period FROM ({rows}))
  GROUP BY {key}, rule, period"""

    if details:
        last_positive = "e.last_pos"
        as_of_text = as_of.isoformat() if as_of is not None else ""
        label = _by_rule(model, lambda r: _json_text(r.label))
        engagement = f"""by_period AS (
  {by_period(matched, True)}
), by_rule AS (
  SELECT {key}, rule, sum(c) AS p, sum(n) AS n, bool_or(c <> r) AS capped, max(last_at) AS last_at
  FROM (SELECT *, {clipped} AS c, {raw} AS r FROM by_period) GROUP BY {key}, rule
), e AS (
  SELECT {key}, sum(p) AS engagement, max({last}) AS last_pos,
         string_agg(fragment, ',') AS fragments  -- ordered aggregates are slow; readers sort
  FROM (SELECT *, {_engagement_fragment()} AS fragment FROM (SELECT *, {label} AS label FROM by_rule))
  GROUP BY {key}
)"""
        detail = (
            f"""'{{"as_of":"{as_of_text}","fit":[' || {fit_detail} || '],"engagement":[' || """
            """coalesce(e.fragments, '') || ']}'"""
        )
    else:
        engagement = _fast_engagement(model, key, factor, matched, by_period)
        detail, last_positive = "NULL::VARCHAR", "NULL::BIGINT"
    prev = ", fm.previous_grade" if previous_grade else ""
    # fm is read once: not materialized, its projection streams into the join. The grades are looked up
    # by rank in constant lists (building a million short strings with CASE and || costs ~5 % of the query).
    return f"""
WITH {engagement}, fm AS (
  {fit_cte}
), scored AS MATERIALIZED (
  SELECT {outer_key}, fm.stage, fm.stage_entered_at{prev}, {fit_total} AS fit,
         coalesce(e.engagement, 0) AS engagement, {last_positive} AS last_positive_us, {detail} AS detail
  FROM {outer_from} LEFT JOIN e ON {eng_join}
)
SELECT person_id, as_of_us, stage, stage_entered_at, fit, engagement, {fit_grade} AS fit_grade,
       {eng_grade} AS engagement_grade, {grade} AS grade, fit_rank, engagement_rank, {mql} AS mql,
       last_positive_us, detail{prev.replace("fm.", "")}
FROM (SELECT *, {fit_rank} AS fit_rank, {eng_rank} AS engagement_rank FROM scored)
"""


def _fast_engagement(
    model: ScoringModel,
    key: str,
    factor: str,
    matched: str,
    by_period: Callable[[str, bool], str],
) -> str:
    """The engagement CTEs without the explanation: one aggregation per person over all counted activities.

    `fast` sums points x decay factor over every rule (right unless a cap clips) and the packed per-rule
    quantized factors of capped rules: two aggregates. No last positive activity (a third aggregate, a
    tenth of the time): only the re-MQL of a recycled person needs it, and the batch run re-checks every
    MQL candidate with the incremental scorer. Only persons whom a cap might clip
    (`_packed_counts`) get a correction from the exact per-(rule, period) aggregation over their activities
    of capped rules: per period, the clipped points minus the unclipped ones already in the sum. The matched
    activities are materialized once, so that this second pass reads neither the store nor the rule CASE.
    """
    weight = _per_rule([repr(float(r.points)) for r in model.engagement_rules], "DOUBLE")
    words = _packed_counts(model, factor)
    values = "".join(f", {value} AS v{i}" for i, (value, _) in enumerate(words))
    sums = "".join(f", sum(v{i}) AS w{i}" for i in range(len(words)))
    # Activities that match no rule add nothing: left out of the per-person aggregation when read from the
    # materialized rows (a filter right over the rule CASE would be pushed below it and evaluate it twice).
    rows = "SELECT * FROM rows WHERE rule IS NOT NULL" if words else matched
    fast = f"""fast AS MATERIALIZED (
  SELECT {key}, sum(weight * factor) AS raw{sums}
  FROM (SELECT *, {weight} AS weight, {factor} AS factor{values} FROM ({rows})) GROUP BY {key}
)"""
    if not words:
        return fast + f", e AS (SELECT {key}, raw AS engagement FROM fast)"
    capped = [r for r in model.engagement_rules if r.cap is not None]
    correction = _by_rule(
        model,
        lambda r: (
            f"greatest(least({num(r.points)} * f, {num(r.cap)}), {num(-r.cap)}) - {num(r.points)} * f"
            if r.cap is not None
            else None
        ),
        "0",
    )
    flag = " OR ".join(f"({test})" for _, test in words)
    keys = key.split(", ")
    semi = " AND ".join(f"fl.{k} = r.{k}" for k in keys)
    on = " AND ".join(f"x.{k} = fast.{k}" for k in keys)
    mask = sum(1 << r.index for r in capped)
    is_capped = (
        f"(CAST({mask} AS BIGINT) >> rule) & 1 = 1"
        if len(model.engagement_rules) < 63
        else _per_rule(["true" if r in capped else "false" for r in model.engagement_rules], "BOOLEAN")
    )
    # IN (subquery) keeps the (small) flagged set on the build side; a constant list, not an IN list (a join).
    flagged_only = (
        "r.pid IN (SELECT pid FROM flagged)"
        if keys == ["pid"]
        else f"EXISTS (SELECT 1 FROM flagged fl WHERE {semi})"
    )
    of_capped = f"SELECT r.* FROM rows r WHERE {is_capped} AND {flagged_only}"
    return f"""rows AS MATERIALIZED (
  {matched}
), {fast}, flagged AS (
  SELECT {key} FROM fast WHERE {flag}
), exact AS (
  SELECT {key}, sum({correction}) AS correction FROM ({by_period(of_capped, False)}) GROUP BY {key}
), e AS (
  SELECT {", ".join("fast." + k for k in keys)}, fast.raw + coalesce(x.correction, 0) AS engagement
  FROM fast LEFT JOIN exact x ON {on}
)"""


def grades_sql(fit: GradeScale, engagement: GradeScale) -> tuple[str, str, str]:
    """The fit grade, engagement grade and combined grade (e.g. B2) from the fit_rank and engagement_rank
    columns: each a constant list indexed by rank, the combined one by fit_rank x engagement grades + rank."""

    def pick(names: list[str], index: str) -> str:
        return f"(CAST([{', '.join(lit(n) for n in names)}] AS VARCHAR[]))[{index} + 1]"

    fits, engagements = fit.all_names(), engagement.all_names()
    return (
        pick(list(fits), "fit_rank"),
        pick(list(engagements), "engagement_rank"),
        pick([f + e for f in fits for e in engagements], f"fit_rank * {len(engagements)} + engagement_rank"),
    )


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
