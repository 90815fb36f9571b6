"""The public Maven CRM data set with the mapping files of docs/examples: counts, stages and quirks."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from leadflow.services.context import Context
from leadflow.services.ingest import import_file
from leadflow.store.engine import reading
from leadflow.store.tables import accounts, opportunities, users
from lf_testing import require_shared_data

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
STATUS = {"Won": "won", "Lost": "lost", "Prospecting": "open", "Engaging": "open"}


def test_maven_crm_import(ctx: Context) -> None:
    data = require_shared_data("maven-crm")
    for kind, name, mapping in [
        ("accounts", "accounts.csv", "accounts"),
        ("users", "sales_teams.csv", "users"),
        ("opportunities", "sales_pipeline.csv", "opportunities"),
    ]:
        summary = import_file(ctx, kind, data / name, mapping=EXAMPLES / f"maven-crm-{mapping}.yaml")
        assert summary.quarantined == 0, (kind, summary)
        assert summary.rejected_file is None
    with open(data / "sales_pipeline.csv", encoding="utf-8", newline="") as fh:
        pipeline = list(csv.DictReader(fh))
    expected = Counter(STATUS[r["deal_stage"]] for r in pipeline)
    no_account = sum(1 for r in pipeline if not r["account"])
    with reading(ctx.engine) as conn:
        assert conn.execute(select(func.count()).select_from(accounts)).scalar_one() == 85
        assert conn.execute(select(func.count()).select_from(users)).scalar_one() == 35
        assert conn.execute(select(func.count()).select_from(opportunities)).scalar_one() == 8800
        got = Counter(
            {
                s: n
                for s, n in conn.execute(
                    select(opportunities.c.status, func.count()).group_by(opportunities.c.status)
                )
            }
        )
        assert got == expected
        assert (
            conn.execute(
                select(func.count()).select_from(opportunities).where(opportunities.c.account_id.is_(None))
            ).scalar_one()
            == no_account
        )
        assert (
            conn.execute(
                select(func.count()).select_from(opportunities).where(opportunities.c.owner_id.is_(None))
            ).scalar_one()
            == 0
        )
        products = set(conn.execute(select(opportunities.c.product).distinct()).scalars())
        assert "GTX Pro" in products and "GTXPro" not in products
        assert "technolgy" not in set(conn.execute(select(accounts.c.industry)).scalars())
        segments = set(conn.execute(select(accounts.c.segment)).scalars())
        assert segments <= {"smb", "mid_market", "enterprise"} and None not in segments
        emails = list(conn.execute(select(users.c.email)).scalars())
        assert all(e.endswith("@maven.invalid") for e in emails) and len(set(emails)) == 35
        open_no_value = conn.execute(
            select(func.count())
            .select_from(opportunities)
            .where(opportunities.c.status == "open", opportunities.c.amount.is_(None))
        ).scalar_one()
        assert open_no_value == expected["open"]
