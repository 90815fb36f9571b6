"""Every table of the operational store (SQLAlchemy Core); the Alembic migrations mirror this file.

Conventions: timestamps are UTC (UtcDateTime); `properties` keeps imported columns nobody mapped;
`version` is the optimistic-concurrency counter of rows people edit at the same time.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from leadflow.store.types import BigId, Json, LowerText, UtcDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _id() -> Column[int]:
    return Column("id", BigId, primary_key=True, autoincrement=True)


users = Table(
    "users",
    metadata,
    _id(),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("team", String(40), nullable=False),  # marketing | sales | ops
    Column(
        "role", String(40), nullable=False
    ),  # admin, marketing, marketing_lead, sales, sales_manager, viewer
    Column("manager_id", BigId, ForeignKey("users.id")),
    Column("sales_team", String(80)),  # routing group, e.g. "enterprise", "inside_sales", a region office
    Column("region", String(80)),
    Column("timezone", String(64), nullable=False, default="UTC"),
    Column("work_days", String(40), nullable=False, default="mon,tue,wed,thu,fri"),
    Column("work_start", String(5), nullable=False, default="09:00"),
    Column("work_end", String(5), nullable=False, default="17:00"),
    Column("max_open_mqls", Integer),  # capacity: open MQLs at once (None = unlimited)
    Column("max_new_per_day", Integer),  # capacity: new assignments per day (None = unlimited)
    Column("routing_weight", Float, nullable=False, default=1.0),
    Column("out_of_office_from", UtcDateTime()),
    Column("out_of_office_until", UtcDateTime()),
    Column("active", Boolean, nullable=False, default=True),
    Column("password_hash", String(255)),
    Column("external_id", String(120), unique=True),
    Column("properties", Json, nullable=False, default=dict),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("version", Integer, nullable=False, default=1),
)

accounts = Table(
    "accounts",
    metadata,
    _id(),
    Column("external_id", String(120), unique=True),
    Column("name", String(300), nullable=False),
    Column("domain", String(255), index=True),
    Column("industry", String(120)),
    Column("employees", Integer),
    Column("annual_revenue", Float),
    Column("country", String(80)),
    Column("region", String(80)),
    Column("segment", String(60), index=True),  # derived from the playbook's segments at write time
    Column("owner_id", BigId, ForeignKey("users.id"), index=True),
    Column("parent_id", BigId, ForeignKey("accounts.id")),
    Column("properties", Json, nullable=False, default=dict),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("version", Integer, nullable=False, default=1),
)

campaigns = Table(
    "campaigns",
    metadata,
    _id(),
    Column("external_id", String(120), unique=True),
    Column("name", String(300), nullable=False),
    Column(
        "channel", String(60), nullable=False, index=True
    ),  # paid_search, organic, social, email, events, ...
    Column("kind", String(60)),  # webinar, ebook, trade show, sequence ...
    Column("cost", Float, nullable=False, default=0.0),
    Column("started_at", UtcDateTime()),
    Column("ended_at", UtcDateTime()),
    Column("properties", Json, nullable=False, default=dict),
    Column("created_at", UtcDateTime(), nullable=False),
)

assets = Table(
    "assets",
    metadata,
    _id(),
    Column("external_id", String(120), unique=True),  # the slug nurture tracks and scoring rules name
    Column("name", String(300), nullable=False),
    Column("kind", String(60)),  # guide, case study, calculator, deck, battlecard ...
    Column("buyer_stage", String(40)),  # awareness | consideration | decision
    Column("provided_by", String(40), nullable=False, default="marketing"),  # marketing | sales
    Column("url", String(1000)),
    Column("created_by", BigId, ForeignKey("users.id")),
    Column("properties", Json, nullable=False, default=dict),
    Column("created_at", UtcDateTime(), nullable=False),
)

persons = Table(
    "persons",
    metadata,
    _id(),
    Column("external_id", String(120), unique=True),
    Column("email", String(320), unique=True),  # normalized: trimmed, lower case
    Column("first_name", String(120)),
    Column("last_name", String(120)),
    Column("title", String(300)),
    Column("phone", String(60)),
    Column("country", String(80)),
    Column("region", String(80)),
    Column("account_id", BigId, ForeignKey("accounts.id"), index=True),
    Column("persona", String(60)),  # derived from title keywords (playbook personas)
    Column("committee_role", String(40)),
    Column("source_channel", String(60)),  # the channel of the first touch or the import's lead source
    Column("source_campaign_id", BigId, ForeignKey("campaigns.id")),
    Column("sourced_by", String(20)),  # marketing | sales: who created the lead
    Column("stage", String(40), nullable=False, index=True),
    Column("stage_entered_at", UtcDateTime(), nullable=False),
    Column("owner_id", BigId, ForeignKey("users.id"), index=True),
    Column("assigned_at", UtcDateTime()),
    Column("fit_score", Float),
    Column("engagement_score", Float),
    Column("grade", String(4)),
    Column("scored_at", UtcDateTime()),
    Column("model_probability", Float),
    Column("do_not_contact", Boolean, nullable=False, default=False),
    Column("properties", Json, nullable=False, default=dict),
    Column("created_at", UtcDateTime(), nullable=False, index=True),  # when the lead was created
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("version", Integer, nullable=False, default=1),
    Index("ix_persons_owner_stage", "owner_id", "stage"),  # a rep's open MQLs (routing capacity, queues)
)

# When a person first and last entered each stage: makes "entered MQL in Q3" a lookup, not a scan.
stage_entries = Table(
    "stage_entries",
    metadata,
    Column("person_id", BigId, ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True),
    Column("stage", String(40), primary_key=True),
    Column("first_entered_at", UtcDateTime(), nullable=False),
    Column("last_entered_at", UtcDateTime(), nullable=False),
    Column("times", Integer, nullable=False, default=1),
    Index("ix_stage_entries_stage_first", "stage", "first_entered_at"),
)

stage_changes = Table(
    "stage_changes",
    metadata,
    _id(),
    Column("person_id", BigId, ForeignKey("persons.id", ondelete="CASCADE"), nullable=False),
    Column("from_stage", String(40)),  # None for the first row (creation)
    Column("to_stage", String(40), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("transition", String(60)),  # the playbook transition's name
    Column("actor", String(320), nullable=False),  # user email or "system" / "import"
    Column("actor_role", String(40), nullable=False),
    Column("reason", String(120)),
    Column("note", Text),
    Column("fields", Json, nullable=False, default=dict),  # BANT, amount, score snapshot ...
    Column("skipped", Json),  # funnel stages jumped over by this move (imports), flagged for analytics
    Column("playbook_version", String(20), nullable=False),
    Column("source", String(20), nullable=False, default="engine"),  # engine | import | simulator
    Index("ix_stage_changes_person_at", "person_id", "at"),
    Index("ix_stage_changes_to_at", "to_stage", "at"),
)

activities = Table(
    "activities",
    metadata,
    _id(),
    Column("idempotency_key", String(80), nullable=False, unique=True),
    Column("person_id", BigId, ForeignKey("persons.id", ondelete="CASCADE"), nullable=False),
    # page_view, form_submit, email_click, webinar_attended, call ...: lower case, as the channel (LowerText)
    Column("type", LowerText(60), nullable=False),
    Column("channel", LowerText(60)),
    Column("campaign_id", BigId, ForeignKey("campaigns.id")),
    Column("asset_id", BigId, ForeignKey("assets.id")),
    Column("url", String(1000)),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column(
        "actor_id", BigId, ForeignKey("users.id")
    ),  # the rep for sales touches (call, email_sent, meeting)
    Column("properties", Json),
    Index("ix_activities_person_at", "person_id", "occurred_at"),
)

opportunities = Table(
    "opportunities",
    metadata,
    _id(),
    Column("external_id", String(120), unique=True),
    Column("name", String(300)),
    Column("account_id", BigId, ForeignKey("accounts.id"), index=True),
    Column("person_id", BigId, ForeignKey("persons.id"), index=True),  # the lead it was converted from
    Column("owner_id", BigId, ForeignKey("users.id"), index=True),
    Column("product", String(120)),
    Column("stage", String(60), nullable=False),  # the CRM's opportunity stage name
    Column("status", String(10), nullable=False, index=True),  # open | won | lost
    Column("amount", Float),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expected_close", UtcDateTime()),
    Column("closed_at", UtcDateTime()),
    Column("lost_reason", String(120)),
    Column("sourced_by", String(20)),  # marketing | sales
    Column("properties", Json, nullable=False, default=dict),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("version", Integer, nullable=False, default=1),
)

opportunity_contacts = Table(
    "opportunity_contacts",
    metadata,
    Column("opportunity_id", BigId, ForeignKey("opportunities.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", BigId, ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(40), nullable=False),  # decision_maker | recommender | influencer | user
)

import_runs = Table(
    "import_runs",
    metadata,
    _id(),
    Column("kind", String(40), nullable=False),
    Column("source", String(1000), nullable=False),
    Column("file_hash", String(64)),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime()),
    Column("status", String(20), nullable=False),  # running | done | failed
    Column("rows_read", Integer, nullable=False, default=0),
    Column("last_row_committed", Integer, nullable=False, default=0),
    Column("counts", Json, nullable=False, default=dict),
)

quarantine = Table(
    "quarantine",
    metadata,
    _id(),
    Column(
        "import_run_id", BigId, ForeignKey("import_runs.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("kind", String(40), nullable=False),
    Column("source", String(1000), nullable=False),
    Column("row_number", Integer, nullable=False),
    Column("column", String(200)),
    Column("value", Text),
    Column("reason", Text, nullable=False),
    Column("raw", Json),
    Column("created_at", UtcDateTime(), nullable=False),
    UniqueConstraint("import_run_id", "row_number", "column"),
)

score_details = Table(
    "score_details",
    metadata,
    Column("person_id", BigId, ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True),
    Column("computed_at", UtcDateTime(), nullable=False),
    Column("playbook_version", String(20), nullable=False),
    Column("fit_score", Float, nullable=False),
    Column("engagement_score", Float, nullable=False),
    Column("grade", String(4), nullable=False),
    Column("detail", Json, nullable=False),  # every contributing rule, activity and decayed points
)

assignments = Table(
    "assignments",
    metadata,
    _id(),
    Column("person_id", BigId, ForeignKey("persons.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("user_id", BigId, ForeignKey("users.id"), nullable=False, index=True),
    Column("previous_user_id", BigId, ForeignKey("users.id")),
    Column("at", UtcDateTime(), nullable=False),
    Column("method", String(30), nullable=False),  # account_owner | rule | round_robin | manual | reassign
    Column("reason", Text, nullable=False),
    Column("actor", String(320), nullable=False),
)

# Weighted round-robin state per routing pool (stride scheduling): fairness survives restarts and rep changes.
# Row (pool, 0) is the pool's virtual clock; row ("*", rep) holds the rep's new-per-day counter; hence no FK.
routing_turns = Table(
    "routing_turns",
    metadata,
    Column("pool", String(200), primary_key=True),  # "team:sales", "team:enterprise" ...
    Column("user_id", BigId, primary_key=True),
    Column("pass_value", Float, nullable=False, default=0.0),  # the rep's virtual finish time
    Column("assigned", Integer, nullable=False, default=0),  # round-robin assignments from this pool
    Column("day", String(10)),  # the rep's local date of day_count (capacity: max new per day)
    Column("day_count", Integer, nullable=False, default=0),
    Column("updated_at", UtcDateTime(), nullable=False),
)

deadlines = Table(
    "deadlines",
    metadata,
    _id(),
    Column("person_id", BigId, ForeignKey("persons.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("sla_id", String(60), nullable=False),
    Column("team", String(20), nullable=False),  # marketing | sales: whose promise it is
    Column("owner_id", BigId, ForeignKey("users.id"), index=True),
    Column("stage", String(40), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("due_at", UtcDateTime(), nullable=False),
    Column("status", String(12), nullable=False),  # open | met | breached | cancelled
    Column("closed_at", UtcDateTime()),
    Column("breached_at", UtcDateTime()),
    Column("breach_count", Integer, nullable=False, default=0),
    Column("playbook_version", String(20), nullable=False),
    Index("ix_deadlines_status_due", "status", "due_at"),
)

outbox = Table(
    "outbox",
    metadata,
    _id(),
    Column(
        "message_id", String(40), nullable=False, unique=True
    ),  # time-ordered; receivers deduplicate on it
    Column("event", String(60), nullable=False),  # sla.breached, person.assigned, nurture.step ...
    Column("channel", String(20), nullable=False),  # email | slack | webhook
    Column("recipient", String(1000), nullable=False),  # address or URL
    Column("subject", String(300)),
    Column("payload", Json, nullable=False),
    Column("status", String(12), nullable=False),  # pending | delivered | dead
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("locked_until", UtcDateTime()),
    Column("last_error", Text),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("delivered_at", UtcDateTime()),
    Index("ix_outbox_status_next", "status", "next_attempt_at"),
)

nurture_enrollments = Table(
    "nurture_enrollments",
    metadata,
    _id(),
    Column("person_id", BigId, ForeignKey("persons.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("track_id", String(60), nullable=False),
    Column("enrolled_at", UtcDateTime(), nullable=False),
    Column("status", String(12), nullable=False),  # active | completed | exited
    Column("ended_at", UtcDateTime()),
    Column("end_reason", String(200)),
)

nurture_steps = Table(
    "nurture_steps",
    metadata,
    _id(),
    Column(
        "enrollment_id",
        BigId,
        ForeignKey("nurture_enrollments.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("step", Integer, nullable=False),
    Column("asset", String(120), nullable=False),
    Column("due_at", UtcDateTime(), nullable=False),
    Column("status", String(12), nullable=False),  # due | sent | skipped
    Column("sent_at", UtcDateTime()),
    Index("ix_nurture_steps_status_due", "status", "due_at"),
)

feedback = Table(
    "feedback",
    metadata,
    _id(),
    Column("person_id", BigId, ForeignKey("persons.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("user_id", BigId, ForeignKey("users.id")),
    Column("kind", String(20), nullable=False),  # accept | reject | disqualify | dispute
    Column("reason", String(120)),
    Column("note", Text),
    Column("at", UtcDateTime(), nullable=False),
    Column("stage_change_id", BigId, ForeignKey("stage_changes.id")),
    Column("status", String(12)),  # disputes: open | upheld | overturned
    Column("resolved_by", BigId, ForeignKey("users.id")),
    Column("resolved_at", UtcDateTime()),
    Column("resolution_note", Text),
)

notes = Table(
    "notes",
    metadata,
    _id(),
    Column("person_id", BigId, ForeignKey("persons.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("user_id", BigId, ForeignKey("users.id")),
    Column("team", String(20), nullable=False),
    Column("text", Text, nullable=False),
    Column("at", UtcDateTime(), nullable=False),
)

playbook_versions = Table(
    "playbook_versions",
    metadata,
    Column("version", String(20), primary_key=True),  # content hash
    Column("name", String(300), nullable=False),
    Column("text", Text, nullable=False),
    Column("status", String(12), nullable=False),  # active | proposed | superseded | rejected
    Column("note", Text),
    Column("proposed_by", BigId, ForeignKey("users.id")),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("approved_marketing_by", BigId, ForeignKey("users.id")),
    Column("approved_sales_by", BigId, ForeignKey("users.id")),
    Column("activated_at", UtcDateTime()),
)

goals = Table(
    "goals",
    metadata,
    Column("period", String(10), primary_key=True),
    Column("segment", String(60), primary_key=True),
    Column("revenue", Float, nullable=False),
    Column("updated_by", BigId, ForeignKey("users.id")),
    Column("updated_at", UtcDateTime(), nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    _id(),
    Column("user_id", BigId, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(120), nullable=False),
    Column("token_hash", String(128), nullable=False, unique=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("last_used_at", UtcDateTime()),
    Column("revoked_at", UtcDateTime()),
)

audit_log = Table(
    "audit_log",
    metadata,
    _id(),
    Column("at", UtcDateTime(), nullable=False, index=True),
    Column("actor", String(320), nullable=False),
    Column("action", String(80), nullable=False),
    Column("object_type", String(40), nullable=False),
    Column("object_id", String(120)),
    Column("detail", Json, nullable=False, default=dict),
)

job_runs = Table(
    "job_runs",
    metadata,
    Column("job", String(60), primary_key=True),  # the worker's scheduled jobs: last run, for restarts
    Column("last_run_at", UtcDateTime(), nullable=False),
    Column("detail", Json, nullable=False, default=dict),
)

pending_reactions = Table(
    "pending_reactions",
    metadata,
    # persons with new live activities whose reactions (rescoring, automatic MQL, first touch, nurture exit)
    # have not run yet; written in the ingest's transaction, drained by the reaction drainer and the worker
    Column("person_id", BigId, ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True),
    Column("queued_at", UtcDateTime(), nullable=False, index=True),
    Column("seq", Integer, nullable=False, default=1),  # +1 each time new activities queue them again
)
