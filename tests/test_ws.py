"""The WebSocket probe: protocol logic alone, the judge from recorded observations, and the
probe against the reference stack and purpose-built faulty servers on 127.0.0.1."""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import email.utils
import hashlib
import json
import math
import re
import socket
import threading
import types
from pathlib import Path

import pytest

from golive_action.btcturk import OrderBook, parse_frame, subscribe_messages
from golive_action.config import GateConfig, load_config
from golive_action.judge import judge
from golive_action.judge.registry import checks_for
from golive_action.judge.ws import histogram_quantile
from golive_action.model import (
    AppMetrics,
    ClockSkew,
    Observations,
    Verdict,
    WsConnection,
    WsObservation,
)
from golive_action.observe.budget import Budget
from golive_action.observe.ws import WsSettings, observe_ws
from golive_action.runner import run_gate
from golive_action.sandbox.scenarios import Scenario
from golive_action.sandbox.stack import ReferenceStack
from tests.conftest import stack_inputs
from tests.faulty import socket_server

# ----------------------------------------------------------------------------- protocol


def test_subscribe_messages():
    messages = [json.loads(m) for m in subscribe_messages("BTCTRY")]
    assert [m[1]["channel"] for m in messages] == ["ticker", "orderbook", "trade", "obdiff"]
    assert all(m[0] == 151 and m[1]["type"] == 151 and m[1]["join"] is True for m in messages)
    assert all(m[1]["event"] == "BTCTRY" for m in messages)


@pytest.mark.parametrize(
    ("data", "kind", "problem"),
    [
        ('[402, {"PS": "BTCTRY"}]', 402, None),
        ("[999, {}]", 999, None),
        ("not json", -1, "not JSON"),
        ("[1, 2, 3]", -1, "not a [type, payload] array"),
        ("[true, {}]", -1, "not a [type, payload] array"),
        (b"\x00\x01", -1, "binary frame"),
    ],
)
def test_parse_frame(data, kind, problem):
    frame = parse_frame(data)
    assert (frame.kind, frame.problem) == (kind, problem)


def book_frame(kind, cs, bids, asks):
    return parse_frame(
        json.dumps(
            [
                kind,
                {
                    "CS": cs,
                    "BO": [{"P": p, "A": a} for p, a in bids],
                    "AO": [{"P": p, "A": a} for p, a in asks],
                },
            ]
        )
    )


def test_order_book_applies_diffs_in_sequence():
    book = OrderBook()
    assert book.apply(book_frame(431, 10, [("100", "1"), ("99", "2")], [("101", "1")]))
    assert book.spread() == 1.0
    assert book.apply(book_frame(432, 11, [("100", "0")], []))  # best bid removed
    assert book.best()[0] == 99
    assert not book.apply(book_frame(432, 11, [("100.5", "1")], []))  # stale CS: ignored
    assert book.out_of_order == 1
    assert book.apply(book_frame(432, 12, [("101", "1")], []))
    assert book.crossed()


# ----------------------------------------------------------------------------- histograms


def test_histogram_quantile_as_prometheus_computes_it():
    buckets = [(5.0, 0), (10.0, 10), (25.0, 60), (50.0, 90), (100.0, 100), (math.inf, 100)]
    assert histogram_quantile(0.5, buckets) == pytest.approx(10 + 15 * (50 - 10) / 50)
    assert histogram_quantile(0.95, buckets) == pytest.approx(50 + 50 * 0.5)
    top = [(100.0, 10), (math.inf, 20)]
    assert histogram_quantile(0.95, top) == 100.0  # in +Inf: the highest finite bound
    assert histogram_quantile(0.95, [(math.inf, 0)]) is None


# ----------------------------------------------------------------------------- the judge


def recorded(**changes) -> WsObservation:
    """Ten seconds of a healthy feed, as the probe would record it."""
    t0 = 1_800_000_000.0
    obs = WsObservation("ws://feed", "BTCTRY", t0, t0 + 10)
    obs.connections = [WsConnection(attempt_at=t0, opened_at=t0 + 0.05, open_ms=50.0)]
    obs.pings = [(t0 + i, 40.0 + i) for i in range(10)]
    obs.pings_sent = 10
    obs.subscriptions = {"ticker": True, "orderbook": True, "trade": True}
    obs.messages = {"402": 10, "431": 10, "422": 30}
    obs.max_gap_s = {"ticker": 1.0, "orderbook": 1.0, "trade": 0.8}
    obs.last_at = {"ticker": t0 + 9.5, "orderbook": t0 + 9.6, "trade": t0 + 9.9}
    obs.spread_updates = 12
    for ms in range(30):
        obs.event_latency.add(20.0 + ms)
    for key, value in changes.items():
        setattr(obs, key, value)
    return obs


# The checks of the feed itself (the browser's view of the pill feeds the row too).
WS_IDS = [s.id for s in checks_for("go-live") if s.feeds["go-live"] == "ws" and "ws" in s.probes]
WS_TRIGGERS = {t.id for s in checks_for("go-live") if s.id in WS_IDS for t in s.triggers}


def judge_ws(obs, probe_error, clock, app, ws_limits):
    """The WebSocket checks, their triggers and the pill state, judged by the registry."""
    observations = Observations(
        obs.started_at,
        obs.ended_at,
        probe_errors={"ws": probe_error} if probe_error else {},
        ws=obs,
        clock=clock,
        app_metrics=app,
    )
    limits = dataclasses.replace(GateConfig().limits(), ws=ws_limits)
    judged = judge(observations, limits)
    return types.SimpleNamespace(
        checks=[c for c in judged.checks if c.id in WS_IDS],
        triggers=[t for t in judged.triggers if t.id in WS_TRIGGERS],
        state=judged.ws_state,
    )


def verdicts(judgement):
    return {c.id: c.verdict for c in judgement.checks}


WS_LIMITS = GateConfig(duration=10, ws_ping_interval_s=1).limits().ws


def test_healthy_recording_is_open_and_passes():
    judgement = judge_ws(recorded(), None, ClockSkew("u", 5.0, 20.0), None, WS_LIMITS)
    assert set(verdicts(judgement).values()) == {Verdict.PASS}
    assert judgement.state == "OPEN"
    assert not any(t.fired for t in judgement.triggers)


def test_slow_pings_fail_latency_and_degrade_the_pill():
    obs = recorded(pings=[(1_800_000_000.0 + i, 1200.0) for i in range(10)])
    judgement = judge_ws(obs, None, None, None, WS_LIMITS)
    assert verdicts(judgement)["ws-latency"] is Verdict.FAIL
    assert judgement.state == "DEGRADED"
    prod = judge_ws(obs, None, None, None, GateConfig(profile="prod", duration=10).limits().ws)
    assert "800 ms (prod profile)" in next(c for c in prod.checks if c.id == "ws-latency").reason


def test_no_pong_fails():
    judgement = judge_ws(recorded(pings=[], pongs_missing=10), None, None, None, WS_LIMITS)
    check = next(c for c in judgement.checks if c.id == "ws-latency")
    assert check.verdict is Verdict.FAIL and "no pong" in check.reason


def test_a_silent_channel_is_stale():
    t0 = 1_800_000_000.0
    obs = recorded(last_at={"ticker": t0 + 2, "orderbook": t0 + 9.6, "trade": t0 + 9.9})
    check = next(c for c in judge_ws(obs, None, None, None, WS_LIMITS).checks if c.id == "ws-feed")
    assert check.verdict is Verdict.FAIL and "ticker silent for 8.0 s" in check.reason


def test_clock_skew_too_large_is_inconclusive_not_fail():
    judgement = judge_ws(recorded(), None, ClockSkew("u", 900.0, 30.0), None, WS_LIMITS)
    check = next(c for c in judgement.checks if c.id == "event-latency")
    assert check.verdict is Verdict.INCONCLUSIVE and "too uncertain" in check.reason
    assert check.metrics["clock_skew_ms"] == 900.0


def test_metrics_url_figure_is_the_one_judged_and_both_are_reported():
    app = AppMetrics(
        "http://x/metrics",
        start=(("100", 10.0), ("1000", 10.0), ("+Inf", 10.0)),
        end=(("100", 10.0), ("1000", 100.0), ("+Inf", 110.0)),
    )
    check = next(
        c
        for c in judge_ws(recorded(), None, None, app, WS_LIMITS).checks
        if c.id == "event-latency"
    )
    assert check.metrics["app_p95_ms"] == 1000.0 and check.metrics["probe_p95_ms"] is not None
    assert check.metrics["judged_p95_ms"] == 1000.0
    assert check.verdict is Verdict.FAIL


def test_reconnect_storm_and_burst():
    t0 = 1_800_000_000.0
    storm = [
        WsConnection(
            attempt_at=t0 + i,
            opened_at=t0 + i + 0.01,
            open_ms=10,
            closed_at=t0 + i + 0.5,
            close_code=1011,
            close_reason="feed restarting",
        )
        for i in range(15)
    ]
    judgement = judge_ws(recorded(connections=storm), None, None, None, WS_LIMITS)
    assert verdicts(judgement)["ws-stability"] is Verdict.FAIL
    stability = next(c for c in judgement.checks if c.id == "ws-stability")
    assert "(close codes 1011 'feed restarting')" in stability.reason
    assert stability.metrics["close_reasons"] == ["feed restarting"]
    fired = {t.id for t in judgement.triggers if t.fired}
    assert "ws-reconnects" in fired
    assert judgement.state == "CLOSED"


def test_refused_upgrade_fails_with_the_nginx_hint():
    refused = WsConnection(
        attempt_at=1.0,
        closed_at=1.1,
        error="the proxy or server did not "
        "upgrade (HTTP 426 instead of 101); behind nginx, add map ...",
        error_kind="upgrade",
        http_status=426,
    )
    judgement = judge_ws(recorded(connections=[refused]), None, None, None, WS_LIMITS)
    check = judgement.checks[0]
    assert check.verdict is Verdict.FAIL and "did not upgrade" in check.reason


def test_recorded_observation_round_trips():
    obs = recorded()
    assert WsObservation.from_dict(json.loads(json.dumps(obs.to_dict()))) == obs


# ----------------------------------------------------------------------------- the probe


def probe(url: str, seconds: float = 2.0, **settings) -> WsObservation:
    options = {"ping_interval_s": 0.3, **settings}
    return observe_ws(WsSettings(url, "BTCTRY", seconds, 5, **options), Budget.lasting(30))


def test_probe_against_the_healthy_feed(stack):
    obs = probe(stack("healthy").urls["ws_url"])
    assert len(obs.connections) == 1 and obs.connections[0].open_ms is not None
    assert obs.subscriptions == {"ticker": True, "orderbook": True, "trade": True, "obdiff": True}
    assert obs.event_latency.count > 0 and obs.spread_updates >= 3
    assert len(obs.pings) >= 4 and obs.pongs_missing == 0


def test_measured_latency_follows_an_injected_delay():
    """Known delays in the reference stack come back in the figures (generous tolerance: the
    precise accuracy is measured by the benchmarks)."""
    scenario = Scenario("delayed", "test", ws_inbound_delay_s=0.2, trade_time_lag_ms=300)
    with ReferenceStack(scenario) as s:
        obs = probe(s.urls["ws_url"], 2.5)
    rtts = sorted(r for _, r in obs.pings)
    assert 195 <= rtts[len(rtts) // 2] <= 260
    p50 = obs.event_latency.percentile(50)
    assert p50 is not None and 295 <= p50 <= 360


def raw_ws_server(behaviour) -> contextlib.AbstractContextManager[str]:
    """A hand-rolled WebSocket server: completes the upgrade, then runs ``behaviour(conn)``.
    Needed for faults a well-behaved library will not commit (no pongs, say)."""

    def quietly(conn: socket.socket, stop: threading.Event) -> None:
        with contextlib.suppress(ClientGone, OSError):
            behaviour(conn, stop)

    return socket_server(quietly, "ws")


class ClientGone(Exception):
    """The client left, or was not a WebSocket client: this server thread ends quietly."""


def handshake(conn: socket.socket) -> bytes:
    """Answer an upgrade with 101 and return the request; a plain HTTP request (the clock
    probe's) gets a 200 with a Date header instead, and the behaviour stops there."""
    request = b""
    while b"\r\n\r\n" not in request:
        chunk = conn.recv(4096)
        if not chunk:
            raise ClientGone
        request += chunk
    key = next(
        (
            line.split(b":", 1)[1].strip()
            for line in request.split(b"\r\n")
            if line.lower().startswith(b"sec-websocket-key")
        ),
        None,
    )
    if key is None:
        date = email.utils.formatdate(usegmt=True).encode()
        conn.sendall(b"HTTP/1.1 200 OK\r\nDate: " + date + b"\r\nContent-Length: 0\r\n\r\n")
        raise ClientGone
    accept = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
    conn.sendall(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n"
    )
    return request


def text_frame(data: bytes, opcode: int = 1) -> bytes:
    n = len(data)
    if n < 126:
        head = bytes([0x80 | opcode, n])
    elif n < 65536:
        head = bytes([0x80 | opcode, 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([0x80 | opcode, 127]) + n.to_bytes(8, "big")
    return head + data


def test_no_pong_is_recorded():
    def silent(conn, stop):
        handshake(conn)
        conn.sendall(text_frame(b'[991, {"type": 991}]'))
        stop.wait(5)  # reads nothing, answers nothing

    with raw_ws_server(silent) as url:
        obs = probe(url, 1.5, pong_timeout_s=0.5)
    assert obs.pings_sent >= 3 and not obs.pings and obs.pongs_missing >= 1


def test_garbage_frames_are_counted_not_fatal():
    """Frames within the cap that are not the feed's are counted; one over it closes the
    connection (tests/test_ws_frames.py)."""

    def garbage(conn, stop):
        handshake(conn)
        conn.sendall(text_frame(b"not json at all"))
        conn.sendall(text_frame(b"\x00\xff", opcode=2))
        conn.sendall(text_frame(b"[" + b"1," * (256 * 1024) + b"1]"))  # 512 KiB of JSON
        conn.sendall(text_frame(b'[402, {"PS": "BTCTRY", "B": "1", "A": "2"}]'))
        stop.wait(3)

    with raw_ws_server(garbage) as url:
        obs = probe(url, 1.5)
    assert obs.problems == {
        "not JSON": 1,
        "binary frame": 1,
        "not a [type, payload] array": 1,
    }
    assert obs.messages.get("402") == 1 and len(obs.connections) == 1


def test_close_during_the_handshake_is_an_error_not_a_crash():
    def rude(conn, stop):
        conn.recv(100)
        conn.close()

    with raw_ws_server(rude) as url:
        obs = probe(url, 1.0)
    assert obs.connections and all(c.opened_at is None for c in obs.connections)
    assert obs.connections[0].error_kind in ("closed", "other")


def test_attempts_never_exceed_fifteen_a_minute(stack):
    obs = probe(stack("flapping").urls["ws_url"], 12.0)
    assert len(obs.connections) <= 15
    assert all(c.close_code == 1011 for c in obs.connections if c.closed_at and c.opened_at)


# ----------------------------------------------------------------------------- end to end


@pytest.mark.parametrize(
    ("scenario", "check", "words"),
    [
        ("slow-ws", "ws-latency", "ping p95"),
        ("stale-feed", "ws-feed", "stale"),
        ("no-upgrade", "ws-open", "did not upgrade (HTTP 426"),
    ],
)
def test_ws_scenarios_fail_the_ws_criterion(stack, scenario, check, words):
    inputs = stack_inputs(stack(scenario), duration="3", **{"ws-max-gap-s": "2"})
    report = run_gate(load_config(inputs, {}))
    result = report.check(check)
    assert result is not None and result.verdict is Verdict.FAIL and words in result.reason
    ws = next(c for c in report.criteria if c.id == "ws")
    assert ws.verdict is Verdict.FAIL


def test_flapping_fires_the_reconnect_trigger(stack):
    report = run_gate(load_config(stack_inputs(stack("flapping"), duration="9"), {}))
    assert "ws-reconnects" in {t.id for t in report.fired_triggers}


def test_healthy_gate_reports_open_with_measured_figures(stack):
    s = stack("healthy")
    inputs = stack_inputs(s, duration="3", **{"metrics-url": s.urls["executor_url"] + "/metrics"})
    report = run_gate(load_config(inputs, {}))
    assert report.decision.value == "go", report.reason
    assert report.ws_state == "OPEN"
    event = report.check("event-latency")
    assert event.metrics["source"] == "metrics-url"
    assert event.metrics["app_p95_ms"] is not None and event.metrics["probe_p95_ms"] is not None
    assert event.metrics["clock_skew_ms"] is not None


def test_progress_lines_and_the_pill_in_the_summary(run_cli, tmp_path, monkeypatch):
    import golive_action.observe.ws as ws_module
    from tests.test_cli import actions_env, read_outputs

    monkeypatch.setattr(ws_module, "PROGRESS_EVERY_S", 0.5)
    env = actions_env(tmp_path)
    result = run_cli("demo", "--duration", "2", "--samples", "3", env=env)
    assert result.code == 0, result.out
    progress = [line for line in result.err.splitlines() if line.startswith("ws: ")]
    assert progress and "OPEN" in progress[-1] and "messages" in progress[-1]
    outputs = read_outputs(Path(env["GITHUB_OUTPUT"]))
    assert outputs["ws-state"] == "OPEN"
    assert float(outputs["ws-latency-ms"]) > 0 and float(outputs["event-latency-p95-ms"]) > 0
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text()
    assert re.search(r"\*\*WebSocket pill:\*\* 🟢 `WS` \(latency \d+ ms\)", summary), summary


def test_rollback_mode_reports_the_websocket_disabled(run_cli, tmp_path):
    from tests.test_cli import actions_env, read_outputs

    env = actions_env(tmp_path)
    result = run_cli(
        "demo", "--scenario", "rollback", "--mode", "rollback", "--duration", "1", env=env
    )
    assert result.code == 0, result.out
    outputs = read_outputs(Path(env["GITHUB_OUTPUT"]))
    assert outputs["ws-state"] == "DISABLED"
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text()
    assert "`Canlı` (polling mode, no WebSocket)" in summary


def test_a_server_that_stalls_mid_window_does_not_hold_the_probe():
    def stall(conn, stop):
        handshake(conn)
        conn.sendall(text_frame(b'[991, {"type": 991}]'))
        conn.sendall(text_frame(b'[402, {"PS": "BTCTRY"}]'))
        stop.wait(30)  # then nothing, not even a close

    with raw_ws_server(stall) as url:
        obs = probe(url, 1.5, pong_timeout_s=0.5)
    assert obs.ended_at > obs.started_at
    assert obs.connections[-1].closed_at is None  # still open at the end of the window
    assert obs.messages.get("402") == 1 and obs.pongs_missing >= 1
