"""Getting data in: files (`import_file`) and live activity records (`ingest_activities`)."""

from leadflow.services.ingest.events import IngestSummary, RecordResult, ingest_activities
from leadflow.services.ingest.imports import ImportSummary, import_file

__all__ = ["ImportSummary", "IngestSummary", "RecordResult", "import_file", "ingest_activities"]
