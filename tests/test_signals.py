"""SIGINT and SIGTERM during a run (GitHub cancels a job with SIGINT, then SIGTERM, then kills
it): the gate stops observing, publishes a NO-GO with the evidence recorded up to the signal,
and exits 130 or 143. Real processes and real servers on loopback; no timing is asserted, the
timeouts are liveness bounds only."""

from __future__ import annotations

import dataclasses
import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from golive_action.cli import main
from golive_action.config import load_config
from golive_action.interrupt import Cancellation, catch_signals
from golive_action.judge import judge
from golive_action.model import Decision, GateReport, Interruption, Observations, Verdict
from golive_action.observe.budget import Budget
from golive_action.observe.http import HttpLimits, sample_endpoint
from golive_action.report.jsonreport import report_problems
from golive_action.runner import run_gate
from tests.conftest import stack_inputs
from tests.faulty import http_server, reply
from tests.test_cli import read_outputs

REASON = "interrupted by SIGINT after 12.4 s: the evidence up to then is in the report"
# Long enough that no run here ends on its own: only the signal or the event ends it.
LONG_WINDOW = "60"
# Liveness bound: a run the signal failed to stop would go on for LONG_WINDOW seconds.
ALIVE_S = 40


# ----------------------------------------------------------------------------- the judge


def test_an_interruption_is_never_a_go_even_when_every_check_passed(stack):
    """Judged from the same recorded evidence: GO as it was, NO-GO once it says it was cut
    short, with every other check judged as before."""
    config = load_config(stack_inputs(stack("healthy")), {})
    complete = run_gate(config).observations
    before = judge(complete, config)
    assert before.decision is Decision.GO

    cut = dataclasses.replace(complete, interrupted=Interruption("SIGINT", 12.4))
    recorded = Observations.from_dict(json.loads(json.dumps(cut.to_dict())))
    assert recorded == cut
    judged = judge(recorded, config)
    assert judged.decision is Decision.NO_GO
    assert judged.reason == REASON
    assert judged.criteria[0].id == "gate" and judged.criteria[0].verdict is Verdict.ERROR
    assert judged.checks[0].id == "gate" and judged.checks[0].verdict is Verdict.ERROR
    assert judged.checks[1:] == before.checks and judged.criteria[1:] == before.criteria
    assert judged.triggers == before.triggers

    report = GateReport(
        decision=judged.decision,
        reason=judged.reason,
        mode=config.mode,
        profile=config.profile,
        started_at="2025-01-01T00:00:00.000+00:00",
        duration_s=12.5,
        criteria=judged.criteria,
        checks=judged.checks,
        triggers=judged.triggers,
        observations=recorded,
        version="test",
    )
    document = report.to_dict()
    assert report_problems(document) == []
    assert document["observations"]["interrupted"] == {"signal": "SIGINT", "after_s": 12.4}


def test_a_cancellation_by_the_caller_is_named_as_such():
    assert Interruption(None, 3.0).describe().startswith("interrupted by its caller after 3.0 s")


# ----------------------------------------------------------------------------- the library


def test_run_gate_stops_on_the_callers_event_with_the_evidence_so_far(stack):
    s = stack("healthy")
    config = load_config(stack_inputs(s, duration=LONG_WINDOW, samples="2"), {})
    cancel = threading.Event()
    reports: list[GateReport] = []
    worker = threading.Thread(target=lambda: reports.append(run_gate(config, cancel=cancel)))
    worker.start()
    time.sleep(2)  # into the WebSocket window
    cancel.set()
    worker.join(ALIVE_S)
    assert not worker.is_alive(), "run_gate did not stop on its cancel event"
    report = reports[0]
    assert report.decision is Decision.NO_GO
    assert report.reason.startswith("interrupted by its caller after ")
    interrupted = report.observations.interrupted
    assert interrupted is not None and interrupted.signal is None
    ws = report.observations.ws
    assert ws is not None and sum(ws.messages.values()) > 0
    assert report.check("web-health").verdict is Verdict.PASS  # judged on what was recorded
    assert report_problems(report.to_dict()) == []


def test_a_cancellation_keeps_its_first_signal():
    cancellation = Cancellation()
    assert cancellation.exit_code() is None and not cancellation.is_set()
    cancellation.cancel("SIGINT")
    cancellation.cancel("SIGTERM")
    assert cancellation.is_set() and cancellation.signal_name == "SIGINT"
    assert cancellation.exit_code() == 130


def test_sampling_cancelled_midway_returns_the_samples_taken():
    cancel = threading.Event()
    with http_server(reply(200, b'{"ok": true}')) as base:
        threading.Timer(1.0, cancel.set).start()
        samples = sample_endpoint(
            "web-health",
            base,
            1000,
            0.2,
            HttpLimits(timeout_s=2),
            Budget.lasting(300, cancel),
        )
        assert 1 <= len(samples) < 1000 and all(s.status == 200 for s in samples)
        assert (
            sample_endpoint("web-health", base, 5, 0, HttpLimits(), Budget.lasting(30, cancel))
            == []
        )


# ----------------------------------------------------------------------------- the handlers


def test_main_puts_the_previous_handlers_back(run_cli):
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    result = run_cli("run", "--samples", "-3")
    assert result.code == 2
    assert {s: signal.getsignal(s) for s in before} == before


def test_main_runs_outside_the_main_thread_without_handlers():
    """Only the main thread may install handlers: from another, main() runs without them."""
    codes: list[int] = []
    worker = threading.Thread(
        target=lambda: codes.append(main(["run", "--samples", "-3"], environ={}))
    )
    worker.start()
    worker.join(ALIVE_S)
    assert codes == [2]


def test_a_signal_inside_catch_signals_cancels_instead_of_raising():
    cancellation = Cancellation()
    with catch_signals(cancellation) as installed:
        assert installed
        signal.raise_signal(signal.SIGINT)
    assert cancellation.signal_name == "SIGINT" and cancellation.exit_code() == 130


# ----------------------------------------------------------------------------- the CLI


def start_demo(tmp_path: Path, duration: str = LONG_WINDOW) -> subprocess.Popen[str]:
    """`golive demo` in tmp_path with GITHUB_OUTPUT (outputs) and GITHUB_STEP_SUMMARY
    (summary.md) there; returns once the demo has checked its inputs and begins observing."""
    env = {
        "GITHUB_OUTPUT": str(tmp_path / "outputs"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "PYTHONUNBUFFERED": "1",
        "PATH": "",
    }
    argv = ["demo", "--duration", duration, "--report", str(tmp_path / "report.json")]
    proc = subprocess.Popen(
        [sys.executable, "-m", "golive_action", *argv],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    # The demo names its scenario just before the gate starts.
    intro = proc.stdout.readline()
    if not intro.startswith("golive demo:"):
        proc.kill()
        pytest.fail(f"the demo did not start: {intro!r} {proc.communicate()[1]}")
    return proc


def start_observing_demo(tmp_path: Path) -> subprocess.Popen[str]:
    """The demo with a long window, two seconds into it: the feed answers within a few
    milliseconds, so the WebSocket window is well under way."""
    proc = start_demo(tmp_path)
    time.sleep(2)
    return proc


def finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=ALIVE_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("the gate did not stop after the signal")
    return proc.returncode, out, err


def assert_published(tmp_path: Path, code: int, out: str, err: str, name: str) -> None:
    assert code == {"SIGINT": 130, "SIGTERM": 143}[name], err
    assert "Traceback" not in out + err
    document = json.loads((tmp_path / "report.json").read_text())
    assert report_problems(document) == []
    assert document["decision"] == "no-go"
    assert document["reason"].startswith(f"interrupted by {name} after ")
    assert document["reason"].endswith("the evidence up to then is in the report")
    observations = document["observations"]
    assert observations["interrupted"]["signal"] == name
    ws = observations["ws"]
    assert sum(ws["messages"].values()) > 0 and ws["pings_sent"] > 0
    checks = {c["id"]: c for c in document["checks"]}
    assert checks["gate"]["verdict"] == "error"
    assert checks["web-health"]["verdict"] == "pass"  # the checks judged on the evidence
    outputs = read_outputs(tmp_path / "outputs")
    assert outputs["decision"] == "no-go" and outputs["passed"] == "false"
    summary = (tmp_path / "summary.md").read_text()
    assert "interrupted by" in summary
    assert "DECISION: NO-GO" in out


@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM"])
def test_a_signal_in_the_ws_window_publishes_a_no_go_with_the_evidence(tmp_path, name):
    proc = start_observing_demo(tmp_path)
    proc.send_signal(signal.Signals[name])
    assert_published(tmp_path, *finish(proc), name)


def test_sigterm_after_sigint_neither_kills_publishing_nor_changes_the_exit_code(tmp_path):
    proc = start_observing_demo(tmp_path)
    proc.send_signal(signal.SIGINT)
    time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    assert_published(tmp_path, *finish(proc), "SIGINT")
