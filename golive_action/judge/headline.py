"""The headline figures of a run, from its judged checks: what the outputs, the summary and
trends lead with. Each is None when the run did not measure it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from golive_action.ids import HEALTH_IDS, CheckId
from golive_action.model import CanaryWord, CheckResult, Headline, Verdict


def headline(judged: Mapping[CheckId, CheckResult]) -> Headline:
    total = healthy = 0
    for check_id in HEALTH_IDS:
        check = judged.get(check_id)
        if check is not None and check.samples:
            total += int(check.metrics.get("samples", 0))
            healthy += int(check.metrics.get("healthy", 0))
    rate = judged.get("canary-rate")
    rate_judged = rate is not None and rate.verdict in (Verdict.PASS, Verdict.FAIL)
    return Headline(
        ws_latency_p95_ms=_number(judged.get("ws-latency"), "latency_p95_ms"),
        event_latency_p95_ms=_number(judged.get("event-latency"), "judged_p95_ms"),
        health_rate_percent=100.0 * healthy / total if total else None,
        canary=canary_word(judged.get("canary")),
        # No 0 for a rate never read: only a judged rate is a figure.
        canary_pass_rate_percent=_number(rate, "rate_percent") if rate_judged else None,
        reconnects_per_min=_number(judged.get("ws-stability"), "reconnects_per_min"),
        ui_load_p95_ms=_number(judged.get("ui-responsive"), "latency_p95_ms"),
    )


def canary_word(check: CheckResult | None) -> CanaryWord:
    if check is None or check.verdict is Verdict.SKIPPED:
        return "SKIPPED"
    words: dict[Verdict, CanaryWord] = {
        Verdict.PASS: "PASS",
        Verdict.FAIL: "FAIL",
        Verdict.WAIVED: "WAIVED",
    }
    return words.get(check.verdict, "ERROR")


def _number(check: CheckResult | None, metric: str) -> float | None:
    value: Any = check.metrics.get(metric) if check is not None else None
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
