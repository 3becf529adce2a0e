"""What every benchmark shares: budget lines in one format (run_all.py collects them), a
median timer, and the purpose-built feed server started in its own process."""

from __future__ import annotations

import contextlib
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
# run_all.py picks out the lines that start with this.
BUDGET_PREFIX = "budget "


@dataclass(frozen=True)
class Budget:
    """One figure against its budget. ``at_least`` budgets are floors, the others ceilings."""

    name: str
    figure: float
    limit: float
    unit: str = ""
    at_least: bool = False

    @property
    def ok(self) -> bool:
        return self.figure >= self.limit if self.at_least else self.figure <= self.limit

    def line(self) -> str:
        sign = ">=" if self.at_least else "<="
        return (
            f"{BUDGET_PREFIX}{self.name}: {_fmt(self.figure)}{self.unit} "
            f"(budget {sign} {_fmt(self.limit)}{self.unit}) {'ok' if self.ok else 'over'}"
        )


def _fmt(value: float) -> str:
    if value == int(value) and abs(value) >= 10:
        return f"{int(value):,}"
    return f"{value:,.3g}" if abs(value) < 10 else f"{value:,.1f}"


def finish(budgets: list[Budget]) -> int:
    """Print the budget lines; exit status 1 when one is over."""
    print()
    for budget in budgets:
        print(budget.line())
    return 0 if all(b.ok for b in budgets) else 1


def median_time(run: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``repeat`` calls, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def until_stable(
    trial: Callable[[int], float], least: int = 5, most: int = 15, tolerance: float = 0.03
) -> list[float]:
    """The figures of repeated trials (``trial(n)`` gives the n-th), until their median is
    stable: at least ``least`` trials, then until one more moves the median by under
    ``tolerance`` of it, at most ``most``."""
    figures = [trial(n) for n in range(least)]
    while len(figures) < most:
        before = statistics.median(figures)
        figures.append(trial(len(figures)))
        if abs(statistics.median(figures) - before) <= tolerance * abs(before):
            break
    return figures


def spread(values: list[float]) -> str:
    """A median and the least and most of its figures, as printed beside each other."""
    return f"{statistics.median(values):.2f} ({min(values):.2f} - {max(values):.2f})"


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


@contextlib.contextmanager
def flood_server(recorded: Path | None = None) -> Iterator[str]:
    """bench/flood.py in a process of its own (the probe must not share its GIL): yields the
    base ws:// URL; the query of each connection says what to send (``recorded``: the file
    of frames a replay sends)."""
    process = subprocess.Popen(
        [sys.executable, str(BENCH / "flood.py"), *([str(recorded)] if recorded else [])],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        yield f"ws://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


_STACK_CHILD = """
import dataclasses, json, sys
from golive_action.sandbox.scenarios import SCENARIOS
from golive_action.sandbox.stack import ReferenceStack
changes = json.loads(sys.argv[1])
scenario = dataclasses.replace(SCENARIOS[changes.pop("base", "healthy")], **changes)
with ReferenceStack(scenario) as stack:
    print(json.dumps(stack.urls), flush=True)
    sys.stdin.read()
"""


@contextlib.contextmanager
def stack_process(**changes: object) -> Iterator[dict[str, str]]:
    """The reference stack in a process of its own (so that the servers do not share the
    probe's GIL), with scenario fields changed: yields its URLs."""
    import json

    process = subprocess.Popen(
        [sys.executable, "-c", _STACK_CHILD, json.dumps(changes)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        yield json.loads(process.stdout.readline())
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(15)
