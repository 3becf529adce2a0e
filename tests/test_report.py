"""The JSON report validates against its own schema, in every state the gate can end in."""

from __future__ import annotations

import copy
import dataclasses
import json
import os
from pathlib import Path

import pytest

from golive_action.config import GateConfig, load_config
from golive_action.judge.registry import checks_for
from golive_action.model import Observations, RollbackTrigger
from golive_action.report.jsonreport import ReportError, read_report, report_problems, write_report
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
    # Every check of the mode, as the registry lists them.
    assert [c["id"] for c in document["checks"]] == [s.id for s in checks_for("go-live")]
    health = next(c for c in document["checks"] if c["id"] == "executor-health")
    # Sampled through the 2 s window, 0.1 s apart (sample-interval 0): 21 samples.
    assert config.sampling.count == 21
    assert health["metrics"]["samples"] == 21
    assert len(document["observations"]["http"]["executor-health"]["at"]) == 21
    # The observations in the report are complete: they load back as they were.
    assert Observations.from_dict(document["observations"]) == report.observations


def test_report_of_unreachable_targets_validates():
    config = load_config({"web-url": "http://127.0.0.1:9", "samples": "1", "duration": "0.5"}, {})
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
    from golive_action.model import Headline, Pill, PillChange, PillTimeline
    from golive_action.text import Redactor

    report = dataclasses.replace(
        failed_report(GateConfig(), "x", 1.0, 0.0),
        ws_state="OPEN",
        pill=Pill("WS", "green", 3.0),
        headline=Headline(canary="PASS"),
    )
    timeline = PillTimeline(
        (PillChange(1.0, 0.0, "CLOSED", "connecting"), PillChange(2.0, 1.0, "DEGRADED", "x")),
        {"OPEN": 0.0, "DEGRADED": 50.0, "CLOSED": 50.0},
    )
    report = dataclasses.replace(report, pill_timeline=timeline)
    redacted = Redactor(["OPEN", "WS", "green", "PASS", "EN", "DEGRA"]).tree(report)
    assert (redacted.ws_state, redacted.pill, redacted.headline) == (
        "OPEN",
        Pill("WS", "green", 3.0),
        Headline(canary="PASS"),
    )
    assert redacted.pill_timeline is not None
    assert [c.state for c in redacted.pill_timeline.changes] == ["CLOSED", "DEGRADED"]
    assert set(redacted.pill_timeline.shares_percent) == {"OPEN", "DEGRADED", "CLOSED"}
    assert report_problems(redacted.to_dict()) == []


# --------------------------------------------------------------------------- read_report


@pytest.mark.parametrize("scenario", ["healthy", "flapping"])
def test_a_report_reads_back_as_it_was_written(stack, tmp_path, scenario):
    s = stack(scenario)
    report = run_gate(load_config(stack_inputs(s), {}))
    assert report.triggers, "the run evaluates rollback triggers"
    back = read_report(str(write_report(report, str(tmp_path / "golive-report.json"))))
    assert back.to_dict() == report.to_dict()
    # Every evaluated trigger comes back, not only the fired ones that rollback.reasons holds.
    assert [(t.id, t.fired, t.reason) for t in back.triggers] == [
        (t.id, t.fired, t.reason) for t in report.triggers
    ]
    assert back.decision is report.decision and back.observations == report.observations


def test_a_failed_report_reads_back_as_it_was_written(tmp_path):
    report = failed_report(GateConfig(), "bad input: x", 1.0, 0.25)
    back = read_report(str(write_report(report, str(tmp_path / "r.json"))))
    assert back.to_dict() == report.to_dict()
    assert back == report


def test_the_report_keeps_every_evaluated_trigger_and_the_fired_ones_as_before():
    report = dataclasses.replace(
        failed_report(GateConfig(), "why", 0.0, 0.0),
        triggers=(
            RollbackTrigger("ws-latency", False, "not fired: under the limit", {"k": 3}),
            RollbackTrigger("5xx-spike", True, "12% of answers were 5xx", {"check": "5xx-spike"}),
        ),
    )
    rollback = report.to_dict()["rollback"]
    assert rollback["triggered"] is True
    assert rollback["reasons"] == [
        {"id": "5xx-spike", "reason": "12% of answers were 5xx", "evidence": {"check": "5xx-spike"}}
    ]
    assert [(t["id"], t["fired"]) for t in rollback["evaluated"]] == [
        ("ws-latency", False),
        ("5xx-spike", True),
    ]
    assert report_problems(report.to_dict()) == []


@pytest.mark.parametrize("missing", ["ws_state", "pill", "headline", "rollback.evaluated"])
def test_a_report_of_an_earlier_version_is_refused_with_why(tmp_path, missing):
    """A report written before these fields would read back with a default pill, headline
    or triggers that say something the run never said: it is refused instead."""
    document = failed_report(GateConfig(), "why", 0.0, 0.0).to_dict()
    if missing == "rollback.evaluated":
        del document["rollback"]["evaluated"]
    else:
        del document[missing]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(document))
    with pytest.raises(ReportError) as refused:
        read_report(str(path))
    assert f"written by an earlier golive (it has no {missing})" in str(refused.value)
    assert "fix: run the gate again with this version" in str(refused.value)


def test_the_schema_names_every_rollback_trigger():
    from golive_action.ids import TRIGGER_IDS
    from golive_action.report.jsonreport import load_report_schema

    assert tuple(load_report_schema()["$defs"]["triggerId"]["enum"]) == TRIGGER_IDS


def test_the_schema_names_every_criterion():
    from golive_action.ids import CRITERION_IDS
    from golive_action.report.jsonreport import load_report_schema

    assert tuple(load_report_schema()["$defs"]["criterionId"]["enum"]) == CRITERION_IDS


def _bad_reports(tmp_path):
    good = failed_report(GateConfig(), "why", 0.0, 0.0).to_dict()
    not_json = tmp_path / "not-json.json"
    not_json.write_text("{not json")
    other = tmp_path / "other-schema.json"
    other.write_text(json.dumps({**good, "schema": "golive-report/2"}))
    missing = tmp_path / "missing.json"
    missing.write_text(json.dumps({k: v for k, v in good.items() if k != "criteria"}))
    nested = tmp_path / "deep.json"
    nested.write_text('{"schema": "golive-report/1", "checks": ' + "[" * 200 + "]" * 200 + "}")
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.json"
    zero.symlink_to("/dev/zero")
    return {
        not_json: "not JSON (line 1, column 2",
        other: "schema 'golive-report/2', not 'golive-report/1'",
        missing: "'criteria' is a required property",
        nested: "nested deeper than",
        fifo: "is a FIFO, not a regular file",
        zero: "is a device, not a regular file",
        tmp_path / "nowhere.json": "cannot be read",
        tmp_path: "is a directory",
    }


def test_a_bad_report_file_is_one_line_that_names_it_the_problem_and_the_fix(tmp_path):
    for path, problem in _bad_reports(tmp_path).items():
        with pytest.raises(ReportError) as caught:
            read_report(str(path))
        message = str(caught.value)
        assert "\n" not in message, path
        assert f"'{path}'" in message and problem in message and "; fix: " in message, message
        assert isinstance(caught.value, ValueError)


def test_a_report_the_schema_allows_but_that_does_not_read_back_is_a_report_error(tmp_path):
    document = failed_report(GateConfig(), "why", 0.0, 0.0).to_dict()
    # A pair of the schema's (one schema for both places) whose first place is no bucket name.
    document["observations"]["app_metrics"] = {
        "url": "http://x/metrics",
        "start": [[1, 2]],
        "end": [],
        "messages_start": None,
        "messages_end": None,
    }
    path = tmp_path / "r.json"
    path.write_text(json.dumps(document))
    with pytest.raises(ReportError, match=r"does not read back as a report .*; fix: "):
        read_report(str(path))


def _hostile_reports(tmp_path: Path) -> dict[Path, str]:
    good = failed_report(GateConfig(), "why", 0.0, 0.0).to_dict()
    text = json.dumps(good)
    passed = [{**c, "verdict": "pass"} for c in good["criteria"]]
    failing_smoke = {**good["criteria"][0], "id": "smoke"}
    green = {"label": "WS", "colour": "green", "latency_ms": 1}
    duration = '"duration_s": 0.0'
    edits = {
        "nan": (text.replace(duration, '"duration_s": NaN'), "NaN"),
        "inf": (text.replace(duration, '"duration_s": 1e999'), "out of range"),
        "digits": (
            text.replace(duration, '"duration_s": ' + "9" * 5000),
            "a number of more than 40 characters",
        ),
        "twice": (
            text.replace('{"schema"', '{"decision": "go", "schema"'),
            "the key 'decision' twice in one object",
        ),
        "go": ({**good, "decision": "go"}, "decision go, but criterion gate did not pass"),
        "go-failing": (
            {**good, "decision": "go", "criteria": [*passed, failing_smoke]},
            "decision go, but criterion smoke did not pass",
        ),
        "triggered": (
            {**good, "rollback": {**good["rollback"], "triggered": True}},
            "rollback.triggered is true, but 0 evaluated triggers fired",
        ),
        "pill": (
            {**good, "ws_state": "CLOSED", "pill": green},
            "ws_state CLOSED with the pill WS green",
        ),
        "stateless": ({**good, "ws_state": "OPEN"}, "a ws_state without its pill"),
        "two": ({**good, "checks": good["checks"] * 2}, "check gate twice"),
        "when": (
            {**good, "started_at": "yesterday"},
            "started_at 'yesterday' is not an ISO 8601 time",
        ),
    }
    cases: dict[Path, str] = {}
    for name, (document, problem) in edits.items():
        path = tmp_path / f"{name}.json"
        path.write_text(document if isinstance(document, str) else json.dumps(document))
        cases[path] = problem
    return cases


def test_a_hand_edited_report_that_is_not_plain_or_contradicts_itself_is_refused(tmp_path):
    for path, problem in _hostile_reports(tmp_path).items():
        with pytest.raises(ReportError) as caught:
            read_report(str(path))
        message = str(caught.value)
        assert "\n" not in message and "sys." not in message, message
        assert f"'{path}'" in message and problem in message and "; fix: " in message, message
