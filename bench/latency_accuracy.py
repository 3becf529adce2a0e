"""Measurement accuracy: known delays (0, 50, 200, 800 ms) injected into the reference stack,
and what the gate's probes measure of them.

The stack runs in a process of its own, so that its servers do not share the probe's GIL.

- HTTP: every answer of the web app held back by the delay; the probe's elapsed time.
- WebSocket pongs: everything the feed server reads held back by the delay (a slow link);
  the probe's ping round trip.
- Event timestamps: trades stamped the delay in the past; the probe's event latency
  (its histogram of 0.1 ms buckets, read at bucket centres).

Figure, per kind: the p95 of |measured - injected| over all delays. Budget: under 2 ms on
loopback. The baseline, in the same run: the p95 round trip of a bare TCP echo on loopback.
"""

from __future__ import annotations

import socket
import sys
import threading
import time

from golive_action.observe.budget import Budget as TimeBudget
from golive_action.observe.http import HttpLimits, sample_endpoint
from golive_action.observe.ws import WsSettings, observe_ws

from common import Budget, finish, p95, stack_process

DELAYS_MS = (0, 50, 200, 800)
HTTP_SAMPLES = 20
WS_WINDOW_S = 4.0


def http_errors(delay_ms: int) -> list[float]:
    with stack_process(http_delay_s=delay_ms / 1000) as urls:
        samples = sample_endpoint(
            "web-health",
            urls["web_url"] + "/api/public/health",
            HTTP_SAMPLES + 1,
            0.0,
            HttpLimits(timeout_s=5),
            TimeBudget.lasting(60),
        )
    # The first request also opens the connection; a probe keeps one open, so do we.
    return [abs(s.elapsed_ms - delay_ms) for s in samples[1:] if s.elapsed_ms is not None]


def ws_errors(delay_ms: int) -> tuple[list[float], list[float]]:
    """(pong errors, event-time errors) of one probe window."""
    with stack_process(ws_inbound_delay_s=delay_ms / 1000, trade_time_lag_ms=delay_ms) as urls:
        settings = WsSettings(urls["ws_url"], "BTCTRY", WS_WINDOW_S, 5, ping_interval_s=0.1)
        obs = observe_ws(settings, TimeBudget.lasting(60))
    pongs = [abs(rtt - delay_ms) for _, rtt in obs.pings]
    events: list[float] = []
    for centre, count in obs.event_latency.midpoints():
        events += [abs(centre - delay_ms)] * count
    return pongs, events


def loopback_round_trip_p95() -> float:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def echo() -> None:
        conn, _ = listener.accept()
        with conn:
            while data := conn.recv(64):
                conn.sendall(data)

    threading.Thread(target=echo, daemon=True).start()
    times = []
    with socket.create_connection(listener.getsockname()) as client:
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for _ in range(200):
            start = time.perf_counter()
            client.sendall(b"x")
            client.recv(64)
            times.append((time.perf_counter() - start) * 1000)
    listener.close()
    return p95(times)


def main() -> int:
    print("latency_accuracy: injected delays against what the probes measure, on loopback")
    errors: dict[str, list[float]] = {"http": [], "ws pong": [], "event time": []}
    for delay in DELAYS_MS:
        http = http_errors(delay)
        pongs, events = ws_errors(delay)
        errors["http"] += http
        errors["ws pong"] += pongs
        errors["event time"] += events
        print(
            f"  {delay:4d} ms injected: |error| p95 http {p95(http):5.2f} ms ({len(http)}), "
            f"pong {p95(pongs):5.2f} ms ({len(pongs)}), event {p95(events):5.2f} ms "
            f"({len(events)})",
            flush=True,
        )
    floor = loopback_round_trip_p95()
    print(f"  baseline: bare TCP round trip on loopback, p95 {floor:.3f} ms")
    budgets = []
    for kind, values in errors.items():
        figure = p95(values)
        print(f"  {kind:10} p95 |error| {figure:.2f} ms = {figure / floor:.1f} x the TCP baseline")
        budgets.append(Budget(f"latency_accuracy {kind}", figure, 2.0, " ms"))
    return finish(budgets)


if __name__ == "__main__":
    sys.exit(main())
