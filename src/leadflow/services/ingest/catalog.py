"""Importing campaigns and assets: the things activities and nurture tracks point at."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import Connection

from leadflow.services.ingest.rows import Record, Rejection
from leadflow.services.ingest.upsert import upsert_rows
from leadflow.services.ingest.writer import Writer, tally
from leadflow.store.tables import assets, campaigns

BUYER_STAGES = ("awareness", "consideration", "decision")


class CampaignWriter(Writer):
    """Campaigns, upserted by external id then name; channel defaults to `other`."""

    kind = "campaigns"

    def write(self, conn: Connection, records: list[Record]) -> tuple[Counter[str], list[Rejection]]:
        rows: list[dict[str, Any]] = []
        for rec in records:
            v = rec.values
            row = {
                c: v[c]
                for c in ("external_id", "name", "channel", "kind", "cost", "started_at", "ended_at")
                if v.get(c) is not None
            }
            row.setdefault("channel", "other")
            row.setdefault("cost", 0.0)
            row["properties"] = dict(rec.properties)
            row["created_at"] = self.now
            rows.append(row)
        return tally(
            upsert_rows(
                conn, campaigns, rows, [("external_id", False), ("name", True)], self.now, first_key_only=True
            )
        ), []


class AssetWriter(Writer):
    """Assets (content mapped to buyer stages), upserted by external id (the slug nurture tracks name)."""

    kind = "assets"

    def check(self, record: Record) -> list[Rejection]:
        stage = record.values.get("buyer_stage")
        if stage is not None and stage not in BUYER_STAGES:
            return [
                Rejection(
                    record.row,
                    "buyer_stage",
                    stage,
                    f"unknown buyer stage {stage!r} (use {', '.join(BUYER_STAGES)})",
                    record.raw,
                )
            ]
        return []

    def write(self, conn: Connection, records: list[Record]) -> tuple[Counter[str], list[Rejection]]:
        rows: list[dict[str, Any]] = []
        for rec in records:
            v = rec.values
            row = {
                c: v[c]
                for c in ("external_id", "name", "kind", "buyer_stage", "provided_by", "url")
                if v.get(c) is not None
            }
            row.setdefault("provided_by", "marketing")
            row["properties"] = dict(rec.properties)
            row["created_at"] = self.now
            rows.append(row)
        return tally(
            upsert_rows(
                conn, assets, rows, [("external_id", False), ("name", True)], self.now, first_key_only=True
            )
        ), []
