"""`leadflow simulate --out` writes Parquet, ground truth and HubSpot CSV that `leadflow import` reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from sqlalchemy import func, select

from leadflow.services.context import Context
from leadflow.services.ingest import import_file
from leadflow.simulate import TABLES, SimConfig, simulate
from leadflow.simulate.hubspot import write_hubspot
from leadflow.simulate.run import run_simulation
from leadflow.store.engine import reading
from leadflow.store.tables import accounts, opportunities, persons


def test_cli_writes_parquet_ground_truth_and_csv(cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "sim"
    result = cli(
        "simulate",
        "--people",
        "2000",
        "--seed",
        "3",
        "--out",
        str(out),
        "--months",
        "6",
        "--start",
        "2026-01-01",
    )
    assert result.code == 0, result.err
    assert "2026-07-01 00:00 UTC as 'now'" in result.out
    for name in TABLES:
        assert (out / f"{name}.parquet").exists(), name
    truth = json.loads((out / "ground_truth.json").read_text())
    assert truth["end"] == "2026-07-01T00:00:00+00:00" and truth["people"] == 2000
    assert truth["rates"]["mql_sal"]["enterprise"]["referrals"] > truth["rates"]["mql_sal"]["smb"]["social"]
    assert truth["realised"]["rows"]["persons"] == pq.read_metadata(out / "persons.parquet").num_rows
    for name in ("contacts", "companies", "deals", "activities"):
        assert (out / "hubspot" / f"{name}.csv").exists(), name
    bad = cli("simulate", "--people", "100")
    assert bad.code != 0 and "--out" in bad.err
    bad_start = cli("simulate", "--people", "100", "--out", str(out), "--start", "soon")
    assert bad_start.code != 0 and "--start" in bad_start.err


def test_cli_loads_the_store_and_exports_it(cli: Any, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'sim.db'}"
    assert cli("simulate", "--people", "500", "--seed", "9", "--db", db).code == 0
    shown = cli("person", "show", "sim-person-1", "--db", db)
    assert shown.code == 0 and "History" in shown.out
    exported = cli("export", "parquet", str(tmp_path / "dump"), "--db", db)
    assert exported.code == 0, exported.err
    assert pq.read_metadata(tmp_path / "dump" / "persons.parquet").num_rows == 500


def test_hubspot_files_import_back_with_the_same_counts(sqlite_ctx: Context, tmp_path: Path) -> None:
    result = run_simulation(SimConfig(people=1500, seed=8), out=tmp_path).result
    files = {name: tmp_path / "hubspot" / f"{name}.csv" for name in ("companies", "contacts", "deals")}
    summaries = {
        "accounts": import_file(sqlite_ctx, "accounts", files["companies"], preset="hubspot"),
        "persons": import_file(sqlite_ctx, "persons", files["contacts"], preset="hubspot"),
        "opportunities": import_file(sqlite_ctx, "opportunities", files["deals"], preset="hubspot"),
    }
    for kind, summary in summaries.items():
        assert summary.quarantined == 0, (kind, summary)
    with reading(sqlite_ctx.engine) as conn:
        counts = {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (accounts, persons, opportunities)
        }
        customers = conn.execute(select(func.count()).where(persons.c.stage == "customer")).scalar_one()
    assert counts == {name: result.tables[name].num_rows for name in counts}
    # the importer also moves a deal's colleagues (opportunity contacts) along with the deal, so only
    # "at least the simulated customers" holds for stages
    assert customers >= result.ground_truth["realised"]["persons_by_stage"]["customer"]


def test_hubspot_activities_import_back(sqlite_ctx: Context, tmp_path: Path) -> None:
    result = simulate(SimConfig(people=300, seed=8))
    files = {p.stem: p for p in write_hubspot(result, tmp_path)}
    import_file(sqlite_ctx, "accounts", files["companies"], preset="hubspot")
    import_file(sqlite_ctx, "persons", files["contacts"], preset="hubspot")
    summary = import_file(sqlite_ctx, "activities", files["activities"], preset="hubspot", react="never")
    assert summary.quarantined == 0
    assert summary.inserted == result.tables["activities"].num_rows
