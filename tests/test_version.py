"""The deployed build is the one under test: expect-version against the version the health
bodies name, on real servers on loopback."""

from __future__ import annotations

import itertools
import json
import threading

import pytest

from golive_action.config import ConfigError, load_config
from golive_action.judge.health import body_version, judge_health, same_version
from golive_action.model import HttpSample, Verdict
from golive_action.report.summary import render_summary
from golive_action.report.terminal import render_terminal
from golive_action.runner import run_gate
from golive_action.sandbox.apps import DEMO_VERSION
from tests.conftest import stack_inputs
from tests.faulty import http_server, reply

LONG = "def5678a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e"


def body(**fields: object) -> HttpSample:
    text = json.dumps({"ok": True, **fields})
    return HttpSample("web-health", "http://w/api/public/health", 0.0, 2.0, 200, body=text)


@pytest.mark.parametrize(
    ("seen", "expected", "same"),
    [
        (LONG, LONG, True),
        (LONG, LONG[:7], True),  # a short sha given, the long one served
        (LONG[:12], LONG, True),  # and the other way round
        (LONG.upper(), LONG[:7], True),  # hex is hex in any case
        (LONG, LONG[:6], False),  # six digits are too few to say
        (LONG, "abc1234", False),
        ("v1.2.3", "v1.2.3", True),
        ("v1.2.3-rc1", "v1.2.3", False),  # a prefix counts for commit shas only
        ("1.10.0", "1.10", False),
    ],
)
def test_a_version_matches_long_or_short_only_for_commit_shas(seen, expected, same):
    assert same_version(seen, expected) is same


def test_the_version_is_read_at_the_first_pointer_that_names_one():
    pointers = ("/version", "/commit", "/sha", "/gitSha")
    assert body_version(body(version="1.4.2"), pointers) == "1.4.2"
    assert body_version(body(gitSha=LONG), pointers) == LONG
    assert body_version(body(version={"app": "x"}, sha="abc1234"), pointers) == "abc1234"
    assert body_version(body(version=42), pointers) == "42"
    assert body_version(body(version=True), pointers) is None
    assert body_version(body(build={"commit": "abc1234"}), ("/build/commit",)) == "abc1234"
    # A server's text: one printable line, capped.
    hostile = body_version(body(version="a\nb\x1b[31m" + "x" * 500), pointers)
    assert hostile is not None and "\n" not in hostile and "\x1b" not in hostile
    assert len(hostile) <= 100


def judged(samples, expected=None, pointers=("/version", "/commit", "/sha", "/gitSha")):
    return judge_health(
        "web-health", "t", samples, None, 99.5, expect_version=expected, version_pointers=pointers
    )


def test_expect_version_match_mismatch_rolling_and_missing():
    matched = judged([body(version=LONG)] * 5, LONG[:7])
    assert matched.verdict is Verdict.PASS and "the web app runs " + LONG in matched.reason
    assert matched.metrics["version"] == LONG

    other = judged([body(version="abc1234")] * 5, "def5678")
    assert other.verdict is Verdict.FAIL
    assert other.reason.startswith("the web app runs abc1234, expected def5678")

    rolling = judged([body(version="abc1234")] * 3 + [body(version="def5678")] * 2, "def5678")
    assert rolling.verdict is Verdict.FAIL
    assert "2 builds in the window, abc1234 (3 samples) and def5678 (2 samples)" in rolling.reason
    assert rolling.metrics["versions"] == {"abc1234": 3, "def5678": 2}

    missing = judged([body()] * 5, "def5678")
    assert missing.verdict is Verdict.FAIL
    assert (
        "the web app's health body names no version at /version, /commit, /sha or /gitSha, "
        "expected def5678; fix: set version-pointer" in missing.reason
    )
    told = judged([body()] * 5, "def5678", ("/build/commit",))
    assert (
        "no version at /build/commit" in told.reason and "fix: check version-pointer" in told.reason
    )


def test_without_expect_version_the_version_is_shown_and_two_still_fail():
    shown = judged([body(version="abc1234")] * 5)
    assert shown.verdict is Verdict.PASS
    assert shown.reason.endswith("; the web app runs abc1234")
    assert shown.metrics["version"] == "abc1234"
    assert judged([body()] * 5).metrics.get("version") is None  # nothing said, nothing failed
    assert judged([body()] * 5).verdict is Verdict.PASS
    half = judged([body(version="abc1234")] * 3 + [body()] * 2)
    assert half.verdict is Verdict.FAIL and "abc1234 (3 samples) and no version (2" in half.reason


def test_the_executor_is_named_by_its_role():
    result = judge_health(
        "executor-health", "t", [body(version="abc1234")], None, 99.5, expect_version="fff0000"
    )
    assert result.reason.startswith("the executor runs abc1234, expected fff0000")


def test_the_reference_stack_runs_its_demo_version_and_smoke_holds_it(stack):
    s = stack("healthy")
    report = run_gate(load_config(stack_inputs(s, **{"expect-version": DEMO_VERSION[:7]}), {}))
    for check_id, role in (("web-health", "the web app"), ("executor-health", "the executor")):
        check = report.check(check_id)
        assert check is not None and check.verdict is Verdict.PASS, check.reason
        assert f"{role} runs {DEMO_VERSION}, as expected" in check.reason
    assert report.decision.value == "go"

    wrong = run_gate(load_config(stack_inputs(s, **{"expect-version": "def5678"}), {}))
    smoke = next(c for c in wrong.criteria if c.id == "smoke")
    assert smoke.verdict is Verdict.FAIL
    assert f"the web app runs {DEMO_VERSION}, expected def5678" in wrong.check("web-health").reason
    assert wrong.decision.value == "no-go"


def test_without_expect_version_the_summary_and_terminal_show_the_version(stack):
    report = run_gate(load_config(stack_inputs(stack("healthy")), {}))
    web = report.check("web-health")
    assert web is not None and web.metrics["version"] == DEMO_VERSION
    assert f"version {DEMO_VERSION}" in render_summary(report)
    assert f"version {DEMO_VERSION}" in render_terminal(report)


def alternating(versions):
    """A health endpoint whose answers name each of ``versions`` in turn (a rolling deploy
    behind a load balancer)."""
    turn = itertools.cycle(versions)
    lock = threading.Lock()

    def handle(h):
        if h.path != "/api/public/health":  # the page, the ticker: not this endpoint's turns
            reply(404, b"{}")(h)
            return
        with lock:
            version = next(turn)
        reply(200, json.dumps({"ok": True, "version": version}).encode())(h)

    return handle


def test_a_rolling_deploy_is_two_builds_in_the_window():
    with http_server(alternating(["abc1234", "def5678"])) as url:
        inputs = {"web-url": url, "duration": "1", "sample-interval": "0.2"}
        report = run_gate(load_config({**inputs, "expect-version": "def5678"}, {}))
    web = report.check("web-health")
    assert web is not None and web.verdict is Verdict.FAIL
    assert "the web app answered as 2 builds in the window" in web.reason
    assert "abc1234 (3 samples) and def5678 (3 samples)" in web.reason


def test_a_body_without_a_version_fails_when_one_is_expected():
    with http_server(reply(200, b'{"ok": true}')) as url:
        inputs = {"web-url": url, "duration": "0.5", "expect-version": "def5678"}
        report = run_gate(load_config(inputs, {}))
    web = report.check("web-health")
    assert web is not None and web.verdict is Verdict.FAIL
    assert "names no version at /version, /commit, /sha or /gitSha" in web.reason


def test_a_hostile_version_is_one_escaped_line_in_the_summary():
    hostile = "abc</td><script>x</script>| ::set-output name=passed::true\n## GO"
    with http_server(reply(200, json.dumps({"ok": True, "version": hostile}).encode())) as url:
        report = run_gate(load_config({"web-url": url, "duration": "0.5"}, {}))
    summary = render_summary(report)
    assert "<script>" not in summary and "\n## GO" not in summary
    row = next(line for line in summary.splitlines() if line.startswith("| `web-health`"))
    assert "&lt;script&gt;" in row and "\\|" in row
    assert "\x1b" not in render_terminal(report)


@pytest.mark.parametrize(
    ("inputs", "words"),
    [
        ({"expect-version": "abc\n1234"}, "input 'expect-version'"),
        ({"expect-version": "x" * 201}, "input 'expect-version'"),
        ({"version-pointer": "version"}, "input 'version-pointer'"),
    ],
)
def test_bad_version_inputs_are_refused_at_start(inputs, words):
    with pytest.raises(ConfigError, match=words):
        load_config(inputs, {})
