"""activity types and channels lower case

Readers (the batch scorer) compare them with lower-case rule values as stored; ingest always slugged them,
and the column type now lowers whatever else writes them. This lowers what an older store may hold.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    for column in ("type", "channel"):
        # Few distinct values: lower them in Python (as the column type does), one UPDATE per value that changes.
        values = conn.execute(sa.text(f"SELECT DISTINCT {column} FROM activities WHERE {column} IS NOT NULL"))
        for (value,) in values.fetchall():
            if value != value.lower():
                conn.execute(
                    sa.text(f"UPDATE activities SET {column} = :new WHERE {column} = :old"),
                    {"new": value.lower(), "old": value},
                )


def downgrade() -> None:
    pass  # the original case is not kept; lower-case values read the same
