"""The health checks (web-health, executor-health): status 200 and a body that says ok."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from typing import Any

from golive_action import jsondoc
from golive_action.ids import CheckId
from golive_action.judge.pointer import PointerError, resolve
from golive_action.model import CheckResult, HttpSample, Verdict
from golive_action.stats import latency_summary, lower_bound_percent, rate_with_bound
from golive_action.text import one_line, plural
from golive_action.thresholds import Threshold, evaluate, parse_thresholds_or_none


def sample_problem(sample: HttpSample, expect: tuple[str, Any] | None = None) -> str | None:
    """Why one health sample is not healthy, or None when it is: 200 and a body that says ok
    (``ok`` true or ``status`` "ok"), or, with ``expect`` = (pointer, value), 200 and that
    value at that pointer."""
    if sample.error:
        return sample.error
    if sample.status != 200:
        detail = _error_detail(sample.body)
        return f"HTTP {sample.status}" + (f" ({detail})" if detail else "")
    try:
        body = jsondoc.loads(sample.body)
    except ValueError as exc:
        kind = (sample.content_type or "unknown type").split(";")[0]
        return f"HTTP 200 but the body is {jsondoc.problem(exc)} ({kind})"
    if expect is not None:
        pointer, wanted = expect
        try:
            value = resolve(body, pointer)
        except PointerError:
            return f"HTTP 200 but the body has nothing at {pointer}"
        if value != wanted or isinstance(value, bool) != isinstance(wanted, bool):
            shown = one_line(json.dumps(value), 60)
            return f"HTTP 200 but {pointer} is {shown}, expected {json.dumps(wanted)}"
        return None
    if not isinstance(body, dict):
        return "HTTP 200 but the body is not a JSON object"
    if body.get("ok") is False:
        detail = _error_detail(sample.body)
        return "HTTP 200 with ok: false" + (f" ({detail})" if detail else "")
    if body.get("ok") is True or body.get("status") == "ok":
        return None
    return 'HTTP 200 but the body does not say ok (no "ok": true or "status": "ok")'


def _confirmed_healthy(samples: list[HttpSample], expect: tuple[str, Any] | None) -> int:
    """Healthy first tries, plus refused first tries whose confirmation came back healthy."""
    count = 0
    for index, sample in enumerate(samples):
        if sample.confirmation:
            continue
        following = samples[index + 1] if index + 1 < len(samples) else None
        if sample_problem(sample, expect) is None or (
            following is not None
            and following.confirmation
            and sample_problem(following, expect) is None
        ):
            count += 1
    return count


def _error_detail(body_text: str) -> str:
    try:
        body = jsondoc.loads(body_text)
    except ValueError:
        return one_line(body_text, 80) if body_text.strip() else ""
    if isinstance(body, dict):
        for key in ("error", "message", "reason"):
            if isinstance(body.get(key), str):
                return one_line(f"{key}: {body[key]}", 120)
    return ""


def judge_health(
    check_id: CheckId,
    title: str,
    samples: list[HttpSample],
    probe_error: str | None,
    rate_min_percent: float,
    min_samples: int = 1,
    extra: Mapping[str, tuple[str, ...]] | None = None,
    expect: tuple[str, Any] | None = None,
) -> CheckResult:
    """Rate of samples that answered 200 and ok against ``rate_min_percent``, plus any extra
    thresholds on ``<check>.ok`` and ``<check>.latency_ms``, over at least ``min_samples``."""
    extra = extra or {}
    # Built from the number, not from text: no rounding between the input and the rule.
    rate_rule = Threshold("rate", None, ">=", rate_min_percent / 100)
    rules: dict[str, tuple[Threshold, ...]] = {
        "ok": (rate_rule, *parse_thresholds_or_none(extra.get(f"{check_id}.ok"))),
        "latency_ms": parse_thresholds_or_none(extra.get(f"{check_id}.latency_ms")),
    }
    thresholds = {name: ", ".join(map(str, rule)) for name, rule in rules.items() if rule}
    thresholds["samples"] = f"count>={min_samples}"
    url = samples[0].url if samples else ""
    if probe_error is not None:
        return CheckResult(check_id, title, Verdict.ERROR, probe_error, 0, {}, thresholds)
    every = samples
    samples = [s for s in every if not s.confirmation]
    problems = [sample_problem(s, expect) for s in samples]
    healthy = sum(p is None for p in problems)
    confirmed = _confirmed_healthy(every, expect)
    answered = [s for s in samples if s.error is None]
    latencies = [s.elapsed_ms for s in answered if s.elapsed_ms is not None]
    rate = 100.0 * healthy / len(samples) if samples else 0.0
    metrics: dict[str, object] = {
        "samples": len(samples),
        "healthy": healthy,
        "rate_percent": round(rate, 3),
        # What the count can show: the Wilson 95 % lower bound of the healthy share.
        "rate_lower_95_percent": lower_bound_percent(healthy, len(samples)),
        # Refusals that a second try at once cleared: shown beside the raw rate, never in it.
        "confirmed_rate_percent": round(100.0 * confirmed / len(samples), 3) if samples else 0.0,
        "confirmations": len(every) - len(samples),
        **latency_summary(latencies),
        "statuses": dict(Counter(str(s.status) for s in answered)),
        "url": url,
    }
    n = len(samples)
    if samples and not answered:
        first = problems[0] or "no response"
        reason = f"{first} at {url} ({n} of {n} samples)"
        return CheckResult(check_id, title, Verdict.ERROR, reason, n, metrics, thresholds)
    if n < min_samples:
        reason = f"only {plural(n, 'sample')}, fewer than the {min_samples} needed to judge"
        return CheckResult(check_id, title, Verdict.INCONCLUSIVE, reason, n, metrics, thresholds)
    values = {"ok": [0.0 if p else 1.0 for p in problems], "latency_ms": latencies}
    failed = [
        (name, result)
        for name, exprs in rules.items()
        for result in evaluate(exprs, values[name])
        if not result.ok
    ]
    if not failed:
        reason = f"{healthy} of {n} answered 200 and ok ({rate_with_bound(healthy, n)})"
        return CheckResult(check_id, title, Verdict.PASS, reason, n, metrics, thresholds)
    parts = []
    problem_counts = Counter(p for p in problems if p is not None).most_common(1)
    if problem_counts:
        common, times = problem_counts[0]
        bad = n - healthy
        parts.append(
            f"{common} on {times} of {n} samples at {url}"
            if times == bad
            else f"{bad} of {n} samples failed, most often: {common} ({times}x) at {url}"
        )
    for name, result in failed:
        if result.threshold is rate_rule:
            parts.append(
                f"{healthy} of {n} answered 200 and ok ({rate_with_bound(healthy, n)}), "
                f"under {rate_min_percent:g} %"
            )
        else:  # a user's threshold: it may fail on a run where every sample was healthy
            parts.append(f"{name} {result.describe()}")
    return CheckResult(check_id, title, Verdict.FAIL, "; ".join(parts), n, metrics, thresholds)
