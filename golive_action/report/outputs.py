"""The outputs of DESIGN.md 4.4, as plain strings. Written by actions.py, read by later jobs."""

from __future__ import annotations

import json

from golive_action.model import Decision, GateReport

OUTPUT_NAMES = (
    "decision",
    "passed",
    "rollback",
    "rollback-reasons",
    "report",
    "ws-state",
    "ws-latency-ms",
    "event-latency-p95-ms",
    "health-rate",
    "canary",
    "canary-pass-rate",
)


def report_outputs(report: GateReport, report_path: str) -> dict[str, str]:
    """Every output, always present; a figure the gate did not measure is an empty string."""
    health_total = 0
    health_ok = 0
    for check_id in ("web-health", "executor-health"):
        check = report.check(check_id)
        if check is not None and check.samples:
            health_total += int(check.metrics.get("samples", 0))
            health_ok += int(check.metrics.get("healthy", 0))
    health_rate = f"{100.0 * health_ok / health_total:.2f}" if health_total else ""
    return {
        "decision": report.decision.value,
        "passed": "true" if report.decision is Decision.GO else "false",
        "rollback": "true" if report.rollback else "false",
        "rollback-reasons": json.dumps([t.id for t in report.fired_triggers]),
        "report": report_path,
        "ws-state": "",
        "ws-latency-ms": "",
        "event-latency-p95-ms": "",
        "health-rate": health_rate,
        "canary": "SKIPPED",
        "canary-pass-rate": "",
    }
