"""Publishing from Python (golive_action.publish) writes what golive run writes, by the same
fail-closed rules."""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import responses

import golive_action
from golive_action import actions
from golive_action.config import GateConfig, Secret, load_config
from golive_action.publishing import PublishSettings, mask_secrets, publish, publish_refused
from golive_action.runner import failed_report
from tests.conftest import PUBLISH_TOKEN as TOKEN


def actions_env(folder: Path) -> dict[str, str]:
    """The runner's environment, its files in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "GITHUB_ACTIONS": "true",
        actions.OUTPUT_FILE: str(folder / "output"),
        actions.SUMMARY_FILE: str(folder / "summary.md"),
    }


def written(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(folder.iterdir()) if p.is_file()}


def test_publishing_from_python_writes_what_golive_run_writes(
    judged, run_cli, tmp_path, monkeypatch
):
    report, inputs = judged
    # golive run publishes this very report, so that both sides have the same to write.
    monkeypatch.setattr("golive_action.runner.run_gate", lambda *_args, **_kw: report)
    env = actions_env(tmp_path / "run")
    monkeypatch.chdir(tmp_path / "run")
    flags = [word for name, value in inputs.items() for word in (f"--{name}", value)]
    result = run_cli("run", *flags, env=env)
    assert result.code == 0, result.err

    env = actions_env(tmp_path / "lib")
    monkeypatch.chdir(tmp_path / "lib")
    config = load_config(inputs, {})
    out, err = io.StringIO(), io.StringIO()
    mask_secrets(config.secrets(), env, out)
    code = golive_action.publish(report, PublishSettings.from_config(config), env, out, err)

    assert code == result.code
    assert (out.getvalue(), err.getvalue()) == (result.out, result.err)
    files = written(tmp_path / "lib")
    assert files == written(tmp_path / "run")
    assert {"golive-report.json", "canary_resp.json", "output", "summary.md"} <= set(files)
    assert f"::add-mask::{TOKEN}" in out.getvalue() and "::notice title=golive%3A GO::" in (
        out.getvalue()
    )


def test_a_file_that_cannot_be_written_publishes_a_no_go_first(judged, tmp_path):
    report, _ = judged
    env = actions_env(tmp_path / "env")
    (tmp_path / "taken").mkdir()
    err = io.StringIO()
    code = publish(report, PublishSettings(report="taken"), env, io.StringIO(), err)
    assert code == 2
    assert "golive: error: report 'taken' is a directory" in err.getvalue()
    outputs = Path(env[actions.OUTPUT_FILE]).read_text()
    assert "decision=no-go\n" in outputs and "passed=false\n" in outputs
    assert "NO-GO" in Path(env[actions.SUMMARY_FILE]).read_text()


@responses.activate
def test_the_commit_status_of_a_run_closed_while_publishing_is_a_failure(judged, tmp_path):
    report, _ = judged
    head = "d" * 40
    posted = responses.post(
        re.compile(rf"https://api.github.com(:443)?/repos/octo/app/statuses/{head}"),
        json={},
        status=201,
    )
    env = {**actions_env(tmp_path / "env"), "GITHUB_SHA": head, "GITHUB_EVENT_NAME": "push"}
    (tmp_path / "taken").mkdir()
    settings = PublishSettings(
        report="taken",
        commit_status=True,
        github_token=Secret("gh-t0ken-5e1b"),
        github_repository="octo/app",
    )
    assert publish(report, settings, env, io.StringIO(), io.StringIO()) == 2
    assert json.loads(posted.calls[0].request.body)["state"] == "failure"


def test_a_file_that_fails_late_rewrites_the_go_as_closed(judged, tmp_path, monkeypatch):
    report, _ = judged
    env = actions_env(tmp_path / "env")

    def full_disk(*_args: object) -> bool:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(actions, "write_outputs", full_disk)
    err = io.StringIO()
    code = publish(report, PublishSettings(report="r.json"), env, io.StringIO(), err)
    assert code == 2
    assert "GITHUB_OUTPUT" in err.getvalue() and "No space left on device" in err.getvalue()
    assert json.loads(Path("r.json").read_text())["decision"] == "no-go"
    summary = Path(env[actions.SUMMARY_FILE]).read_text()
    # The correction line (its reason as inert text: punctuation escaped).
    assert summary.startswith("## ✅ GO") and "\n**NO-GO**: gate error\\: evidence not" in summary


def test_a_cancelled_run_is_published_closed(judged, tmp_path):
    from golive_action.interrupt import Cancellation

    report, _ = judged
    cancellation = Cancellation()
    cancellation.cancel("SIGINT")
    code = publish(
        report,
        PublishSettings(report="r.json"),
        {},
        io.StringIO(),
        io.StringIO(),
        cancel=cancellation,
    )
    document = json.loads(Path("r.json").read_text())
    assert code == 1 and document["decision"] == "no-go"
    assert "interrupted by SIGINT after the judging" in document["reason"]


def test_the_settings_are_the_configs():
    assert PublishSettings() == PublishSettings.from_config(GateConfig())
    config = load_config(
        {
            "report": "out/r.json",
            "canary-output": "out/c.json",
            "commit-status": "true",
            "github-token": "gh-x",
            "github-repository": "octo/app",
            "status-context": "ci/gate",
            "github-api-url": "https://ghe.example.com/api/v3",
        },
        {},
    )
    settings = PublishSettings.from_config(config)
    assert (settings.report, settings.canary_output, settings.commit_status) == (
        "out/r.json",
        "out/c.json",
        True,
    )
    assert settings.github_token == config.github_token and "gh-x" not in repr(settings)
    assert (settings.github_repository, settings.status_context, settings.github_api_url) == (
        "octo/app",
        "ci/gate",
        "https://ghe.example.com/api/v3",
    )


def test_bad_input_from_python_publishes_a_no_go_where_the_inputs_asked(tmp_path):
    env = {**actions_env(tmp_path / "env"), "GOLIVE_REPORT": "asked/r.json"}
    out, err = io.StringIO(), io.StringIO()
    assert publish_refused("input 'samples': bad", {}, env, err) == 2
    document = json.loads(Path("asked/r.json").read_text())
    assert document["decision"] == "no-go"
    assert document["reason"] == "gate error: bad input: input 'samples': bad"
    assert "decision=no-go\n" in Path(env[actions.OUTPUT_FILE]).read_text()
    assert out.getvalue() == ""


def test_a_closed_gate_publishes_no_canary_response(tmp_path):
    report = failed_report(GateConfig(), "why", 0.0, 0.0)
    assert publish(report, PublishSettings(), {}, io.StringIO(), io.StringIO()) == 1
    assert sorted(os.listdir(".")) == ["golive-report.json"]
