"""Scrape the executor's Prometheus metrics at the start and at the end of the window:
the ingest_latency_ms histogram and the ws_msgs_total counter."""

from __future__ import annotations

from golive_action.model import AppMetrics
from golive_action.observe.budget import Budget
from golive_action.observe.http import HttpLimits, fetch, new_session
from golive_action.text import url_without_userinfo

HISTOGRAM = "ingest_latency_ms"
COUNTER = "ws_msgs"


def _scrape(
    url: str, limits: HttpLimits
) -> tuple[tuple[tuple[str, float], ...], float | None, str | None]:
    from prometheus_client.parser import text_string_to_metric_families

    with new_session(limits) as session:
        sample = fetch(session, "metrics", url, limits)
    if sample.error or sample.status != 200:
        return (), None, f"metrics {url}: {sample.error or f'HTTP {sample.status}'}"
    if sample.body_truncated:
        return (), None, f"metrics {url}: the page is longer than the part kept"
    try:
        families = list(text_string_to_metric_families(sample.body))
    except Exception as exc:  # the parser raises plain ValueError and others on bad text
        return (), None, f"metrics {url}: not Prometheus text format ({type(exc).__name__})"
    buckets: list[tuple[str, float]] = []
    messages = None
    for family in families:
        if family.name == HISTOGRAM and family.type == "histogram":
            buckets = [
                (s.labels["le"], float(s.value))
                for s in family.samples
                if s.name.endswith("_bucket") and "le" in s.labels
            ]
        elif family.name == COUNTER and family.type == "counter":
            messages = sum(float(s.value) for s in family.samples if s.name.endswith("_total"))
    if not buckets:
        return (), messages, f"metrics {url}: no {HISTOGRAM} histogram"
    return tuple(buckets), messages, None


def observe_app_metrics(
    url: str, window_s: float, limits: HttpLimits, budget: Budget
) -> AppMetrics:
    start, messages_start, error = _scrape(url, limits)
    if error:
        return AppMetrics(url_without_userinfo(url), error=error)
    # Cut short by a cancellation, the window still ends with a scrape: the counters over the
    # part of the window that was observed are the evidence.
    budget.wait(min(window_s, budget.remaining() - limits.timeout_s))
    end, messages_end, error = _scrape(url, limits)
    return AppMetrics(url_without_userinfo(url), start, end, messages_start, messages_end, error)
