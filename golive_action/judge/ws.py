"""The WebSocket checks, the WS rollback triggers and the pill state, from the probe's
recorded observation. Pure functions."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from golive_action.config import GateConfig
from golive_action.judge.rollback import (
    latency_consistently_over,
    reconnects_over,
    stuck_closed,
)
from golive_action.judge.stats import percentile
from golive_action.judge.windows import most_in_any_span
from golive_action.model import (
    AppMetrics,
    CheckResult,
    ClockSkew,
    RollbackTrigger,
    Verdict,
    WsObservation,
)
from golive_action.text import one_line, plural

WS_CHECKS = ("ws-open", "ws-latency", "ws-feed", "event-latency", "ws-stability")
CHANNELS = ("ticker", "orderbook", "trade")


@dataclass(frozen=True)
class WsJudgement:
    checks: tuple[CheckResult, ...]
    triggers: tuple[RollbackTrigger, ...]
    state: str | None  # OPEN, DEGRADED, CLOSED, or None when not observed


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
    check_id: str,
    title: str,
    verdict: Verdict,
    reason: str,
    samples: int,
    metrics: dict[str, Any],
    thresholds: dict[str, str],
) -> CheckResult:
    return CheckResult(check_id, title, verdict, reason, samples, metrics, thresholds)


def judge_ws(
    obs: WsObservation | None,
    probe_error: str | None,
    clock: ClockSkew | None,
    app: AppMetrics | None,
    config: GateConfig,
) -> WsJudgement:
    if obs is None:
        reason = probe_error or "the WebSocket probe did not run"
        verdict = Verdict.ERROR
        checks = tuple(_result(cid, _TITLES[cid], verdict, reason, 0, {}, {}) for cid in WS_CHECKS)
        return WsJudgement(checks, (), None)
    opened = [c for c in obs.connections if c.opened_at is not None]
    # A ping still in flight at the end for longer than the limit is known to be over it:
    # its age counts as a (lower-bound) round trip.
    limit = config.ws_latency_limit_ms
    rtts = [rtt for _, rtt in obs.pings] + [a for a in obs.pings_in_flight_ms if a >= limit]
    p95 = percentile(rtts, 95)
    checks = (
        _open(obs, config),
        _latency(obs, rtts, config),
        _feed(obs, config),
        _event_latency(obs, clock, app, config),
        _stability(obs, config),
    )
    start, end = obs.started_at, obs.ended_at
    intervals = [(c.opened_at, c.closed_at) for c in opened if c.opened_at is not None]
    triggers = (
        latency_consistently_over(
            obs.pings,
            start,
            end,
            config.ws_rollback_latency_ms,
            config.latency_window_s,
            config.consistently_k,
            config.consistently_n,
        ),
        reconnects_over(
            [c.attempt_at for c in obs.connections[1:]],
            config.reconnect_window_s,
            config.ws_reconnects_max_per_min,
        ),
        stuck_closed(intervals, start, end, config.ws_stuck_closed_s),
    )
    last = obs.connections[-1] if obs.connections else None
    if last is None or last.opened_at is None or last.closed_at is not None:
        state = "CLOSED"
    elif (
        all(c.verdict is Verdict.PASS for c in checks[1:3])
        and (p95 is not None and p95 <= config.ws_latency_limit_ms)
        and not triggers[1].fired
    ):
        state = "OPEN"
    else:
        state = "DEGRADED"
    first = checks[0]
    timeline = _timeline(obs)
    checks = (
        CheckResult(
            first.id,
            first.title,
            first.verdict,
            first.reason,
            first.samples,
            {**first.metrics, "ws_state": state, "pill_latency_ms": _r(p95), "timeline": timeline},
            first.thresholds,
        ),
        *checks[1:],
    )
    return WsJudgement(checks, triggers, state)


_TITLES = {
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


def _open(obs: WsObservation, config: GateConfig) -> CheckResult:
    limit_ms = config.ws_open_max_s * 1000
    thresholds = {"open_ms": f"<{limit_ms:g}"}
    title = _TITLES["ws-open"]
    attempts = len(obs.connections)
    opened = [c for c in obs.connections if c.opened_at is not None]
    metrics: dict[str, Any] = {"attempts": attempts, "opened": len(opened), "url": obs.url}
    if not obs.connections:
        return _result(
            "ws-open",
            title,
            Verdict.INCONCLUSIVE,
            "no connection was attempted",
            0,
            metrics,
            thresholds,
        )
    if not opened:
        first = obs.connections[0]
        metrics["http_status"] = first.http_status
        verdict = Verdict.FAIL if first.error_kind == "upgrade" else Verdict.ERROR
        reason = f"{first.error} at {obs.url} ({plural(attempts, 'attempt')}, none reached OPEN)"
        return _result("ws-open", title, verdict, reason, attempts, metrics, thresholds)
    open_ms = opened[0].open_ms or 0.0
    metrics["open_ms"] = round(open_ms, 1)
    if open_ms >= limit_ms:
        return _result(
            "ws-open",
            title,
            Verdict.FAIL,
            f"OPEN after {open_ms:.0f} ms, limit {limit_ms:g} ms",
            attempts,
            metrics,
            thresholds,
        )
    return _result(
        "ws-open", title, Verdict.PASS, f"OPEN in {open_ms:.0f} ms", attempts, metrics, thresholds
    )


def _latency(obs: WsObservation, rtts: list[float], config: GateConfig) -> CheckResult:
    limit = config.ws_latency_limit_ms
    thresholds = {
        "ping_ms": f"p(95)<{limit:g} ({config.profile})",
        "pongs_missing": "count==0",
        "samples": f"count>={config.min_samples_required}",
    }
    metrics: dict[str, Any] = {
        "pings": obs.pings_sent,
        "pongs": len(rtts),
        "pongs_missing": obs.pongs_missing,
        "latency_p50_ms": _r(percentile(rtts, 50)),
        "latency_p95_ms": _r(percentile(rtts, 95)),
        "latency_max_ms": _r(max(rtts) if rtts else None),
    }
    title = _TITLES["ws-latency"]
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
    planned = max(1, int(config.window_s / config.ws_ping_interval_s))
    needed = min(config.min_samples_required, planned)
    thresholds["samples"] = f"count>={needed}"
    if len(rtts) < needed:
        reason = f"only {plural(len(rtts), 'ping round trip')}, fewer than the {needed} needed"
        return _result(
            "ws-latency", title, Verdict.INCONCLUSIVE, reason, len(rtts), metrics, thresholds
        )
    p95 = percentile(rtts, 95)
    assert p95 is not None
    problems = []
    if p95 >= limit:
        problems.append(f"ping p95 {p95:.0f} ms >= {limit:g} ms ({config.profile} profile)")
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


def _feed(obs: WsObservation, config: GateConfig) -> CheckResult:
    thresholds = {
        "gap_s": f"<={config.ws_max_gap_s:g}",
        "spread_updates": f"count>={config.ws_min_spread_updates}",
        "crossed_books": "count==0",
    }
    title = _TITLES["ws-feed"]
    messages = sum(obs.messages.values())
    opened = [c for c in obs.connections if c.opened_at is not None]
    metrics: dict[str, Any] = {
        "messages": messages,
        "by_type": dict(obs.messages),
        "problems": dict(obs.problems),
        "spread_updates": obs.spread_updates,
        "crossed_books": obs.crossed_books,
        "last_spread": obs.last_spread,
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
    stale = {c: g for c, g in gaps.items() if g > config.ws_max_gap_s}
    if stale:
        problems.append(
            "stale: "
            + ", ".join(
                f"{c} silent for {g:.1f} s" if c in obs.last_at else f"no {c} message in {g:.1f} s"
                for c, g in stale.items()
            )
            + f" (limit {config.ws_max_gap_s:g} s)"
        )
    if obs.spread_updates < config.ws_min_spread_updates:
        problems.append(
            f"spread card: {obs.spread_updates} updates, fewer than {config.ws_min_spread_updates}"
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


def _event_latency(
    obs: WsObservation, clock: ClockSkew | None, app: AppMetrics | None, config: GateConfig
) -> CheckResult:
    limit = config.event_latency_p95_max_ms
    thresholds = {
        "event_to_store_ms": f"p(95)<{limit:g}",
        "clock_skew_ms": f"<={config.max_clock_skew_ms:g} (probe's own figure)",
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
            "event-latency", _TITLES["event-latency"], verdict, reason, samples, metrics, thresholds
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
                "the executor ingested no event during the window (ingest_latency_ms did not move)",
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
            "no trade arrived to time (trades are the only feed messages with an event time)",
            0,
        )
    if clock is not None and clock.skew_ms is not None and clock.uncertainty_ms is not None:
        bound = abs(clock.skew_ms) + clock.uncertainty_ms
        if bound > config.max_clock_skew_ms:
            return result(
                Verdict.INCONCLUSIVE,
                f"probe P95 {own:.0f} ms, but the clocks may "
                f"differ by {bound:.0f} ms (limit {config.max_clock_skew_ms:g} ms): "
                "too uncertain to judge",
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


def _stability(obs: WsObservation, config: GateConfig) -> CheckResult:
    thresholds = {
        "disconnects": f"<{config.burst_disconnects} within {config.burst_window_s:g} s",
        "reconnects": f"count<={config.ws_reconnects_max_per_min:g} per "
        f"{config.reconnect_window_s:g} s",
    }
    title = _TITLES["ws-stability"]
    drops = [
        c.closed_at for c in obs.connections if c.opened_at is not None and c.closed_at is not None
    ]
    reconnects = [c.attempt_at for c in obs.connections[1:]]
    burst, _ = most_in_any_span([d for d in drops if d is not None], config.burst_window_s)
    most, _ = most_in_any_span(reconnects, config.reconnect_window_s)
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
        "close_codes": codes,
        "close_reasons": sorted({why for _, why in closes if why})[:5],
    }
    problems = []
    if burst >= config.burst_disconnects:
        problems.append(
            f"disconnection burst: {burst} disconnects within "
            f"{config.burst_window_s:g} s (close codes {described or 'none'})"
        )
    if most > config.ws_reconnects_max_per_min:
        problems.append(
            f"{plural(most, 'reconnect attempt')} within {config.reconnect_window_s:g} s "
            f"(limit {config.ws_reconnects_max_per_min:g})"
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
