"""The canary: every shape of the canary schema judged strictly, arbitrary JSON never crashes,
the CLI, and the canary run against the reference stack."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from golive_action.judge.canary import judge_body, judge_canary, latency_figures
from golive_action.model import HttpSample, Verdict
from tests.faulty import http_server, reply
from tests.test_cli import actions_env, read_outputs

SHAPES = [
    # runner
    ({"ok": True, "n": 5, "results": []}, Verdict.PASS, "ok: true, 0 results"),
    (
        {"ok": True, "n": 2, "results": [{"name": "a", "ok": True}, {"name": "b", "ok": False}]},
        Verdict.FAIL,
        "1 result(s) failed: b",
    ),
    # order canary
    (
        {
            "ok": True,
            "simulated": True,
            "order": {},
            "evidence": {"riskChecks": [], "passed": True},
        },
        Verdict.PASS,
        "ok: true",
    ),
    (
        {"ok": True, "simulated": True, "order": {}, "evidence": {"passed": False}},
        Verdict.FAIL,
        "evidence did not pass",
    ),
    (
        {"error": "ValidationError", "message": "Missing required fields: name"},
        Verdict.FAIL,
        "error response: error: ValidationError; message: Missing required fields: name",
    ),
    # web route
    (
        {"status": "PASS", "checks": {"delta_msgs": 40, "staleness_s": 0.4}, "dryRun": True},
        Verdict.PASS,
        "status PASS",
    ),
    (
        {"status": "ATTENTION", "reason": "staleness 9 s", "checks": {}},
        Verdict.FAIL,
        "status ATTENTION (reason: staleness 9 s)",
    ),
    # a backtest body
    ({"strategy": "x", "pnl": 1.2}, Verdict.FAIL, "neither ok nor status"),
    # the original gate's defect: jq's // let this pass
    ({"ok": False, "status": "PASS"}, Verdict.FAIL, "ok: false"),
    ({"ok": "true"}, Verdict.FAIL, 'ok is "true", not true or false'),
    ([1, 2], Verdict.FAIL, "not a JSON object"),
    ({"ok": True, "results": "nope"}, Verdict.FAIL, "runner body is malformed"),
]


@pytest.mark.parametrize(("body", "verdict", "words"), SHAPES)
def test_every_shape(body, verdict, words):
    found, reason = judge_body(body)
    assert found is verdict and words in reason


def sample(body: str, status: int | None = 200, probe: str = "canary", ms: float = 12.0):
    return HttpSample(
        probe, "http://x/canary/run", 0.0, ms, status, "application/json", body, len(body)
    )


@pytest.mark.parametrize(
    ("body", "status", "verdict", "words"),
    [
        ("", 200, Verdict.ERROR, "empty"),
        ("<html>", 200, Verdict.ERROR, "not JSON"),
        (
            '{"error": "Unauthorized", "message": "missing token"}',
            401,
            Verdict.FAIL,
            "HTTP 401: error: Unauthorized; message: missing token",
        ),
        ('{"ok": true, "results": []}', 500, Verdict.FAIL, "HTTP 500"),
    ],
)
def test_transport_cases(body, status, verdict, words):
    result = judge_canary([sample(body, status)], None, configured=True)
    assert result.verdict is verdict and words in result.reason


def test_unconfigured_canary_is_skipped_not_passed():
    assert judge_canary([], None, configured=False).verdict is Verdict.SKIPPED


def test_latency_evidence_is_real():
    body = {
        "ok": True,
        "results": [{"latencyMs": 12.5}, {"nested": {"p95_latency": 40}}],
        "latency": "fast",
    }
    assert sorted(latency_figures(body)) == [12.5, 40.0]
    file_without = judge_canary(
        [sample('{"ok": true, "n": 0, "results": []}', None, "canary-file")], None, True
    )
    assert file_without.verdict is Verdict.PASS
    assert file_without.metrics["latency_recorded"] is False


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "ok",
                    "status",
                    "error",
                    "message",
                    "results",
                    "evidence",
                    "passed",
                    "latencyMs",
                    "x",
                ]
            )
            | st.text(),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@given(json_values)
def test_any_json_gets_a_verdict_never_a_traceback(body):
    verdict, reason = judge_body(body)
    assert verdict in (Verdict.PASS, Verdict.FAIL) and reason
    if isinstance(body, dict) and body.get("ok") is False:
        assert verdict is Verdict.FAIL
    if verdict is Verdict.PASS:
        assert isinstance(body, dict) and (body.get("ok") is True or "status" in body)


@given(st.binary(max_size=200))
def test_any_bytes_in_a_file_never_crash(data):
    text = data.decode("utf-8", errors="replace")
    result = judge_canary([sample(text, None, "canary-file")], None, True)
    assert result.verdict in set(Verdict)


def test_canary_parse_command(run_cli, tmp_path):
    good = tmp_path / "good.json"
    good.write_text('{"ok": true, "n": 5, "results": []}')
    bad = tmp_path / "bad.json"
    bad.write_text('{"ok": false, "status": "PASS"}')
    garbage = tmp_path / "garbage.json"
    garbage.write_text("not json")
    with_latency = tmp_path / "lat.json"
    with_latency.write_text('{"ok": true, "results": [{"ok": true, "latencyMs": 9}]}')
    assert run_cli("canary", "parse", str(good)).code == 0
    result = run_cli("canary", "parse", str(bad))
    assert result.code == 1 and result.out.startswith("FAIL: ok: false")
    assert run_cli("canary", "parse", str(garbage)).code == 2
    assert run_cli("canary", "parse", str(tmp_path / "missing.json")).code == 2
    assert "latency evidence collected" not in run_cli("canary", "parse", str(good)).out
    assert (
        "Canary PASS - latency evidence collected"
        in run_cli("canary", "parse", str(with_latency)).out
    )


def test_demo_canary_fail_is_no_go_on_the_canary_criterion(run_cli):
    result = run_cli("demo", "--scenario", "canary-fail", "--duration", "1", "--samples", "2")
    assert result.code == 1
    document = json.loads(Path("golive-report.json").read_text())
    criteria = {c["id"]: c["verdict"] for c in document["criteria"]}
    assert criteria["canary"] == "fail"
    assert [k for k, v in criteria.items() if v != "pass"] == ["canary"]
    saved = json.loads(Path("canary_resp.json").read_text())
    assert saved["ok"] is False


def test_demo_healthy_saves_the_evidence_and_prints_the_pass_line(run_cli, tmp_path):
    env = actions_env(tmp_path)
    result = run_cli(
        "demo",
        "--duration",
        "1",
        "--samples",
        "2",
        "--canary-output",
        "evidence/canary_resp.json",
        env=env,
    )
    assert result.code == 0, result.out
    assert "Canary PASS - latency evidence collected" in result.out
    outputs = read_outputs(Path(env["GITHUB_OUTPUT"]))
    assert outputs["canary"] == "PASS"
    assert outputs["canary-response"] == "evidence/canary_resp.json"
    assert json.loads(Path("evidence/canary_resp.json").read_text())["ok"] is True


def test_a_token_echoed_by_the_canary_never_reaches_the_artifact(run_cli, tmp_path):
    token = "tok-ECHO-5b1d-DISTINCTIVE"
    echo = json.dumps({"ok": True, "results": [], "seen": f"Bearer {token}"}).encode()

    def handle(h):
        if h.command == "POST":
            h.rfile.read(int(h.headers.get("Content-Length") or 0))
        reply(200, echo)(h)

    with http_server(handle) as base:
        result = run_cli(
            "run",
            "--spark-api-url",
            base,
            "--spark-api-token",
            token,
            "--samples",
            "1",
            "--duration",
            "1",
        )
    saved = Path("canary_resp.json").read_text()
    assert token not in saved and "Bearer ***" in saved
    assert token not in Path("golive-report.json").read_text()
    assert token not in result.out + result.err


def run_canary_only(run_cli, tmp_path, body: bytes):
    """`golive run` with one server for everything: its health answers and its canary
    answer are ``body``; a short window."""
    with http_server(reply(200, body)) as base:
        return run_cli(
            "run",
            "--web-url",
            base,
            "--executor-url",
            base,
            "--spark-api-url",
            base,
            "--spark-api-token",
            "canary-token-5f2e",
            "--samples",
            "1",
            "--duration",
            "0.5",
            "--report",
            str(tmp_path / "golive-report.json"),
            "--canary-output",
            str(tmp_path / "c.json"),
        )


@pytest.mark.parametrize(
    ("body", "line"),
    [
        (b'{"ok": true, "results": [{"ok": true, "latencyMs": 9}]}', True),
        (b'{"ok": true, "results": [{"ok": true}]}', False),  # a PASS with no figure
        (b'{"ok": false, "latencyMs": 9}', False),
    ],
)
def test_the_latency_line_follows_one_rule_in_run_and_in_parse(run_cli, tmp_path, body, line):
    """The API's answer to `golive run` and the same body saved for `golive canary parse`
    print the checklist's line alike: the gate's own request time is not the canary's."""
    saved = tmp_path / "canary_resp.json"
    saved.write_bytes(body)
    parsed = run_cli("canary", "parse", str(saved))
    ran = run_canary_only(run_cli, tmp_path, body)
    expected = "Canary PASS - latency evidence collected"
    assert (expected in parsed.out) is line, parsed.out
    assert (expected in ran.out) is line, ran.out


def test_an_inconclusive_rate_names_the_input_that_would_judge_it():
    from golive_action.judge.canary import judge_canary_rate
    from golive_action.model import CanaryHistory, PastRun

    runs = tuple(
        PastRun(i, "success", "2026-12-01T00:00:00+00:00", f"u{i}", "push", "main", None, None)
        for i in (2, 1)
    )
    few = judge_canary_rate(CanaryHistory("o/r", "w.yml", runs), Verdict.PASS, 7, 7, 95)
    assert few.verdict is Verdict.INCONCLUSIVE
    assert "3 runs to count, fewer than 7" in few.reason
    assert "set canary-min-runs: 3 to judge on fewer" in few.reason
    none = judge_canary_rate(CanaryHistory("o/r", "w.yml", ()), None, 7, 7, 95)
    assert "no completed run to count yet" in none.reason


def test_canary_rate_takes_the_inputs_of_run_and_reads_the_stacks_api(run_cli, stack):
    """`golive canary rate` with run's own flag names (not only --repo/--workflow/--runs),
    end to end through PyGithub against the reference stack's GitHub API."""
    from golive_action.sandbox import github_api

    s = stack("canary-history", github_token="gh-tok")
    argv = [
        "canary",
        "rate",
        "--github-api-url",
        s.urls["github_api_url"],
        "--github-token",
        "gh-tok",
        "--github-repository",
        github_api.REPOSITORY,
        "--canary-workflow",
        github_api.WORKFLOW_FILE,
        "--canary-rate-min",
        "70",
        "--http-timeout",
        "5",
    ]
    assert run_cli(*argv).code == 0  # 5 of 7 is 71.4 %, over 70
    strict = run_cli(*argv[:-4], "--canary-window", "7")
    assert strict.code == 1 and "5 of 7 runs PASS" in strict.out
    few = run_cli(*argv, "--canary-window", "9", "--canary-min-runs", "9")
    assert few.code == 1 and "set canary-min-runs" in few.out
