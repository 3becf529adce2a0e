"""The command line, end to end: exit codes, one-line errors, files written, no tracebacks."""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import websocket

from golive_action.cli import build_parser, main
from golive_action.report.jsonreport import report_problems
from golive_action.report.outputs import OUTPUT_NAMES
from tests.faulty import closed_port, http_server, reply

TOKEN = "tok-DISTINCTIVE-9f3b2c"


def read_outputs(path: Path) -> dict[str, str]:
    """Parse a GITHUB_OUTPUT file the way the runner does (name=value and heredoc)."""
    outputs: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        text = handle.read()
    assert text == "" or text.endswith("\n")
    lines = text[:-1].split("\n") if text else []  # the runner splits on \n only
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, i + 1)
            outputs[name] = "\n".join(lines[i + 1 : end])
            i = end + 1
        else:
            name, value = line.split("=", 1)
            outputs[name] = value
            i += 1
    return outputs


def actions_env(tmp_path: Path) -> dict[str, str]:
    out = tmp_path / "github_output"
    summary = tmp_path / "step_summary"
    out.touch()
    summary.touch()
    return {"GITHUB_OUTPUT": str(out), "GITHUB_STEP_SUMMARY": str(summary)}


def test_version(run_cli):
    from golive_action import __version__

    result = run_cli("--version")
    assert result.code == 0
    assert result.out == f"golive {__version__}\n"


def test_demo_healthy_is_go(run_cli, tmp_path):
    env = actions_env(tmp_path)
    result = run_cli(
        "demo", "--duration", "2", "--samples", "3", "--report", "r/report.json", env=env
    )
    assert result.code == 0, result.out + result.err
    assert "DECISION: GO" in result.out
    document = json.loads((tmp_path / "r" / "report.json").read_text())
    assert report_problems(document) == []
    assert document["decision"] == "go"
    outputs = read_outputs(Path(env["GITHUB_OUTPUT"]))
    assert set(outputs) == set(OUTPUT_NAMES)
    assert outputs["decision"] == "go" and outputs["passed"] == "true"
    assert outputs["rollback"] == "false" and outputs["rollback-reasons"] == "[]"
    assert outputs["health-rate"] == "100.00"
    assert outputs["report"] == "r/report.json"
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text()
    assert "GO" in summary and "| ✅ | Smoke tests PASS (`smoke`)" in summary
    # The canary pass rate, through the stack's GitHub API: this run and 6 past runs, each
    # read from its evidence artifact.
    rate = next(c for c in document["checks"] if c["id"] == "canary-rate")
    assert rate["verdict"] == "pass" and rate["reason"] == "7 of 7 runs PASS (100.0 %) >= 95 %"
    assert [r["source"] for r in rate["metrics"]["runs"]] == ["this gate's canary"] + [
        "artifact canary_resp.json"
    ] * 6
    assert document["headline"]["canary_pass_rate_percent"] == 100.0
    assert outputs["canary-pass-rate"] == "100.0"
    assert "canary-rate" in result.out and "7 of 7 runs PASS" in result.out
    assert {t["id"] for t in document["rollback"]["evaluated"]} >= {"canary-rate"}


def test_demo_canary_history_is_no_go_and_fires_the_canary_rate_trigger(run_cli, tmp_path):
    env = actions_env(tmp_path)
    result = run_cli(
        "demo", "--scenario", "canary-history", "--duration", "1", "--samples", "2", env=env
    )
    assert result.code == 1, result.out + result.err
    assert "DECISION: NO-GO" in result.out
    document = json.loads(Path("golive-report.json").read_text())
    assert document["reason"].startswith(
        "canary fail: canary-rate: 5 of 7 runs PASS (71.4 %) < 95 %: over 7 runs, 95 % means 7 of 7"
    )
    checks = {c["id"]: c["verdict"] for c in document["checks"]}
    assert checks["canary"] == "pass" and checks["canary-rate"] == "fail"
    assert [k for k, v in checks.items() if v not in ("pass", "skipped")] == ["canary-rate"]
    assert [r["id"] for r in document["rollback"]["reasons"]] == ["canary-rate"]
    outputs = read_outputs(Path(env["GITHUB_OUTPUT"]))
    assert outputs["decision"] == "no-go" and outputs["passed"] == "false"
    assert outputs["rollback"] == "true" and outputs["rollback-reasons"] == '["canary-rate"]'
    assert outputs["canary"] == "PASS" and outputs["canary-pass-rate"] == "71.4"


def test_demo_in_an_actions_job_keeps_the_jobs_token_repository_and_run_to_itself(
    run_cli, tmp_path
):
    """In a real job GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_RUN_ID, GITHUB_API_URL and
    GITHUB_WORKFLOW_REF name the job's own: the demo reads the stack's API with the stack's
    token, sends the job's token nowhere, and posts no commit status."""
    from golive_action.sandbox.github_api import CURRENT_RUN_ID

    seen: list[tuple[str, str]] = []

    def trap(h):
        seen.append((h.command, h.path))
        reply(200, b"{}")(h)

    with http_server(trap) as github:
        env = {
            **actions_env(tmp_path),
            "GITHUB_ACTIONS": "true",
            "GITHUB_TOKEN": TOKEN,
            "INPUT_GITHUB_TOKEN": TOKEN,
            "GITHUB_API_URL": github,
            "GITHUB_REPOSITORY": "octo/real-app",
            "GITHUB_WORKFLOW_REF": "octo/real-app/.github/workflows/ci.yml@refs/heads/main",
            # A past run of the stand-in: inherited, it would be kept out of the count.
            "GITHUB_RUN_ID": str(CURRENT_RUN_ID - 1),
            "GITHUB_SHA": "b" * 40,
            "INPUT_COMMIT_STATUS": "true",
        }
        result = run_cli("demo", "--duration", "1", "--samples", "2", env=env)
    assert result.code == 0, result.out + result.err
    assert seen == []
    document = json.loads(Path("golive-report.json").read_text())
    rate = next(c for c in document["checks"] if c["id"] == "canary-rate")
    assert rate["verdict"] == "pass"
    assert rate["metrics"]["runs"][1]["run"] == CURRENT_RUN_ID - 1
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    # The job's token is masked, as every secret given is; then shown nowhere.
    assert f"::add-mask::{TOKEN}" in result.out.splitlines()
    shown = "\n".join(x for x in result.out.splitlines() if not x.startswith("::add-mask::"))
    for text in (shown, result.err, *(p.read_text(errors="replace") for p in written)):
        assert TOKEN not in text
        assert "octo/real-app" not in text


def test_demo_outage_is_no_go_naming_the_executor_health_check(run_cli):
    result = run_cli("demo", "--duration", "2", "--scenario", "outage", "--samples", "2")
    assert result.code == 1
    assert "DECISION: NO-GO" in result.out
    assert "executor-health" in result.out and "HTTP 503" in result.out
    document = json.loads(Path("golive-report.json").read_text())
    failing = [c["id"] for c in document["checks"] if c["verdict"] != "pass"]
    assert failing[0] == "executor-health"
    assert "web-health" not in failing  # the web app is fine: only the executor is named
    assert document["reason"].startswith("smoke fail: executor-health: HTTP 503")


def test_terminal_report_fits_80_columns(run_cli):
    result = run_cli("demo", "--duration", "2", "--scenario", "outage", "--samples", "2")
    assert max(len(line) for line in result.out.splitlines()) <= 80


@pytest.mark.parametrize(
    ("argv", "names"),
    [
        (["--ws-url", "http://x"], "'ws-url'"),
        (["--samples", "-3"], "'samples'"),
        (["--mode", "golive"], "'mode'"),
        (["--duration", "abc"], "'duration'"),
        (["--config", "/no/such/file.yml"], "config file '/no/such/file.yml'"),
        (["--wsurl", "ws://x"], "unknown input 'wsurl'"),
        (["--samples"], "--samples"),
        (["--commit-status", "yes"], "'commit-status'"),
    ],
)
def test_bad_input_exits_2_with_one_line(run_cli, tmp_path, argv, names):
    env = actions_env(tmp_path)
    result = run_cli("run", *argv, env=env)
    assert result.code == 2
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    assert names in lines[0] and "fix:" in lines[0]
    assert "Traceback" not in result.err + result.out


def test_config_errors_still_fail_closed(run_cli, tmp_path):
    env = actions_env(tmp_path)
    result = run_cli("run", "--samples", "-3", "--report", "closed.json", env=env)
    assert result.code == 2
    outputs = read_outputs(Path(env["GITHUB_OUTPUT"]))
    assert outputs["decision"] == "no-go" and outputs["passed"] == "false"
    document = json.loads(Path("closed.json").read_text())
    assert document["decision"] == "no-go" and report_problems(document) == []
    assert "NO-GO" in Path(env["GITHUB_STEP_SUMMARY"]).read_text()


def test_a_later_step_of_the_job_writes_its_own_report_and_a_given_path_wins(run_cli, tmp_path):
    """Two runs of the gate in one job: the second keeps the first's report, in
    golive-report-<step id>.json; a path given by any source still wins, and a run refused
    at start fails closed at its step's default too."""
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    port = closed_port()
    quick = ("--web-url", f"http://127.0.0.1:{port}", "--samples", "1", "--duration", "0.5")

    def step(step_id: str, *argv: str, **env: str) -> int:
        job = {"GITHUB_ACTIONS": "true", "GITHUB_ACTION": step_id, "RUNNER_TEMP": str(temp)}
        # The action passes every input, empty when the workflow gave none.
        given = {"INPUT_REPORT": "", "INPUT_CANARY_OUTPUT": "", **env}
        return run_cli("run", *argv, env={**job, **given}).code

    assert step("gate", *quick) == 1
    first = Path("golive-report.json").read_text()
    assert step("again", *quick) == 1
    assert Path("golive-report.json").read_text() == first
    assert json.loads(Path("golive-report-again.json").read_text())["decision"] == "no-go"
    assert step("flagged", *quick, "--report", "mine.json") == 1
    assert Path("mine.json").exists() and not Path("golive-report-flagged.json").exists()
    assert step("input", *quick, INPUT_REPORT="theirs.json") == 1
    assert Path("theirs.json").exists() and not Path("golive-report-input.json").exists()
    assert step("refused", "--samples", "-3") == 2
    refused = json.loads(Path("golive-report-refused.json").read_text())
    assert refused["decision"] == "no-go" and report_problems(refused) == []
    assert Path("golive-report.json").read_text() == first


def test_invalid_config_file_exits_2(run_cli, tmp_path):
    bad = tmp_path / "gate.yml"
    bad.write_text("samples: [1,\n")
    result = run_cli("run", "--config", str(bad))
    assert result.code == 2 and "not valid YAML" in result.err and len(result.err.splitlines()) == 1


def test_refused_connection_is_no_go_with_an_error_verdict(run_cli):
    port = closed_port()
    result = run_cli(
        "run",
        "--web-url",
        f"http://127.0.0.1:{port}",
        "--executor-url",
        f"http://127.0.0.1:{port}",
        "--samples",
        "1",
        "--duration",
        "0.5",
    )
    assert result.code == 1
    assert "ERROR" in result.out and "connection refused" in result.out
    assert "Traceback" not in result.out + result.err


def test_config_file_and_env_reach_the_gate(run_cli, tmp_path, stack):
    s = stack("healthy")
    config = tmp_path / "gate.json"
    # More samples than the window gives at its interval: the count is the file's.
    config.write_text(json.dumps({"web-url": "http://127.0.0.1:9", "samples": 15}))
    env = {
        "INPUT_WEB_URL": s.urls["web_url"],
        "GOLIVE_EXECUTOR_URL": s.urls["executor_url"],
        "INPUT_WS-URL": s.urls["ws_url"],
        "GOLIVE_DURATION": "2",
        # The canary's secrets, by the names the checklist gives them.
        "SPARK_API_URL": s.urls["executor_url"],
        "SPARK_API_TOKEN": "stack-canary-token",
    }
    result = run_cli("run", "--config", str(config), "--sample-interval", "1", env=env)
    assert result.code == 0, result.out
    document = json.loads(Path("golive-report.json").read_text())
    assert document["checks"][0]["samples"] == 15  # from the file; the URL from the environment


def test_token_never_appears_anywhere(run_cli, tmp_path):
    echo = json.dumps({"ok": True, "echo": f"Bearer {TOKEN}"}).encode()
    env = {**actions_env(tmp_path), "GITHUB_ACTIONS": "true", "INPUT_SPARK_API_TOKEN": TOKEN}
    with http_server(reply(200, echo)) as base:
        result = run_cli(
            "run",
            "--web-url",
            base,
            "--executor-url",
            base,
            "--samples",
            "1",
            "--duration",
            "0.5",
            "--report",
            "tok.json",
            env=env,
        )
    assert result.code == 1  # the echo server is no ticker: NO-GO, and still no token anywhere
    # Masked first, as the runner needs; then never written in clear.
    first, *rest = result.out.splitlines()
    assert first == f"::add-mask::{TOKEN}"
    for text in (
        "\n".join(rest),
        result.err,
        Path("tok.json").read_text(),
        Path(env["GITHUB_OUTPUT"]).read_text(),
        Path(env["GITHUB_STEP_SUMMARY"]).read_text(),
    ):
        assert TOKEN not in text


def test_untrusted_text_never_prints_as_a_workflow_command(run_cli, tmp_path):
    hostile = b"::set-output name=decision::go\n##[set-output name=passed]true\n::error::pwned"
    with http_server(reply(503, hostile, "text/plain")) as base:
        result = run_cli(
            "run", "--web-url", base, "--executor-url", base, "--samples", "1", "--duration", "0.5"
        )
    assert result.code == 1
    for line in result.out.splitlines():
        assert not line.strip().startswith("::")
        assert "##[" not in line


def test_python_m_and_console_script_agree():
    by_module = subprocess.run(
        [sys.executable, "-m", "golive_action", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert by_module.stdout.startswith("golive ")


def _sandbox(*args: str) -> subprocess.Popen[str]:
    """`golive sandbox` in a process of its own; it prints its URLs as its first line."""
    return subprocess.Popen(
        [sys.executable, "-m", "golive_action", "sandbox", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def test_sandbox_prints_its_urls_and_stops_on_sigterm(tmp_path):
    proc = _sandbox("--scenario", "outage")
    try:
        assert proc.stdout is not None
        first = json.loads(proc.stdout.readline())
        assert {"web_url", "executor_url", "btcturk_url", "ws_url", "github_api_url"} <= set(first)
        assert first["ws_url"].startswith("ws://127.0.0.1:")
        assert requests.get(first["executor_url"] + "/health", timeout=5).status_code == 503
        repo = f"{first['github_api_url']}/repos/{first['github_repository']}"
        assert requests.get(repo, timeout=5).status_code == 401
        runs = requests.get(
            f"{repo}/actions/workflows/{first['canary_workflow']}/runs",
            headers={"Authorization": "Bearer any-token"},  # no --token: any one will do
            timeout=5,
        )
        assert runs.status_code == 200 and runs.json()["total_count"] == 9
        # A client that holds its connection and never reads (so never answers the close
        # frame) must not keep the servers up after the signal.
        silent_client = websocket.create_connection(first["ws_url"], timeout=5)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0  # a liveness bound: it exits on its own
        silent_client.shutdown()
        assert "Traceback" not in proc.stderr.read() if proc.stderr else True
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_sandbox_listens_on_ipv6_and_the_gate_runs_against_it():
    proc = _sandbox("--host", "::1", "--token", "v6-t0ken")
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line, proc.stderr.read() if proc.stderr else ""
        urls = json.loads(line)
        assert urls["web_url"].startswith("http://[::1]:") and urls["ws_url"].startswith(
            "ws://[::1]:"
        )
        out, err = io.StringIO(), io.StringIO()
        given = {
            "web-url": urls["web_url"],
            "executor-url": urls["executor_url"],
            "ws-url": urls["ws_url"],
            "spark-api-url": urls["executor_url"],
            "spark-api-token": "v6-t0ken",
            "duration": "2",
            "samples": "2",
            "report": "",
        }
        argv = ["run", *(w for k, v in given.items() for w in (f"--{k}", v))]
        code = main(argv, environ={}, stdout=out, stderr=err)
        assert code == 0, out.getvalue() + err.getvalue()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_sandbox_refuses_a_busy_port(run_cli):
    with http_server(reply(200, b"")) as base:
        port = base.rsplit(":", 1)[1]
        result = run_cli("sandbox", "--port", port)
    assert result.code == 2 and "cannot listen" in result.err


def test_demo_refuses_an_unknown_scenario(run_cli):
    result = run_cli("demo", "--scenario", "meltdown")
    assert result.code == 2 and "unknown scenario 'meltdown'" in result.err


@pytest.mark.parametrize(
    ("scenario", "mode", "code", "failing", "words"),
    [
        ("mock-ticker", "go-live", 1, "ticker", 'mock data ("mock": true)'),
        ("outage", "go-live", 1, "executor-health", "HTTP 503"),
        ("error-burst", "go-live", 1, "web-health", "HTTP 500"),
        ("rollback", "go-live", 1, "ws-flag", "disabled in the build"),
        ("rollback", "rollback", 0, None, None),
        ("healthy", "rollback", 1, "ws-flag", "enabled in the build"),
    ],
)
def test_demo_scenarios_of_the_http_checks(run_cli, scenario, mode, code, failing, words):
    result = run_cli(
        "demo", "--duration", "2", "--scenario", scenario, "--mode", mode, "--samples", "4"
    )
    assert result.code == code, result.out
    document = json.loads(Path("golive-report.json").read_text())
    checks = {c["id"]: c for c in document["checks"]}
    if failing is None:
        assert document["decision"] == "go"
        assert {c["verdict"] for c in document["criteria"]} == {"pass"}
        return
    assert checks[failing]["verdict"] == "fail"
    assert words in checks[failing]["reason"]
    assert words in result.out
    for health in ("web-health", "executor-health"):
        metrics = checks[health]["metrics"]
        # Through the 2 s window, every 0.2 s (the demo's interval): more than the 4 asked;
        # the 4 asked in rollback, which watches no window.
        assert metrics["samples"] == (4 if mode == "rollback" else 11)
        assert {
            "rate_percent",
            "confirmed_rate_percent",
            "latency_p50_ms",
            "latency_p95_ms",
            "latency_max_ms",
        } <= set(metrics)


# --------------------------------------------------------------------------- dispatch


def _parsers(parser: argparse.ArgumentParser, words: tuple[str, ...] = ()):
    """Every parser of the command tree, with the words that reach it."""
    yield words, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, (*words, name))


def test_every_command_dispatches_through_its_parser():
    tree = dict(_parsers(build_parser()))
    assert set(tree) >= {
        (),
        ("run",),
        ("demo",),
        ("sandbox",),
        ("canary",),
        ("canary", "parse"),
        ("canary", "rate"),
    }
    for words, parser in tree.items():
        assert callable(parser.get_default("handler")), words
    handlers = [parser.get_default("handler") for parser in tree.values()]
    assert len(set(handlers)) == len(handlers), "each command has its own handler"


def test_a_missing_command_says_which_to_use(run_cli):
    result = run_cli()
    assert result.code == 2 and result.out == ""
    assert result.err == (
        "golive: error: a command is required; fix: use golive run, demo, judge, merge, "
        "sandbox or canary\n"
    )
    result = run_cli("canary")
    assert result.code == 2
    assert result.err == (
        "golive: error: golive canary needs a command; fix: use golive canary parse FILE or "
        "golive canary rate\n"
    )
    assert (
        "::error title=golive%3A bad input::a command is required"
        in run_cli(env={"GITHUB_ACTIONS": "true"}).out
    )
