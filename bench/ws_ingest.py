"""WebSocket ingest: the highest rate of feed messages the gate's probe keeps up with, against
a bare websocket-client receive loop in the same run.

bench/flood.py sends trades at rising rates (x1.2 a step) for one second each. A client
keeps up with a rate when it receives every message within the window and the added event
latency (receive time minus the send time stamped in each trade) has a p95 under 5 ms: a
growing backlog shows as a growing latency. A failed rate is tried once more (noise) before
the search stops.

Budgets: the probe keeps up with at least 20,000 messages a second, and with at least 0.7 of
the rate the bare loop keeps up with.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import websocket

from golive_action.observe.budget import Budget as TimeBudget
from golive_action.observe.ws import WsSettings, observe_ws

from common import Budget, finish, flood_server, p95

SECONDS = 1.0
FIRST_RATE = 10_000
STEP = 1.2
LAST_RATE = 400_000
LATENCY_P95_MS = 5.0


@dataclass(frozen=True)
class Trial:
    rate: int
    sent: int
    received: int
    latency_p95_ms: float

    @property
    def kept_up(self) -> bool:
        return self.received >= self.sent and self.latency_p95_ms < LATENCY_P95_MS


def probe_trial(url: str, rate: int) -> Trial:
    """The gate's own probe, as the gate runs it (pings every 2 s, every frame judged)."""
    settings = WsSettings(url, "BTCTRY", SECONDS + 0.5, 5)
    obs = observe_ws(settings, TimeBudget.lasting(30))
    latency = obs.event_latency.percentile(95)
    sent = int(rate * SECONDS)
    return Trial(rate, sent, obs.messages.get("422", 0), latency if latency else 1e9)


def bare_trial(url: str, rate: int) -> Trial:
    """The least a client must do: receive each frame and read its event time."""
    ws = websocket.create_connection(url, timeout=5, skip_utf8_validation=True)
    sent = int(rate * SECONDS)
    latencies: list[float] = []
    end = time.monotonic() + SECONDS + 0.5
    ws.settimeout(0.05)
    try:
        while time.monotonic() < end and len(latencies) < sent:
            try:
                data = ws.recv()
            except websocket.WebSocketTimeoutException:
                continue
            at = float(json.loads(data)[1]["D"])
            latencies.append(time.time() * 1000.0 - at)
    finally:
        ws.close()
    return Trial(rate, sent, len(latencies), p95(latencies) if latencies else 1e9)


def highest_rate(base: str, trial: Callable[[str, int], Trial], label: str) -> int:
    best = 0
    rate = float(FIRST_RATE)
    while rate <= LAST_RATE:
        url = f"{base}/?rate={int(rate)}&seconds={SECONDS}"
        result = trial(url, int(rate))
        if not result.kept_up:
            result = trial(url, int(rate))  # once more: one slow second is noise
        print(
            f"  {label:6} {int(rate):>8,}/s: received {result.received:>7,} of "
            f"{result.sent:>7,}, added latency p95 {result.latency_p95_ms:8.1f} ms "
            f"{'kept up' if result.kept_up else 'fell behind'}",
            flush=True,
        )
        if not result.kept_up:
            break
        best = int(rate)
        rate *= STEP
    return best


def main() -> int:
    print("ws_ingest: trades at rising rates, 1 s each, on loopback", flush=True)
    with flood_server() as base:
        bare = highest_rate(base, bare_trial, "bare")
        probe = highest_rate(base, probe_trial, "probe")
    ratio = probe / bare if bare else 0.0
    print(f"\nprobe keeps up with {probe:,}/s; bare loop {bare:,}/s; ratio {ratio:.2f}")
    return finish(
        [
            Budget("ws_ingest probe rate", probe, 20_000, " msg/s", at_least=True),
            Budget("ws_ingest probe/bare", ratio, 0.7, at_least=True),
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
