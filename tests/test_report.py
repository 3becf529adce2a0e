"""The JSON report validates against its own schema, in every state the gate can end in."""

from __future__ import annotations

import copy
import dataclasses
import json

import pytest

from golive_action.config import GateConfig, load_config
from golive_action.judge.ws import WS_CHECKS
from golive_action.model import Observations
from golive_action.report.jsonreport import report_problems, write_report
from golive_action.runner import failed_report, run_gate
from tests.conftest import stack_inputs


@pytest.mark.parametrize("scenario", ["healthy", "outage", "error-burst"])
def test_report_of_each_scenario_validates(stack, tmp_path, scenario):
    s = stack(scenario)
    config = load_config(stack_inputs(s), {})
    report = run_gate(config)
    path = write_report(report, str(tmp_path / "out" / "golive-report.json"))
    document = json.loads(path.read_text())
    assert report_problems(document) == []
    assert document["schema"] == "golive-report/1"
    assert document["decision"] == ("go" if scenario == "healthy" else "no-go")
    assert {c["id"] for c in document["checks"]} == {
        "preflight",
        "web-health",
        "executor-health",
        "ticker",
        "ws-flag",
        "ui-responsive",
        "5xx-spike",
        "nginx-ws",
        "canary",
        "canary-rate",
        *WS_CHECKS,
    }
    health = next(c for c in document["checks"] if c["id"] == "executor-health")
    assert health["metrics"]["samples"] == 3
    assert len(document["observations"]["http"]["executor-health"]) == 3
    # The observations in the report are complete: they load back as they were.
    assert Observations.from_dict(document["observations"]) == report.observations


def test_report_of_unreachable_targets_validates():
    config = load_config({"web-url": "http://127.0.0.1:9", "samples": "1"}, {})
    document = run_gate(config).to_dict()
    assert report_problems(document) == []
    assert document["decision"] == "no-go"


def test_failed_report_validates():
    document = failed_report(GateConfig(), "bad input: x\ny", 0.0, 0.0).to_dict()
    assert report_problems(document) == []
    assert document["checks"][0]["verdict"] == "error"


def test_a_broken_report_is_caught():
    document = failed_report(GateConfig(), "why", 0.0, 0.0).to_dict()
    for mutate in (
        lambda d: d.update(decision="maybe"),
        lambda d: d.pop("criteria"),
        lambda d: d["checks"][0].update(verdict="ok"),
        lambda d: d["checks"][0].update(reason="two\nlines"),
        lambda d: d["rollback"].update(reasons=[{"id": "not-a-trigger", "reason": "x"}]),
        lambda d: d.update(schema="golive-report/2"),
    ):
        broken = copy.deepcopy(document)
        mutate(broken)
        assert report_problems(broken), mutate


def test_the_judged_pill_and_headline_survive_a_token_that_spells_them():
    from golive_action.model import Headline, Pill
    from golive_action.text import Redactor

    report = dataclasses.replace(
        failed_report(GateConfig(), "x", 1.0, 0.0),
        ws_state="OPEN",
        pill=Pill("WS", "green", 3.0),
        headline=Headline(canary="PASS"),
    )
    redacted = Redactor(["OPEN", "WS", "green", "PASS"]).tree(report)
    assert (redacted.ws_state, redacted.pill, redacted.headline) == (
        "OPEN",
        Pill("WS", "green", 3.0),
        Headline(canary="PASS"),
    )
    assert report_problems(redacted.to_dict()) == []
