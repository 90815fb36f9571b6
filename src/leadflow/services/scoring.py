"""Scoring use cases: rescore persons when activities arrive, score the whole store, explain one score.

Both paths write the same columns (persons.fit_score, engagement_score, grade, scored_at) and the same
score_details row, then let the lifecycle engine move people who meet the MQL rule (automatic MQL).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, String, TypeDecorator, bindparam, select, type_coerce, update
from sqlalchemy.dialects import postgresql, sqlite

from leadflow.domain.durations import parse_duration
from leadflow.domain.lifecycle import Actor, find_transition
from leadflow.domain.scoring import (
    AccountFacts,
    ActivityFacts,
    PersonFacts,
    PersonScore,
    ScoringModel,
    compile_model,
    score_person,
)
from leadflow.errors import TransitionNotAllowed
from leadflow.playbook.schema import SYSTEM_ACTOR
from leadflow.services import lifecycle  # module import: lifecycle -> reactions -> scoring is a cycle
from leadflow.services.context import Context
from leadflow.store.engine import reading
from leadflow.store.history import StageChange
from leadflow.store.tables import accounts, activities, assets, campaigns, persons, score_details

if TYPE_CHECKING:
    from leadflow.services.lifecycle import PersonRef

_MODELS: dict[str, ScoringModel] = {}


def model_for(ctx: Context) -> ScoringModel:
    """The compiled scoring model of the context's playbook (compiled once per playbook version)."""
    model = _MODELS.get(ctx.playbook.version)
    if model is None:
        if len(_MODELS) > 32:
            _MODELS.clear()
        model = _MODELS[ctx.playbook.version] = compile_model(ctx.playbook.model)
    return model


def _props(value: Any) -> Mapping[str, Any]:
    if isinstance(value, str):
        value = json.loads(value)
    return value if isinstance(value, Mapping) else {}


_PERSONS_Q = (
    select(
        persons.c.id,
        persons.c.email,
        persons.c.title,
        persons.c.country,
        persons.c.region,
        persons.c.persona,
        persons.c.committee_role,
        persons.c.source_channel,
        persons.c.sourced_by,
        persons.c.properties,
        persons.c.stage,
        persons.c.stage_entered_at,
        accounts.c.id.label("a_id"),
        accounts.c.domain.label("a_domain"),
        accounts.c.industry,
        accounts.c.employees,
        accounts.c.annual_revenue,
        accounts.c.segment,
        accounts.c.country.label("a_country"),
        accounts.c.region.label("a_region"),
        accounts.c.properties.label("a_properties"),
    )
    .select_from(persons.outerjoin(accounts, accounts.c.id == persons.c.account_id))
    .where(persons.c.id.in_(bindparam("ids", expanding=True)))
)


class _Stored(TypeDecorator[Any]):
    """A column read back exactly as the driver returns it (no result processing)."""

    impl = String
    cache_ok = True


def _utc(value: Any) -> datetime:
    """A stored timestamp as aware UTC (as UtcDateTime reads it: SQLite gives text, PostgreSQL naive datetimes)."""
    at: datetime = datetime.fromisoformat(value) if value.__class__ is str else value
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


_ACTIVITIES_Q = (
    select(
        activities.c.id,
        activities.c.person_id,
        # read as stored and converted below: the column type's two result processors (the dialect's, then
        # UtcDateTime's) were a tenth of rescoring a person, who may have hundreds of activities
        type_coerce(activities.c.occurred_at, _Stored()).label("occurred_at"),
        activities.c.type,
        activities.c.channel,
        activities.c.url,
        campaigns.c.external_id,
        campaigns.c.name,
        campaigns.c.kind,
        assets.c.external_id.label("asset"),
        assets.c.kind.label("asset_kind"),
        assets.c.buyer_stage,
        type_coerce(activities.c.properties, _Stored()).label("properties"),
    )
    .select_from(
        activities.outerjoin(campaigns, campaigns.c.id == activities.c.campaign_id).outerjoin(
            assets, assets.c.id == activities.c.asset_id
        )
    )
    .where(
        activities.c.person_id.in_(bindparam("ids", expanding=True)),
        activities.c.occurred_at <= bindparam("now", type_=activities.c.occurred_at.type),
        activities.c.occurred_at > bindparam("since", type_=activities.c.occurred_at.type),
    )
)
_LONG_AGO = datetime(1900, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Facts:
    """What scoring one person needs, with their stage (for automatic MQL)."""

    person: PersonFacts
    activities: list[ActivityFacts]
    stage: str
    stage_entered_at: datetime


def load_facts(
    conn: Connection, model: ScoringModel, person_ids: Collection[int], now: datetime
) -> dict[int, Facts]:
    """The persons (with their account) and the activities that can count as of `now`."""
    ids = sorted(set(person_ids))
    out: dict[int, Facts] = {}
    for r in conn.execute(_PERSONS_Q, {"ids": ids}):
        account = None
        if r.a_id is not None:
            account = AccountFacts(
                r.a_domain,
                r.industry,
                r.employees,
                r.annual_revenue,
                r.segment,
                r.a_country,
                r.a_region,
                _props(r.a_properties),
            )
        person = PersonFacts(
            r.id,
            r.email,
            r.title,
            r.country,
            r.region,
            r.persona,
            r.committee_role,
            r.source_channel,
            r.sourced_by,
            _props(r.properties),
            account,
        )
        out[r.id] = Facts(person, [], r.stage, r.stage_entered_at)
    since = _LONG_AGO if model.lifespan_us is None else now - timedelta(microseconds=model.lifespan_us)
    for a in conn.execute(_ACTIVITIES_Q, {"ids": ids, "now": now, "since": since}):
        facts = out.get(a.person_id)
        if facts is not None:
            facts.activities.append(
                ActivityFacts(
                    a.id,
                    _utc(a.occurred_at),
                    a.type,
                    a.channel,
                    a.url,
                    a.external_id,
                    a.name,
                    a.kind,
                    a.asset,
                    a.asset_kind,
                    a.buyer_stage,
                    _props(a.properties),
                )
            )
    return out


_UPDATE_SCORES = (
    update(persons)
    .where(persons.c.id == bindparam("pid"))
    .values(
        fit_score=bindparam("fit"),
        engagement_score=bindparam("eng"),
        grade=bindparam("grade"),
        scored_at=bindparam("at"),
    )
)
_DETAIL_COLUMNS = ("computed_at", "playbook_version", "fit_score", "engagement_score", "grade", "detail")


def _upsert(dialect: Any) -> Any:
    stmt = dialect.insert(score_details)
    return stmt.on_conflict_do_update(
        index_elements=[score_details.c.person_id], set_={c: stmt.excluded[c] for c in _DETAIL_COLUMNS}
    )


_UPSERT_DETAILS = {"postgresql": _upsert(postgresql), "sqlite": _upsert(sqlite)}


def save_scores_in(conn: Connection, ctx: Context, scores: Sequence[PersonScore]) -> None:
    """Write scores to persons and score_details (inside the caller's transaction)."""
    if not scores:
        return
    conn.execute(
        _UPDATE_SCORES,
        [
            {"pid": s.person_id, "fit": s.fit, "eng": s.engagement, "grade": s.grade, "at": s.as_of}
            for s in scores
        ],
    )
    rows = [
        {
            "person_id": s.person_id,
            "computed_at": s.as_of,
            "playbook_version": ctx.playbook.version,
            "fit_score": s.fit,
            "engagement_score": s.engagement,
            "grade": s.grade,
            "detail": s.detail(),
        }
        for s in scores
    ]
    conn.execute(_UPSERT_DETAILS[conn.dialect.name], rows)


def _cool_down(text: str | None) -> timedelta:
    if text is None:
        return timedelta(0)
    duration = parse_duration(text)
    return timedelta(0) if duration.business else duration.to_timedelta()


def mql_due(ctx: Context, model: ScoringModel, score: PersonScore, stage: str, entered_at: datetime) -> bool:
    """Whether the system should move this person to MQL now (rule met; re-MQL conditions after a recycle)."""
    pb = ctx.playbook.model
    target = pb.scoring.mql_stage
    if stage == target:
        return False
    t = find_transition(pb, stage, target)
    if t is None or SYSTEM_ACTOR not in t.by:
        return False
    if not model.mql.holds(score.fit, score.engagement, score.fit_rank, score.engagement_rank):
        return False
    if stage == pb.initial_stage():
        return True
    # Back from sales (recycled): new engagement after the recycle, and the cool-down over.
    wait = max(_cool_down(pb.scoring.recycle_cool_down), _cool_down(t.after.cool_down if t.after else None))
    if score.as_of - entered_at < wait:
        return False
    return score.last_positive_at is not None and score.last_positive_at > entered_at


def qualify_in(conn: Connection, ctx: Context, score: PersonScore, ref: PersonRef) -> StageChange | None:
    """Move the person to MQL with the score snapshot when they meet the MQL rule; None when they don't."""
    model = model_for(ctx)
    if not mql_due(ctx, model, score, ref.stage, ref.stage_entered_at):
        return None
    snapshot = {
        "fit_score": round(score.fit, 4),
        "engagement_score": round(score.engagement, 4),
        "grade": score.grade,
        "mql_rule": model.mql.text,
        "scored_at": score.as_of.isoformat(),
    }
    note = (
        f"automatic MQL: fit {score.fit:g} ({score.fit_grade}), engagement {score.engagement:.1f} "
        f"({score.engagement_grade}) meet {model.mql.text}"
    )
    try:
        return lifecycle.move_in(
            conn,
            ctx,
            ref,
            ctx.playbook.model.scoring.mql_stage,
            Actor.system(),
            snapshot,
            note=note,
            at=score.as_of,
        )
    except TransitionNotAllowed:
        return None  # e.g. a business-time cool-down on the transition that is not over yet


def score_persons_in(conn: Connection, ctx: Context, person_ids: Collection[int]) -> list[PersonScore]:
    """Score these persons as of now with the Python scorer (no writes)."""
    return [score for score, _ in score_facts_in(conn, ctx, person_ids)]


def score_facts_in(
    conn: Connection, ctx: Context, person_ids: Collection[int]
) -> list[tuple[PersonScore, Facts]]:
    """Each person's score as of now with the facts it came from (reads only)."""
    model = model_for(ctx)
    now = ctx.clock.now()
    return [
        (score_person(model, f.person, f.activities, now), f)
        for f in load_facts(conn, model, person_ids, now).values()
    ]


def apply_scores_in(
    conn: Connection, ctx: Context, scored: Sequence[tuple[PersonScore, str, datetime]]
) -> list[StageChange]:
    """Save scores and apply automatic MQL; each score comes with the person's stage and when it was entered."""
    model = model_for(ctx)
    save_scores_in(conn, ctx, [score for score, _, _ in scored])
    changes = []
    for score, stage, entered_at in scored:
        if mql_due(ctx, model, score, stage, entered_at):
            change = qualify_in(conn, ctx, score, lifecycle.find_person(conn, score.person_id))
            if change is not None:
                changes.append(change)
    return changes


def rescore_in(conn: Connection, ctx: Context, person_ids: Collection[int]) -> list[StageChange]:
    """The incremental path: rescore persons with new activities, save, and apply automatic MQL."""
    if not person_ids:
        return []
    scored = score_facts_in(conn, ctx, person_ids)
    return apply_scores_in(conn, ctx, [(score, f.stage, f.stage_entered_at) for score, f in scored])


@dataclass(frozen=True)
class Explanation:
    """A person's score now, every contributing rule and activity, and what is stored."""

    email: str | None
    stage: str
    score: PersonScore
    mql_rule: str
    meets_mql_rule: bool
    stored: Mapping[str, Any] | None


def explain(ctx: Context, key: str | int) -> Explanation:
    """Explain a person's score as of now (read-only): rules, activities and decayed points."""
    model = model_for(ctx)
    with reading(ctx.engine) as conn:
        ref = lifecycle.find_person(conn, key)
        score = score_persons_in(conn, ctx, [ref.id])[0]
        stored = (
            conn.execute(select(score_details).where(score_details.c.person_id == ref.id)).mappings().first()
        )
    meets = model.mql.holds(score.fit, score.engagement, score.fit_rank, score.engagement_rank)
    return Explanation(ref.email, ref.stage, score, model.mql.text, meets, dict(stored) if stored else None)
