"""simulate(config) -> SimResult: the whole synthetic funnel as arrow tables plus its ground truth."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from leadflow.errors import InvalidInput
from leadflow.playbook import LoadedPlaybook, load_playbook
from leadflow.simulate.activities import build_activities
from leadflow.simulate.config import CHANNELS, SEGMENTS, SimConfig
from leadflow.simulate.funnel import Funnel
from leadflow.simulate.history import (
    opportunity_tables,
    persons_table,
    stage_change_table,
    stage_entries_table,
)
from leadflow.simulate.population import build_population, persons_static
from leadflow.simulate.truth import ground_truth
from leadflow.store.export import table_schema
from leadflow.store.tables import metadata

# Store tables in load order (parents before children).
TABLES = (
    "users",
    "accounts",
    "campaigns",
    "assets",
    "persons",
    "stage_changes",
    "stage_entries",
    "activities",
    "opportunities",
    "opportunity_contacts",
)


@dataclass(frozen=True)
class SimResult:
    """The simulated store: one arrow table per store table, and the ground truth it was drawn from."""

    config: SimConfig
    tables: dict[str, pa.Table]
    ground_truth: dict[str, Any]

    @property
    def now(self) -> Any:
        """The simulation end (aware UTC): analytics on this data should use it as 'now'."""
        return self.config.end

    def with_tables(self, **tables: pa.Table) -> SimResult:
        """A copy with some tables replaced."""
        return replace(self, tables={**self.tables, **tables})

    def write_parquet(self, out: Path) -> list[Path]:
        """Write every table to out/<table>.parquet and the ground truth to out/ground_truth.json."""
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / f"{name}.parquet" for name in TABLES]

        def write(name: str) -> None:
            pq.write_table(
                self.tables[name], out / f"{name}.parquet", compression="snappy", row_group_size=1_000_000
            )

        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(write, TABLES))
        truth = out / "ground_truth.json"
        truth.write_text(json.dumps(self.ground_truth, indent=2, sort_keys=False) + "\n", encoding="utf-8")
        return [*paths, truth]


def simulate(config: SimConfig, playbook: LoadedPlaybook | None = None) -> SimResult:
    """Generate the funnel for config (deterministic per seed); planted persons and the scenario run last."""
    if config.people < 10:
        raise InvalidInput(
            f"--people {config.people} is too small", where="--people", hint="simulate 10 or more"
        )
    if config.months < 1:
        raise InvalidInput("--months must be at least 1", where="--months", hint="e.g. --months 12")
    pb = playbook or load_playbook(None)
    model = pb.model
    missing = [s for s in SEGMENTS if s not in model.segments] + [
        s
        for s in ("lead", "mql", "sal", "sql", "opportunity", "customer", "recycled", "disqualified")
        if s not in model.stage_ids()
    ]
    if missing:
        raise InvalidInput(
            f"the playbook lacks what the simulator models: {', '.join(missing)}",
            where=pb.source if hasattr(pb, "source") else "playbook",
            hint="simulate with the default playbook's stages and segments",
        )
    rng = np.random.default_rng(config.seed)
    pop = build_population(config, model, rng)
    recycle = list(model.rejection_reasons.get("recycle", ["bad_timing"]))
    disqualify = list(model.rejection_reasons.get("disqualify", ["student", "bad_data"]))
    lost = list(model.lost_reasons or ["price"])
    funnel = Funnel(
        config,
        rng,
        pop.person_seg,
        pop.person_channel,
        pop.person_student,
        pop.person_created,
        pop.account_owner[pop.person_account - 1],
        pop.marketing_users,
        recycle,
        disqualify,
        lost,
        pop.person_fit_effect,
    )
    st = funnel.run()
    static = persons_static(config, pop, model, rng)
    amounts = np.concatenate(st.opp_amount) if st.opp_amount else np.zeros(0)
    changes, log = stage_change_table(st, pop, amounts, pb.version, rng)
    activities, unsubscribed = build_activities(config, rng, pop, st)
    persons = persons_table(static, pop, st, log, unsubscribed)
    opps, contacts = opportunity_tables(config, st, pop, persons, rng)
    tables = {
        "users": pop.users,
        "accounts": pop.accounts,
        "campaigns": pop.campaigns,
        "assets": pop.assets,
        "persons": persons,
        "stage_changes": changes,
        "stage_entries": stage_entries_table(log),
        "activities": activities,
        "opportunities": opps,
        "opportunity_contacts": contacts,
    }
    tables = {name: conform(name, table) for name, table in tables.items()}
    truth = ground_truth(
        config, log, pop.person_seg, pop.person_channel, pop.person_student, _realised(tables), pb.version
    )
    result = SimResult(config, tables, truth)
    if config.planted:
        from leadflow.simulate.scenario import plant

        result = plant(result, config.planted)
    if config.scenario is not None:
        result = config.scenario(result)
    return result


def conform(name: str, table: pa.Table) -> pa.Table:
    """The table in the store's column order and export types (dictionary-encoded strings stay encoded)."""
    columns = []
    for field in table_schema(metadata.tables[name]):
        if field.name not in table.column_names:
            columns.append(pa.nulls(table.num_rows, field.type))
            continue
        col = table.column(field.name)
        if not (pa.types.is_dictionary(col.type) and field.type == pa.string()) and col.type != field.type:
            col = col.cast(field.type)
        columns.append(col)
    return pa.table(columns, names=[f.name for f in table_schema(metadata.tables[name])])


def _counts(table: pa.Table, column: str) -> dict[str, int]:
    values = table.column(column).combine_chunks()
    if isinstance(values, pa.DictionaryArray):
        values = values.cast(pa.string())
    vc = pc.value_counts(values)
    return {str(v["values"]): int(v["counts"]) for v in vc.to_pylist()}


def _realised(tables: dict[str, pa.Table]) -> dict[str, Any]:
    """Counts of what this run produced (for a quick sanity check against the store)."""
    opps = tables["opportunities"]
    won = opps.filter(pc.equal(opps.column("status"), "won"))
    persons = tables["persons"]
    by_channel = dict.fromkeys(CHANNELS, 0.0)
    if won.num_rows:
        src = persons.column("source_channel").combine_chunks().take(pc.subtract(won.column("person_id"), 1))
        grouped = pa.table({"c": src, "a": won.column("amount")}).group_by("c").aggregate([("a", "sum")])
        by_channel.update(
            {
                str(c): float(a)
                for c, a in zip(
                    grouped.column("c").to_pylist(), grouped.column("a_sum").to_pylist(), strict=True
                )
            }
        )
    return {
        "rows": {name: t.num_rows for name, t in tables.items()},
        "persons_by_stage": _counts(persons, "stage"),
        "persons_by_segment": _counts(tables["accounts"], "segment")
        and _counts(
            pa.table(
                {
                    "s": tables["accounts"]
                    .column("segment")
                    .combine_chunks()
                    .take(pc.subtract(persons.column("account_id"), 1))
                }
            ),
            "s",
        ),
        "sourced_by": _counts(persons, "sourced_by"),
        "opportunities_by_status": _counts(opps, "status"),
        "won_revenue": float(pc.sum(won.column("amount")).as_py() or 0.0),
        "won_revenue_by_source_channel": by_channel,
        "activities_by_type": _counts(tables["activities"], "type"),
    }
