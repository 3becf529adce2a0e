"""The 5xx-spike check: every HTTP answer of the run, in time windows; a window whose share
of 5xx answers is over the limit (with enough answers to say so) is a spike."""

from __future__ import annotations

from collections.abc import Iterable

from golive_action.judge.windows import occupied
from golive_action.model import CheckResult, HttpSample, Verdict

CHECK_ID = "5xx-spike"
TITLE = "No 5xx spike in the HTTP answers"


def judge_5xx_spike(
    samples: Iterable[HttpSample],
    window_s: float,
    max_percent: float,
    min_requests: int,
) -> CheckResult:
    answered = sorted((s for s in samples if s.status is not None), key=lambda s: s.at)
    thresholds = {
        "5xx_percent_per_window": f"<={max_percent:g} (windows of {window_s:g} s)",
        "requests_per_window": f"count>={min_requests}",
    }
    total_5xx = sum(1 for s in answered if _is_5xx(s))
    metrics: dict[str, object] = {
        "responses": len(answered),
        "responses_5xx": total_5xx,
        "window_s": window_s,
    }
    if len(answered) < min_requests:
        reason = f"only {len(answered)} HTTP answers, fewer than the {min_requests} needed"
        return CheckResult(
            CHECK_ID, TITLE, Verdict.INCONCLUSIVE, reason, len(answered), metrics, thresholds
        )
    # The windows span the answers themselves: observations merged from other runners, or
    # judged again later, keep their own times.
    first, last = answered[0].at, answered[-1].at
    count, windows = occupied([(s.at, s) for s in answered], first, last, window_s)
    spikes = []
    worst = 0.0
    for window in windows:
        n = len(window.items)
        bad = sum(1 for s in window.items if _is_5xx(s))
        share = 100.0 * bad / n if n else 0.0
        worst = max(worst, share if n >= min_requests else 0.0)
        if n >= min_requests and share > max_percent:
            by_probe = sorted({s.probe for s in window.items if _is_5xx(s)})
            spikes.append((window.start - first, bad, n, share, by_probe))
    metrics.update(
        {"windows": count, "spike_windows": len(spikes), "worst_5xx_percent": round(worst, 2)}
    )
    if not spikes:
        reason = (
            f"{total_5xx} of {len(answered)} answers were 5xx; no window over {max_percent:g} %"
        )
        return CheckResult(
            CHECK_ID, TITLE, Verdict.PASS, reason, len(answered), metrics, thresholds
        )
    offset, bad, n, share, probes = max(spikes, key=lambda s: s[3])
    reason = (
        f"{len(spikes)} of {count} windows over {max_percent:g} % 5xx; worst: {bad} of {n} "
        f"answers ({share:.0f} %) at +{offset:.0f} s, from {', '.join(probes)}"
    )
    return CheckResult(CHECK_ID, TITLE, Verdict.FAIL, reason, len(answered), metrics, thresholds)


def _is_5xx(sample: HttpSample) -> bool:
    return sample.status is not None and 500 <= sample.status <= 599
