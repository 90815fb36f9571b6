"""Every attribution model by name, so callers (analytics, CLI, web) pick one with a string."""

from __future__ import annotations

from collections.abc import Iterable

from leadflow.domain.attribution.journey import Attribution, Journey, aggregate_paths, journey_rows
from leadflow.domain.attribution.markov import markov_attribution
from leadflow.domain.attribution.rules import RULE_MODELS, attribute
from leadflow.domain.attribution.shapley import shapley_attribution
from leadflow.errors import InvalidInput

DATA_DRIVEN = ("markov_1", "markov_2", "markov_3", "shapley", "shapley_rate")
MODEL_NAMES = (*RULE_MODELS, *DATA_DRIVEN)


def run_model(name: str, journeys: Iterable[Journey]) -> Attribution:
    """Credits of the named model (rule models with default weights, markov_k, shapley[_rate])."""
    name = "markov_1" if name == "markov" else name
    if name in RULE_MODELS:
        return attribute(journeys, RULE_MODELS[name])
    if name not in DATA_DRIVEN:
        raise InvalidInput(
            f"unknown attribution model {name!r}",
            where="attribution model",
            hint=f"choose one of {', '.join(MODEL_NAMES)}",
        )
    paths = aggregate_paths(journey_rows(journeys))
    if name.startswith("markov"):
        return markov_attribution(paths, int(name.partition("_")[2])).attribution
    return shapley_attribution(paths, "conversion_rate" if name == "shapley_rate" else "conversions")
