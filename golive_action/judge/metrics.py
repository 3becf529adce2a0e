"""The metrics every check records, for the ``thresholds`` input (README "Thresholds"): each
metric's values from the evidence its check reads, and the thresholds on them applied to
the check's result. Pure. (The health checks hold their own two, ``<check>.ok`` and
``<check>.latency_ms``, beside their rate: judge/health.py.)"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from golive_action.catalog import METRICS
from golive_action.ids import CheckId, HttpProbeId
from golive_action.judge.registry import Evidence
from golive_action.judge.ws import round_trips
from golive_action.model import CheckResult, LatencyHistogram, Verdict, worst
from golive_action.thresholds import Threshold, parse_thresholds

# A metric's values: each sample's figure, or a histogram (event latencies: one per trade).
Values = Sequence[float] | LatencyHistogram


@dataclass(frozen=True)
class MetricSource:
    check: CheckId
    unit: str  # as a reason shows a figure: " ms", " s", ""
    values: Callable[[Evidence], Values]


def _latencies(probe: HttpProbeId) -> Callable[[Evidence], Values]:
    def values(evidence: Evidence) -> Values:
        return [
            s.elapsed_ms
            for s in evidence.http(probe)
            if not s.confirmation and s.error is None and s.elapsed_ms is not None
        ]

    return values


def _ws(evidence: Evidence) -> list[float]:
    obs = evidence.ws
    return [] if obs is None else round_trips(obs, evidence.limits.ws)


def _events(evidence: Evidence) -> Values:
    obs = evidence.ws
    return LatencyHistogram() if obs is None else obs.event_latency


def _open(evidence: Evidence) -> list[float]:
    obs = evidence.ws
    return [] if obs is None or obs.time_to_open_s is None else [obs.time_to_open_s]


def _reconnects(evidence: Evidence) -> list[float]:
    obs = evidence.ws
    if obs is None:
        return []
    return [c.attempt_at - obs.started_at for c in obs.connections[1:]]


def _browser(field: str) -> Callable[[Evidence], Values]:
    def values(evidence: Evidence) -> Values:
        page = evidence.browser
        value = None if page is None else getattr(page, field)
        return [] if value is None else [float(value)]

    return values


def _long_tasks(evidence: Evidence) -> list[float]:
    page = evidence.browser
    return [] if page is None else [duration for _, duration in page.long_tasks]


def _input_delays(evidence: Evidence) -> list[float]:
    page = evidence.browser
    return [] if page is None else list(page.input_delays_ms)


# Every metric but the health checks' own, by id; catalog.METRICS describes each (a test
# holds the two to the same ids).
SOURCES: Mapping[str, MetricSource] = {
    "ws-latency.ping_ms": MetricSource("ws-latency", " ms", _ws),
    "event-latency.event_ms": MetricSource("event-latency", " ms", _events),
    "ws-open.open_s": MetricSource("ws-open", " s", _open),
    "ws-stability.reconnects": MetricSource("ws-stability", "", _reconnects),
    "ui-responsive.latency_ms": MetricSource("ui-responsive", " ms", _latencies("ui")),
    "ticker.latency_ms": MetricSource("ticker", " ms", _latencies("ticker")),
    "ws-flag.latency_ms": MetricSource("ws-flag", " ms", _latencies("ws-flag")),
    "polling-data.latency_ms": MetricSource("polling-data", " ms", _latencies("polling")),
    "canary.latency_ms": MetricSource("canary", " ms", _latencies("canary")),
    "ui-browser.load_ms": MetricSource("ui-browser", " ms", _browser("load_ms")),
    "ui-browser.ttfb_ms": MetricSource("ui-browser", " ms", _browser("ttfb_ms")),
    "ui-browser.dom_content_loaded_ms": MetricSource(
        "ui-browser", " ms", _browser("dom_content_loaded_ms")
    ),
    "ui-browser-responsive.long_task_ms": MetricSource("ui-browser-responsive", " ms", _long_tasks),
    "ui-browser-responsive.input_delay_ms": MetricSource(
        "ui-browser-responsive", " ms", _input_delays
    ),
}


def aggregate(threshold: Threshold, values: Values) -> float | None:
    """The figure a threshold judges: of raw values, or of a histogram (percentiles to its
    bucket, the mean of its bucket centres, min and max exact)."""
    if not isinstance(values, LatencyHistogram):
        return threshold.aggregate(values)
    hist = values
    if threshold.aggregation == "count":
        return float(hist.count)
    if not hist.count:
        return None
    if threshold.aggregation == "min":
        return hist.min_ms
    if threshold.aggregation == "max":
        return hist.max_ms
    if threshold.aggregation == "rate":
        return (hist.count - hist.below_zero) / hist.count  # a latency above 0 is "true"
    if threshold.aggregation == "avg":
        centres = hist.midpoints()
        counted = sum(count for _, count in centres)
        return math.fsum(c * n for c, n in centres) / counted if counted else None
    q = 50.0 if threshold.aggregation == "med" else threshold.percentile
    assert q is not None
    return hist.percentile(q)


def with_thresholds(
    check: CheckResult, evidence: Evidence, given: Mapping[str, tuple[str, ...]]
) -> CheckResult:
    """The check held to the thresholds given on its metrics: each is shown among its
    thresholds, and one that does not hold (no data never holds) fails it, named with the
    figure seen. A check that did not run, or could not judge, keeps its verdict."""
    mine = [(m, s) for m, s in SOURCES.items() if s.check == check.id and m in given]
    if not mine or not check.ran:
        return check
    thresholds = dict(check.thresholds)
    broken: list[str] = []
    for metric, source in mine:
        rules = parse_thresholds(given[metric])
        thresholds[metric] = ", ".join(map(str, rules))
        values = source.values(evidence)
        for rule in rules:
            seen = aggregate(rule, values)
            if seen is None or not rule.holds(seen):
                shown = "no data" if seen is None else f"{seen:.4g}{source.unit}"
                broken.append(f"{metric} {rule} (observed {shown})")
    if not broken:
        return dataclasses.replace(check, thresholds=thresholds)
    verdict = check.verdict
    if verdict in (Verdict.PASS, Verdict.FAIL, Verdict.SKIPPED):
        verdict = worst([verdict, Verdict.FAIL])
    reason = f"{check.reason}; thresholds not met: {'; '.join(broken)}"
    return dataclasses.replace(check, verdict=verdict, reason=reason, thresholds=thresholds)


def problems() -> list[str]:
    """A metric described but with no source, or a source not described (beside the health
    checks' own)."""
    health = {m for m in METRICS if m.split(".", 1)[0] in ("web-health", "executor-health")}
    return [
        f"metric {m} has no source" for m in METRICS if m not in SOURCES and m not in health
    ] + [f"metric {m} is not in the catalog" for m in SOURCES if m not in METRICS]
