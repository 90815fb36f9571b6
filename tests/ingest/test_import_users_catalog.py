"""Users (managers, hours, capacities, placeholder emails), campaigns and assets."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from leadflow.services.context import Context
from leadflow.services.ingest import import_file
from leadflow.store.engine import reading
from leadflow.store.tables import activities, assets, campaigns, quarantine, users

USERS = """name,email,team,role,manager,region,timezone,work_start,work_end,max_open_mqls,max_new_per_day
Sam Seller,Sam@Acme.com,sales,sales,Mia Manager,EMEA,Europe/Berlin,08:00,16:00,25,5
Mia Manager,,sales,sales_manager,,EMEA,Europe/Berlin,,,,
Max Marketer,max@acme.com,marketing,marketing,,,Mars/Olympus,,,,
"""


def test_users_with_managers_hours_capacities_and_placeholders(ctx: Context, tmp_path: Path) -> None:
    path = tmp_path / "users.csv"
    path.write_text(USERS, encoding="utf-8")
    summary = import_file(ctx, "users", path)
    assert (summary.inserted, summary.quarantined) == (2, 1)
    with reading(ctx.engine) as conn:
        got = {r.name: r for r in conn.execute(select(users))}
        reason = conn.execute(select(quarantine.c.column, quarantine.c.reason)).one()
    sam, mia = got["Sam Seller"], got["Mia Manager"]
    assert sam.email == "sam@acme.com" and sam.manager_id == mia.id  # manager defined later in the file
    assert (sam.timezone, sam.work_start, sam.work_end, sam.max_open_mqls, sam.max_new_per_day) == (
        "Europe/Berlin",
        "08:00",
        "16:00",
        25,
        5,
    )
    assert mia.email == "mia.manager@leadflow.invalid" and mia.properties["email_placeholder"] is True
    assert mia.role == "sales_manager" and mia.work_start == "09:00"
    assert reason[0] == "timezone" and "unknown time zone 'Mars/Olympus'" in reason[1]
    again = import_file(ctx, "users", path)
    assert (again.inserted, again.updated) == (0, 0)


def test_campaigns_assets_and_activity_links(sqlite_ctx: Context, tmp_path: Path) -> None:
    (tmp_path / "campaigns.csv").write_text(
        "external_id,name,channel,kind,cost,started_at\n"
        'c-1,Spring Webinar,Events,webinar,"1,500.50",2026-02-01\n'
        "c-2,,email,sequence,10,2026-02-01\n",
        encoding="utf-8",
    )
    (tmp_path / "assets.jsonl").write_text(
        '{"external_id": "buyers-guide", "name": "Buyers guide", "buyer_stage": "awareness"}\n'
        '{"external_id": "roi", "name": "ROI calculator", "buyer_stage": "bottom"}\n',
        encoding="utf-8",
    )
    c = import_file(sqlite_ctx, "campaigns", tmp_path / "campaigns.csv")
    a = import_file(sqlite_ctx, "assets", tmp_path / "assets.jsonl")
    assert (c.inserted, c.quarantined, a.inserted, a.quarantined) == (1, 1, 1, 1)
    (tmp_path / "acts.csv").write_text(
        "email,type,occurred_at,campaign,asset\n"
        "lee@acme.com,content_download,2026-02-03T10:00:00Z,spring webinar,buyers-guide\n"
        "lee@acme.com,webinar_attended,2026-02-04T10:00:00Z,Unknown campaign,\n",
        encoding="utf-8",
    )
    s = import_file(sqlite_ctx, "activities", tmp_path / "acts.csv")
    assert (s.inserted, s.extra.get("persons_created")) == (2, 1)
    with reading(sqlite_ctx.engine) as conn:
        camp = conn.execute(select(campaigns)).one()
        assert (camp.channel, camp.cost) == ("events", 1500.5)
        asset_id = conn.execute(select(assets.c.id)).scalar_one()
        rows = {r.type: r for r in conn.execute(select(activities))}
    assert rows["content_download"].campaign_id == camp.id and rows["content_download"].asset_id == asset_id
    assert rows["webinar_attended"].campaign_id is None
    assert rows["webinar_attended"].properties == {"campaign_ref": "Unknown campaign"}
