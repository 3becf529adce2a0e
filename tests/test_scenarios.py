"""The README's scenario table as a test: every scenario of the reference stack gives NO-GO
in go-live mode, each for its own reason, healthy gives GO, rollback gives GO in rollback
mode, creeping-latency NO-GO in monitor mode by its trend; the canary pass rate is read
from the stack's GitHub API, as the demo does. Each run's observations are serialized,
loaded back and judged again: the same matrix and triggers."""

from __future__ import annotations

import json

import pytest

from golive_action.config import load_config
from golive_action.judge import judge
from golive_action.model import Observations
from golive_action.runner import run_gate
from golive_action.sandbox.scenarios import SCENARIOS
from tests.conftest import github_inputs, stack_inputs

# scenario -> (mode, decision, the criterion that must fail, a check that must fail)
EXPECTED = {
    "healthy": ("go-live", "go", None, None),
    "slow-ws": ("go-live", "no-go", "ws", "ws-latency"),
    "flapping": ("go-live", "no-go", "ws", "ws-stability"),
    "stale-feed": ("go-live", "no-go", "ws", "ws-feed"),
    "outage": ("go-live", "no-go", "smoke", "executor-health"),
    "error-burst": ("go-live", "no-go", "no-5xx-spike", "5xx-spike"),
    "mock-ticker": ("go-live", "no-go", "smoke", "ticker"),
    "no-upgrade": ("go-live", "no-go", "ws", "ws-open"),
    "canary-fail": ("go-live", "no-go", "canary", "canary"),
    "canary-history": ("go-live", "no-go", "canary", "canary-rate"),
    # Only a browser sees it: the run turns the browser checks on, as the demo does.
    "frozen-ui": ("go-live", "no-go", "ui-responsive", "ui-browser-responsive"),
    "rollback": ("rollback", "go", None, None),
    # Within every limit now: only the trends of a monitor run see it creep up.
    "creeping-latency": ("monitor", "no-go", "no-regression", "trend"),
}


def test_every_scenario_has_an_expectation():
    assert set(EXPECTED) == set(SCENARIOS)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_scenario_decision_and_judging_again_from_recorded_observations(stack, name):
    mode, decision, criterion, check = EXPECTED[name]
    s = stack(name, token="scenario-token", github_token="scenario-github-token")
    inputs = stack_inputs(
        s,
        mode=mode,
        duration="3",
        samples="4",
        **{
            "spark-api-url": s.urls["executor_url"],
            "spark-api-token": "scenario-token",
            "ws-max-gap-s": "2",
            **({"browser": "true"} if SCENARIOS[name].needs_browser else {}),
            **github_inputs(s, "scenario-github-token"),
        },
    )
    config = load_config(inputs, {})
    report = run_gate(config)
    assert report.decision.value == decision, report.reason
    if criterion is not None:
        criteria = {c.id: c.verdict.value for c in report.criteria}
        assert criteria[criterion] == "fail", (criteria, report.reason)
        assert report.check(check).verdict.value == "fail", report.check(check).reason
    rate = report.check("canary-rate")
    if mode == "go-live" and name not in ("outage", "canary-fail", "canary-history"):
        # This run's canary passed, and so did the 6 newest past runs.
        assert rate.verdict.value == "pass", rate.reason
        assert rate.reason.startswith("7 of 7 runs PASS"), rate.reason
    if name in ("outage", "canary-fail"):
        # This run's canary failed: with 95 % over 7 meaning 7 of 7, the rate fails too.
        assert rate.reason.startswith("6 of 7 runs PASS (85.7 %) < 95 %"), rate.reason
    if name == "canary-history":
        assert rate.reason.startswith("5 of 7 runs PASS (71.4 %) < 95 %"), rate.reason
        assert [t.id for t in report.triggers if t.fired] == ["canary-rate"]
    recorded = json.loads(json.dumps(report.observations.to_dict()))
    again = judge(Observations.from_dict(recorded), config)
    assert again.decision == report.decision
    assert again.criteria == report.criteria
    assert again.checks == report.checks
    assert again.triggers == report.triggers
