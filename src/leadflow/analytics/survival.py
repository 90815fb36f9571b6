"""Quantiles and Kaplan-Meier estimates from the duration histograms engines return."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

QUANTILES = (0.5, 0.75, 0.9)


def weighted_quantile(values: ArrayLike, counts: ArrayLike, q: float) -> float | None:
    """The smallest value whose cumulative share reaches q (inverse CDF); None without data."""
    v = np.asarray(values, dtype=np.float64)
    c = np.asarray(counts, dtype=np.float64)
    keep = c > 0
    v, c = v[keep], c[keep]
    if v.size == 0:
        return None
    order = np.argsort(v, kind="stable")
    v, c = v[order], c[order]
    cum = np.cumsum(c) / c.sum()
    idx = int(np.searchsorted(cum, q - 1e-12, side="left"))
    return float(v[min(idx, v.size - 1)])


@dataclass(frozen=True)
class Survival:
    """A Kaplan-Meier curve: at each event time t, the share S(t) still without the event."""

    times: np.ndarray
    survival: np.ndarray
    at_risk: int
    events: int
    censored: int

    def quantile(self, q: float) -> float | None:
        """The first time by which a share q had the event (S(t) <= 1 - q); None if never reached."""
        hit = np.nonzero(self.survival <= 1.0 - q + 1e-12)[0]
        return float(self.times[hit[0]]) if hit.size else None

    def share_by(self, t: float) -> float:
        """The estimated share with the event by time t (1 - S(t))."""
        idx = np.searchsorted(self.times, t, side="right") - 1
        return 0.0 if idx < 0 else float(1.0 - self.survival[idx])


def kaplan_meier(durations: ArrayLike, events: ArrayLike, counts: ArrayLike) -> Survival:
    """Kaplan-Meier from grouped data; censored at t are at risk at t (events come first at ties)."""
    d = np.asarray(durations, dtype=np.float64)
    e = np.asarray(events, dtype=bool)
    c = np.asarray(counts, dtype=np.float64)
    n_total = int(c.sum())
    if d.size == 0:
        return Survival(np.array([]), np.array([]), 0, 0, 0)
    times = np.unique(d)
    idx = np.searchsorted(times, d)
    deaths = np.bincount(idx, weights=np.where(e, c, 0.0), minlength=times.size)
    leaving = np.bincount(idx, weights=c, minlength=times.size)
    at_risk = n_total - np.concatenate([[0.0], np.cumsum(leaving)[:-1]])
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(at_risk > 0, 1.0 - deaths / at_risk, 1.0)
    surv = np.cumprod(factor)
    has_event = deaths > 0
    n_events = int(deaths.sum())
    return Survival(times[has_event], surv[has_event], n_total, n_events, n_total - n_events)


def summarize(
    durations: ArrayLike, events: ArrayLike, counts: ArrayLike, scale: float = 1.0
) -> dict[str, float | int | None]:
    """n, events, censored; p50/p75/p90 of completed durations and the Kaplan-Meier ones (÷ scale)."""
    e = np.asarray(events, dtype=bool)
    d = np.asarray(durations, dtype=np.float64)
    c = np.asarray(counts, dtype=np.float64)
    km = kaplan_meier(d, e, c)
    out: dict[str, float | int | None] = {"n": km.at_risk, "events": km.events, "censored": km.censored}
    for q in QUANTILES:
        tag = f"p{round(q * 100)}"
        empirical = weighted_quantile(d[e], c[e], q)
        out[f"{tag}_days"] = None if empirical is None else empirical / scale
        estimate = km.quantile(q)
        out[f"km_{tag}_days"] = None if estimate is None else estimate / scale
    return out
