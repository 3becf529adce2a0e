"""The metrics a user may put thresholds on, by id ``<check>.<metric>``, with their units."""

from __future__ import annotations

METRICS: dict[str, str] = {
    "web-health.latency_ms": "latency of each web health request, in ms",
    "web-health.ok": "1 for a sample that answered 200 and ok, else 0 (judge with rate)",
    "executor-health.latency_ms": "latency of each executor health request, in ms",
    "executor-health.ok": "1 for a sample that answered 200 and ok, else 0 (judge with rate)",
}
