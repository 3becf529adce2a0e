"""The health checks (web-health, executor-health): status 200 and a body that says ok."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from golive_action import jsondoc
from golive_action.ids import CheckId, HealthId
from golive_action.judge.pointer import PointerError, resolve
from golive_action.limits import DEFAULT_VERSION_POINTERS
from golive_action.model import AccessLogObservation, CheckResult, HttpSample, Verdict, worst
from golive_action.stats import latency_summary, lower_bound_percent, rate_with_bound, shown_percent
from golive_action.text import listed, one_line, plural, visible
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
        body = sample.body_json()
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


@dataclass(frozen=True)
class _Part:
    """One more piece of evidence for a health check: its verdict (None: it judged nothing,
    and only says so), its words, its metrics and the threshold it was held to."""

    verdict: Verdict | None
    words: str
    metrics: Mapping[str, object]
    thresholds: Mapping[str, str]


def judge_health(
    check_id: HealthId,
    title: str,
    samples: list[HttpSample],
    probe_error: str | None,
    rate_min_percent: float,
    min_samples: int = 1,
    extra: Mapping[str, tuple[str, ...]] | None = None,
    expect: tuple[str, Any] | None = None,
    *,
    access_log: AccessLogObservation | None = None,
    expect_version: str | None = None,
    version_pointers: tuple[str, ...] = DEFAULT_VERSION_POINTERS,
) -> CheckResult:
    """The samples' rate of 200-and-ok against ``rate_min_percent`` (with the extra
    thresholds and ``min_samples``); the version the healthy bodies name, against
    ``expect_version`` when given (one version in the window, always); and, with an
    ``access_log``, the rate of its lines of this endpoint's path that answered 200 against
    the same minimum."""
    result = _judge_samples(
        check_id, title, samples, probe_error, rate_min_percent, min_samples, extra, expect
    )
    if probe_error is not None:
        return result
    healthy = [s for s in samples if not s.confirmation and sample_problem(s, expect) is None]
    version = _version_part(check_id, healthy, expect_version, version_pointers)
    parts = [] if version is None else [version]
    if access_log is not None:
        parts.append(_log_part(check_id, access_log, rate_min_percent))
    return _with_parts(result, parts)


# Who answers at each health endpoint, as a reason names it.
ROLES: Mapping[HealthId, str] = {"web-health": "the web app", "executor-health": "the executor"}
# A server's version string is shown cut to this, on one line.
VERSION_CHARS = 100
_HEX = re.compile(r"[0-9a-fA-F]+")
# The shorter of two commit shas must have this many digits to match the longer.
SHORT_SHA_MIN = 7


def same_version(seen: str, expected: str) -> bool:
    """Equal; or, for two commit shas (hex digits only), one a prefix of the other with the
    shorter at least SHORT_SHA_MIN digits long, in any case (``abc1234`` is ``abc1234ef...``).
    Other versions must be equal: ``v1.2.3`` is not ``v1.2.3-rc1``."""
    if seen == expected:
        return True
    if not (_HEX.fullmatch(seen) and _HEX.fullmatch(expected)):
        return False
    short, long = sorted((seen.lower(), expected.lower()), key=len)
    return len(short) >= SHORT_SHA_MIN and long.startswith(short)


def body_version(sample: HttpSample, pointers: tuple[str, ...]) -> str | None:
    """The version a health body names at the first of ``pointers`` that holds a string or a
    number, cut to one printable line (a server's text is untrusted); None when none does."""
    try:
        body = sample.body_json()
    except ValueError:
        return None
    for pointer in pointers:
        try:
            value = resolve(body, pointer)
        except PointerError:
            continue
        if isinstance(value, str) and value.strip():
            return one_line(visible(value), VERSION_CHARS)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return json.dumps(value)
    return None


def _version_part(
    check_id: HealthId,
    healthy: list[HttpSample],
    expected: str | None,
    pointers: tuple[str, ...],
) -> _Part | None:
    """The build the endpoint runs, read from its healthy bodies: one version through the
    window (two are a rolling deploy: a FAIL naming both), and the expected one when
    ``expected`` is given (then a body with no version fails too). None: nothing to say."""
    if not healthy:
        return None
    role = ROLES[check_id]
    seen = [body_version(s, pointers) for s in healthy]
    counts = Counter(v for v in seen if v is not None)
    missing = seen.count(None)
    held = {"version": f"=={expected}"} if expected is not None else {}
    tried = listed(list(pointers), "or")
    if len(counts) + (1 if counts and missing else 0) > 1:
        builds = [*counts.most_common(), *([("no version", missing)] if missing else [])]
        shown = [f"{v} ({plural(n, 'sample')})" for v, n in builds]
        more = f" and {len(shown) - 2} more" if len(shown) > 2 else ""
        words = (
            f"{role} answered as {len(builds)} builds in the window, {shown[0]} and {shown[1]}"
            f"{more}: a rolling deploy, or instances on different builds"
        )
        metrics: dict[str, object] = {"version": None, "versions": dict(builds)}
        return _Part(Verdict.FAIL, words, metrics, held)
    if not counts:
        if expected is None:
            return None
        fix = (
            "check version-pointer"
            if pointers != DEFAULT_VERSION_POINTERS
            else "set version-pointer to where the body says its version"
        )
        words = f"{role}'s health body names no version at {tried}, expected {expected}; fix: {fix}"
        return _Part(Verdict.FAIL, words, {"version": None}, held)
    version = next(iter(counts))
    metrics = {"version": version}  # shown in the summary and the terminal
    if expected is None:
        return _Part(None, f"{role} runs {version}", metrics, held)
    if same_version(version, expected):
        return _Part(Verdict.PASS, f"{role} runs {version}, as expected", metrics, held)
    return _Part(Verdict.FAIL, f"{role} runs {version}, expected {expected}", metrics, held)


def _with_parts(result: CheckResult, parts: list[_Part]) -> CheckResult:
    """The result with each part's verdict (the worst wins), words (failing ones first) and
    figures added."""
    if not parts:
        return result
    failing = [p.words for p in parts if p.verdict not in (None, Verdict.PASS)]
    passing = [p.words for p in parts if p.verdict in (None, Verdict.PASS)]
    verdicts = [result.verdict, *(p.verdict for p in parts if p.verdict is not None)]
    metrics = {**result.metrics, **{k: v for p in parts for k, v in p.metrics.items()}}
    thresholds = {**result.thresholds, **{k: v for p in parts for k, v in p.thresholds.items()}}
    return CheckResult(
        result.id,
        result.title,
        worst(verdicts),
        "; ".join([*failing, result.reason, *passing]),
        result.samples,
        metrics,
        thresholds,
    )


def _log_part(check_id: HealthId, log: AccessLogObservation, rate_min_percent: float) -> _Part:
    """The access log's own lines of this health path: real monitoring traffic, judged
    against the same minimum as the samples. No line is said, never passed."""
    held = {"access_log_200": f"rate>={rate_min_percent / 100:g}"}
    if log.error:
        return _Part(Verdict.ERROR, f"access log: {log.error}", {}, held)
    counted = log.health_lines(check_id)
    if counted is None:
        return _Part(None, "access log: its health lines were not counted in this report", {}, {})
    figures: dict[str, object] = {
        "log_lines": counted.lines,
        "log_answered_200": counted.answered_200,
    }
    if counted.lines == 0:
        minutes = max(log.until - log.since, 0.0) / 60
        words = f"access log: no line for {counted.path} in its last {minutes:g} min, none judged"
        return _Part(None, words, figures, held)
    n, ok = counted.lines, counted.answered_200
    figures["log_rate_percent"] = round(100.0 * ok / n, 3)
    words = f"access log: {ok} of {n} health lines answered 200 ({shown_percent(ok / n)} %)"
    if 100.0 * ok < rate_min_percent * n:
        return _Part(Verdict.FAIL, f"{words}, under {rate_min_percent:g} %", figures, held)
    return _Part(Verdict.PASS, words, figures, held)


def _judge_samples(
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
        reason = (
            f"only {plural(n, 'sample')}, fewer than the {min_samples} needed to judge; "
            "sample longer (duration, sample-interval) or set "
            f"min-samples: {max(1, n)} to judge on fewer"
        )
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
