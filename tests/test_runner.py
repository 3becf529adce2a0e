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


def test_health_and_the_page_are_sampled_through_the_window_beside_the_feed(stack):
    """go-live: a 2 s window, every 0.2 s: 11 samples of each health endpoint and of the
    page (the window's start and end included), taken while the feed is watched."""
    s = stack("healthy")
    inputs = stack_inputs(s, duration="2", **{"sample-interval": "0.2"})
    report = run_gate(load_config(inputs, {}))
    obs = report.observations
    for probe in ("web-health", "executor-health", "ui"):
        assert len(obs.http[probe]) == 11, probe
    web = report.check("web-health")
    assert web.samples == 11 and "11 of 11 answered 200 and ok" in web.reason
    assert report.check("ui-responsive").samples == 11
    # Beside the WebSocket probe, not before or after it.
    assert obs.ws is not None and obs.ws.connections
    opened = obs.ws.connections[0].opened_at
    assert opened is not None and min(x.at for x in obs.http["web-health"]) < opened + 2
    assert max(x.at for x in obs.http["web-health"]) > opened


def test_rollback_takes_samples_times_and_no_window(stack):
    s = stack("rollback")
    # A long window and no feed to watch: the health samples alone would take it, if any did.
    inputs = stack_inputs(s, mode="rollback", samples="4", duration="30", **{"ws-url": ""})
    report = run_gate(load_config(inputs, {}))
    assert len(report.observations.http["web-health"]) == 4
    assert report.check("web-health").samples == 4
