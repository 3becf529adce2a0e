"""One threshold grammar for every metric, as k6 has it: ``p(95)<1000``, ``avg<=300``,
``max<800``, ``rate>=0.995``, ``count<=10``; several per metric as a list.

    expression  := aggregation operator number
    aggregation := avg | min | med | max | count | rate | p(N)     (0 <= N <= 100)
    operator    := < | <= | > | >= | == | !=

``rate`` is the share of values that are true (non-zero), from 0 to 1, as in k6.
Pure functions: parsing and evaluation only.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from golive_action.stats import percentile

AGGREGATIONS = ("avg", "min", "med", "max", "count", "rate")
_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
}
_AGG_RE = re.compile(r"\s*(avg|min|med|max|count|rate|p\(\s*([^)]*)\))\s*")
_OP_RE = re.compile(r"(<=|>=|==|!=|<|>)\s*")
_NUMBER_RE = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$")


class ThresholdError(ValueError):
    """A threshold that does not parse; the message is one line and names the expression."""


@dataclass(frozen=True)
class Threshold:
    aggregation: str  # one of AGGREGATIONS, or "p"
    percentile: float | None
    operator: str
    limit: float

    def __str__(self) -> str:
        agg = f"p({_num(self.percentile)})" if self.percentile is not None else self.aggregation
        return f"{agg}{self.operator}{_num(self.limit)}"

    def holds(self, observed: float) -> bool:
        return _OPERATORS[self.operator](observed, self.limit)

    def aggregate(self, values: Sequence[float]) -> float | None:
        """The figure this threshold judges, from raw values; None when there are none."""
        if self.aggregation == "count":
            return float(len(values))
        if not values:
            return None
        if self.aggregation == "avg":
            return math.fsum(values) / len(values)
        if self.aggregation == "min":
            return min(values)
        if self.aggregation == "max":
            return max(values)
        if self.aggregation == "rate":
            return sum(1 for v in values if v) / len(values)
        q = 50.0 if self.aggregation == "med" else self.percentile
        assert q is not None
        return percentile(values, q)


def _num(value: float) -> str:
    """Shortest exact text of a number: 1000, not 1000.0; 0.995 as it is."""
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def parse_threshold(text: str) -> Threshold:
    def fail(problem: str) -> ThresholdError:
        return ThresholdError(f"threshold {text!r}: {problem}")

    agg = _AGG_RE.match(text)
    if agg is None:
        raise fail(f"expected one of {', '.join(AGGREGATIONS)} or p(N) at the start")
    aggregation, q = agg.group(1), None
    if aggregation.startswith("p("):
        inner = agg.group(2).strip()
        if not _NUMBER_RE.match(inner):
            raise fail("expected a number from 0 to 100 inside p()")
        q = float(inner)
        if not 0 <= q <= 100:
            raise fail(f"percentile {inner} is outside 0 to 100")
        aggregation = "p"
    rest = text[agg.end() :]
    op = _OP_RE.match(rest)
    if op is None:
        shown = rest[:1] or "the end"
        raise fail(f"expected one of < <= > >= == != after {agg.group(1)!r}, found {shown!r}")
    number = rest[op.end() :]
    if not _NUMBER_RE.match(number):
        raise fail(f"expected a number after {op.group(1)!r}")
    limit = float(number)
    if not math.isfinite(limit):
        raise fail("the limit must be a finite number")
    if aggregation == "rate" and not 0 <= limit <= 1:
        # A percent where a share is meant would make the rule impossible (or void).
        share = float(f"{limit / 100:.6g}")  # 99.5 -> 0.995, never 0.010000001000000001
        guess = f"rate{op.group(1)}{_num(share)}" if 1 < limit <= 100 else "rate>=0.995"
        raise fail(f"rate is a share from 0 to 1: did you mean {guess}?")
    return Threshold(aggregation, q, op.group(1), limit)


def parse_thresholds(text: str | Iterable[str]) -> tuple[Threshold, ...]:
    """A list of expressions: a sequence, or one string separated by commas or semicolons."""
    parts = re.split(r"[,;]", text) if isinstance(text, str) else list(text)
    found = tuple(parse_threshold(p.strip()) for p in parts if p.strip())
    if not found:
        raise ThresholdError(f"threshold list {text!r}: no expression given")
    return found


def parse_thresholds_or_none(text: str | Iterable[str] | None) -> tuple[Threshold, ...]:
    """Like parse_thresholds, but nothing given is no threshold rather than an error."""
    return parse_thresholds(text) if text else ()


@dataclass(frozen=True)
class ThresholdResult:
    threshold: Threshold
    observed: float | None  # None: no data to aggregate

    @property
    def ok(self) -> bool:
        return self.observed is not None and self.threshold.holds(self.observed)

    def describe(self, unit: str = "") -> str:
        shown = "no data" if self.observed is None else f"{self.observed:.4g}{unit}"
        return f"{self.threshold} (observed {shown})"


def evaluate(thresholds: Sequence[Threshold], values: Sequence[float]) -> list[ThresholdResult]:
    return [ThresholdResult(t, t.aggregate(values)) for t in thresholds]
