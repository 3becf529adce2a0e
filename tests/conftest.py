from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from golive_action.cli import main
from golive_action.config import load_config
from golive_action.model import Decision, GateReport
from golive_action.runner import run_gate
from golive_action.sandbox.stack import ReferenceStack


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def run_cli(tmp_path) -> Callable[..., CliResult]:
    """Run `golive ...` in-process with a clean environment (plus what the test gives)."""

    def run(*argv: str, env: dict[str, str] | None = None) -> CliResult:
        out, err = io.StringIO(), io.StringIO()
        code = main(list(argv), environ=dict(env or {}), stdout=out, stderr=err)
        return CliResult(code, out.getvalue(), err.getvalue())

    return run


@pytest.fixture
def stack() -> Iterator[Callable[..., ReferenceStack]]:
    """Start reference stacks by scenario; every one is stopped after the test."""
    started: list[ReferenceStack] = []

    def start(scenario: str = "healthy", **kwargs: object) -> ReferenceStack:
        s = ReferenceStack(scenario, **kwargs).start()  # type: ignore[arg-type]
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch) -> None:
    """Reports land in the test's own folder, never in the work tree."""
    monkeypatch.chdir(tmp_path)


def stack_inputs(stack: ReferenceStack, **inputs: str) -> dict[str, str]:
    """Gate inputs that point at a reference stack, for a quick run (3 samples, no pause,
    a 2 s WebSocket window). The canary, which go-live requires, is the stack's."""
    return {
        "web-url": stack.urls["web_url"],
        "executor-url": stack.urls["executor_url"],
        "ws-url": stack.urls["ws_url"],
        "spark-api-url": stack.urls["executor_url"],
        "spark-api-token": "stack-canary-token",
        "samples": "3",
        "sample-interval": "0",
        "duration": "2",
        "ws-ping-interval-s": "0.4",
        **inputs,
    }


def github_inputs(stack: ReferenceStack, token: str) -> dict[str, str]:
    """Gate inputs that read the canary pass rate from a reference stack's GitHub API (started
    with ``github_token=token``, or with no token of its own)."""
    from golive_action.sandbox import github_api

    return {
        "github-api-url": stack.urls["github_api_url"],
        "github-token": token,
        "github-repository": github_api.REPOSITORY,
        "canary-workflow": github_api.WORKFLOW_FILE,
        "trend-workflow": github_api.WORKFLOW_FILE,
        "github-run-id": str(github_api.CURRENT_RUN_ID),
    }


# Property tests: the default profile for a quick local run, "ci" (set by .ci/run through
# HYPOTHESIS_PROFILE) for many more examples.
def _hypothesis_profiles() -> None:
    import os

    from hypothesis import HealthCheck, settings

    settings.register_profile("default", max_examples=100)
    settings.register_profile(
        "ci", max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


_hypothesis_profiles()


# Test files whose passing cases are quoted as the hardening figures (issue 7).
_FIGURES = {
    "fault matrix: faults passed end to end, each token-scanned": (
        "tests/test_fault_matrix.py::test_fault["
    ),
    "injection: untrusted channels passed": "tests/test_injection.py::test_hostile_text",
    "token scan: scenario runs scanned, token never found": "tests/test_secrets.py::",
    "bounds: limits proved": "tests/test_bounds.py::",
}


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The figures of the hardening tests, so that a run can be quoted: faults, channels,
    and property-based examples tried (summed from Hypothesis' own statistics)."""
    import re

    passed = terminalreporter.stats.get("passed", [])
    lines = [
        f"{label}: {sum(r.nodeid.startswith(prefix) for r in passed)}"
        for label, prefix in _FIGURES.items()
    ]
    property_tests = examples = 0
    for reports in terminalreporter.stats.values():
        for report in reports:
            stats = getattr(report, "__dict__", {}).get("_hypothesis_stats")
            if stats:
                property_tests += 1
                examples += sum(int(n) for n in re.findall(r"(\d+) passing", stats))
    lines.append(f"property tests: {property_tests}, passing examples tried: {examples}")
    if not any(r.nodeid.startswith(tuple(_FIGURES.values())) for r in passed) and not examples:
        return  # a partial run of other tests: nothing to quote
    terminalreporter.section("golive-action hardening figures")
    for line in lines:
        terminalreporter.write_line(line)


PUBLISH_TOKEN = "pub-t0ken-4f9a2c"  # the reference stack's canary token in `judged`


@pytest.fixture
def judged(stack) -> tuple[GateReport, dict[str, str]]:
    """One judged run of the reference stack with its canary, and its inputs."""
    s = stack("healthy", token=PUBLISH_TOKEN)
    inputs = stack_inputs(
        s,
        samples="1",
        **{"spark-api-url": s.urls["executor_url"], "spark-api-token": PUBLISH_TOKEN},
    )
    report = run_gate(load_config(inputs, {}))
    assert report.decision is Decision.GO and report.check("canary") is not None
    return report, inputs
