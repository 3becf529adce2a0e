"""The pill over time: each change of the trading page's status pill (OPEN, DEGRADED,
CLOSED) through the observation window, with its time and cause, and the share of the
window spent in each state.

Moment by moment, from what the probe recorded: the connection is OPEN between its OPEN and
its close; it is DEGRADED while the latest ping round trip is over the latency limit (or a
ping has been unanswered for longer than the limit), or while a channel has been silent for
longer than ``ws-max-gap-s``; it is CLOSED while no connection is open (connecting, or
reconnecting after a close). The pill's end state in the report (``ws_state``) is the
window's verdict; this is how it got there."""

from __future__ import annotations

from dataclasses import dataclass

from golive_action.btcturk import CHANNELS
from golive_action.judge.ws import unanswered
from golive_action.limits import WsLimits
from golive_action.model import PillChange, PillTimeline, WsConnection, WsObservation, WsState
from golive_action.text import one_line

MAX_CHANGES = 200  # a reconnect storm changes the pill often; the timeline keeps the first


@dataclass(frozen=True)
class _Span:
    start: float
    end: float
    cause: str


def pill_timeline(obs: WsObservation | None, limits: WsLimits) -> PillTimeline | None:
    """The timeline of the pill, or None when the feed was not observed."""
    if obs is None:
        return None
    start, end = obs.started_at, max(obs.ended_at, obs.started_at)
    opened = _open_spans(obs.connections, end)
    degraded = [
        *_slow_spans(obs, limits, end),
        *_stale_spans(obs, limits, opened, end),
        *_unsubscribed_spans(obs, opened),
    ]
    moments = sorted(
        {start, end}
        | {t for s in (*opened, *degraded) for t in (s.start, s.end) if start <= t <= end}
        # A failed attempt changes why the pill is red.
        | {c.attempt_at for c in obs.connections if c.error and start <= c.attempt_at <= end}
    )
    changes: list[PillChange] = []
    shares: dict[WsState, float] = {"OPEN": 0.0, "DEGRADED": 0.0, "CLOSED": 0.0}
    more = 0
    for at, after in zip(moments, [*moments[1:], end], strict=True):
        if at >= end and changes:
            break  # the window's end is no change
        state, cause = _state_at(at, obs.connections, opened, degraded)
        shares[state] += after - at
        if changes and (changes[-1].state, changes[-1].cause) == (state, cause):
            continue
        if len(changes) >= MAX_CHANGES:
            more += 1
            continue
        changes.append(PillChange(at, round(at - start, 3), state, cause))
    total = end - start
    percent = {
        state: round(100.0 * spent / total, 1) if total > 0 else 0.0
        for state, spent in shares.items()
    }
    return PillTimeline(tuple(changes), percent, more)


def _open_spans(connections: list[WsConnection], end: float) -> list[_Span]:
    return [
        _Span(c.opened_at, c.closed_at if c.closed_at is not None else end, "")
        for c in connections
        if c.opened_at is not None
    ]


def _slow_spans(obs: WsObservation, limits: WsLimits, end: float) -> list[_Span]:
    """While latency is known to be over the limit: a ping over it from the moment its limit
    passed unanswered until the next pong under the limit (the latest figure is then within
    it again); a ping still unanswered at the end, from its limit to the end."""
    limit = limits.latency_limit_ms
    answers = sorted((sent + rtt / 1000.0, sent, rtt) for sent, rtt in obs.pings)
    # For each answer, the time of the next pong under the limit after it (or the end).
    recovered = [end] * len(answers)
    upcoming = end
    for index in range(len(answers) - 1, -1, -1):
        recovered[index] = upcoming
        if answers[index][2] <= limit:
            upcoming = answers[index][0]
    spans = [
        _Span(sent + limit / 1000.0, recovered[index], _slow_cause(limit))
        for index, (_, sent, rtt) in enumerate(answers)
        if rtt > limit
    ]
    # Over the limit until its session ended (its age was taken then): a connection that
    # dropped with a ping in flight is not slow for the rest of the window.
    spans += [
        _Span(sent + limit / 1000.0, min(sent + age / 1000.0, end), _slow_cause(limit))
        for sent, age in unanswered(obs)
        if age >= limit
    ]
    return spans


def _slow_cause(limit_ms: float) -> str:
    # One wording for every ping over the limit, so that the pill changes with the state,
    # not with each figure (the figures are in ws-latency's row).
    return f"latency over the limit of {limit_ms:g} ms"


def _stale_spans(
    obs: WsObservation, limits: WsLimits, opened: list[_Span], end: float
) -> list[_Span]:
    """While a channel has had no message for longer than the gap limit: the silences the
    probe recorded, the one at the end, and a channel that never spoke."""
    gap = limits.max_gap_s
    spans = [
        _Span(begin + gap, until, f"{channel} stale (no message for over {gap:g} s)")
        for channel, begin, until in obs.silences
        if until - begin > gap
    ]
    first_open = min((s.start for s in opened), default=None)
    for channel in CHANNELS:
        last = obs.last_at.get(channel)
        begin = last if last is not None else first_open
        if begin is not None and end - begin > gap:
            spans.append(
                _Span(begin + gap, end, f"{channel} stale (no message for over {gap:g} s)")
            )
    return spans


def _unsubscribed_spans(obs: WsObservation, opened: list[_Span]) -> list[_Span]:
    """A channel whose subscription was refused or never acknowledged degrades the feed for
    as long as it is open (the probe keeps no time of the acknowledgement)."""
    missing = [c for c in CHANNELS if obs.subscriptions.get(c) is not True]
    if not missing:
        return []
    cause = f"subscription not acknowledged: {', '.join(missing)}"
    return [_Span(span.start, span.end, cause) for span in opened]


def _state_at(
    at: float,
    connections: list[WsConnection],
    opened: list[_Span],
    degraded: list[_Span],
) -> tuple[WsState, str]:
    if not any(s.start <= at < s.end for s in opened):
        return "CLOSED", _closed_cause(at, connections)
    causes = [s.cause for s in degraded if s.start <= at < s.end]
    if causes:
        return "DEGRADED", "; ".join(dict.fromkeys(causes))
    return "OPEN", "open; latency and every channel within their limits"


def _closed_cause(at: float, connections: list[WsConnection]) -> str:
    """Why no connection is open at ``at``: not yet open, or the last one closed."""
    before = [
        c for c in connections if c.attempt_at <= at and (c.error is None or c.attempt_at < at)
    ]
    closed = [c for c in before if c.closed_at is not None and c.closed_at <= at]
    if not any(c.opened_at is not None and c.opened_at <= at for c in before):
        failed = next((c for c in reversed(before) if c.error), None)
        why = f" ({one_line(failed.error, 80)})" if failed is not None and failed.error else ""
        return f"connecting{why}"
    last = max(closed, key=lambda c: c.closed_at or 0.0, default=None)
    if last is None:
        return "reconnecting"
    detail = (
        last.close_reason
        or last.error
        or (f"close code {last.close_code}" if last.close_code is not None else "closed")
    )
    return f"reconnecting after {one_line(detail, 80)}"
