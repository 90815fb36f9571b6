"""A synthetic B2B funnel with known ground truth: the one data source for tests, the demo and benchmarks."""

from leadflow.simulate.config import FunnelParams, SimConfig
from leadflow.simulate.scenario import PlantedMove, PlantedPerson, plant
from leadflow.simulate.simulator import TABLES, SimResult, simulate

__all__ = [
    "TABLES",
    "FunnelParams",
    "PlantedMove",
    "PlantedPerson",
    "SimConfig",
    "SimResult",
    "plant",
    "simulate",
]
