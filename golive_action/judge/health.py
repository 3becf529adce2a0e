"""The health checks (web-health, executor-health): status 200 and a body that says ok."""

from __future__ import annotations

import json
from collections import Counter

from golive_action.judge.stats import latency_summary
from golive_action.model import CheckResult, HttpSample, Verdict
from golive_action.text import one_line


def sample_problem(sample: HttpSample) -> str | None:
    """Why one health sample is not healthy, or None when it is (200 and the body says ok)."""
    if sample.error:
        return sample.error
    if sample.status != 200:
        detail = _error_detail(sample.body)
        return f"HTTP {sample.status}" + (f" ({detail})" if detail else "")
    try:
        body = json.loads(sample.body)
    except ValueError:
        kind = (sample.content_type or "unknown type").split(";")[0]
        return f"HTTP 200 but the body is not JSON ({kind})"
    if not isinstance(body, dict):
        return "HTTP 200 but the body is not a JSON object"
    if body.get("ok") is False:
        detail = _error_detail(sample.body)
        return "HTTP 200 with ok: false" + (f" ({detail})" if detail else "")
    if body.get("ok") is True or body.get("status") == "ok":
        return None
    return 'HTTP 200 but the body does not say ok (no "ok": true or "status": "ok")'


def _error_detail(body_text: str) -> str:
    try:
        body = json.loads(body_text)
    except ValueError:
        return one_line(body_text, 80) if body_text.strip() else ""
    if isinstance(body, dict):
        for key in ("error", "message", "reason"):
            if isinstance(body.get(key), str):
                return one_line(f"{key}: {body[key]}", 120)
    return ""


def judge_health(
    check_id: str,
    title: str,
    samples: list[HttpSample],
    probe_error: str | None,
    rate_min_percent: float,
) -> CheckResult:
    thresholds = {"rate_percent": f">={rate_min_percent:g}"}
    url = samples[0].url if samples else ""
    if probe_error is not None:
        return CheckResult(check_id, title, Verdict.ERROR, probe_error, 0, {}, thresholds)
    if not samples:
        return CheckResult(
            check_id, title, Verdict.INCONCLUSIVE, "no sample was taken", 0, {}, thresholds
        )
    problems = [sample_problem(s) for s in samples]
    healthy = sum(p is None for p in problems)
    rate = 100.0 * healthy / len(samples)
    answered = [s for s in samples if s.error is None]
    metrics: dict[str, object] = {
        "samples": len(samples),
        "healthy": healthy,
        "rate_percent": round(rate, 3),
        **latency_summary([s.elapsed_ms for s in answered if s.elapsed_ms is not None]),
        "statuses": dict(Counter(str(s.status) for s in answered)),
        "url": url,
    }
    if not answered:
        first = problems[0] or "no response"
        reason = f"{first} at {url} ({len(samples)} of {len(samples)} samples)"
        return CheckResult(
            check_id, title, Verdict.ERROR, reason, len(samples), metrics, thresholds
        )
    if rate >= rate_min_percent:
        reason = f"{healthy} of {len(samples)} samples 200 and ok ({rate:.1f} %)"
        return CheckResult(check_id, title, Verdict.PASS, reason, len(samples), metrics, thresholds)
    common, times = Counter(p for p in problems if p is not None).most_common(1)[0]
    failed = len(samples) - healthy
    reason = (
        f"{common} on {times} of {len(samples)} samples at {url}"
        if times == failed
        else f"{failed} of {len(samples)} samples failed, most often: {common} ({times}x) at {url}"
    )
    reason += f"; 200-and-ok rate {rate:.1f} % < {rate_min_percent:g} %"
    return CheckResult(check_id, title, Verdict.FAIL, reason, len(samples), metrics, thresholds)
