"""Required, optional and waived checks: a GO is given only when every check the mode
requires ran and passed, or was waived by name; a waiver never hides a result."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from golive_action.config import ConfigError, GateConfig, Secret, load_config
from golive_action.ids import MODES
from golive_action.judge import judge
from golive_action.judge.registry import CHECKS, checks_for, preflight_check, spec
from golive_action.model import Observations, Verdict
from golive_action.report.jsonreport import report_problems
from tests.test_cli import actions_env, read_outputs

QUICK = ("--samples", "3", "--sample-interval", "0", "--duration", "2")


def urls_of(stack, *, canary: bool = False) -> list[str]:
    """Web, executor and WebSocket URLs of a stack as flags; the Spark API only if asked."""
    urls = stack.urls
    flags = ["--web-url", urls["web_url"], "--executor-url", urls["executor_url"]]
    flags += ["--ws-url", urls["ws_url"], "--ws-ping-interval-s", "0.4", *QUICK]
    if canary:
        flags += ["--spark-api-url", urls["executor_url"], "--spark-api-token", "t0k"]
    return flags


def test_go_live_without_the_canary_is_no_go_and_names_its_inputs(run_cli, stack, tmp_path):
    """The issue's run: web, executor and WebSocket URLs, no Spark API: never a GO."""
    env = actions_env(tmp_path)
    result = run_cli("run", *urls_of(stack("healthy")), env=env)
    assert result.code == 1, result.out
    assert "DECISION: NO-GO" in result.out
    document = json.loads(Path("golive-report.json").read_text())
    canary = next(c for c in document["checks"] if c["id"] == "canary")
    assert canary["verdict"] == "fail"
    assert "spark-api-url and spark-api-token" in canary["reason"]
    assert "waive: canary" in canary["reason"]  # the other way out, named
    preflight = next(c for c in document["checks"] if c["id"] == "preflight")
    assert preflight["verdict"] == "fail"
    assert "spark-api-url and spark-api-token" in preflight["reason"]
    assert "needed by canary" in preflight["reason"]
    criteria = {c["id"]: c["verdict"] for c in document["criteria"]}
    assert criteria["canary"] == "fail" and criteria["smoke"] == "fail"
    outputs = read_outputs(Path(env["GITHUB_OUTPUT"]))
    assert outputs["decision"] == "no-go" and outputs["waived"] == "[]"
    assert outputs["canary"] == "FAIL"


def test_a_waived_canary_is_go_with_waivers_and_shown_as_waived(run_cli, stack, tmp_path):
    env = actions_env(tmp_path)
    result = run_cli("run", *urls_of(stack("healthy")), "--waive", "canary", env=env)
    assert result.code == 0, result.out
    assert "GO with waivers: canary" in result.out
    document = json.loads(Path("golive-report.json").read_text())
    assert report_problems(document) == []
    assert document["decision"] == "go"
    checks = {c["id"]: c for c in document["checks"]}
    assert checks["canary"]["verdict"] == "waived"
    assert checks["preflight"]["verdict"] == "pass"  # the waiver lifts its demand
    assert "waived: canary" in checks["preflight"]["reason"]
    criteria = {c["id"]: c["verdict"] for c in document["criteria"]}
    assert criteria["canary"] == "waived"  # not a plain pass
    assert document["reason"].startswith("GO with waivers: canary")
    outputs = read_outputs(Path(env["GITHUB_OUTPUT"]))
    assert outputs["decision"] == "go" and outputs["passed"] == "true"
    assert json.loads(outputs["waived"]) == ["canary"]
    assert outputs["canary"] == "WAIVED"
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text()
    assert "GO with waivers\\: canary" in summary  # server-safe text: punctuation escaped
    assert "| ⚪ | Canary PASS (`canary`) | waived |" in summary
    assert "WAIVED" in result.out  # the terminal's matrix


def test_a_waived_check_is_a_warning_annotation_in_actions(run_cli, stack, tmp_path):
    env = {**actions_env(tmp_path), "GITHUB_ACTIONS": "true"}
    result = run_cli("run", *urls_of(stack("healthy")), "--waive", "canary", env=env)
    assert result.code == 0, result.out
    assert "::warning title=golive canary%3A waived::" in result.out


def test_a_waiver_of_a_check_that_would_run_is_refused_at_start(run_cli, stack):
    result = run_cli("run", *urls_of(stack("healthy"), canary=True), "--waive", "canary")
    assert result.code == 2
    assert "input 'waive'" in result.err and "canary would run" in result.err
    assert "spark-api-url" in result.err and "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("waive", "mode", "problem"),
    [
        ("canry", "go-live", '"canry" is not a check'),
        ("x" * 500, "go-live", "is not a check"),
        ("\u202ecanary", "go-live", '"\\u202ecanary" is not a check'),
        ("preflight", "go-live", "always runs"),
        ("5xx-spike", "go-live", "always runs"),
        ("polling-ui", "go-live", "not judged in mode go-live"),
        ("canary", "rollback", "not judged in mode rollback"),
        ("nginx-ws", "go-live", "optional in mode go-live"),
        ("canary", "monitor", "optional in mode monitor"),
        ("canary-rate", "go-live", "optional in mode go-live"),
        ("gate", "go-live", '"gate" is not a check'),
    ],
)
def test_a_waiver_of_nothing_to_waive_is_refused(waive, mode, problem):
    with pytest.raises(ConfigError) as refused:
        load_config({"waive": waive, "mode": mode, "web-url": "http://127.0.0.1:9"}, {})
    message = str(refused.value)
    assert problem in message and "input 'waive'" in message
    assert len(message) < 600 and message.isprintable()


def test_waive_takes_commas_spaces_and_a_list_from_the_config_file(tmp_path):
    assert load_config({"waive": "canary, ws-open  canary"}, {}).waive == ("canary", "ws-open")
    config_file = tmp_path / "gate.yml"
    config_file.write_text("waive:\n  - canary\n  - ws-feed\n")
    assert load_config({}, {}, str(config_file)).waive == ("canary", "ws-feed")
    config_file.write_text("waive: [3]\n")
    with pytest.raises(ConfigError, match="input 'waive'"):
        load_config({}, {}, str(config_file))


def test_an_optional_check_is_skipped_and_named_in_the_go_reason(run_cli, stack):
    result = run_cli("run", *urls_of(stack("healthy"), canary=True))
    assert result.code == 0, result.out
    document = json.loads(Path("golive-report.json").read_text())
    checks = {c["id"]: c["verdict"] for c in document["checks"]}
    assert checks["nginx-ws"] == "skipped" and checks["canary-rate"] == "skipped"
    assert "optional, not run: nginx-ws, canary-rate" in document["reason"]
    assert (
        "optional inputs not given: access-log (web-health, executor-health, 5xx-spike), "
        "metrics-url (event-latency)" in document["reason"]
    )


def test_a_half_given_canary_history_is_required_and_names_what_is_missing():
    config = GateConfig(
        web_url="http://w", executor_url="http://e", ws_url="ws://f", github_token=Secret("x")
    )
    judged = judge(Observations(started_at=0.0, finished_at=1.0), config)
    rate = next(c for c in judged.checks if c.id == "canary-rate")
    assert rate.verdict is Verdict.FAIL
    assert "github-repository and canary-workflow are not set" in rate.reason
    assert "github-token" not in rate.reason.split("fix:")[0]


def test_monitor_leaves_the_canary_optional_and_requires_the_trend():
    config = GateConfig(
        mode="monitor", web_url="http://w", executor_url="http://e", ws_url="ws://f"
    )
    judged = judge(Observations(started_at=0.0, finished_at=1.0), config)
    canary = next(c for c in judged.checks if c.id == "canary")
    assert canary.verdict is Verdict.SKIPPED
    # The trend reads the workflow's past runs: without them, the preflight names them...
    preflight = preflight_check(config.limits().preflight)
    assert preflight.verdict is Verdict.FAIL
    assert "github-token, github-repository and trend-workflow" in preflight.reason
    # ...unless the user knowingly goes without (outside Actions, say).
    waived = dataclasses.replace(config, waive=("trend",))
    assert preflight_check(waived.limits().preflight).verdict is Verdict.PASS
    trend = next(c for c in judge(Observations(0.0, 1.0), waived).checks if c.id == "trend")
    assert trend.verdict is Verdict.WAIVED


@pytest.mark.parametrize("mode", MODES)
def test_with_no_input_no_required_check_passes_or_is_skipped(mode):
    """Nothing given, nothing recorded: every required check fails (naming its inputs), every
    optional one is skipped, and the gate is NO-GO."""
    config = GateConfig(mode=mode)
    judged = judge(Observations(started_at=0.0, finished_at=1.0), config)
    given = config.limits().preflight.given
    for check in judged.checks:
        entry = spec(check.id)
        if entry.required_in(mode, given):
            assert check.verdict not in (Verdict.PASS, Verdict.SKIPPED), check
        else:
            assert check.verdict is Verdict.SKIPPED, check
    assert judged.decision.value == "no-go"


@pytest.mark.parametrize("mode", MODES)
def test_every_check_that_may_go_unseen_may_be_waived(mode):
    """Every check with inputs may be waived where it is judged and its inputs are missing;
    waiving them all still never gives a GO on nothing."""
    waivable = [s.id for s in checks_for(mode) if s.needs is not None and mode in s.required]
    config = load_config({"mode": mode, "waive": " ".join(waivable)}, {})
    judged = judge(Observations(started_at=0.0, finished_at=1.0), config)
    verdicts = {c.id: c.verdict for c in judged.checks}
    assert all(verdicts[i] is Verdict.WAIVED for i in waivable)
    assert judged.decision.value == "no-go"  # preflight passes, but 5xx-spike saw nothing
    assert {s.id for s in CHECKS if s.needs is None} <= set(verdicts)
