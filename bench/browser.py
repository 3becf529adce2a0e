"""What the browser checks add: the whole gate (`golive demo`, a 5 s window, the reference
stack in the same process) with `--browser true` against the same gate without it, run in
turns, each in a process of its own, until the median of each is stable.

Figures: the wall time of each, the time the browser adds and the ratio; the peak memory of
each run's whole process tree (the gate, and with the browser, Playwright's driver and every
Chromium process), as the sum of the processes' PSS (proportional set size: shared pages
counted once, split between the processes that share them), sampled every 50 ms from Linux
/proc, and the ratio.

A peer, in the same turns: the same page watched for the same window by Playwright and
Chromium alone (a bare script, the reference stack in its process), as a person would
script it by hand; its process tree's peak memory is what a browser costs at all.

Budgets: wall time with the browser at most 1.6x without (the browser starts while the
other probes watch; what it adds is the hover, the screenshot and the close); the process
tree's peak memory with the browser checks at most 1.3x the bare browser's (what the gate
adds to a browser watching the page: its probes, the recorder, the clicks). The ratio to
the gate without the browser is shown too, not held: it grows as the gate gets leaner.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from tempfile import TemporaryDirectory

from common import Budget, finish, spread, until_stable

SAMPLE_S = 0.05
WINDOW = "5"


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            text = Path(f"/proc/{pid}/task/{task}/children").read_text()
        except OSError:
            continue
        found += [int(c) for c in text.split()]
    return found


def _pss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def tree_pss_mb(root: int) -> float:
    total, todo, seen = 0.0, [root], set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += _pss_mb(pid)
        todo += _children(pid)
    return total


# The peer: Playwright and Chromium watching the trading page of the reference stack for
# the window, nothing else.
BARE = """
import sys, time
from playwright.sync_api import sync_playwright
from golive_action.observe.browser import CHROMIUM_ARGS
from golive_action.sandbox.stack import ReferenceStack
with ReferenceStack("healthy") as stack, sync_playwright() as playwright:
    browser = playwright.chromium.launch(executable_path=sys.argv[1], args=list(CHROMIUM_ARGS))
    page = browser.new_page()
    page.goto(stack.urls["web_url"] + "/btcturk")
    time.sleep(float(sys.argv[2]))
    page.screenshot()
    browser.close()
"""


def run_gate(browser: bool, folder: str, executable: str) -> tuple[float, float, int]:
    """One `golive demo`: (wall seconds, peak tree PSS in MB, exit code)."""
    args = [sys.executable, "-m", "golive_action", "demo", "--duration", WINDOW]
    if browser:
        args += ["--browser", "true", "--browser-executable", executable]
    return _measured(args, folder)


def run_bare(folder: str, executable: str) -> tuple[float, float, int]:
    """The peer: the page in Playwright and Chromium alone, for the window."""
    return _measured([sys.executable, "-c", BARE, executable, WINDOW], folder)


def _measured(args: list[str], folder: str) -> tuple[float, float, int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    started = time.perf_counter()
    process = subprocess.Popen(
        args, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    peak = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_pss_mb(process.pid))
            done.wait(SAMPLE_S)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = process.wait(180)
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    return wall, peak, code


def main() -> int:
    print(__doc__.strip().splitlines()[0])
    from golive_action.observe.browser import BrowserUnavailable, locate

    try:
        executable = locate().path or ""
    except (BrowserUnavailable, ImportError) as exc:
        print(f"browser.py: no browser to measure: {exc}", file=sys.stderr)
        return 2
    walls: dict[bool, list[float]] = {False: [], True: []}
    peaks: dict[bool, list[float]] = {False: [], True: []}
    bare: list[float] = []
    with TemporaryDirectory() as folder:
        run_gate(False, folder, executable)  # warm: imports compiled, pages cached
        run_gate(True, folder, executable)

        def trial(n: int) -> float:
            for browser in (False, True) if n % 2 == 0 else (True, False):
                wall, peak, code = run_gate(browser, folder, executable)
                if code != 0:
                    raise SystemExit(f"browser.py: the demo (browser {browser}) exited {code}")
                walls[browser].append(wall)
                peaks[browser].append(peak)
            _, peak, code = run_bare(folder, executable)
            if code != 0:
                raise SystemExit(f"browser.py: the bare browser script exited {code}")
            bare.append(peak)
            return walls[True][-1] / walls[False][-1]

        until_stable(trial, least=4, most=10, tolerance=0.03)
    wall_off, wall_on = statistics.median(walls[False]), statistics.median(walls[True])
    peak_off, peak_on = statistics.median(peaks[False]), statistics.median(peaks[True])
    print(f"trials: {len(walls[True])} of each")
    print(f"wall time without the browser: {spread(walls[False])} s")
    print(f"wall time with the browser:    {spread(walls[True])} s")
    print(f"added by the browser: {wall_on - wall_off:.2f} s ({wall_on / wall_off:.2f}x)")
    print(f"peak memory (PSS of the process tree) without: {spread(peaks[False])} MB")
    print(f"peak memory (PSS of the process tree) with:    {spread(peaks[True])} MB")
    print(f"added by the browser: {peak_on - peak_off:.0f} MB ({peak_on / peak_off:.1f}x)")
    peak_bare = statistics.median(bare)
    print(f"peak memory of the page in Playwright and Chromium alone: {spread(bare)} MB")
    print(f"the gate with its browser checks / the bare browser: {peak_on / peak_bare:.2f}x")
    return finish(
        [
            Budget("browser wall time vs the gate without it", wall_on / wall_off, 1.6, "x"),
            Budget("browser peak memory vs the bare browser", peak_on / peak_bare, 1.3, "x"),
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
