"""Funnel, velocity, plan, attribution, campaign and quality metrics: written once in Ibis, run on every engine.

Each metric family is a module (leadflow.analytics.funnel, .velocity, .plan, .attribution, .campaigns,
.quality); this package exports the entry points shared by all of them. They load Ibis and pandas, so
they are imported on first use: reading `leadflow.analytics.filters` alone stays cheap (the CLI does).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_EXPORTS = {
    "dashboard_metrics": "dashboard",
    "Backend": "engines",
    "connect": "engines",
    "connect_duckdb": "engines",
    "connect_spark": "engines",
    "connect_store": "engines",
    "export_tables": "engines",
    "Filters": "filters",
    "Period": "filters",
    "make_filters": "filters",
    "parse_period": "filters",
}

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


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(f"leadflow.analytics.{_EXPORTS[name]}"), name)
    raise AttributeError(name)
