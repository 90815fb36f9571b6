"""The `leadflow simulate` use case: simulate, then write Parquet + CSV and/or load the store."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from leadflow.errors import InvalidInput
from leadflow.playbook import LoadedPlaybook
from leadflow.services.context import Context
from leadflow.simulate.bulk import LoadReport, load_into_store
from leadflow.simulate.config import SimConfig
from leadflow.simulate.hubspot import write_hubspot
from leadflow.simulate.simulator import SimResult, simulate


@dataclass(frozen=True)
class RunReport:
    """What one `leadflow simulate` produced and how long each part took."""

    result: SimResult
    files: list[Path] = field(default_factory=list)
    load: LoadReport | None = None
    seconds: dict[str, float] = field(default_factory=dict)


def run_simulation(
    config: SimConfig,
    *,
    out: Path | None = None,
    ctx: Context | None = None,
    hubspot: bool = True,
    playbook: LoadedPlaybook | None = None,
) -> RunReport:
    """Simulate once; write out/ (Parquet, ground_truth.json, hubspot/*.csv) and/or load ctx's store."""
    if out is None and ctx is None:
        raise InvalidInput(
            "nowhere to put the simulation",
            where="leadflow simulate",
            hint="give --out DIR (Parquet + CSV files) or --db URL (load the store), or both",
        )
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    result = simulate(config, playbook or (ctx.playbook if ctx is not None else None))
    seconds["simulate"] = time.perf_counter() - started
    files: list[Path] = []
    if out is not None:
        t = time.perf_counter()
        files += result.write_parquet(out)
        seconds["parquet"] = time.perf_counter() - t
        if hubspot:
            t = time.perf_counter()
            files += write_hubspot(result, out / "hubspot")
            seconds["hubspot_csv"] = time.perf_counter() - t
    load = None
    if ctx is not None:
        t = time.perf_counter()
        load = load_into_store(ctx, result)
        seconds["load"] = time.perf_counter() - t
    return RunReport(result, files, load, seconds)
