"""Summary statistics used by the checks. Pure functions."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100) with linear interpolation between ranks; None on no data."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * (q / 100.0)
    low = math.floor(rank)
    high = math.ceil(rank)
    if low == high:
        return ordered[low]
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_summary(values_ms: Sequence[float]) -> dict[str, float | None]:
    """p50, p95 and max of latencies in ms, rounded to 0.1 ms."""

    def r(v: float | None) -> float | None:
        return None if v is None else round(v, 1)

    return {
        "latency_p50_ms": r(percentile(values_ms, 50)),
        "latency_p95_ms": r(percentile(values_ms, 95)),
        "latency_max_ms": r(max(values_ms) if values_ms else None),
    }
