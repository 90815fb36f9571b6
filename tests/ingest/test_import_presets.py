"""Every built-in preset on small hand-written exports, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from leadflow.services.context import Context
from leadflow.services.ingest import import_file
from leadflow.services.lifecycle import show_person
from leadflow.store.engine import reading
from leadflow.store.tables import (
    accounts,
    activities,
    opportunities,
    opportunity_contacts,
    persons,
    stage_changes,
)

COMPANIES = """Record ID,Company name,Company Domain Name,Industry,Number of Employees,Annual Revenue,\
Country/Region,Company owner
101,Acme Corp,https://www.acme.com/,COMPUTER_SOFTWARE,2500,50000000,Germany,
102,Beta GmbH,beta.de,Financial Services,120,2000000,Austria,
"""

CONTACTS = """Record ID,First Name,Last Name,Email,Job Title,Company Name,Associated Company ID,\
Lifecycle Stage,\
Lead Status,Original Source,Create Date,Became a Lead Date,Became a Marketing Qualified Lead Date,\
Became a Sales Qualified Lead Date,Became an Opportunity Date,Became a Customer Date,HubSpot Owner,\
Favourite colour
1,Ada,Lovelace, Ada@Acme.com ,VP Engineering,Acme Corp,101,customer,,ORGANIC_SEARCH,2025-01-02 09:00,\
2025-01-02 09:00,\
2025-01-10 10:00,2025-01-20 10:00,2025-02-01 10:00,2025-03-01 10:00,,green
2,Bob,Builder,bob@beta.de,Marketing Manager,,,marketingqualifiedlead,,PAID_SEARCH,2025-02-01T08:00:00Z,,\
2025-02-03T08:00:00Z,,,,,
3,Cy,Free,cy@gmail.com,Student,,,lead,,DIRECT_TRAFFIC,2025-02-05,,,,,,,
4,Di,Gone,di@acme.com,Intern,,,other,UNQUALIFIED,OFFLINE,2025-02-06,,,,,,,
"""

DEALS = """Record ID,Deal Name,Deal Stage,Amount,Create Date,Close Date,Deal owner,Associated Company ID,\
Associated Contact IDs,Closed Lost Reason,Pipeline
9001,Acme platform,closedwon,48000,2025-02-01,2025-03-01,,101,1,,default
9002,Beta pilot,contractsent,12000,2025-03-05,2025-04-30,,102,2,,default
9003,Beta renewal,closedlost,0,2025-01-05,2025-01-30,,102,,price,default
"""

ACTIVITIES = """Record ID,Activity Type,Activity Date,Campaign,URL,Event ID
1,Page View,2025-01-03T10:00:00Z,,/pricing,
2,Form Submission,2025-02-02T10:00:00Z,Spring webinar,/demo,ev-1
2,form_submit,2025-02-02T10:00:00Z,Spring webinar,/demo,ev-1
"""


def _write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def test_hubspot_companies_contacts_deals_activities(ctx: Context, tmp_path: Path) -> None:
    s = import_file(ctx, "accounts", _write(tmp_path, "companies.csv", COMPANIES), preset="hubspot")
    assert (s.inserted, s.quarantined) == (2, 0)
    s = import_file(ctx, "persons", _write(tmp_path, "contacts.csv", CONTACTS), preset="hubspot")
    assert (s.inserted, s.quarantined) == (4, 0), s
    s = import_file(ctx, "opportunities", _write(tmp_path, "deals.csv", DEALS), preset="hubspot")
    assert (s.inserted, s.quarantined) == (3, 0)
    s = import_file(ctx, "activities", _write(tmp_path, "activities.csv", ACTIVITIES), preset="hubspot")
    assert (s.inserted, s.unchanged, s.quarantined) == (2, 1, 0)
    with reading(ctx.engine) as conn:
        acc = {r.name: r for r in conn.execute(select(accounts))}
        assert acc["Acme Corp"].domain == "acme.com" and acc["Acme Corp"].segment == "enterprise"
        assert acc["Beta GmbH"].segment == "smb" and acc["Beta GmbH"].industry == "financial_services"
        people = {r.external_id: r for r in conn.execute(select(persons))}
        ada, bob, cy, di = people["1"], people["2"], people["3"], people["4"]
        assert ada.email == "ada@acme.com" and ada.account_id == acc["Acme Corp"].id
        assert (ada.persona, ada.committee_role) == ("economic_buyer", "decision_maker")
        assert ada.properties == {"Favourite colour": "green"}
        assert bob.account_id == acc["Beta GmbH"].id  # by email domain
        assert cy.account_id is None and cy.persona == "student"  # free mail never matches
        assert di.account_id == acc["Acme Corp"].id and di.stage == "disqualified"
        assert di.properties == {"Lead Status": "UNQUALIFIED"}
        assert (ada.stage, bob.stage, cy.stage) == ("customer", "opportunity", "lead")  # Bob has an open deal
        assert ada.source_channel == "organic_search"
        opps = {r.external_id: r for r in conn.execute(select(opportunities))}
        assert opps["9001"].status == "won" and opps["9001"].closed_at is not None
        assert opps["9002"].status == "open" and opps["9002"].expected_close is not None
        assert (
            opps["9003"].status == "lost"
            and opps["9003"].amount is None
            and opps["9003"].lost_reason == "price"
        )
        assert opps["9001"].person_id == ada.id and opps["9001"].account_id == acc["Acme Corp"].id
        assert conn.execute(select(func.count()).select_from(opportunity_contacts)).scalar_one() == 2
        kinds = sorted(conn.execute(select(activities.c.type)).scalars())
        assert kinds == ["form_submit", "page_view"]
        assert (
            conn.execute(
                select(func.count()).select_from(stage_changes).where(stage_changes.c.source != "import")
            ).scalar_one()
            == 0
        )
    view = show_person(ctx, "ada@acme.com")
    assert [c.to_stage for c in view.history] == ["lead", "mql", "sql", "opportunity", "customer"]
    assert view.history[2].skipped == ["sal"]
    assert view.history[0].transition == "create"
    # Bob's deal made him an opportunity (history from the deal's create date)
    assert [c.to_stage for c in show_person(ctx, "bob@beta.de").history] == ["lead", "mql", "opportunity"]
    assert [c.to_stage for c in show_person(ctx, "di@acme.com").history] == ["lead", "disqualified"]


def test_importing_the_same_files_twice_adds_nothing(ctx: Context, tmp_path: Path) -> None:
    files = [
        ("accounts", _write(tmp_path, "companies.csv", COMPANIES)),
        ("persons", _write(tmp_path, "contacts.csv", CONTACTS)),
        ("opportunities", _write(tmp_path, "deals.csv", DEALS)),
        ("activities", _write(tmp_path, "activities.csv", ACTIVITIES)),
    ]
    for kind, path in files:
        import_file(ctx, kind, path, preset="hubspot")

    def snapshot() -> dict[str, int]:
        with reading(ctx.engine) as conn:
            return {
                t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (accounts, persons, opportunities, activities, stage_changes, opportunity_contacts)
            }

    before = snapshot()
    for kind, path in files:
        s = import_file(ctx, kind, path, preset="hubspot")
        assert (s.inserted, s.updated, s.quarantined) == (0, 0, 0), (kind, s)
    assert snapshot() == before


SF_LEADS = """Lead ID,First Name,Last Name,Title,Company / Account,Email,Lead Source,Lead Status,Lead Owner,\
Create Date,Converted,Converted Date
00Q1,Eve,Early,Head of Data,Gamma Inc,eve@gamma.io,Web,Open - Not Contacted,,1/15/2025,0,
00Q2,Finn,Fast,Analyst,Gamma Inc,finn@gamma.io,Partner Referral,Closed - Converted,,1/16/2025,1,2/01/2025
00Q3,Gus,Gone,CEO,Nope,gus@nope.io,Web,Closed - Not Converted,,1/17/2025,0,
"""
SF_CONTACTS = """Contact ID,Account ID,Account Name,First Name,Last Name,Title,Email,Contact Owner,\
Created Date,\
Mailing Country
003A,001G,Gamma Inc,Hana,Hill,CFO,hana@gamma.io,,3/01/2025,US
"""
SF_OPPS = """Opportunity ID,Opportunity Name,Account ID,Account Name,Stage,Amount,Close Date,Created Date,\
Opportunity Owner,Loss Reason
006A,Gamma deal,001G,Gamma Inc,Negotiation/Review,30000,6/30/2025,3/02/2025,,
006B,Gamma lost,,Gamma Inc,Closed Lost,0,4/30/2025,3/03/2025,,timing
006C,Gamma won,001G,,Closed Won,9000,4/01/2025,3/04/2025,,
"""


def test_salesforce_leads_contacts_opportunities(ctx: Context, tmp_path: Path) -> None:
    import_file(
        ctx, "accounts", _write(tmp_path, "acc.csv", "external_id,name,domain\n001G,Gamma Inc,gamma.io\n")
    )
    s = import_file(ctx, "persons", _write(tmp_path, "leads.csv", SF_LEADS), preset="salesforce")
    assert (s.inserted, s.quarantined, s.mapping) == (3, 0, "Salesforce leads")
    s = import_file(ctx, "persons", _write(tmp_path, "contacts.csv", SF_CONTACTS), preset="salesforce")
    assert (s.inserted, s.mapping) == (1, "Salesforce contacts")
    s = import_file(ctx, "opportunities", _write(tmp_path, "opps.csv", SF_OPPS), preset="salesforce")
    assert (s.inserted, s.quarantined) == (3, 0)
    with reading(ctx.engine) as conn:
        people = {r.external_id: r for r in conn.execute(select(persons))}
        assert people["00Q1"].stage == "lead" and people["00Q1"].account_id is not None
        assert people["00Q2"].stage == "sql" and people["00Q2"].source_channel == "partner_referral"
        assert people["00Q3"].stage == "disqualified"
        assert people["003A"].account_id == people["00Q1"].account_id
        status = {
            e: st for e, st in conn.execute(select(opportunities.c.external_id, opportunities.c.status))
        }
        assert status == {"006A": "open", "006B": "lost", "006C": "won"}
    assert [c.to_stage for c in show_person(ctx, "finn@gamma.io").history] == ["lead", "sql"]
