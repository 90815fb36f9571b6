"""The inputs and outputs of attribution: touches, journeys, aggregated paths and channel credits."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from leadflow.errors import InvalidInput

NONE = "(none)"  # the pseudo-channel credited for conversions without any touch (direct / unknown)


@dataclass(frozen=True)
class Touch:
    """One touch of a journey: a channel or campaign key, when it happened and which milestone it marks."""

    key: str
    at: datetime
    is_first: bool = False
    is_lead_creation: bool = False
    is_opportunity_creation: bool = False
    is_closed_won: bool = False


@dataclass(frozen=True)
class Journey:
    """The touches (in time order) that led to one conversion, its value and whether it converted."""

    conversion_id: str
    touches: tuple[Touch, ...]
    value: float = 1.0
    converted: bool = True
    converted_at: datetime | None = None

    @property
    def path(self) -> tuple[str, ...]:
        """The channel keys in touch order; (none) for a journey without touches."""
        return tuple(t.key for t in self.touches) or (NONE,)


@dataclass(frozen=True)
class PathTotals:
    """How many journeys followed one path: conversions, non-converting journeys (nulls) and value."""

    conversions: float
    nulls: float
    value: float


@dataclass(frozen=True)
class Attribution:
    """Credits per channel of one model: conversions (fractional counts) and conversion value."""

    model: str
    conversions: Mapping[str, float]
    value: Mapping[str, float]

    @property
    def total_conversions(self) -> float:
        """Sum of conversion credits (equals the number of conversions)."""
        return float(sum(self.conversions.values()))

    @property
    def total_value(self) -> float:
        """Sum of value credits (equals the total conversion value)."""
        return float(sum(self.value.values()))


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic GC: passes over millions of live tuples cost seconds, and no cycles form here."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


PathRow = tuple[Sequence[str], bool, float]


def aggregate_paths(rows: Iterable[PathRow]) -> dict[tuple[str, ...], PathTotals]:
    """Count identical paths once: (channels, converted, value) rows -> totals per path."""
    index: dict[tuple[str, ...], int] = {}
    slots: list[int] = []
    converted_flags: list[bool] = []
    values: list[float] = []
    with gc_paused():
        for channels, converted, value in rows:
            path = tuple(channels) or (NONE,)
            slot = index.get(path)
            if slot is None:
                slot = index[path] = len(index)
            slots.append(slot)
            converted_flags.append(converted)
            values.append(value)
    slot_a = np.asarray(slots, dtype=np.int64)
    won = np.asarray(converted_flags, dtype=bool)
    size = len(index)
    conversions = np.bincount(slot_a[won], minlength=size)
    nulls = np.bincount(slot_a[~won], minlength=size)
    value_sum = np.bincount(slot_a[won], np.asarray(values, dtype=np.float64)[won], minlength=size)
    return {
        path: PathTotals(float(conversions[i]), float(nulls[i]), float(value_sum[i]))
        for path, i in index.items()
    }


def journey_rows(journeys: Iterable[Journey]) -> Iterable[PathRow]:
    """The (path, converted, value) rows of journeys, for aggregate_paths."""
    for journey in journeys:
        require_valid(journey)
        yield journey.path, journey.converted, journey.value


def require_valid(journey: Journey) -> None:
    """Refuse a negative conversion value (credits would no longer be shares of what was won)."""
    if journey.value < 0:
        raise InvalidInput(
            f"conversion {journey.conversion_id!r} has a negative value {journey.value}",
            where=f"journey {journey.conversion_id}",
            hint="attribution splits non-negative values; book refunds separately",
        )
