"""Exact Markov attribution on 1,000,000 journeys, and the ChannelAttribution package on the same paths.

Prints one JSON object per figure. BENCH_SCALE (default 1.0) scales the journey count down for quick runs.
ChannelAttribution (GPL-3.0, a dev extra) is only imported here and in tests; when it is missing its
figures are reported as skipped.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import time

import numpy as np

from leadflow.domain.attribution import PathTotals, aggregate_paths, markov_attribution

SCALE = float(os.environ.get("BENCH_SCALE", "1.0"))
JOURNEYS = max(10_000, int(1_000_000 * SCALE))
CA_SIMULATIONS = 2_000_000
CHANNELS = [
    "search",
    "social",
    "email",
    "display",
    "webinar",
    "events",
    "partner",
    "review_site",
    "seo",
    "sdr",
]


def emit(name: str, value: float | None, unit: str, target: str, compared_to: str, **extra: object) -> None:
    print(
        json.dumps(
            {"name": name, "value": value, "unit": unit, "target": target, "compared_to": compared_to} | extra
        ),
        flush=True,
    )


def simulate(journeys: int, seed: int = 42) -> list[tuple[tuple[str, ...], bool, float]]:
    """Journeys walking a channel graph; conversion odds rise with the channels visited (known lift)."""
    rng = np.random.default_rng(seed)
    n = len(CHANNELS)
    lengths = rng.geometric(0.3, journeys).clip(1, 12)
    steps = int(lengths.sum())
    first_step = np.zeros(steps, dtype=bool)
    first_step[np.cumsum(lengths) - lengths] = True
    fresh = rng.integers(0, n, steps)  # a new channel, or stay near the previous one (sticky walk)
    drift = (np.arange(steps) + rng.integers(0, 2, steps)) % n
    flat = np.where(first_step | (rng.random(steps) < 0.6), fresh, drift)
    lift = np.linspace(0.02, 0.15, n)
    path_index = np.repeat(np.arange(journeys), lengths)
    keep_odds = np.ones(journeys)
    np.multiply.at(keep_odds, path_index, 1 - lift[flat])
    converted = rng.random(journeys) < 1 - keep_odds
    values = np.where(converted, rng.integers(1, 40, journeys) * 250.0, 0.0)
    names = np.array(CHANNELS, dtype=object)[flat]
    paths = [tuple(p) for p in np.split(names, np.cumsum(lengths)[:-1])]
    return list(zip(paths, converted.tolist(), values.tolist(), strict=True))


def channelattribution_run(paths: dict[tuple[str, ...], PathTotals]) -> tuple[float, dict[str, float]] | None:
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # it prints a banner on import
            import ChannelAttribution as ca
            import pandas as pd
    except ImportError:
        return None
    frame = pd.DataFrame(
        {
            "path": [">".join(p) for p in paths],
            "conv": [t.conversions for t in paths.values()],
            "null": [t.nulls for t in paths.values()],
            "value": [t.value for t in paths.values()],
        }
    )
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        result = ca.markov_model(
            frame,
            "path",
            "conv",
            var_value="value",
            var_null="null",
            order=1,
            out_more=True,
            sep=">",
            nsim_start=CA_SIMULATIONS,
            max_step=1000,
            seed=1,
            verbose=False,
            flg_pro=False,
        )
    seconds = time.perf_counter() - started
    effects = result["removal_effects"].set_index("channel_name")["removal_effects_conversion"]
    return seconds, {str(k): float(v) for k, v in effects.items()}


def main() -> None:
    rows = simulate(JOURNEYS)
    started = time.perf_counter()
    paths = aggregate_paths(rows)
    aggregated = time.perf_counter() - started
    emit(
        "markov_aggregate_paths", round(aggregated, 3), "s", "", f"{JOURNEYS} journeys -> {len(paths)} paths"
    )
    first = None
    for order in (1, 2, 3):
        started = time.perf_counter()
        result = markov_attribution(paths, order)
        seconds = time.perf_counter() - started
        if order == 1:
            first = result
        emit(
            f"markov_order{order}_exact",
            round(seconds, 3),
            "s",
            "",
            f"{JOURNEYS} journeys, {result.states} states",
        )
        if order == 1:
            emit(
                "markov_order1_total",
                round(aggregated + seconds, 3),
                "s",
                "< 10",
                f"aggregate + exact order-1 removal effects on {JOURNEYS} journeys",
            )
    assert first is not None
    theirs = channelattribution_run(paths)
    if theirs is None:
        emit("channelattribution_order1", None, "s", "", "skipped: ChannelAttribution not installed")
        return
    seconds, effects = theirs
    emit(
        "channelattribution_order1",
        round(seconds, 3),
        "s",
        "",
        f"same {len(paths)} aggregated paths, {CA_SIMULATIONS:.0e} simulations, max_step=1000, 1 core",
    )
    gap = max(abs(effects[c] - e) for c, e in first.removal_effects.items())
    emit(
        "markov_vs_channelattribution_max_abs_diff",
        round(gap, 5),
        "removal effect",
        "< 0.01",
        "max over channels of |exact - simulated| order-1 removal effect",
    )


if __name__ == "__main__":
    main()
