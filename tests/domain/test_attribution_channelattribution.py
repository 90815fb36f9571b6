"""Our exact Markov removal effects against the ChannelAttribution package's simulation (GPL: tests only).

Tolerance: 0.01 absolute on removal effects (probability ratios in [0, 1]). ChannelAttribution estimates
each effect as a binomial proportion from one fold of nsim/nfold simulated paths, so its standard error is
sqrt(RE (1 - RE) / conversions in the fold); with 5e6 simulations and ~25 % conversion that is <= 0.0015,
so 0.01 is more than six standard errors, while real definitional differences (e.g. its default step cap,
see docs/attribution.md) move effects by 0.02-0.05. A relative tolerance would demand ~1e8 simulations for
channels with small effects.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from leadflow.domain.attribution import PathTotals, aggregate_paths, markov_attribution

pd = pytest.importorskip("pandas")
ca = pytest.importorskip("ChannelAttribution", reason="channelattribution (dev extra) is not installed")

SIMULATIONS = 5_000_000
FOLDS = 10


def simulated_paths(seed: int = 11, journeys: int = 4000) -> dict[tuple[str, ...], PathTotals]:
    """Journeys over six channels whose conversion odds depend on the channels visited (and their order)."""
    rng = np.random.default_rng(seed)
    names = ["search", "social", "email", "display", "webinar", "events"]
    lift = np.array([0.08, 0.03, 0.10, 0.02, 0.20, 0.12])
    rows = []
    for _ in range(journeys):
        visited = rng.choice(len(names), size=rng.integers(1, 7), p=[0.3, 0.25, 0.2, 0.15, 0.05, 0.05])
        odds = 1 - np.prod(1 - lift[visited]) + (0.05 if visited[-1] == 2 else 0.0)
        converted = bool(rng.random() < odds)
        rows.append(
            ([names[i] for i in visited], converted, float(rng.integers(1, 20)) * 50 if converted else 0.0)
        )
    return aggregate_paths(rows)


def channelattribution(paths: dict[tuple[str, ...], PathTotals], order: int, **options: object) -> object:
    frame = pd.DataFrame(
        {
            "path": [">".join(p) for p in paths],
            "conv": [t.conversions for t in paths.values()],
            "null": [t.nulls for t in paths.values()],
            "value": [t.value for t in paths.values()],
        }
    )
    params = {"nsim_start": SIMULATIONS, "max_step": 1000, "seed": 5, "nfold": FOLDS}
    params.update(options)
    result = ca.markov_model(
        frame,
        "path",
        "conv",
        var_value="value",
        var_null="null",
        order=order,
        out_more=True,
        sep=">",
        verbose=False,
        flg_pro=False,
        **params,
    )
    return result["removal_effects"].set_index("channel_name")


@pytest.mark.parametrize("order", [1, 2])
def test_removal_effects_agree_with_channelattribution(order: int) -> None:
    paths = simulated_paths()
    ours = markov_attribution(paths, order)
    theirs = channelattribution(paths, order)
    conversions_per_fold = SIMULATIONS / FOLDS * ours.conversion_probability
    for channel, effect in ours.removal_effects.items():
        standard_error = math.sqrt(effect * (1 - effect) / conversions_per_fold)
        assert 6 * standard_error < 0.01
        assert theirs.loc[channel, "removal_effects_conversion"] == pytest.approx(effect, abs=0.01), channel
        value_effect = ours.value_removal_effects[channel]
        assert theirs.loc[channel, "removal_effects_conversion_value"] == pytest.approx(
            value_effect, abs=0.01
        )


def test_default_step_cap_biases_channelattribution_low() -> None:
    """Its default max_step (longest observed path) counts longer simulated walks as non-converting."""
    paths = simulated_paths()
    ours = markov_attribution(paths, 1)
    capped = channelattribution(paths, 1, max_step=None, nsim_start=1_000_000)
    assert all(capped.loc[c, "removal_effects_conversion"] < e for c, e in ours.removal_effects.items())
