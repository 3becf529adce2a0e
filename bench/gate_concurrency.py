"""Concurrency of the gate: the reference stack with every HTTP answer held 1 s and a 1 s
WebSocket window, so that each check has a known duration.

Each probe the gate plans is first run alone, one after another (the baseline, measured in
the same run; best of two); then the whole gate runs (best of two). Figure: gate wall time
divided by the slowest single check. Budget: at most 1.15 (one after another, the same
checks take the sum).
"""

from __future__ import annotations

import sys
import time

from golive_action.config import load_config
from golive_action.observe.budget import Budget as TimeBudget
from golive_action.observe.plan import plan_probes
from golive_action.runner import run_gate

from common import Budget, finish, stack_process

DELAY_S = 1.0
ROUNDS = 2


def main() -> int:
    print(f"gate_concurrency: every HTTP answer held {DELAY_S:g} s, a {DELAY_S:g} s WS window")
    with stack_process(http_delay_s=DELAY_S) as urls:
        config = load_config(
            {
                "web-url": urls["web_url"],
                "executor-url": urls["executor_url"],
                "ws-url": urls["ws_url"],
                "spark-api-url": urls["executor_url"],
                "spark-api-token": "bench-token",
                "samples": "1",
                "duration": str(DELAY_S),
                "http-timeout": "10",
            },
            {},
        )
        probes, _ = plan_probes(config)
        alone: dict[str, float] = {}
        for _ in range(ROUNDS):  # the best of each: the first run also imports its libraries
            for probe in probes:
                start = time.perf_counter()
                probe.run(TimeBudget.lasting(60))
                took = time.perf_counter() - start
                alone[probe.id] = min(took, alone.get(probe.id, took))
        walls = []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            report = run_gate(config)
            walls.append(time.perf_counter() - start)
    for probe_id, seconds in alone.items():
        print(f"  alone: {probe_id:16} {seconds:6.2f} s")
    slowest_id = max(alone, key=alone.__getitem__)
    slowest, total = alone[slowest_id], sum(alone.values())
    wall = min(walls)
    ratio = total / slowest
    print(f"  one after another: {total:.2f} s = {ratio:.2f} x the slowest ({slowest_id})")
    print(
        f"  the gate ({report.decision.value}, {len(probes)} probes): {wall:.2f} s "
        f"(best of {ROUNDS}) = {wall / slowest:.2f} x the slowest"
    )
    if report.decision.value != "go":
        print(f"  (the gate said {report.decision.value}: {report.reason})")
    return finish([Budget("gate_concurrency wall/slowest", wall / slowest, 1.15, "x")])


if __name__ == "__main__":
    sys.exit(main())
