"""The outputs (README "Outputs"), as plain strings. Written by actions.py, read by later jobs."""

from __future__ import annotations

import json

from golive_action.model import Decision, GateReport, Verdict

OUTPUT_DESCRIPTIONS: dict[str, str] = {
    "decision": "go or no-go",
    "passed": "true when the decision is go",
    "rollback": "true when a rollback trigger fired",
    "rollback-reasons": "JSON array of the ids of the rollback triggers that fired",
    "report": "path of the JSON report",
    "ws-state": "WebSocket state as the UI pill shows it: OPEN, DEGRADED, CLOSED or DISABLED",
    "ws-latency-ms": "measured WebSocket ping latency (p95), in ms",
    "event-latency-p95-ms": "P95 of event-to-store latency that the ws criterion judged, in ms",
    "health-rate": "percent of health samples that answered 200 and ok",
    "canary": "PASS, FAIL, ERROR, SKIPPED or WAIVED",
    "canary-pass-rate": "canary PASS rate over the last canary-window runs, in percent",
    "canary-response": "path of the saved canary response (canary_resp.json), when the canary ran",
    "waived": "JSON array of the ids of the checks waived (accepted unseen) by the waive input",
    "screenshot": "path of the browser check's screenshot of the page (PNG), when it ran",
}
OUTPUT_NAMES = tuple(OUTPUT_DESCRIPTIONS)


def report_outputs(
    report: GateReport, report_path: str, canary_response: str = ""
) -> dict[str, str]:
    """Every output, always present; a figure the gate did not measure is an empty string."""
    figures = report.headline
    return {
        "decision": report.decision.value,
        "passed": "true" if report.decision is Decision.GO else "false",
        "rollback": "true" if report.rollback else "false",
        "rollback-reasons": json.dumps([t.id for t in report.fired_triggers]),
        "report": report_path,
        "ws-state": report.ws_state or "",
        "ws-latency-ms": _figure(figures.ws_latency_p95_ms, ".1f"),
        "event-latency-p95-ms": _figure(figures.event_latency_p95_ms, ".1f"),
        "health-rate": _figure(figures.health_rate_percent, ".2f"),
        "canary": figures.canary,
        "canary-pass-rate": _figure(figures.canary_pass_rate_percent, ".1f"),
        "canary-response": canary_response,
        "waived": json.dumps([c.id for c in report.checks if c.verdict is Verdict.WAIVED]),
        "screenshot": report.screenshot or "",
    }


def _figure(value: float | None, shape: str) -> str:
    return "" if value is None else format(value, shape)
