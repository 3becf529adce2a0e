"""The metrics a user may put thresholds on (the ``thresholds`` input), by id
``<check>.<metric>``: what each value is, with its unit. judge/metrics.py says where each
comes from; the README's table is drawn from here."""

from __future__ import annotations

METRICS: dict[str, str] = {
    "web-health.latency_ms": "latency of each web health request, in ms",
    "web-health.ok": "1 for a sample that answered 200 and ok, else 0 (judge with rate)",
    "executor-health.latency_ms": "latency of each executor health request, in ms",
    "executor-health.ok": "1 for a sample that answered 200 and ok, else 0 (judge with rate)",
    "ws-latency.ping_ms": "round trip of each WebSocket ping, in ms (a ping still unanswered "
    "at the end counts at its age, once over ws-latency-max-ms)",
    "event-latency.event_ms": "each trade's receive time minus its event time, as the probe "
    "saw it, in ms (percentiles to 0.1 ms)",
    "ws-open.open_s": "time from the first connection attempt to OPEN, in s (one value; "
    "none when it never opened)",
    "ws-stability.reconnects": "one value per reconnect attempt, its time into the window in "
    "s (judge with count)",
    "ui-responsive.latency_ms": "load time of each page load (ui-path), in ms",
    "ticker.latency_ms": "latency of the ticker request, in ms",
    "ws-flag.latency_ms": "latency of the request that read the WebSocket flag, in ms",
    "polling-data.latency_ms": "latency of each ticker read after a rollback, in ms",
    "canary.latency_ms": "latency of the canary request, in ms",
    "ui-browser.load_ms": "the page's load event in the browser, in ms from navigation",
    "ui-browser.ttfb_ms": "the page's time to first byte in the browser, in ms",
    "ui-browser.dom_content_loaded_ms": "the page's DOMContentLoaded in the browser, in ms",
    "ui-browser-responsive.long_task_ms": "duration of each long task (over 50 ms) of the "
    "page's main thread, in ms",
    "ui-browser-responsive.input_delay_ms": "delay of each of the probe's clicks until the "
    "page handled it, in ms",
}
