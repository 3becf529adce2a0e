"""The checklist's emergency rollback triggers, each with the evidence that fired it.

Each trigger is judged from the checks (or the observations) it draws on. A trigger whose
evidence the run did not gather is not evaluated and not listed: the report counts the
triggers that were."""

from __future__ import annotations

from collections.abc import Sequence

from golive_action.ids import TriggerId
from golive_action.judge.windows import Window, k_of_last_n, most_in_any_span, tumbling
from golive_action.model import CheckResult, RollbackTrigger, Verdict
from golive_action.stats import percentile
from golive_action.text import fixed, plural


def from_check(trigger_id: TriggerId, check: CheckResult | None) -> RollbackTrigger | None:
    """A trigger that fires when its check fails (5xx-spike, ui-unresponsive, canary-rate).
    A check that could not judge (error, inconclusive) does not fire a rollback: that is
    for the gate's decision to hold, not a reason to undo a release."""
    if check is None or check.verdict in (Verdict.SKIPPED, Verdict.WAIVED):
        return None
    fired = check.verdict is Verdict.FAIL
    reason = check.reason if fired else f"not fired: {check.id} {check.verdict.value}"
    return RollbackTrigger(trigger_id, fired, reason, {"check": check.id, **check.metrics})


def latency_consistently_over(
    pings: Sequence[tuple[float, float]],
    start: float,
    end: float,
    limit_ms: float,
    window_s: float,
    k: int,
    n: int,
) -> RollbackTrigger:
    """ws-latency: a window is over when its median ping round trip is over the limit; the
    trigger fires when at least k of the last n windows are (the checklist's "consistently").
    Only windows with a ping count: a window without one (the close handshake at the end, a
    reconnection) measured nothing, and is no evidence either way."""
    windows = [w for w in tumbling(list(pings), start, end, window_s) if w.items]

    def over(window: Window[float]) -> bool:
        middle = percentile(window.items, 50)
        return middle is not None and middle > limit_ms

    fired, hits, looked = k_of_last_n(windows, over, k, n)
    reason = (
        f"latency over {limit_ms:g} ms in {hits} of the last {looked} windows of {window_s:g} s"
        f" with pings (fires at {k})"
    )
    evidence = {"windows_over": hits, "windows": looked, "limit_ms": limit_ms, "k": k, "n": n}
    return RollbackTrigger("ws-latency", fired, reason, evidence)


def reconnects_over(
    attempt_times: Sequence[float], window_s: float, max_attempts: float
) -> RollbackTrigger:
    """ws-reconnects: more than the limit of reconnect attempts within any window_s seconds."""
    most, at = most_in_any_span(attempt_times, window_s)
    fired = most > max_attempts
    reason = f"{plural(most, 'reconnect attempt')} within {window_s:g} s (limit {max_attempts:g})"
    return RollbackTrigger("ws-reconnects", fired, reason, {"most": most, "from": at})


def stuck_closed(
    open_intervals: Sequence[tuple[float, float | None]], start: float, end: float, limit_s: float
) -> RollbackTrigger:
    """ws-stuck-closed: the longest time without an open connection (before the first OPEN,
    between connections, or after the last close) reaches limit_s. Each interval is
    (opened, closed), with closed None for a connection still open at the end."""
    cursor, longest = start, 0.0
    for opened, closed in sorted(open_intervals):
        longest = max(longest, opened - cursor)
        cursor = max(cursor, end if closed is None else closed)
    longest = max(longest, end - cursor)
    fired = longest >= limit_s
    reason = f"no open connection for {fixed(longest)} s (limit {limit_s:g} s)"
    return RollbackTrigger(
        "ws-stuck-closed", fired, reason, {"longest_closed_s": round(longest, 3)}
    )
