"""Every rollback trigger of the checklist, end to end: `golive run` against real servers
on loopback (the reference stack in a fault), the trigger fired, `rollback=true` and its id
in `rollback-reasons`, the report valid, the gate NO-GO."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from golive_action.ids import TRIGGER_IDS
from golive_action.report.jsonreport import report_problems
from golive_action.sandbox import github_api
from golive_action.sandbox.scenarios import SCENARIOS
from tests.test_cli import actions_env, read_outputs

# A short window, with the trigger's own windows shortened to fit in it.
QUICK = ["--samples", "3", "--sample-interval", "0.1", "--duration", "4"]
SLOW_PAGE = dataclasses.replace(SCENARIOS["healthy"], name="slow-page", http_delay_s=0.3)

CASES = {
    # wsLatency > 1000ms consistently: pings answered after 1.2 s, 2 of the last 3 windows.
    "ws-latency": (
        "slow-ws",
        [
            *("--ws-ping-interval-s", "0.3", "--latency-window-s", "1"),
            *("--consistently-k", "2", "--consistently-n", "3"),
        ],
    ),
    # wsReconnectAttempts > 10/minute, here over 3 a minute: every connection dropped at 0.5 s.
    "ws-reconnects": ("flapping", ["--ws-reconnects-max-per-min", "3"]),
    # Connection state stuck in CLOSED: the upgrade refused, closed for over 2 s.
    "ws-stuck-closed": ("no-upgrade", ["--ws-stuck-closed-s", "2"]),
    # UI becomes unresponsive: every page load takes 300 ms, over a limit of 100 ms.
    "ui-unresponsive": (SLOW_PAGE, ["--ui-p95-max-ms", "100"]),
    # 5xx error spike: one request in four to the web app answers 500.
    "5xx-spike": ("error-burst", []),
    # Canary PASS rate < 95%: 5 of the last 7 runs, read through the stack's GitHub API.
    "canary-rate": ("canary-history", []),
}


def test_every_trigger_has_its_end_to_end_case():
    assert set(CASES) == set(TRIGGER_IDS)


def gate_argv(s, extra: list[str]) -> list[str]:
    """`golive run` on every part of the stack: its feed, its canary, its GitHub API."""
    urls = s.urls
    return [
        "run",
        "--web-url",
        urls["web_url"],
        "--executor-url",
        urls["executor_url"],
        "--ws-url",
        urls["ws_url"],
        "--spark-api-url",
        urls["executor_url"],
        "--spark-api-token",
        "canary-token",
        "--github-api-url",
        urls["github_api_url"],
        "--github-token",
        "gh-token",
        "--github-repository",
        github_api.REPOSITORY,
        "--canary-workflow",
        github_api.WORKFLOW_FILE,
        *QUICK,
        *extra,
    ]


@pytest.mark.parametrize("trigger", TRIGGER_IDS)
def test_the_trigger_fires_through_golive_run(run_cli, stack, tmp_path, trigger):
    scenario, extra = CASES[trigger]
    env = actions_env(tmp_path)
    result = run_cli(*gate_argv(stack(scenario, github_token="gh-token"), extra), env=env)
    assert result.code == 1, result.out
    outputs = read_outputs(Path(env["GITHUB_OUTPUT"]))
    assert outputs["decision"] == "no-go"
    assert outputs["rollback"] == "true"
    assert trigger in json.loads(outputs["rollback-reasons"]), outputs["rollback-reasons"]
    document = json.loads(Path("golive-report.json").read_text())
    assert report_problems(document) == []
    fired = {t["id"]: t for t in document["rollback"]["reasons"]}
    assert fired[trigger]["reason"]
    assert "ROLLBACK: triggered" in result.out


@pytest.mark.parametrize("trigger", TRIGGER_IDS)
def test_the_same_run_on_a_healthy_stack_fires_nothing(run_cli, stack, tmp_path, trigger):
    """The control: the same inputs against the healthy stack fire no trigger, so each case
    above fires on its fault, not on its settings."""
    _, extra = CASES[trigger]
    env = actions_env(tmp_path)
    result = run_cli(*gate_argv(stack("healthy", github_token="gh-token"), extra), env=env)
    outputs = read_outputs(Path(env["GITHUB_OUTPUT"]))
    assert outputs["rollback"] == "false", (outputs["rollback-reasons"], result.out)
    assert result.code == 0, result.out
