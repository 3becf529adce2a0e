"""The benchmarks stay runnable and documented. No time is asserted here: the budgets that
are times are measured by `bench/run_all.py`, never by the test suite. The API-call budget
is a count, so it is checked here too."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(BENCH))

import run_all  # noqa: E402


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *argv], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_every_benchmark_has_its_script_and_its_row_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    performance = readme[readme.index("## Performance") : readme.index("## Development")]
    assert "bench/run_all.py" in performance
    for name in run_all.BENCHMARKS:
        assert (BENCH / f"{name}.py").is_file(), name
        assert f"| `{name}` |" in performance, name


def test_api_calls_stay_within_their_budget():
    done = run(str(BENCH / "api_calls.py"))
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("budget ")]
    assert lines == [
        "budget api_calls by conclusions: 1 requests (budget <= 1 requests) ok",
        "budget api_calls with artifacts: 9 requests (budget <= 9 requests) ok",
    ]


def test_run_all_names_an_unknown_benchmark_and_the_fix():
    done = run(str(BENCH / "run_all.py"), "nosuch")
    assert done.returncode == 2
    assert done.stderr.strip().startswith("run_all.py: unknown benchmark nosuch; fix: name one of")
    assert "Traceback" not in done.stderr


def test_a_budget_line_says_over_when_the_figure_is():
    from common import Budget

    assert Budget("x", 3.0, 2.0, " ms").line() == "budget x: 3 ms (budget <= 2 ms) over"
    assert Budget("y", 30_000, 20_000, "/s", at_least=True).ok
    assert not Budget("z", 0.5, 0.7, at_least=True).ok
