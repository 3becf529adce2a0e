"""The 5xx-spike check: HTTP answers in time windows; a window whose share of 5xx answers is
over the limit (with enough answers to say so) is a spike. Two sources, judged apart: every
answer the gate itself got, and, when given, the access log's last minutes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from golive_action.ids import CheckId
from golive_action.judge.windows import occupied
from golive_action.model import AccessLogObservation, CheckResult, HttpSample, Verdict

CHECK_ID: CheckId = "5xx-spike"
TITLE = "No 5xx spike in the HTTP answers"


@dataclass(frozen=True)
class _Count:
    at: float
    answers: int
    errors: int  # 5xx
    source: str


@dataclass(frozen=True)
class _Finding:
    answers: int
    errors: int
    windows: int
    spikes: list[tuple[float, int, int, float, list[str]]]  # offset, 5xx, answers, %, sources
    worst: float


def _windows(
    counts: Sequence[_Count], window_s: float, max_percent: float, min_requests: int
) -> _Finding:
    first, last = counts[0].at, counts[-1].at
    total, windows = occupied([(c.at, c) for c in counts], first, last, window_s)
    spikes = []
    worst = 0.0
    for window in windows:
        n = sum(c.answers for c in window.items)
        bad = sum(c.errors for c in window.items)
        share = 100.0 * bad / n if n else 0.0
        if n >= min_requests:
            worst = max(worst, share)
            if share > max_percent:
                sources = sorted({c.source for c in window.items if c.errors})
                spikes.append((window.start - first, bad, n, share, sources))
    answers = sum(c.answers for c in counts)
    errors = sum(c.errors for c in counts)
    return _Finding(answers, errors, total, spikes, worst)


def judge_5xx_spike(
    samples: Iterable[HttpSample],
    window_s: float,
    max_percent: float,
    min_requests: int,
    access_log: AccessLogObservation | None = None,
) -> CheckResult:
    thresholds = {
        "5xx_percent_per_window": f"<={max_percent:g} (windows of {window_s:g} s)",
        "requests_per_window": f"count>={min_requests}",
    }
    gate = sorted(
        (_Count(s.at, 1, int(_is_5xx(s.status)), s.probe) for s in samples if s.status is not None),
        key=lambda c: c.at,
    )
    metrics: dict[str, object] = {"responses": len(gate), "window_s": window_s}
    findings: list[tuple[str, _Finding]] = []
    notes: list[str] = []
    if len(gate) >= min_requests:
        findings.append(
            ("the gate's requests", _windows(gate, window_s, max_percent, min_requests))
        )
    else:
        notes.append(
            f"only {len(gate)} HTTP answers to the gate, fewer than {min_requests}; sample "
            f"more (samples, duration), set spike-min-requests: {max(1, len(gate))}, or give "
            "access-log"
        )
    if access_log is not None:
        if access_log.error:
            return CheckResult(
                CHECK_ID, TITLE, Verdict.ERROR, access_log.error, len(gate), metrics, thresholds
            )
        rows = [_Count(float(t), n, bad, "access log") for t, n, bad in access_log.seconds]
        metrics.update(
            {
                "log_lines": access_log.lines,
                "log_unparsed": access_log.unparsed,
                "log_responses": sum(r.answers for r in rows),
            }
        )
        if rows:
            findings.append(
                (
                    f"access log {access_log.path}",
                    _windows(rows, window_s, max_percent, min_requests),
                )
            )
        else:
            notes.append(
                f"no request in the last minutes of {access_log.path}; raise access-log-minutes"
            )
    if not findings:
        return CheckResult(
            CHECK_ID, TITLE, Verdict.INCONCLUSIVE, "; ".join(notes), len(gate), metrics, thresholds
        )
    gate_finding = next((f for name, f in findings if name == "the gate's requests"), None)
    if gate_finding is not None:
        metrics["responses_5xx"] = gate_finding.errors
    metrics.update(
        {
            "windows": sum(f.windows for _, f in findings),
            "spike_windows": sum(len(f.spikes) for _, f in findings),
            "worst_5xx_percent": round(max(f.worst for _, f in findings), 2),
        }
    )
    spiking = [(name, f) for name, f in findings if f.spikes]
    if not spiking:
        parts = [f"{f.errors} of {f.answers} answers 5xx in {name}" for name, f in findings]
        # What was not judged is said too (an access log with no recent line, say).
        reason = "; ".join([*parts, f"no window over {max_percent:g} %", *notes])
        return CheckResult(CHECK_ID, TITLE, Verdict.PASS, reason, len(gate), metrics, thresholds)
    parts = []
    for name, finding in spiking:
        offset, bad, n, share, sources = max(finding.spikes, key=lambda s: s[3])
        parts.append(
            f"{name}: {len(finding.spikes)} of {finding.windows} windows over {max_percent:g} % "
            f"5xx; worst: {bad} of {n} answers ({share:.0f} %) at +{offset:.0f} s, from "
            f"{', '.join(sources)}"
        )
    return CheckResult(
        CHECK_ID, TITLE, Verdict.FAIL, "; ".join(parts), len(gate), metrics, thresholds
    )


def _is_5xx(status: int | None) -> bool:
    return status is not None and 500 <= status <= 599
