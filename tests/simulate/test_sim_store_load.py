"""Loading a simulation into SQLite and PostgreSQL gives the arrow tables' rows, with replayable histories."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, insert, select

from leadflow.clock import FrozenClock
from leadflow.domain.lifecycle import Actor
from leadflow.errors import Conflict, InvalidInput
from leadflow.services.context import Context
from leadflow.services.lifecycle import move, show_person
from leadflow.simulate import TABLES, PlantedMove, PlantedPerson, SimConfig, SimResult, simulate
from leadflow.simulate.bulk import load_into_store
from leadflow.store.engine import reading, transaction
from leadflow.store.export import export_parquet
from leadflow.store.tables import metadata, notes


@pytest.fixture(scope="module")
def small() -> SimResult:
    """3,000 persons over a year, with one planted MQL nobody accepted (a leak)."""
    cfg = SimConfig(people=3000, seed=21)
    stuck_at = cfg.end - timedelta(days=20)
    planted = PlantedPerson(
        email="Stuck.MQL@planted.example",
        history=(
            PlantedMove("lead", stuck_at - timedelta(days=10)),
            PlantedMove("mql", stuck_at, transition="qualify_mql"),
        ),
        owner_email="ben.garcia.rep2@leadflow-sim.example",
        activities=(("form_submit", stuck_at - timedelta(hours=1)),),
    )
    return simulate(SimConfig(people=3000, seed=21, planted=(planted,)))


def _counts(ctx: Context) -> dict[str, int]:
    with reading(ctx.engine) as conn:
        return {
            n: int(conn.execute(select(func.count()).select_from(metadata.tables[n])).scalar_one())
            for n in TABLES
        }


def test_load_gives_the_same_counts_and_replayable_histories(ctx: Context, small: SimResult) -> None:
    report = load_into_store(ctx, small)
    expected = {name: small.tables[name].num_rows for name in TABLES}
    assert report.rows == expected
    assert _counts(ctx) == expected
    persons = small.tables["persons"]
    versions = persons.column("version").to_pylist()
    # a sample: the longest histories, a few plain leads, and the planted person
    sample = [*sorted(range(len(versions)), key=lambda i: -versions[i])[:15], 0, 1, 2, persons.num_rows - 1]
    for i in sample:
        row = persons.slice(i, 1).to_pylist()[0]
        view = show_person(ctx, row["id"])
        assert view.replayed_stage == row["stage"]
        assert view.person["version"] == row["version"] == len(view.history)
        assert view.person["stage_entered_at"].replace(tzinfo=None) == row["stage_entered_at"]
        assert {e["stage"] for e in view.entries} == {c.to_stage for c in view.history}
        assert all(c.source == "simulator" for c in view.history)
    planted = show_person(ctx, "stuck.mql@planted.example")
    assert planted.person["stage"] == "mql" and planted.person["owner_id"] is not None


def test_engine_moves_continue_after_a_load(ctx: Context, clock: FrozenClock, small: SimResult) -> None:
    load_into_store(ctx, small)
    clock.set(small.now + timedelta(hours=1))  # the simulation end is "now"
    rep = Actor("ben.garcia.rep2@leadflow-sim.example", "sales", "sales")
    change = move(ctx, "stuck.mql@planted.example", "sal", rep)
    assert change.from_stage == "mql"
    view = show_person(ctx, "stuck.mql@planted.example")
    assert view.person["version"] == 3
    with pytest.raises(Conflict):
        load_into_store(ctx, small)


def test_export_parquet_round_trips_the_store(ctx: Context, small: SimResult, tmp_path: Path) -> None:
    load_into_store(ctx, small)
    tricky = 'line one\nline "two", with a comma'
    with transaction(ctx.engine) as conn:
        conn.execute(insert(notes).values(person_id=1, team="sales", text=tricky, at=small.now))
    report = export_parquet(ctx.engine, tmp_path)
    assert pq.read_table(tmp_path / "notes.parquet").column("text").to_pylist() == [tricky]
    assert set(report.rows) == set(metadata.tables)
    for name in TABLES:
        exported = pq.read_table(tmp_path / f"{name}.parquet")
        assert exported.num_rows == small.tables[name].num_rows, name
        assert exported.schema.names == small.tables[name].schema.names, name
    persons = pq.read_table(tmp_path / "persons.parquet")
    assert persons.column("stage").to_pylist() == small.tables["persons"].column("stage").to_pylist()
    assert persons.column("stage_entered_at").equals(small.tables["persons"].column("stage_entered_at"))
    changes = pq.read_table(tmp_path / "stage_changes.parquet")
    convert = changes.filter(pc.equal(changes.column("transition"), "convert"))
    assert all("amount" in json.loads(f) for f in convert.column("fields").to_pylist())
    with pytest.raises(InvalidInput):
        export_parquet(ctx.engine, tmp_path, ["no_such_table"])
