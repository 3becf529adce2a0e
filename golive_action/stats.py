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


# Two-sided 95 %: the normal quantile 1.959964, rounded as it is usually quoted.
Z_95 = 1.96


def wilson_lower(successes: int, n: int, z: float = Z_95) -> float | None:
    """The lower end of the Wilson score interval of a proportion (two-sided, ``z`` 1.96 for
    95 %), as a share 0..1; None on no trials. Unlike the normal approximation it is never
    below 0, never above the observed share, and says something at 30 of 30: about 0.886."""
    if n <= 0:
        return None
    if not 0 <= successes <= n:
        raise ValueError(f"{successes} successes in {n} trials")
    p = successes / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    lower = (centre - margin) / (1 + z2 / n)
    # Rounding may leave it a hair outside [0, p]; the interval itself never is.
    return min(max(lower, 0.0), p)


def lower_bound_percent(successes: int, n: int) -> float | None:
    """The Wilson 95 % lower bound in percent, rounded to 0.001 (a metric); None on no trials."""
    lower = wilson_lower(successes, n)
    return None if lower is None else round(100.0 * lower, 3)


def shown_percent(share: float) -> str:
    """A share 0..1 as a percentage for a reason, cut (never rounded up) to 0.1: 2,499 of
    2,500 is "99.9", never "100"; exactly all is "100" and none "0"."""
    if share >= 1.0:
        return "100"
    if share <= 0.0:
        return "0"
    return f"{math.floor(share * 1000 + 1e-9) / 10:.1f}"


def rate_with_bound(successes: int, n: int) -> str:
    """``100 %, at least 88.6 % with 95 % confidence`` (the Wilson bound): what a count of
    successes can show. Empty for no trials."""
    lower = wilson_lower(successes, n)
    if lower is None:
        return ""
    return (
        f"{shown_percent(successes / n)} %, at least {shown_percent(lower)} % with 95 % confidence"
    )


def latency_summary(values_ms: Sequence[float]) -> dict[str, float | None]:
    """p50, p95 and max of latencies in ms, rounded to 0.1 ms."""

    def r(v: float | None) -> float | None:
        return None if v is None else round(v, 1)

    return {
        "latency_p50_ms": r(percentile(values_ms, 50)),
        "latency_p95_ms": r(percentile(values_ms, 95)),
        "latency_max_ms": r(max(values_ms) if values_ms else None),
    }
