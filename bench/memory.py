"""Memory over a long window: a 10-minute monitor window at 1,000 messages a second is
600,000 feed messages. The whole gate runs in monitor mode against them, compressed in time
(20,000 a second for 30 s, the health endpoints of the reference stack sampled every second),
in a process of its own whose resident memory is sampled every 0.25 s (Linux /proc).

Trades carry event times spread over 3 s of lag, so that the latency histogram fills 3,000
buckets as a real feed's would over hours. Figures: peak RSS, and the growth of RSS per
simulated minute after the first one (a least-squares slope). The baseline, in the same
run: the RSS of the same process after its imports, before the window opens.

Then a hostile feed, in the same run: one text frame whose header announces 200 MB, the
200 MB sent after it as fast as the probe takes them (bench/flood.py ``frame_mb``), on every
connection, against the same gate over a 5 s window. The probe must refuse the frame at its
header (ws-max-frame-bytes, 1 MiB), never read it: its peak RSS is compared with the healthy
window's, measured just before.

Budgets: peak under 100 MB; growth after the first minute under 0.5 MB a minute (flat); the
hostile frame's peak RSS at most 1.2 x the healthy window's.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from common import Budget, finish, flood_server, stack_process

RATE = 20_000
SECONDS = 30.0
SIMULATED_MINUTES = 10.0
LAG_SPREAD_MS = 3000
HOSTILE_FRAME_MB = 200
HOSTILE_SECONDS = 5.0

_CHILD = """
import json, sys
from golive_action.config import load_config
from golive_action.runner import run_gate
inputs = json.loads(sys.argv[1])
config = load_config(inputs, {})
print("ready", flush=True)
report = run_gate(config)
ws = report.observations.ws
refused = sum(1 for c in ws.connections if c.too_big)
print("done", ws.messages.get("422", 0), len(ws.event_latency.counts), refused, flush=True)
sys.stdin.read()
"""


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for process {pid}")


def slope(points: list[tuple[float, float]]) -> float:
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_m = sum(m for _, m in points) / n
    num = sum((t - mean_t) * (m - mean_m) for t, m in points)
    den = sum((t - mean_t) ** 2 for t, _ in points)
    return num / den if den else 0.0


def watch(
    inputs: dict[str, str], seconds: float
) -> tuple[float, float, list[tuple[float, float]], list[str]]:
    """The gate run in a process of its own on ``inputs``: (RSS after its imports, peak
    RSS, RSS samples over the window as (seconds, MB), its "done" line's words)."""
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, json.dumps(inputs)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdin is not None
    assert child.stdout.readline().strip() == "ready"
    baseline = rss_mb(child.pid)
    start = time.monotonic()
    samples: list[tuple[float, float]] = []
    while child.poll() is None and time.monotonic() - start < seconds + 2:
        samples.append((time.monotonic() - start, rss_mb(child.pid)))
        time.sleep(0.25)
    done = child.stdout.readline().split()
    peak = rss_mb(child.pid, "VmHWM")
    child.stdin.close()
    child.wait(10)
    return baseline, peak, samples, done


def main() -> int:
    print(
        f"memory: {int(RATE * SECONDS):,} trades ({SIMULATED_MINUTES:g} min at 1,000/s) "
        f"sent at {RATE:,}/s over {SECONDS:g} s"
    )
    with flood_server() as base, stack_process() as urls:
        sampled = {
            "mode": "monitor",
            "web-url": urls["web_url"],
            "executor-url": urls["executor_url"],
            "sample-interval": "1",
        }
        inputs = {
            **sampled,
            "ws-url": f"{base}/?rate={RATE}&seconds={SECONDS}&spread_ms={LAG_SPREAD_MS}",
            "duration": str(SECONDS + 1),
            "samples": str(int(SECONDS)),
        }
        baseline, peak, samples, done = watch(inputs, SECONDS)
        hostile = {
            **sampled,
            "ws-url": f"{base}/?frame_mb={HOSTILE_FRAME_MB}",
            "duration": str(HOSTILE_SECONDS),
            "samples": str(int(HOSTILE_SECONDS)),
        }
        _, hostile_peak, _, hostile_done = watch(hostile, HOSTILE_SECONDS)
    received, buckets = int(done[1]), int(done[2])
    minute_s = SECONDS / SIMULATED_MINUTES
    after_first = [(t, m) for t, m in samples if t >= minute_s]
    growth = slope(after_first) * minute_s
    print(f"  received {received:,} trades; histogram buckets {buckets:,}")
    print(
        f"  RSS after imports (baseline) {baseline:.1f} MB; peak {peak:.1f} MB "
        f"({peak / baseline:.2f} x the baseline)"
    )
    for t, m in samples[:: max(1, len(samples) // 10)]:
        print(f"    simulated minute {t / minute_s:4.1f}: {m:6.1f} MB")
    print(f"  growth after the first simulated minute: {growth:+.3f} MB a minute")
    refused = int(hostile_done[3])
    ratio = hostile_peak / peak
    print(
        f"  a {HOSTILE_FRAME_MB} MB frame on every connection, {HOSTILE_SECONDS:g} s window: "
        f"{refused} refused at the header; peak RSS {hostile_peak:.1f} MB "
        f"({ratio:.2f} x the healthy window's {peak:.1f} MB)"
    )
    return finish(
        [
            Budget("memory peak RSS", peak, 100, " MB"),
            Budget("memory growth after minute 1", growth, 0.5, " MB/min"),
            Budget(f"memory peak RSS with a {HOSTILE_FRAME_MB} MB frame", ratio, 1.2, " x"),
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
