"""run_gate never raises and fails closed: probe faults become error verdicts."""

from __future__ import annotations

from golive_action import runner
from golive_action.config import load_config
from golive_action.model import Decision, Verdict
from golive_action.observe.plan import Probe
from golive_action.runner import run_gate
from tests.conftest import stack_inputs


def test_a_probe_that_raises_becomes_an_error_verdict(monkeypatch, stack):
    s = stack("healthy")
    original = runner.plan_probes

    def plan(config, progress=None):
        probes, missing = original(config, progress)

        def boom(deadline):
            raise RuntimeError("probe exploded with secret-token-123")

        return [
            Probe("executor-health", boom),
            *[p for p in probes if p.id != "executor-health"],
        ], missing

    monkeypatch.setattr(runner, "plan_probes", plan)
    config = load_config(
        stack_inputs(s, samples="1", **{"spark-api-token": "secret-token-123"}), {}
    )
    report = run_gate(config)
    check = report.check("executor-health")
    assert check is not None and check.verdict is Verdict.ERROR
    assert "RuntimeError: probe exploded" in check.reason
    assert "secret-token-123" not in check.reason  # redacted
    assert report.decision is Decision.NO_GO
    assert report.check("web-health").verdict is Verdict.PASS


def test_a_judge_fault_ends_as_no_go(monkeypatch):
    import golive_action.judge as judge_module

    def broken(observations, config):
        raise ValueError("judge bug")

    monkeypatch.setattr(judge_module, "judge", broken)
    report = run_gate(load_config({}, {}))
    assert report.decision is Decision.NO_GO
    assert report.checks[0].id == "gate"
    assert "judge bug" in report.reason


def test_probes_run_concurrently(stack):
    """Both health probes overlap in time: run one after the other, they could not."""
    s = stack("healthy")
    config = load_config(stack_inputs(s, samples="4", **{"sample-interval": "0.3"}), {})
    obs = run_gate(config).observations
    web = [x.at for x in obs.http["web-health"]]
    executor = [x.at for x in obs.http["executor-health"]]
    assert min(executor) < max(web) and min(web) < max(executor)
