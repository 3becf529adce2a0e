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
    "canary": "PASS, FAIL, ERROR or SKIPPED",
    "canary-pass-rate": "canary PASS rate over the last canary-window runs, in percent",
    "canary-response": "path of the saved canary response (canary_resp.json), when the canary ran",
}
OUTPUT_NAMES = tuple(OUTPUT_DESCRIPTIONS)


def report_outputs(
    report: GateReport, report_path: str, canary_response: str = ""
) -> dict[str, str]:
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
        "ws-state": ws_state(report),
        "ws-latency-ms": _figure(report, "ws-latency", "latency_p95_ms"),
        "event-latency-p95-ms": _figure(report, "event-latency", "judged_p95_ms"),
        "health-rate": health_rate,
        "canary": canary_word(report),
        "canary-pass-rate": _judged_figure(report, "canary-rate", "rate_percent"),
        "canary-response": canary_response,
    }


def _figure(report: GateReport, check_id: str, metric: str) -> str:
    check = report.check(check_id)
    value = check.metrics.get(metric) if check is not None else None
    return f"{value:.1f}" if isinstance(value, int | float) else ""


def ws_state(report: GateReport) -> str:
    """As the pill shows it; DISABLED when the rollback validation finds the flag off."""
    if report.mode == "rollback":
        flag = report.check("ws-flag")
        if flag is not None and flag.metrics.get("flag") is False:
            return "DISABLED"
    opened = report.check("ws-open")
    state = opened.metrics.get("ws_state") if opened is not None else None
    return state if isinstance(state, str) else ""


def canary_word(report: GateReport) -> str:
    check = report.check("canary")
    if check is None or check.verdict is Verdict.SKIPPED:
        return "SKIPPED"
    return {Verdict.PASS: "PASS", Verdict.FAIL: "FAIL"}.get(check.verdict, "ERROR")


def _judged_figure(report: GateReport, check_id: str, metric: str) -> str:
    """A figure only when the check judged it (pass or fail): no 0 for a rate never read."""
    check = report.check(check_id)
    if check is None or check.verdict not in (Verdict.PASS, Verdict.FAIL):
        return ""
    return _figure(report, check_id, metric)
