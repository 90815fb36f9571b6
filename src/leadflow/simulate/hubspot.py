"""HubSpot-format CSV files (contacts, companies, deals, activities) as docs/import.md documents them."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from leadflow.simulate.simulator import SimResult

# LeadFlow stage -> HubSpot lifecycle stage (internal values; LeadFlow ids where HubSpot has no stage)
LIFECYCLE = {
    "lead": "lead",
    "mql": "marketingqualifiedlead",
    "sal": "sal",
    "sql": "salesqualifiedlead",
    "opportunity": "opportunity",
    "customer": "customer",
    "recycled": "recycled",
    "disqualified": "disqualified",
}
BECAME = {
    "lead": "Became a Lead Date",
    "mql": "Became a Marketing Qualified Lead Date",
    "sal": "Became a Sales Accepted Lead Date",
    "sql": "Became a Sales Qualified Lead Date",
    "opportunity": "Became an Opportunity Date",
    "customer": "Became a Customer Date",
    "recycled": "Became Recycled Date",
    "disqualified": "Became Disqualified Date",
}


def _plain(col: pa.ChunkedArray | pa.Array) -> pa.Array:
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    return arr.cast(arr.type.value_type) if pa.types.is_dictionary(arr.type) else arr


def _date(col: pa.ChunkedArray | pa.Array) -> pa.Array:
    """ISO 8601 in UTC, e.g. 2026-03-02T10:00:00Z."""
    return pc.strftime(_plain(col).cast(pa.timestamp("s")), format="%Y-%m-%dT%H:%M:%SZ")


def _lookup(
    keys: pa.ChunkedArray | pa.Array, ids: pa.ChunkedArray | pa.Array, values: pa.ChunkedArray | pa.Array
) -> pa.Array:
    """values[ids == key] for each key (null when missing)."""
    return pc.take(_plain(values), pc.index_in(_plain(keys), value_set=_plain(ids)))


def _write(path: Path, columns: dict[str, pa.Array]) -> Path:
    pacsv.write_csv(pa.table(columns), path)
    return path


def write_hubspot(result: SimResult, out: Path) -> list[Path]:
    """Write out/contacts.csv, companies.csv, deals.csv and activities.csv (HubSpot preset columns)."""
    out.mkdir(parents=True, exist_ok=True)
    t = result.tables
    users, accounts, persons = t["users"], t["accounts"], t["persons"]
    account_ids = accounts.column("id")
    companies = _write(
        out / "companies.csv",
        {
            "Record ID": _plain(accounts.column("external_id")),
            "Company name": _plain(accounts.column("name")),
            "Company Domain Name": _plain(accounts.column("domain")),
            "Industry": pc.utf8_upper(_plain(accounts.column("industry"))),
            "Number of Employees": _plain(accounts.column("employees")),
            "Annual Revenue": _plain(accounts.column("annual_revenue")),
            "Country/Region": _plain(accounts.column("country")),
            "Company owner": _lookup(accounts.column("owner_id"), users.column("id"), users.column("email")),
            "Create Date": _date(accounts.column("created_at")),
        },
    )
    contact_cols: dict[str, pa.Array] = {
        "Record ID": _plain(persons.column("external_id")),
        "First Name": _plain(persons.column("first_name")),
        "Last Name": _plain(persons.column("last_name")),
        "Email": _plain(persons.column("email")),
        "Job Title": _plain(persons.column("title")),
        "Phone Number": _plain(persons.column("phone")),
        "Company Name": _lookup(persons.column("account_id"), account_ids, accounts.column("name")),
        "Associated Company ID": _lookup(
            persons.column("account_id"), account_ids, accounts.column("external_id")
        ),
        "Lifecycle Stage": _lifecycle(persons.column("stage")),
        "Original Source": pc.utf8_upper(_plain(persons.column("source_channel"))),
        "Create Date": _date(persons.column("created_at")),
    }
    entries = t["stage_entries"]
    for stage, header in BECAME.items():
        sel = entries.filter(pc.equal(_plain(entries.column("stage")), stage))
        contact_cols[header] = _date(
            _lookup(persons.column("id"), sel.column("person_id"), sel.column("first_entered_at"))
        )
    contact_cols["HubSpot Owner"] = _lookup(
        persons.column("owner_id"), users.column("id"), users.column("email")
    )
    contact_cols["Country/Region"] = _plain(persons.column("country"))
    contacts = _write(out / "contacts.csv", contact_cols)
    return [companies, contacts, _deals(result, out), _activities(result, out)]


def _lifecycle(stage: pa.ChunkedArray) -> pa.Array:
    names = list(LIFECYCLE)
    idx = pc.index_in(_plain(stage), value_set=pa.array(names))
    return pc.take(pa.array([LIFECYCLE[n] for n in names]), idx)


def _deals(result: SimResult, out: Path) -> Path:
    t = result.tables
    opps, users, accounts, persons = t["opportunities"], t["users"], t["accounts"], t["persons"]
    contacts = t["opportunity_contacts"]
    # the converting person first, then colleagues, joined with ';'
    primary = opps.column("person_id")
    ext = _lookup(contacts.column("person_id"), persons.column("id"), persons.column("external_id"))
    is_primary = pc.equal(
        contacts.column("person_id"), _lookup(contacts.column("opportunity_id"), opps.column("id"), primary)
    )
    ordered = pa.table(
        {"o": contacts.column("opportunity_id"), "p": pc.invert(is_primary), "e": ext}
    ).sort_by([("o", "ascending"), ("p", "ascending")])
    grouped = ordered.group_by("o", use_threads=False).aggregate([("e", "list")])
    joined = pc.binary_join(grouped.column("e_list"), ";")
    closed = pc.coalesce(opps.column("closed_at"), opps.column("expected_close"))
    return _write(
        out / "deals.csv",
        {
            "Record ID": _plain(opps.column("external_id")),
            "Deal Name": _plain(opps.column("name")),
            "Pipeline": pa.array(["default"] * opps.num_rows),
            "Deal Stage": _plain(opps.column("stage")),
            "Amount": _plain(opps.column("amount")),
            "Create Date": _date(opps.column("created_at")),
            "Close Date": _date(closed),
            "Deal owner": _lookup(opps.column("owner_id"), users.column("id"), users.column("email")),
            "Associated Company ID": _lookup(
                opps.column("account_id"), accounts.column("id"), accounts.column("external_id")
            ),
            "Associated Contact IDs": _lookup(opps.column("id"), grouped.column("o"), joined),
            "Closed Lost Reason": _plain(opps.column("lost_reason")),
        },
    )


def _activities(result: SimResult, out: Path) -> Path:
    t = result.tables
    acts, persons, campaigns, assets = t["activities"], t["persons"], t["campaigns"], t["assets"]
    path = out / "activities.csv"
    ext_by_person = _plain(persons.column("external_id"))
    first_id = int(pc.min(persons.column("id")).as_py() or 1)
    contiguous = (
        persons.num_rows == 0 or int(pc.max(persons.column("id")).as_py()) - first_id + 1 == persons.num_rows
    )
    with pacsv.CSVWriter(
        path,
        pa.schema(
            [
                (n, pa.string())
                for n in (
                    "Record ID",
                    "Email",
                    "Activity Type",
                    "Activity Date",
                    "Campaign",
                    "URL",
                    "Event ID",
                    "Channel",
                    "Asset",
                )
            ]
        ),
    ) as writer:
        for batch in acts.to_batches(1_000_000):
            pid = batch.column("person_id")
            record = (
                pc.take(ext_by_person, pc.subtract(pid, first_id))
                if contiguous
                else _lookup(pid, persons.column("id"), persons.column("external_id"))
            )
            writer.write_table(
                pa.table(
                    {
                        "Record ID": record,
                        "Email": pa.nulls(batch.num_rows, pa.string()),
                        "Activity Type": _plain(batch.column("type")),
                        "Activity Date": _date(batch.column("occurred_at")),
                        "Campaign": _lookup(
                            batch.column("campaign_id"),
                            campaigns.column("id"),
                            campaigns.column("external_id"),
                        ),
                        "URL": _plain(batch.column("url")),
                        "Event ID": _plain(batch.column("idempotency_key")),
                        "Channel": _plain(batch.column("channel")),
                        "Asset": _lookup(
                            batch.column("asset_id"), assets.column("id"), assets.column("external_id")
                        ),
                    }
                )
            )
    return path
