"""The store as a lead table: one row per person, features as of creation + a window, outcome after it.

Leakage-safe by construction: every feature is either a static attribute of the person or account, or
counted from activities that occurred before the observation window closed (created_at + window). The
outcome is reaching the outcome stage (or any later funnel stage) within `horizon` after the window.
Leads whose horizon is not over at `as_of` are censored (blank outcome); leads that reached the outcome
before their window closed are left out (there is nothing left to predict for them).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal_column,
    select,
)

from leadflow.domain.scoring.conditions import DEFAULT_FREE_MAIL
from leadflow.errors import ModelError
from leadflow.playbook.schema import Playbook
from leadflow.store.tables import accounts, activities, persons, stage_entries

ID_COLUMN = "person_id"
DATE_COLUMN = "created_at"
# Ordered: the first pattern that matches the title wins ("VP of Sales Operations Manager" is a vp).
SENIORITY = (
    ("student", re.compile(r"\b(student|intern|trainee|graduate|mba)\b", re.IGNORECASE)),
    ("c_level", re.compile(r"\b(chief|ceo|cfo|cmo|cto|cio|coo|cro|founder|owner|president)\b", re.I)),
    ("vp", re.compile(r"\b(vp|svp|evp|vice president)\b", re.IGNORECASE)),
    ("director", re.compile(r"\b(director|head)\b", re.IGNORECASE)),
    ("manager", re.compile(r"\b(manager|lead|principal|supervisor)\b", re.IGNORECASE)),
    ("individual", re.compile(r"\b(engineer|analyst|specialist|consultant|developer|designer)\b", re.I)),
)
_NAME_CHARS = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class HistorySpec:
    """What to learn: the outcome stage, the observation window, the horizon and the as-of time."""

    outcome: str = "sql"
    window: timedelta = timedelta(days=14)
    horizon: timedelta = timedelta(days=90)
    as_of: datetime | None = None

    @property
    def outcome_column(self) -> str:
        """Name of the outcome column, e.g. reached_sql_in_90d."""
        return f"reached_{self.outcome}_in_{_days(self.horizon)}d"


@dataclass(frozen=True)
class HistoryFrame:
    """The lead table built from the store, and how many persons each rule kept or set aside."""

    frame: pd.DataFrame
    spec: HistorySpec
    outcome_stages: tuple[str, ...]
    counts: dict[str, int]

    def summary(self) -> dict[str, Any]:
        """The card's `history` section: where the rows came from and what was set aside, in numbers."""
        assert self.spec.as_of is not None
        return {
            "source": "store",
            "outcome": self.spec.outcome,
            "outcome_stages": list(self.outcome_stages),
            "as_of": self.spec.as_of.isoformat(),
            "observation_window_days": _days(self.spec.window),
            "horizon_days": _days(self.spec.horizon),
            "features_from": "person and account attributes; activities before created_at + window",
            **self.counts,
        }


def outcome_stages(playbook: Playbook, outcome: str) -> tuple[str, ...]:
    """The funnel stages that count as reaching the outcome: it and every later one ('won' = the last)."""
    funnel = playbook.funnel_stages()
    stage = funnel[-1] if outcome == "won" else outcome
    if stage not in funnel:
        raise ModelError(
            f"unknown outcome '{outcome}'",
            where="--outcome",
            hint=f"use won or a funnel stage of the playbook: {', '.join(funnel[1:])}",
        )
    if stage == funnel[0]:
        raise ModelError(
            f"every person starts as '{stage}': it cannot be an outcome",
            where="--outcome",
            hint="use sql, opportunity or won",
        )
    return tuple(funnel[funnel.index(stage) :])


def training_frame(conn: Connection, playbook: Playbook, spec: HistorySpec) -> HistoryFrame:
    """Every person created before as_of: features, the outcome (blank when censored) and created_at."""
    as_of = _require_as_of(spec)
    stages = outcome_stages(playbook, spec.outcome)
    people = person_features(conn, spec.window, as_of)
    if people.empty:
        raise ModelError(
            f"the store holds no person created before {as_of.isoformat()}",
            where="persons",
            hint="import or simulate history first, or pass a later --as-of",
        )
    reached = _reached_at(conn, stages)
    created = people[DATE_COLUMN]
    window_end = created + spec.window
    reached_at = pd.to_datetime(people[ID_COLUMN].map(reached), utc=True)  # NaT where never reached
    reached_at = reached_at.where(reached_at <= as_of)  # a backtest must not see what came after as_of
    early = reached_at.notna() & (reached_at < window_end)
    censored = ~early & (window_end + spec.horizon > as_of)
    hit = reached_at.notna() & (reached_at < window_end + spec.horizon)
    outcome = pd.Series(np.where(hit, 1.0, 0.0), index=people.index)
    outcome[censored] = np.nan
    frame = people.loc[~early].assign(**{spec.outcome_column: outcome[~early]}).reset_index(drop=True)
    counts = {
        "persons": len(people),
        "reached_before_window_closed": int(early.sum()),
        "censored": int(censored.sum()),
        "labelled": int((~early & ~censored).sum()),
        "positives": int((hit & ~early & ~censored).sum()),
    }
    return HistoryFrame(frame, spec, stages, counts)


def open_lead_frame(conn: Connection, playbook: Playbook, spec: HistorySpec) -> pd.DataFrame:
    """Features of open leads: not in a terminal stage and not yet at the outcome, created before as_of."""
    as_of = _require_as_of(spec)
    stages = outcome_stages(playbook, spec.outcome)
    terminal = {s.id for s in playbook.stages if s.terminal}
    people = person_features(conn, spec.window, as_of)
    reached = _reached_at(conn, stages)
    is_open = ~people["stage"].isin(terminal | set(stages)) & ~people[ID_COLUMN].isin(reached.index)
    return people.loc[is_open].reset_index(drop=True)


def person_features(conn: Connection, window: timedelta, as_of: datetime) -> pd.DataFrame:
    """One row per person created before as_of: attributes and activity counts before the window closed.

    The frame also carries `stage` (for choosing open leads; not a feature: callers drop it).
    """
    people = _attributes(conn, as_of)
    counts = _activity_counts(conn, window, as_of)
    frame = people.merge(counts, how="left", left_on=ID_COLUMN, right_index=True)
    count_columns = list(counts.columns)
    frame[count_columns] = frame[count_columns].fillna(0.0)
    return frame


def feature_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame without the helper columns that are never features (stage)."""
    return frame.drop(columns=[c for c in ("stage",) if c in frame.columns])


def seniority(title: object) -> str | None:
    """The seniority word of a job title (student, c_level, vp, director, manager, individual, other)."""
    if not isinstance(title, str) or not title.strip():
        return None
    for name, pattern in SENIORITY:
        if pattern.search(title):
            return name
    return "other"


def _attributes(conn: Connection, as_of: datetime) -> pd.DataFrame:
    p, a = persons, accounts
    query = (
        select(
            p.c.id,
            cast(p.c.created_at, String).label("created_at"),  # parsed by pandas, column-wise
            p.c.stage,
            p.c.title,
            p.c.email,
            p.c.country,
            a.c.country.label("account_country"),
            p.c.persona,
            p.c.source_channel,
            p.c.sourced_by,
            a.c.segment,
            a.c.industry,
            a.c.employees,
        )
        .select_from(p.outerjoin(a, a.c.id == p.c.account_id))
        .where(p.c.created_at <= as_of)
        .order_by(p.c.id)
    )
    raw = _frame(conn, query)
    domain = raw["email"].astype("string").str.rsplit("@", n=1).str[1].str.strip().str.lower()
    employees = pd.to_numeric(raw["employees"], errors="coerce").astype(float)
    free = set(DEFAULT_FREE_MAIL)
    return pd.DataFrame(
        {
            ID_COLUMN: raw["id"].astype("int64"),
            DATE_COLUMN: pd.to_datetime(raw["created_at"], utc=True, format="ISO8601"),
            "stage": raw["stage"],
            "segment": raw["segment"],
            "industry": raw["industry"],
            "employees_log10": np.round(np.log10(employees.where(employees > 0)), 2),
            "country": raw["country"].where(raw["country"].notna(), raw["account_country"]),
            "persona": raw["persona"],
            "seniority": raw["title"].map({t: seniority(t) for t in raw["title"].dropna().unique()}),
            "source_channel": raw["source_channel"],
            "sourced_by": raw["sourced_by"],
            "free_mail": np.where(domain.isna().to_numpy(), np.nan, domain.isin(free).to_numpy(dtype=float)),
        }
    )


def _activity_counts(conn: Connection, window: timedelta, as_of: datetime) -> pd.DataFrame:
    """Per person: counts by activity type and channel, distinct campaigns, pricing-page views.

    One scan: SQL groups the window's activities by (person, type, channel, campaign); pandas sums those
    few groups into the columns (far fewer rows than activities, so the transfer stays small).
    """
    a, p = activities, persons
    pricing = case((and_(a.c.type == "page_view", a.c.url.like("%pricing%")), 1), else_=0)
    query = (
        select(
            a.c.person_id,
            a.c.type,
            a.c.channel,
            a.c.campaign_id,
            func.count().label("n"),
            func.sum(pricing).label("pricing"),
        )
        .select_from(a.join(p, p.c.id == a.c.person_id))
        .where(
            p.c.created_at <= as_of,
            a.c.occurred_at <= as_of,
            _before(conn, a.c.occurred_at, p.c.created_at, window),
        )
        .group_by(a.c.person_id, a.c.type, a.c.channel, a.c.campaign_id)
    )
    groups = _frame(conn, query)
    person = groups["person_id"].astype("int64")
    n = groups["n"].astype(float)
    by_person = pd.DataFrame({"n": n, "pricing": groups["pricing"].astype(float), "person": person})
    totals = by_person.groupby("person")[["n", "pricing"]].sum()
    campaigns = groups.loc[groups["campaign_id"].notna()]
    parts = [
        pd.DataFrame(
            {
                "activities": totals["n"],
                "distinct_campaigns": campaigns.groupby(person[campaigns.index])["campaign_id"]
                .nunique()
                .reindex(totals.index, fill_value=0)
                .astype(float),
                "pricing_page_views": totals["pricing"],
            }
        )
    ]
    for column, prefix in (("type", "n_type_"), ("channel", "n_channel_")):
        known = groups[column].notna()
        if not known.any():
            continue
        values = groups.loc[known, column]
        names = values.map({v: prefix + _name(str(v)) for v in values.unique()})
        parts.append(n[known].groupby([person[known], names]).sum().unstack(fill_value=0.0))
    out = pd.concat(parts, axis=1).fillna(0.0)
    out.index = out.index.rename("person_id")
    return out


def _before(
    conn: Connection, occurred: ColumnElement[Any], created: ColumnElement[Any], window: timedelta
) -> ColumnElement[bool]:
    """occurred < created + window, in the dialect's date arithmetic (the window is whole seconds)."""
    seconds = int(window.total_seconds())
    if conn.dialect.name == "sqlite":
        # Text comparison keeps the (person_id, occurred_at) index usable; datetime() drops sub-seconds.
        return occurred < func.datetime(created, f"+{seconds} seconds")
    return occurred < created + literal_column(f"interval '{seconds} seconds'")


def _reached_at(conn: Connection, stages: tuple[str, ...]) -> pd.Series:
    """Per person, the first time any of the stages was entered (stage_entries)."""
    e = stage_entries
    query = (
        select(e.c.person_id, func.min(e.c.first_entered_at).label("at"))
        .where(e.c.stage.in_(stages))
        .group_by(e.c.person_id)
    )
    rows = conn.execute(query).all()
    # MIN() loses the column type on SQLite (text comes back): parse both layouts the same way.
    values = pd.to_datetime(pd.Series([r[1] for r in rows], dtype=object), utc=True, format="mixed")
    return pd.Series(values.to_numpy(), index=pd.Index([int(r[0]) for r in rows], dtype="int64"))


def _frame(conn: Connection, query: Select[Any]) -> pd.DataFrame:
    """The result as a frame, built column-wise (pandas is slow at unpacking SQLAlchemy rows)."""
    names = list(query.selected_columns.keys())
    rows = conn.execute(query).all()
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    return pd.DataFrame({n: pd.Series(c, dtype=object) for n, c in zip(names, columns, strict=True)})


def _require_as_of(spec: HistorySpec) -> datetime:
    if spec.as_of is None:
        raise ModelError("no as-of time given", where="as_of", hint="pass the clock's now as as_of")
    if spec.window <= timedelta(0) or spec.horizon <= timedelta(0):
        raise ModelError(
            "the observation window and the horizon must be positive",
            where="--window / --horizon",
            hint="e.g. --window 14d --horizon 90d",
        )
    return spec.as_of


def _name(value: str) -> str:
    return _NAME_CHARS.sub("_", value.lower()).strip("_") or "blank"


def _days(value: timedelta) -> int | float:
    days = value.total_seconds() / 86_400
    return int(days) if math.isclose(days, round(days)) else round(days, 2)
