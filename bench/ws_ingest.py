"""WebSocket ingest: the CPU time the gate's probe spends per feed message, against a bare
websocket-client receive loop over the same recorded stream, in the same run.

The stream is recorded first from the reference stack's feed (subscribed as the probe
subscribes: trades, order book snapshots and diffs, tickers), then bench/flood.py replays it
many times over, as fast as the client reads. Each client's process CPU time (user +
system) over the whole stream, divided by the messages it received, is its cost per
message; the probe's includes everything it does with each frame (JSON, type, order book,
spread card, event latency, gaps) and the bare loop's the least a client must do (receive
the frame, parse it, read a trade's event time). Trials of one of each, in turn, repeated
until the median of their ratios is stable (common.until_stable), printed with the spread.

Budget: the probe costs at most 1.5 x the bare loop per message.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import websocket

from golive_action.btcturk import subscribe_messages
from golive_action.observe.budget import Budget as TimeBudget
from golive_action.observe.ws import WsSettings, observe_ws

from common import Budget, finish, flood_server, spread, stack_process, until_stable

RECORD_S = 6.0
MESSAGES = 60_000  # in one trial: the recording replayed until about this many
DATA_KINDS = {402, 421, 422, 423, 431, 432}  # the feed's data, not its acknowledgements


def record() -> list[str]:
    """The reference stack's feed as the probe subscribes to it, for RECORD_S seconds."""
    with stack_process() as urls:
        ws = websocket.create_connection(urls["ws_url"], timeout=5)
        try:
            for message in subscribe_messages("BTCTRY"):
                ws.send(message)
            frames: list[str] = []
            end = time.monotonic() + RECORD_S
            ws.settimeout(0.2)
            while time.monotonic() < end:
                try:
                    text = ws.recv()
                except websocket.WebSocketTimeoutException:
                    continue
                if isinstance(text, str) and json.loads(text)[0] in DATA_KINDS:
                    frames.append(text)
        finally:
            ws.close()
    # A replay starts on a book snapshot, so that each pass applies its diffs in order.
    first_book = next(i for i, text in enumerate(frames) if json.loads(text)[0] == 431)
    return frames[first_book:]


def bare_cost(url: str, expected: int) -> tuple[float, int]:
    """(CPU seconds, messages) of the least a client does with the stream."""
    cpu = time.process_time()
    ws = websocket.create_connection(url, timeout=10, skip_utf8_validation=True)
    received = 0
    latencies: list[float] = []
    try:
        while received < expected:
            message = json.loads(ws.recv())
            received += 1
            if message[0] == 422:
                latencies.append(time.time() * 1000.0 - float(message[1]["D"]))
    finally:
        ws.close()
    return time.process_time() - cpu, received


def probe_cost(url: str, window_s: float) -> tuple[float, int]:
    """(CPU seconds, messages) of the gate's probe, as the gate runs it."""
    cpu = time.process_time()
    obs = observe_ws(WsSettings(url, "BTCTRY", window_s, 5), TimeBudget.lasting(120))
    return time.process_time() - cpu, sum(obs.messages.values())


def main() -> int:
    print(f"ws_ingest: the reference stack's feed recorded for {RECORD_S:g} s", flush=True)
    frames = record()
    kinds: dict[int, int] = {}
    for text in frames:
        kinds[json.loads(text)[0]] = kinds.get(json.loads(text)[0], 0) + 1
    times = max(1, MESSAGES // len(frames))
    expected = times * len(frames)
    print(
        f"  {len(frames)} frames ({', '.join(f'{k}: {n}' for k, n in sorted(kinds.items()))}), "
        f"replayed {times} times: {expected:,} messages a trial",
        flush=True,
    )
    bare: list[float] = []
    probe: list[float] = []
    with tempfile.TemporaryDirectory(prefix="golive-ingest-") as tmp:
        recorded = Path(tmp) / "stream.jsonl"
        recorded.write_text("".join(text + "\n" for text in frames))
        with flood_server(recorded) as base:
            url = f"{base}/?replay={times}"

            def trial(number: int) -> float:
                """One pair, the order turned round every other time: probe / bare."""
                costs: dict[str, float] = {}
                for who in ("bare", "probe") if number % 2 == 0 else ("probe", "bare"):
                    if who == "bare":
                        started = time.perf_counter()
                        cpu, got = bare_cost(url, expected)
                        wall = time.perf_counter() - started
                    else:
                        # A window of twice the stream's time at the bare loop's pace, at least.
                        cpu, got = probe_cost(url, max(2.0, 2 * wall if "bare" in costs else 10.0))
                        if got != expected:
                            sys.exit(f"ws_ingest.py: the probe read {got} of {expected} messages")
                    costs[who] = cpu / got * 1e6
                bare.append(costs["bare"])
                probe.append(costs["probe"])
                ratio = costs["probe"] / costs["bare"]
                print(
                    f"  trial {number + 1}: bare {costs['bare']:.1f} us/msg, probe "
                    f"{costs['probe']:.1f} us/msg, ratio {ratio:.2f}",
                    flush=True,
                )
                return ratio

            ratios = until_stable(trial)
    ratio = statistics.median(ratios)
    print(
        f"\nCPU per message over {len(ratios)} trials (median, least - most): probe "
        f"{spread(probe)} us, bare loop {spread(bare)} us; probe / bare {spread(ratios)}"
    )
    return finish([Budget("ws_ingest probe/bare CPU per message", ratio, 1.5)])


if __name__ == "__main__":
    sys.exit(main())
