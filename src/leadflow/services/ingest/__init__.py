"""Getting data in: files (`import_file`) and live activity records (`ingest_activities`).

The two entry points load pyarrow and pandas; they are imported on first use so that light modules of
this package (e.g. `kinds`, which the CLI reads to list what can be imported) stay cheap to import.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from leadflow.services.ingest.events import IngestSummary, RecordResult, ingest_activities
    from leadflow.services.ingest.imports import ImportSummary, import_file

_EXPORTS = {
    "IngestSummary": "events",
    "RecordResult": "events",
    "ingest_activities": "events",
    "ImportSummary": "imports",
    "import_file": "imports",
}

__all__ = ["ImportSummary", "IngestSummary", "RecordResult", "import_file", "ingest_activities"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(f"leadflow.services.ingest.{_EXPORTS[name]}"), name)
    raise AttributeError(name)
