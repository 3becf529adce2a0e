"""The WebSocket checks, the WS rollback triggers and the pill state, from the probe's
recorded observation. Pure functions."""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Literal

from golive_action.btcturk import CHANNELS
from golive_action.judge.rollback import (
    latency_consistently_over,
    reconnects_over,
    stuck_closed,
)
from golive_action.judge.windows import most_in_any_span
from golive_action.limits import WsLimits
from golive_action.model import (
    OPEN_PHASES,
    AppMetrics,
    CheckResult,
    ClockSkew,
    RollbackTrigger,
    Verdict,
    WsConnection,
    WsObservation,
    WsState,
    open_split,
)
from golive_action.stats import percentile
from golive_action.text import one_line, plural

WsCheckId = Literal["ws-open", "ws-latency", "ws-feed", "event-latency", "ws-stability"]


def histogram_quantile(q: float, buckets: list[tuple[float, float]]) -> float | None:
    """Prometheus' histogram_quantile: cumulative (upper bound, count) buckets, +Inf last;
    linear interpolation inside the bucket that holds the rank."""
    if not buckets or buckets[-1][0] != math.inf:
        return None
    total = buckets[-1][1]
    if total <= 0:
        return None
    rank = q * total
    lower, below = 0.0, 0.0
    for upper, count in buckets:
        if count >= rank:
            if upper == math.inf:
                return lower  # the highest finite bound, as Prometheus answers
            if count == below:
                return upper
            return lower + (upper - lower) * (rank - below) / (count - below)
        lower, below = upper, count
    return None


def _bucket_deltas(metrics: AppMetrics) -> list[tuple[float, float]]:
    def parse(rows: tuple[tuple[str, float], ...]) -> dict[float, float]:
        return {math.inf if le == "+Inf" else float(le): value for le, value in rows}

    end, start = parse(metrics.end), parse(metrics.start)
    use_delta = set(start) == set(end)
    return sorted((le, end[le] - (start[le] if use_delta else 0.0)) for le in end)


def _result(
    check_id: WsCheckId,
    title: str,
    verdict: Verdict,
    reason: str,
    samples: int,
    metrics: dict[str, Any],
    thresholds: dict[str, str],
) -> CheckResult:
    return CheckResult(check_id, title, verdict, reason, samples, metrics, thresholds)


def round_trips(obs: WsObservation, limits: WsLimits) -> list[float]:
    """The ping round trips, and the pings still in flight at the end for longer than the
    limit: those are known to be over it, so their age counts as a (lower-bound) round trip."""
    limit = limits.latency_limit_ms
    return [rtt for _, rtt in obs.pings] + [a for a in obs.pings_in_flight_ms if a >= limit]


def unanswered(obs: WsObservation) -> list[tuple[float, float]]:
    """The pings never answered, as (sent at, age in ms at their session's end). A report
    recorded before the send times were kept gives ages only: taken as of the window's end."""
    if obs.pings_unanswered or not obs.pings_in_flight_ms:
        return list(obs.pings_unanswered)
    return [(obs.ended_at - age / 1000.0, age) for age in obs.pings_in_flight_ms]


def ws_state(
    obs: WsObservation | None,
    latency: CheckResult,
    feed: CheckResult,
    reconnects: RollbackTrigger | None,
    limits: WsLimits,
) -> WsState | None:
    """The pill's state: OPEN when the last connection is open with fresh data, latency
    within the limit and no reconnect storm; DEGRADED when it is open otherwise; CLOSED
    when it is not open at the end; None when the feed was not observed."""
    if obs is None:
        return None
    last = obs.connections[-1] if obs.connections else None
    if last is None or last.opened_at is None or last.closed_at is not None:
        return "CLOSED"
    p95 = percentile(round_trips(obs, limits), 95)
    if (
        latency.verdict is Verdict.PASS
        and feed.verdict is Verdict.PASS
        and (p95 is not None and p95 <= limits.latency_limit_ms)
        and not (reconnects is not None and reconnects.fired)
    ):
        return "OPEN"
    return "DEGRADED"


def pill_latency_ms(obs: WsObservation | None, limits: WsLimits) -> float | None:
    """The figure behind the pill's tooltip: the ping p95, in-flight pings included."""
    return None if obs is None else _r(percentile(round_trips(obs, limits), 95))


def latency_trigger(obs: WsObservation | None, limits: WsLimits) -> RollbackTrigger | None:
    if obs is None:
        return None
    # A ping unanswered past the limit is over it: its age is a lower bound of its round
    # trip, in the window it was sent in (a slow feed's last pings are still in flight).
    over = [(sent, age) for sent, age in unanswered(obs) if age >= limits.rollback_latency_ms]
    return latency_consistently_over(
        [*obs.pings, *over],
        obs.started_at,
        obs.ended_at,
        limits.rollback_latency_ms,
        limits.latency_window_s,
        limits.consistently_k,
        limits.consistently_n,
    )


def reconnects_trigger(obs: WsObservation | None, limits: WsLimits) -> RollbackTrigger | None:
    if obs is None:
        return None
    return reconnects_over(
        [c.attempt_at for c in obs.connections[1:]],
        limits.reconnect_window_s,
        limits.reconnects_max,
    )


def stuck_closed_trigger(obs: WsObservation | None, limits: WsLimits) -> RollbackTrigger | None:
    if obs is None:
        return None
    intervals = [(c.opened_at, c.closed_at) for c in obs.connections if c.opened_at is not None]
    return stuck_closed(
        [(opened, closed) for opened, closed in intervals if opened is not None],
        obs.started_at,
        obs.ended_at,
        limits.stuck_closed_s,
    )


def _not_observed(check_id: WsCheckId, probe_error: str | None) -> CheckResult:
    reason = probe_error or "the WebSocket probe did not run"
    return _result(check_id, TITLES[check_id], Verdict.ERROR, reason, 0, {}, {})


TITLES: dict[WsCheckId, str] = {
    "ws-open": "WebSocket reaches OPEN",
    "ws-latency": "WebSocket latency (ping round trip)",
    "ws-feed": "Feed: subscriptions, fresh messages, spread updates",
    "event-latency": "Event-to-store latency P95",
    "ws-stability": "No disconnection bursts, reconnects under the limit",
}


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _timeline(obs: WsObservation) -> list[list[Any]]:
    """State changes, in seconds from the start of the window (the first 50)."""
    events: list[list[Any]] = []
    for c in obs.connections:
        if c.opened_at is not None:
            events.append([round(c.opened_at - obs.started_at, 3), "OPEN"])
        if c.closed_at is not None:
            label = f"CLOSED {c.close_code}" if c.close_code else "CLOSED"
            events.append([round(c.closed_at - obs.started_at, 3), label])
    return events[:50]


def judge_ws_open(
    obs: WsObservation | None, probe_error: str | None, limits: WsLimits
) -> CheckResult:
    if obs is None:
        return _not_observed("ws-open", probe_error)
    check = _open(obs, limits)
    # The state changes of the whole window come last, whatever the verdict.
    return dataclasses.replace(check, metrics={**check.metrics, "timeline": _timeline(obs)})


_FAILED_IN = {"dns": "DNS", "connect": "TCP connect", "tls": "TLS", "upgrade": "upgrade"}
# A failed attempt in a few words, for the count of those before the first OPEN.
_FAILURES = {
    "refused": "connection refused",
    "dns": "name does not resolve",
    "tls": "TLS failed",
    "timeout": "timeout",
    "closed": "closed during the handshake",
    "reset": "connection reset",
    "proxy": "refused by the proxy",
    "cancelled": "cancelled",
}


def _seconds(value: float, limit_s: float) -> str:
    """A time to OPEN as a person reads it: ms under a second, else seconds, with the
    digits that tell it from the limit (5.04 s is not shown as 5.0 s over 5 s)."""
    if value < 1 and limit_s >= 1:
        return f"{value * 1000:.0f} ms"
    digits = 1
    while digits < 3:
        shown = float(f"{value:.{digits}f}")
        if shown != limit_s and (shown > limit_s) == (value > limit_s):
            break
        digits += 1
    return f"{value:.{digits}f} s"


def _phases(c: WsConnection) -> dict[str, float | None]:
    return {key: _r(getattr(c, key)) for key, _ in OPEN_PHASES}


def _failure(c: WsConnection) -> str:
    if c.error_kind == "upgrade":
        return f"HTTP {c.http_status}" if c.http_status is not None else "not upgraded"
    return _FAILURES.get(c.error_kind or "", one_line(c.error or "failed", 60))


def _failed_before(failed: list[WsConnection]) -> str:
    """``3 attempts failed: connection refused``, the kinds in the order they came."""
    counts: dict[str, int] = {}
    for c in failed:
        label = _failure(c)
        counts[label] = counts.get(label, 0) + 1
    kinds = ", ".join(
        label if len(counts) == 1 else f"{label} ({n})" for label, n in counts.items()
    )
    return f"{plural(len(failed), 'attempt')} failed: {kinds}"


def _time_to_open(obs: WsObservation, first_open: WsConnection) -> float:
    """From the first attempt to the first OPEN, retries and pauses included; for a report
    from before the probe measured it, from the recorded times of both."""
    if obs.time_to_open_s is not None:
        return obs.time_to_open_s
    if first_open.opened_at is not None and obs.connections:
        return max(0.0, first_open.opened_at - obs.connections[0].attempt_at)
    return (first_open.open_ms or 0.0) / 1000.0


def _open(obs: WsObservation, limits: WsLimits) -> CheckResult:
    limit_s = limits.open_max_s
    thresholds = {"open_s": f"<={limit_s:g} (from the first attempt, retries included)"}
    title = TITLES["ws-open"]
    attempts = len(obs.connections)
    opened = [c for c in obs.connections if c.opened_at is not None]
    metrics: dict[str, Any] = {
        "attempts": attempts,
        "opened": len(opened),
        "url": obs.url,
    }
    if not obs.connections:
        return _result(
            "ws-open",
            title,
            Verdict.INCONCLUSIVE,
            "no connection was attempted; set ws-url, and a duration long enough to connect",
            0,
            metrics,
            thresholds,
        )
    if not opened:
        # The first attempt says why; its phases show how far it got.
        first, last = obs.connections[0], obs.connections[-1]
        metrics.update(
            {
                "http_status": first.http_status,
                "error_kind": first.error_kind,
                "failed_phase": first.failed_phase,
                **_phases(first),
            }
        )
        verdict = Verdict.FAIL if first.error_kind == "upgrade" else Verdict.ERROR
        phase = _FAILED_IN.get(first.failed_phase or "")
        count = f"{plural(attempts, 'attempt')}, none reached OPEN"
        reason = (
            f"{phase} failed at {obs.url} ({count}): {first.error}"
            if phase
            else f"{first.error} at {obs.url} ({count})"  # a report older than the phases
        )
        if last.error_kind != first.error_kind:
            reason += f"; the last attempt: {_failure(last)}"
        return _result("ws-open", title, verdict, reason, attempts, metrics, thresholds)
    first_open = opened[0]
    failed = obs.connections[: next(i for i, c in enumerate(obs.connections) if c is first_open)]
    open_s = _time_to_open(obs, first_open)
    metrics.update(
        {
            "open_s": round(open_s, 3),
            "failed_before_open": len(failed),
            "open_ms": _r(first_open.open_ms),  # the attempt that opened, alone
            **_phases(first_open),
        }
    )
    phases = open_split(metrics)
    over = open_s > limit_s
    if failed:
        reason = (
            f"OPEN after {_seconds(open_s, limit_s)} from the first attempt "
            f"({_failed_before(failed)}), {'over' if over else 'within'} {limit_s:g} s"
            + (f"; the attempt that opened: {phases}" if phases else "")
        )
    else:
        reason = (
            f"OPEN after {_seconds(open_s, limit_s)} from the first attempt, over {limit_s:g} s"
            if over
            else f"OPEN in {_seconds(open_s, limit_s)}"
        ) + (f" ({phases})" if phases else "")
    verdict = Verdict.FAIL if over else Verdict.PASS
    return _result("ws-open", title, verdict, reason, attempts, metrics, thresholds)


def judge_ws_latency(
    obs: WsObservation | None, probe_error: str | None, limits: WsLimits
) -> CheckResult:
    if obs is None:
        return _not_observed("ws-latency", probe_error)
    rtts = round_trips(obs, limits)
    limit = limits.latency_limit_ms
    thresholds = {
        "ping_ms": f"p(95)<{limit:g} ({limits.profile})",
        "pongs_missing": "count==0",
        "samples": f"count>={limits.min_samples}",
    }
    metrics: dict[str, Any] = {
        "pings": obs.pings_sent,
        "pongs": len(rtts),
        "pongs_missing": obs.pongs_missing,
        "latency_p50_ms": _r(percentile(rtts, 50)),
        "latency_p95_ms": _r(percentile(rtts, 95)),
        "latency_max_ms": _r(max(rtts) if rtts else None),
    }
    title = TITLES["ws-latency"]
    if obs.pongs_missing and not rtts:
        return _result(
            "ws-latency",
            title,
            Verdict.FAIL,
            f"no pong: {plural(obs.pongs_missing, 'ping')} unanswered",
            obs.pings_sent,
            metrics,
            thresholds,
        )
    # A short window asks for fewer pings: the minimum follows what the window can hold.
    planned = max(1, int(limits.window_s / limits.ping_interval_s))
    needed = min(limits.min_samples, planned)
    thresholds["samples"] = f"count>={needed}"
    if len(rtts) < needed:
        reason = (
            f"only {plural(len(rtts), 'ping round trip')}, fewer than the {needed} needed; "
            "observe longer (duration), ping more often (ws-ping-interval-s), or set "
            f"min-samples: {max(1, len(rtts))} to judge on fewer"
        )
        return _result(
            "ws-latency", title, Verdict.INCONCLUSIVE, reason, len(rtts), metrics, thresholds
        )
    p95 = percentile(rtts, 95)
    assert p95 is not None
    problems = []
    if p95 >= limit:
        problems.append(f"ping p95 {p95:.0f} ms >= {limit:g} ms ({limits.profile} profile)")
    if obs.pongs_missing:
        problems.append(f"{obs.pongs_missing} of {obs.pings_sent} pings unanswered")
    if problems:
        return _result(
            "ws-latency", title, Verdict.FAIL, "; ".join(problems), len(rtts), metrics, thresholds
        )
    return _result(
        "ws-latency",
        title,
        Verdict.PASS,
        f"ping p50 {percentile(rtts, 50):.0f} ms, "
        f"p95 {p95:.0f} ms < {limit:g} ms over {len(rtts)} pings",
        len(rtts),
        metrics,
        thresholds,
    )


def judge_ws_feed(
    obs: WsObservation | None, probe_error: str | None, limits: WsLimits
) -> CheckResult:
    if obs is None:
        return _not_observed("ws-feed", probe_error)
    thresholds = {
        "gap_s": f"<={limits.max_gap_s:g}",
        "spread_updates": f"count>={limits.min_spread_updates}",
        "crossed_books": "count==0",
    }
    title = TITLES["ws-feed"]
    messages = sum(obs.messages.values())
    opened = [c for c in obs.connections if c.opened_at is not None]
    metrics: dict[str, Any] = {
        "messages": messages,
        "by_type": dict(obs.messages),
        "problems": dict(obs.problems),
        "spread_updates": obs.spread_updates,
        "crossed_books": obs.crossed_books,
        "last_spread": obs.last_spread,
        "too_big": sum(1 for c in obs.connections if c.too_big),
    }
    if not opened:
        return _result(
            "ws-feed",
            title,
            Verdict.ERROR,
            "no connection reached OPEN: no feed to judge",
            messages,
            metrics,
            thresholds,
        )
    first_open = opened[0].opened_at or obs.started_at
    problems: list[str] = []
    cut = [c for c in obs.connections if c.too_big]
    if cut:  # the feed sent what the probe may not read: first, it is the plainest fault
        problems.append(_too_big(cut, obs.frame_cap_bytes))
    refused = [c for c in CHANNELS if obs.subscriptions.get(c) is False]
    unanswered = [c for c in CHANNELS if c not in obs.subscriptions]
    if refused:
        problems.append(
            f"subscription refused: {', '.join(refused)} ({'; '.join(obs.subscription_errors[:2])})"
        )
    if unanswered:
        problems.append(f"no subscription result for {', '.join(unanswered)}")
    gaps: dict[str, float] = {}
    for channel in CHANNELS:
        last = obs.last_at.get(channel)
        silent_end = obs.ended_at - (last if last is not None else first_open)
        gaps[channel] = max(obs.max_gap_s.get(channel, 0.0), silent_end)
    metrics["max_gap_s"] = {k: round(v, 2) for k, v in gaps.items()}
    ticker_age = obs.ended_at - obs.last_at["ticker"] if "ticker" in obs.last_at else None
    metrics["last_ticker_age_s"] = _r(ticker_age)
    stale = {c: g for c, g in gaps.items() if g > limits.max_gap_s}
    if stale:
        problems.append(
            "stale: "
            + ", ".join(
                f"{c} silent for {g:.1f} s" if c in obs.last_at else f"no {c} message in {g:.1f} s"
                for c, g in stale.items()
            )
            + f" (limit {limits.max_gap_s:g} s)"
        )
    if obs.spread_updates < limits.min_spread_updates:
        problems.append(
            f"spread card: {obs.spread_updates} updates, fewer than {limits.min_spread_updates}"
        )
    if obs.crossed_books:
        problems.append(f"crossed order book (bid at or above ask) {obs.crossed_books} times")
    noted = ", ".join(f"{n} {what}" for what, n in sorted(obs.problems.items()))
    if problems:
        reason = "; ".join(problems) + (f" (also: {noted})" if noted else "")
        return _result("ws-feed", title, Verdict.FAIL, reason, messages, metrics, thresholds)
    reason = (
        f"{messages} messages, subscriptions ok, longest gap {max(gaps.values()):.1f} s, "
        f"{obs.spread_updates} spread updates" + (f"; ignored: {noted}" if noted else "")
    )
    return _result("ws-feed", title, Verdict.PASS, reason, messages, metrics, thresholds)


def _too_big(cut: list[WsConnection], cap: int | None) -> str:
    """The connections the probe closed for a frame or message over its cap, in one line."""
    first = cut[0]
    times = "once: a" if len(cut) == 1 else f"{len(cut)} times: the first for a"
    over = f"over the cap of {cap} bytes" if cap is not None else "over the cap"
    return (
        f"the probe closed the connection with 1009 (message too big) {times} "
        f"{first.too_big} of {first.too_big_bytes} bytes, {over} (ws-max-frame-bytes)"
    )


def judge_event_latency(
    obs: WsObservation | None,
    probe_error: str | None,
    clock: ClockSkew | None,
    app: AppMetrics | None,
    limits: WsLimits,
) -> CheckResult:
    if obs is None:
        return _not_observed("event-latency", probe_error)
    limit = limits.event_latency_p95_max_ms
    thresholds = {
        "event_to_store_ms": f"p(95)<{limit:g}",
        "clock_skew_ms": f"<={limits.max_clock_skew_ms:g} (probe's own figure)",
    }
    hist = obs.event_latency
    own = hist.percentile(95)
    metrics: dict[str, Any] = {
        "probe_p95_ms": _r(own),
        "probe_events": hist.count,
        "probe_negative": hist.below_zero,
    }
    if clock is not None:
        metrics.update(
            {
                "clock_skew_ms": _r(clock.skew_ms),
                "clock_uncertainty_ms": _r(clock.uncertainty_ms),
                "clock_error": clock.error,
            }
        )

    def result(verdict: Verdict, reason: str, samples: int) -> CheckResult:
        return _result(
            "event-latency", TITLES["event-latency"], verdict, reason, samples, metrics, thresholds
        )

    if app is not None:
        if app.error:
            return result(Verdict.ERROR, app.error, hist.count)
        deltas = _bucket_deltas(app)
        total = deltas[-1][1] if deltas else 0.0
        app_p95 = histogram_quantile(0.95, deltas)
        metrics.update({"app_p95_ms": _r(app_p95), "app_events": total, "source": "metrics-url"})
        if app_p95 is None:
            return result(
                Verdict.INCONCLUSIVE,
                "the executor ingested no event during the window (ingest_latency_ms did not "
                "move); observe longer (duration), or leave metrics-url out to judge the probe's "
                "own figure",
                hist.count,
            )
        metrics["judged_p95_ms"] = _r(app_p95)
        if app_p95 >= limit:
            return result(
                Verdict.FAIL,
                f"executor P95 {app_p95:.0f} ms >= {limit:g} ms (ingest_latency_ms)",
                int(total),
            )
        return result(
            Verdict.PASS,
            f"executor P95 {app_p95:.0f} ms < {limit:g} ms over "
            f"{total:.0f} events" + _own(own, clock),
            int(total),
        )
    metrics["source"] = "probe"
    if own is None:
        return result(
            Verdict.INCONCLUSIVE,
            "no trade arrived to time (trades are the only feed messages with an event time); "
            "observe longer (duration), or give metrics-url for the executor's own figure",
            0,
        )
    if clock is not None and clock.skew_ms is not None and clock.uncertainty_ms is not None:
        bound = abs(clock.skew_ms) + clock.uncertainty_ms
        if bound > limits.max_clock_skew_ms:
            return result(
                Verdict.INCONCLUSIVE,
                f"probe P95 {own:.0f} ms, but the clocks may "
                f"differ by {bound:.0f} ms (limit {limits.max_clock_skew_ms:g} ms): "
                "too uncertain to judge; set clock-url to a server beside the feed, or raise "
                "max-clock-skew-ms",
                hist.count,
            )
    metrics["judged_p95_ms"] = _r(own)
    if own >= limit:
        return result(
            Verdict.FAIL,
            f"probe P95 {own:.0f} ms >= {limit:g} ms (receive time "
            "minus trade time)" + _own(None, clock),
            hist.count,
        )
    return result(
        Verdict.PASS,
        f"probe P95 {own:.0f} ms < {limit:g} ms over {hist.count} trades" + _own(None, clock),
        hist.count,
    )


def _own(own: float | None, clock: ClockSkew | None) -> str:
    parts = []
    if own is not None:
        parts.append(f"probe's own P95 {own:.0f} ms")
    if clock is not None and clock.skew_ms is not None:
        parts.append(f"clock skew {clock.skew_ms:+.0f} ± {clock.uncertainty_ms or 0:.0f} ms")
    elif clock is not None and clock.error:
        parts.append("clock skew not measured")
    return f" ({'; '.join(parts)})" if parts else ""


def judge_ws_stability(
    obs: WsObservation | None, probe_error: str | None, limits: WsLimits
) -> CheckResult:
    if obs is None:
        return _not_observed("ws-stability", probe_error)
    thresholds = {
        "disconnects": f"<{limits.burst_disconnects} within {limits.burst_window_s:g} s",
        "reconnects": f"count<={limits.reconnects_max:g} per {limits.reconnect_window_s:g} s",
    }
    title = TITLES["ws-stability"]
    drops = [
        c.closed_at for c in obs.connections if c.opened_at is not None and c.closed_at is not None
    ]
    reconnects = [c.attempt_at for c in obs.connections[1:]]
    burst, _ = most_in_any_span([d for d in drops if d is not None], limits.burst_window_s)
    most, _ = most_in_any_span(reconnects, limits.reconnect_window_s)
    codes = sorted({str(c.close_code) for c in obs.connections if c.close_code})
    # The server's own words for why it closed, when it gave any: often the quickest clue.
    closes = sorted({(c.close_code, c.close_reason or "") for c in obs.connections if c.close_code})
    described = ", ".join(
        f"{code} '{one_line(why, 60)}'" if why else str(code) for code, why in closes[:3]
    )
    metrics: dict[str, Any] = {
        "disconnects": len(drops),
        "reconnects": len(reconnects),
        "most_disconnects_in_window": burst,
        "most_reconnects_in_window": most,
        # Over the whole window watched: the trend's figure (README "Trends").
        "reconnects_per_min": round(
            len(reconnects) / max(obs.ended_at - obs.started_at, 1.0) * 60, 3
        ),
        "close_codes": codes,
        "close_reasons": sorted({why for _, why in closes if why})[:5],
    }
    problems = []
    if burst >= limits.burst_disconnects:
        problems.append(
            f"disconnection burst: {burst} disconnects within "
            f"{limits.burst_window_s:g} s (close codes {described or 'none'})"
        )
    if most > limits.reconnects_max:
        problems.append(
            f"{plural(most, 'reconnect attempt')} within {limits.reconnect_window_s:g} s "
            f"(limit {limits.reconnects_max:g})"
        )
    if problems:
        return _result(
            "ws-stability",
            title,
            Verdict.FAIL,
            "; ".join(problems),
            len(drops),
            metrics,
            thresholds,
        )
    return _result(
        "ws-stability",
        title,
        Verdict.PASS,
        f"{plural(len(drops), 'disconnect')}, {plural(len(reconnects), 'reconnect')}",
        len(obs.connections),
        metrics,
        thresholds,
    )
