"""Funnel, velocity, plan, attribution, campaign and quality metrics: written once in Ibis, run anywhere.

Each metric family is a module (leadflow.analytics.funnel, .velocity, .plan, .attribution, .campaigns,
.quality); this package exports the entry points shared by all of them.
"""

from leadflow.analytics.dashboard import dashboard_metrics
from leadflow.analytics.engines import (
    Backend,
    connect,
    connect_duckdb,
    connect_spark,
    connect_store,
    export_tables,
)
from leadflow.analytics.filters import Filters, Period, make_filters, parse_period

__all__ = [
    "Backend",
    "Filters",
    "Period",
    "connect",
    "connect_duckdb",
    "connect_spark",
    "connect_store",
    "dashboard_metrics",
    "export_tables",
    "make_filters",
    "parse_period",
]
