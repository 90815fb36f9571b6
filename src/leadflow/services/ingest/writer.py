"""What every kind's writer shares: the context, the time of the import, owners and identity rules."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from leadflow.services.context import Context
from leadflow.services.ingest.identity import Identity
from leadflow.services.ingest.references import Owners
from leadflow.services.ingest.rows import Record, Rejection


class Writer:
    """Checks records against the playbook and writes them in the batch's transaction."""

    kind = ""

    def __init__(self, ctx: Context, options: Mapping[str, Any], react: str = "recent") -> None:
        self.ctx = ctx
        self.options = options
        self.react = react
        self.now = ctx.clock.now()
        self.identity = Identity.from_playbook(ctx.playbook.model)
        self._owners: Owners | None = None
        self.extra: Counter[str] = Counter()  # side effects worth reporting (history rows, persons created)

    def owners(self, conn: Connection) -> Owners:
        """Users by email or name, loaded on first use."""
        if self._owners is None:
            self._owners = Owners(conn)
        return self._owners

    def check(self, record: Record) -> list[Rejection]:
        """Row-level checks that need the playbook (unknown stage); none by default."""
        return []

    def write(self, conn: Connection, records: list[Record]) -> tuple[Counter[str], list[Rejection]]:
        """Write the batch; returns counts (inserted/updated/unchanged) and rows rejected while writing."""
        raise NotImplementedError

    def finish(self, conn: Connection) -> None:
        """Resolve links that needed the whole file (managers, parent accounts); nothing by default."""
        return None


def link(props: dict[str, Any], name: str, ref: Any, found: int | None) -> int | None:
    """Return the linked id; when the reference is unknown keep it in properties as <name>_ref."""
    if ref is not None and found is None:
        props[f"{name}_ref"] = ref
    elif found is not None:
        props.pop(f"{name}_ref", None)
    return found


def tally(outcomes: list[tuple[int, str]]) -> Counter[str]:
    """Counts of inserted, updated and unchanged rows."""
    return Counter(outcome for _, outcome in outcomes)
