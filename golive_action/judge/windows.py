"""Time windows over an observation, for the checklist's "consistently", "per minute" and
"spike". Pure functions over timestamped values."""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Window(Generic[T]):
    start: float
    end: float
    items: tuple[T, ...]


def tumbling(
    events: Sequence[tuple[float, T]], start: float, end: float, width: float
) -> list[Window[T]]:
    """Consecutive windows of ``width`` seconds from ``start`` to ``end`` (the last one may be
    shorter); every event at time t in [start, end] falls in exactly one of them."""
    if width <= 0:
        raise ValueError("window width must be positive")
    if end < start:
        return []
    count = max(1, math.ceil((end - start) / width))
    buckets: list[list[T]] = [[] for _ in range(count)]
    for at, item in events:
        if start <= at <= end:
            buckets[min(int((at - start) // width), count - 1)].append(item)
    return [
        Window(start + i * width, min(start + (i + 1) * width, end), tuple(items))
        for i, items in enumerate(buckets)
    ]


def occupied(
    events: Sequence[tuple[float, T]], start: float, end: float, width: float
) -> tuple[int, list[Window[T]]]:
    """Like :func:`tumbling`, but only the windows that hold an event, and how many windows
    there are in all: a long run with sparse events costs memory for its events only."""
    if width <= 0:
        raise ValueError("window width must be positive")
    if end < start:
        return 0, []
    count = max(1, math.ceil((end - start) / width))
    buckets: dict[int, list[T]] = {}
    for at, item in events:
        if start <= at <= end:
            buckets.setdefault(min(int((at - start) // width), count - 1), []).append(item)
    return count, [
        Window(start + i * width, min(start + (i + 1) * width, end), tuple(buckets[i]))
        for i in sorted(buckets)
    ]


def most_in_any_span(times: Sequence[float], span: float) -> tuple[int, float | None]:
    """The largest number of events within any ``span`` seconds (a sliding window), and the
    time at which that busiest span starts."""
    ordered = sorted(times)
    best, best_start = 0, None
    for i, t in enumerate(ordered):
        j = bisect.bisect_right(ordered, t + span, lo=i) if span > 0 else i + 1
        if j - i > best:
            best, best_start = j - i, t
    return best, best_start


def k_of_last_n(
    windows: Sequence[Window[T]], bad: Callable[[Window[T]], bool], k: int, n: int
) -> tuple[bool, int, int]:
    """Whether at least ``k`` of the last ``n`` windows are bad: the checklist's
    "consistently". Returns (fired, bad windows among the last n, windows looked at)."""
    last = list(windows)[-n:] if n > 0 else []
    hits = sum(1 for w in last if bad(w))
    return hits >= k and k > 0, hits, len(last)
