"""Run every benchmark, each in a process of its own, and print one line per budget with the
figure, the budget and ok or over. Exit status 1 when a budget is over or a benchmark failed.

    .venv/bin/python bench/run_all.py            # all of them (about 10 minutes)
    .venv/bin/python bench/run_all.py startup    # only the ones named
"""

from __future__ import annotations

import subprocess
import sys
import time

from common import BENCH, BUDGET_PREFIX, ROOT

BENCHMARKS = (
    "startup",
    "api_calls",
    "gate_concurrency",
    "peers",
    "ws_ingest",
    "memory",
    "install",
    "browser",
    "merge",
)


def main(argv: list[str]) -> int:
    chosen = argv or list(BENCHMARKS)
    unknown = [name for name in chosen if name not in BENCHMARKS]
    if unknown:
        print(
            f"run_all.py: unknown benchmark {', '.join(unknown)}; "
            f"fix: name one of {', '.join(BENCHMARKS)}",
            file=sys.stderr,
        )
        return 2
    budget_lines: list[str] = []
    failed: list[str] = []
    started = time.perf_counter()
    for name in chosen:
        print(f"\n=== bench/{name}.py", flush=True)
        began = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, str(BENCH / f"{name}.py")],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        measured = 0
        for line in process.stdout:
            print(line, end="", flush=True)
            if line.startswith(BUDGET_PREFIX):
                budget_lines.append(line.removeprefix(BUDGET_PREFIX).rstrip())
                measured += 1
        code = process.wait()
        print(f"({name}: {time.perf_counter() - began:.0f} s)")
        if code != 0 and not measured:  # an over budget exits 1 too, after its lines
            failed.append(name)
    total = time.perf_counter() - started
    print(f"\n=== budgets ({total:.0f} s in all)")
    for line in budget_lines:
        print(line)
    for name in failed:
        print(f"{name}: the benchmark failed before it measured anything")
    over = [line for line in budget_lines if line.endswith(" over")]
    return 1 if over or failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
