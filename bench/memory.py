"""Memory over a long window: a 10-minute monitor window at 1,000 messages a second is
600,000 feed messages. The whole gate runs in monitor mode against them, compressed in time
(20,000 a second for 30 s, the health endpoints of the reference stack sampled every second),
in a process of its own whose resident memory is sampled every 0.25 s (Linux /proc).

Trades carry event times spread over 3 s of lag, so that the latency histogram fills 3,000
buckets as a real feed's would over hours. Figures: peak RSS, and the growth of RSS per
simulated minute after the first one (a least-squares slope). The baseline, in the same
run: the RSS of the same process after its imports, before the window opens.

Budgets: peak under 100 MB; growth after the first minute under 0.5 MB a minute (flat).
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

_CHILD = """
import json, sys
from golive_action.config import load_config
from golive_action.runner import run_gate
inputs = json.loads(sys.argv[1])
config = load_config(inputs, {})
print("ready", flush=True)
report = run_gate(config)
ws = report.observations.ws
print("done", ws.messages.get("422", 0), len(ws.event_latency.counts), flush=True)
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


def main() -> int:
    print(
        f"memory: {int(RATE * SECONDS):,} trades ({SIMULATED_MINUTES:g} min at 1,000/s) "
        f"sent at {RATE:,}/s over {SECONDS:g} s"
    )
    with flood_server() as base, stack_process() as urls:
        inputs = {
            "mode": "monitor",
            "ws-url": f"{base}/?rate={RATE}&seconds={SECONDS}&spread_ms={LAG_SPREAD_MS}",
            "web-url": urls["web_url"],
            "executor-url": urls["executor_url"],
            "duration": str(SECONDS + 1),
            "samples": str(int(SECONDS)),
            "sample-interval": "1",
        }
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
        while child.poll() is None and time.monotonic() - start < SECONDS + 2:
            samples.append((time.monotonic() - start, rss_mb(child.pid)))
            time.sleep(0.25)
        done = child.stdout.readline().split()
        peak = rss_mb(child.pid, "VmHWM")
        child.stdin.close()
        child.wait(10)
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
    return finish(
        [
            Budget("memory peak RSS", peak, 100, " MB"),
            Budget("memory growth after minute 1", growth, 0.5, " MB/min"),
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
