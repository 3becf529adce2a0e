"""SIGINT and SIGTERM during a run (GitHub cancels a job with SIGINT, then SIGTERM, then kills
it): the gate stops observing, publishes a NO-GO with the evidence recorded up to the signal,
and exits 130 or 143. Real processes and real servers on loopback; no timing is asserted, the
timeouts are liveness bounds only."""

from __future__ import annotations

import dataclasses
import json
import threading
import time

from golive_action.config import load_config
from golive_action.interrupt import Cancellation
from golive_action.judge import judge
from golive_action.model import Decision, GateReport, Interruption, Observations, Verdict
from golive_action.observe.budget import Budget
from golive_action.observe.http import HttpLimits, sample_endpoint
from golive_action.report.jsonreport import report_problems
from golive_action.runner import run_gate
from golive_action.text import Redactor
from tests.conftest import stack_inputs
from tests.faulty import http_server, reply

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
            Redactor(),
            Budget.lasting(300, cancel),
        )
        assert 1 <= len(samples) < 1000 and all(s.status == 200 for s in samples)
        assert (
            sample_endpoint(
                "web-health", base, 5, 0, HttpLimits(), Redactor(), Budget.lasting(30, cancel)
            )
            == []
        )
