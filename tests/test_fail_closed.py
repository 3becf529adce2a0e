"""Issue 12: the gate fails closed with careless and hostile input. Every bad input is one
line and exit 2 with a true NO-GO published; every file the gate must not touch is left
alone; no non-finite number, deep document or odd path reaches the run as a crash."""

from __future__ import annotations

import base64
import contextlib
import json
import math
import os
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from golive_action.config import ConfigError, input_specs, load_config
from tests.faulty import http_server, make_certificates, reply
from tests.test_cli import actions_env, read_outputs
from tests.test_signals import start_demo

DEEP = "[" * 5000 + "]" * 5000
SECRET_TOKEN = "spk-CLOSED-7731"


def assert_closed(result, tmp_path: Path, env: dict[str, str], words: str, report: Path) -> None:
    """Exit 2, one line naming the problem, no traceback, and a true NO-GO published."""
    assert result.code == 2, result.err
    assert "Traceback" not in result.out + result.err
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("golive: error: "), result.err
    assert words in lines[0], lines[0]
    assert "; fix: " in lines[0]
    outputs = read_outputs(Path(env["GITHUB_OUTPUT"]))
    assert outputs["decision"] == "no-go" and outputs["passed"] == "false"
    assert Path(env["GITHUB_STEP_SUMMARY"]).read_text().startswith("## ")
    document = json.loads(report.read_text())
    assert document["decision"] == "no-go"


# ----------------------------------------------------------------------------- at start

Case = Callable[[Path], tuple[list[str], dict[str, str]]]


def config_file(name: str, text: str) -> Case:
    def make(tmp: Path) -> tuple[list[str], dict[str, str]]:
        (tmp / name).write_text(text)
        return ["--config", str(tmp / name)], {}

    return make


def argv(*words: str, env: dict[str, str] | None = None) -> Case:
    return lambda tmp: (list(words), dict(env or {}))


def made(build: Callable[[Path], list[str]]) -> Case:
    return lambda tmp: (build(tmp), {})


def _fifo(tmp: Path) -> list[str]:
    os.mkfifo(tmp / "pipe.json")
    return ["--report", "pipe.json"]


def _link_out(tmp: Path) -> list[str]:
    outside = tmp.parent / f"{tmp.name}-outside.json"
    outside.write_text("precious")
    (tmp / "report.json").symlink_to(outside)
    return ["--report", "report.json"]


def _read_only(tmp: Path) -> list[str]:
    (tmp / "old.json").write_text("{}")
    (tmp / "old.json").chmod(0o444)
    return ["--report", "old.json"]


def _hard_link(tmp: Path) -> list[str]:
    outside = tmp.parent / f"{tmp.name}-linked.json"
    outside.write_text("precious")
    os.link(outside, tmp / "report.json")
    return ["--report", "report.json"]


def _no_pem(tmp: Path) -> list[str]:
    (tmp / "ca.pem").write_text("not a certificate\n")
    return ["--ca-bundle", str(tmp / "ca.pem")]


def _deep_config(tmp: Path) -> list[str]:
    (tmp / "deep.yaml").write_text("web-url: " + "[" * 3000 + "]" * 3000 + "\n")
    return ["--config", str(tmp / "deep.yaml")]


AT_START: dict[str, tuple[Case, str]] = {
    "NaN limit in YAML": (
        config_file("c.yaml", "ws-latency-max-ms: .nan\n"),
        "NaN is not a finite",
    ),
    "NaN in JSON": (config_file("c.json", '{"duration": NaN}'), "NaN is not a finite number"),
    "infinity in YAML": (config_file("c.yaml", "http-timeout: .inf\n"), "infinity is not a finite"),
    "1e309 as a flag": (argv("--timeout", "1e309"), '"1e309" is not a finite number'),
    "nan in the environment": (argv(env={"INPUT_HTTP_TIMEOUT": "nan"}), '"nan" is not a number'),
    "3.5 samples": (config_file("c.yaml", "samples: 3.5\n"), "3.5 is not a whole number"),
    "a rate in percent": (
        argv("--thresholds", "web-health.ok: rate>=99.5"),
        "did you mean rate>=0.995?",
    ),
    "deep canary-body": (argv("--canary-body", DEEP), "nested deeper than 64 levels"),
    "deep health-expect": (
        argv("--health-pointer", "/ok", "--health-expect", DEEP),
        "nested deeper than 64 levels",
    ),
    "deep config file": (made(_deep_config), "nested deeper than 64 levels"),
    "report is a device": (argv("--report", "/dev/null"), "is a device"),
    "report is a directory": (argv("--report", "."), "is a directory"),
    "report is a FIFO": (made(_fifo), "is a FIFO"),
    "report through a symlink out": (made(_link_out), "leads out of the working directory"),
    "report read-only": (made(_read_only), "is read-only"),
    "report with another hard link": (made(_hard_link), "has other hard links"),
    "report is the canary output": (
        argv("--report", "x.json", "--canary-output", "./x.json"),
        "also the report's path",
    ),
    "missing canary-file": (argv("--canary-file", "nope.json"), "cannot be read"),
    "missing nginx-config": (argv("--nginx-config", "nope.conf"), "cannot be read"),
    "missing access-log": (argv("--access-log", "nope.log"), "cannot be read"),
    "missing ca-bundle": (argv("--ca-bundle", "nope.pem"), "cannot be read"),
    "ca-bundle without PEM": (made(_no_pem), "holds no PEM certificate"),
    "a window longer than timeout": (
        argv("--duration", "60", "--timeout", "3"),
        "does not fit in timeout",
    ),
    "an unknown flag": (argv("--bogus", "1"), "unknown input 'bogus'"),
    "a regex that backtracks exponentially": (
        argv("--nginx-ws-location", "(a+)+$"),
        "exponential time",
    ),
    "an atomic group that backtracks": (
        argv("--nginx-ws-location", "(?>(a+)+)"),
        "exponential time",
    ),
    "a conditional that backtracks": (
        argv("--nginx-ws-location", "(a)(?(1)(b+)+|c)"),
        "exponential time",
    ),
    "5,000 digits as a flag": (argv("--samples", "1" * 5000), "has too many digits"),
    "5,000 digits in YAML": (config_file("c.yaml", f"samples: {'1' * 5000}\n"), "too many digits"),
    "400 digits in YAML": (config_file("c.yaml", f"ws-open-max-s: {'1' * 400}\n"), "too large"),
    "YAML aliases": (
        config_file("c.yaml", "a: &a [x, x]\nb: &b [*a, *a]\nweb-url: *b\n"),
        "aliases (*name) are not taken",
    ),
    "YAML 1.1 on as a boolean": (config_file("c.yaml", "ws-flag: on\n"), "is not a boolean"),
    "YAML 1.1 sexagesimal": (config_file("c.yaml", "duration: 1:30\n"), '"1:30" is not a number'),
    "YAML 1.1 hex": (config_file("c.yaml", "samples: 0x2\n"), '"0x2" is not a whole number'),
    "other scripts' digits": (argv(env={"INPUT_TIMEOUT": "١٢"}), "is not a number"),
    "sampling longer than timeout": (argv("--timeout", "8"), "does not fit in timeout (8 s)"),
    "token outside ASCII": (argv("--spark-api-token", "TÖK€N"), "outside printable ASCII"),
    "a URL with a fragment": (argv("--executor-url", "http://x/app#top"), "has a #fragment"),
    "a ws URL with a fragment": (argv("--ws-url", "wss://x/ws#f"), "has a #fragment"),
    "a URL the parsers read apart": (
        argv("--github-api-url", "http://evil:1\\@api.example"),
        "is not a valid http:// or https:// URL",
    ),
    "a flag without its value": (argv("--samples"), "expected one argument"),
    "token with a newline": (
        argv("--spark-api-token", "SEKRET1\nX: 1"),
        "the token holds a control character",
    ),
}


@pytest.mark.parametrize("case", list(AT_START), ids=list(AT_START))
def test_bad_input_is_one_line_exit_2_and_a_true_no_go(case, run_cli, tmp_path):
    build, words = AT_START[case]
    args, extra_env = build(tmp_path)
    env = {**actions_env(tmp_path), **extra_env}
    result = run_cli("run", "--web-url", "http://127.0.0.1:9", *args, env=env)
    # The fail-closed report goes where the user asked, when that path may be written.
    report = tmp_path / ("x.json" if "x.json" in args else "golive-report.json")
    assert_closed(result, tmp_path, env, words, report)
    assert "SEKRET1" not in result.out + result.err


def test_what_was_refused_is_left_as_it_was(run_cli, tmp_path):
    env = actions_env(tmp_path)
    assert run_cli("run", "--report", "/dev/null", env=env).code == 2
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    link = _link_out(tmp_path)
    assert run_cli("run", *link, env=env).code == 2
    assert (tmp_path / "report.json").is_symlink()
    assert (tmp_path.parent / f"{tmp_path.name}-outside.json").read_text() == "precious"
    assert run_cli("run", *_read_only(tmp_path), env=env).code == 2
    assert (tmp_path / "old.json").read_text() == "{}"
    assert stat.S_IMODE((tmp_path / "old.json").stat().st_mode) == 0o444


def test_in_actions_a_bad_input_is_also_an_error_annotation(run_cli, tmp_path):
    env = {**actions_env(tmp_path), "GITHUB_ACTIONS": "true", "SPARK_API_TOKEN": SECRET_TOKEN}
    result = run_cli("run", "--samples", "0", env=env)
    assert result.code == 2
    lines = result.out.splitlines()
    error = next(
        i for i, line in enumerate(lines) if line.startswith("::error title=golive%3A bad")
    )
    # The secrets given are masked before anything else, even when the inputs are refused.
    assert lines.index(f"::add-mask::{SECRET_TOKEN}") < error


def test_in_actions_a_bad_with_input_is_annotated_by_its_name_in_with(run_cli, tmp_path):
    """As action.yml passes it (INPUT_SAMPLES), the error names the input as the user wrote
    it in the step's with:, not the environment variable the runner made of it."""
    env = {
        **actions_env(tmp_path),
        "GITHUB_ACTIONS": "true",
        "INPUT_SAMPLES": "many",
        "INPUT_SPARK_API_TOKEN": SECRET_TOKEN,
    }
    result = run_cli("run", env=env)
    assert result.code == 2
    lines = result.out.splitlines()
    error = next(line for line in lines if line.startswith("::error "))
    assert error.startswith("::error title=golive%3A bad input::input 'samples' (given in with:)")
    assert "INPUT_SAMPLES" not in result.out + result.err
    assert lines[0] == f"::add-mask::{SECRET_TOKEN}"
    # Outside Actions the same variable is named as what it is.
    plain = run_cli("run", env={**actions_env(tmp_path), "INPUT_SAMPLES": "many"})
    assert "input 'samples' (environment INPUT_SAMPLES)" in plain.err


def test_a_demo_of_an_unknown_scenario_fails_closed(run_cli, tmp_path):
    env = actions_env(tmp_path)
    result = run_cli("demo", "--scenario", "nope", env=env)
    assert_closed(result, tmp_path, env, "flag --scenario", tmp_path / "golive-report.json")


def test_the_fail_closed_report_goes_where_the_config_file_says(run_cli, tmp_path):
    (tmp_path / "c.yaml").write_text("report: out/gate.json\n")
    env = actions_env(tmp_path)
    result = run_cli("run", "--config", "c.yaml", "--samples", "0", env=env)
    assert_closed(result, tmp_path, env, "input 'samples'", tmp_path / "out" / "gate.json")
    assert not (tmp_path / "golive-report.json").exists()


# ----------------------------------------------------------------------------- numbers

_NUMERIC = [s for s in input_specs().values() if s.type in ("number", "integer")]
_NON_FINITE_TEXT = ["nan", "NaN", "inf", "-inf", "Infinity", "1e309", "-1e999"]
_SOURCES = ("flag", "env", "yaml", "json")


def _given_by(source: str, name: str, value: object, tmp: Path) -> ConfigError | None:
    try:
        if source == "flag":
            load_config({name: str(value)}, {})
        elif source == "env":
            load_config({}, {f"INPUT_{name.upper().replace('-', '_')}": str(value)})
        elif source == "yaml":
            path = tmp / "c.yaml"
            path.write_text(f"{name}: {value}\n")
            load_config({}, {}, str(path))
        else:
            path = tmp / "c.json"
            path.write_text("{" + json.dumps(name) + ": " + str(value) + "}")
            load_config({}, {}, str(path))
    except ConfigError as exc:
        return exc
    return None


@given(
    st.sampled_from(_NUMERIC),
    st.sampled_from(_SOURCES),
    st.sampled_from([*_NON_FINITE_TEXT, ".nan", ".inf", "-.inf", "NaN", "Infinity"]),
)
def test_no_non_finite_number_is_taken_from_any_source(tmp_path_factory, spec, source, text):
    tmp = tmp_path_factory.mktemp("n")
    if source == "json":  # the spellings Python's JSON reader takes
        text = {"nan": "NaN", ".nan": "NaN", "inf": "Infinity", ".inf": "Infinity"}.get(
            text.lower(), "-Infinity" if text.startswith("-") else "1e309"
        )
    error = _given_by(source, spec.name, text, tmp)
    assert error is not None, (spec.name, source, text)
    assert f"input '{spec.name}'" in str(error) and "; fix: " in str(error)


@given(st.sampled_from(_NUMERIC), st.sampled_from(_SOURCES), st.floats(allow_nan=False))
def test_a_number_from_any_source_is_finite_and_of_its_kind_or_refused(
    tmp_path_factory, spec, source, number
):
    tmp = tmp_path_factory.mktemp("n")
    text = repr(number) if source != "yaml" or math.isfinite(number) else str(number)
    try:
        if source == "flag":
            config = load_config({spec.name: text}, {})
        elif source == "env":
            config = load_config({}, {f"GOLIVE_{spec.name.upper().replace('-', '_')}": text})
        else:
            path = tmp / f"c.{source}"
            body = f"{spec.name}: {text}\n" if source == "yaml" else json.dumps({spec.name: number})
            path.write_text(body)
            config = load_config({}, {}, str(path))
    except ConfigError as exc:
        refused = str(exc)
    else:
        refused = ""
    if refused:
        assert f"input '{spec.name}'" in refused
        return
    value = getattr(config, spec.attr)
    assert value is None or math.isfinite(value)
    if spec.type == "integer":
        assert value is None or type(value) is int
        assert value is None or value == number


def test_a_whole_number_written_3_0_is_3():
    config = load_config({"samples": "3.0"}, {"INPUT_CANARY_WINDOW": "5.0"})
    assert config.samples == 3 and type(config.samples) is int and config.canary_window == 5


# ----------------------------------------------------------------------------- runs


@pytest.fixture
def healthy_web():
    with http_server(reply(200, b'{"ok": true}')) as url:
        yield url


def test_a_failing_user_threshold_on_a_healthy_run_is_a_fail_with_its_reason(
    run_cli, tmp_path, healthy_web
):
    env = actions_env(tmp_path)
    result = run_cli(
        "run",
        "--web-url",
        healthy_web,
        "--samples",
        "2",
        "--sample-interval",
        "0",
        "--duration",
        "0.1",
        "--thresholds",
        "web-health.ok: rate<0.5",
        env=env,
    )
    assert result.code == 1, result.err
    document = json.loads((tmp_path / "golive-report.json").read_text())
    checks = {c["id"]: c for c in document["checks"]}
    assert "gate" not in checks
    assert checks["web-health"]["verdict"] == "fail"
    assert "rate<0.5 (observed 1)" in checks["web-health"]["reason"]


def test_a_deep_health_body_is_that_checks_problem(run_cli, tmp_path):
    env = actions_env(tmp_path)
    with http_server(reply(200, DEEP.encode())) as url:
        result = run_cli("run", "--web-url", url, "--samples", "1", "--duration", "0.5", env=env)
    assert result.code == 1 and "Traceback" not in result.err
    document = json.loads((tmp_path / "golive-report.json").read_text())
    checks = {c["id"]: c for c in document["checks"]}
    assert "gate" not in checks
    assert "nested deeper than 64 levels" in checks["web-health"]["reason"]


def test_an_unwritable_github_output_still_writes_the_summary_and_a_no_go_report(
    run_cli, tmp_path, healthy_web
):
    env = {**actions_env(tmp_path), "GITHUB_OUTPUT": str(tmp_path / "missing-dir" / "out")}
    result = run_cli(
        "run", "--web-url", healthy_web, "--samples", "1", "--duration", "0.5", env=env
    )
    assert result.code == 2
    assert "GITHUB_OUTPUT" in result.err and "; fix: " in result.err
    assert "Traceback" not in result.err
    document = json.loads((tmp_path / "golive-report.json").read_text())
    assert document["decision"] == "no-go"
    assert "evidence not published" in document["reason"]
    assert "NO-GO" in Path(env["GITHUB_STEP_SUMMARY"]).read_text()


def test_a_report_path_that_turns_bad_mid_run_publishes_a_no_go(tmp_path):
    """The demo's GO, with its report path made a directory while it observes: exit 2, and
    every output says no-go."""
    proc = start_demo(tmp_path, duration="3")  # its inputs, report path included, are checked
    (tmp_path / "report.json").mkdir()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 2, err
    assert "Traceback" not in out + err
    assert "is a directory" in err
    outputs = read_outputs(tmp_path / "outputs")
    assert outputs["decision"] == "no-go" and outputs["passed"] == "false"
    assert "NO-GO" in (tmp_path / "summary.md").read_text()


def test_an_existing_report_is_replaced_with_its_mode_and_link(run_cli, tmp_path, healthy_web):
    target = tmp_path / "kept" / "report.json"
    target.parent.mkdir()
    target.write_text("old")
    target.chmod(0o640)
    (tmp_path / "link.json").symlink_to(target)
    result = run_cli(
        "run",
        "--web-url",
        healthy_web,
        "--samples",
        "1",
        "--duration",
        "0.5",
        "--report",
        "link.json",
    )
    assert result.code == 1, result.err
    assert (tmp_path / "link.json").is_symlink()
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.json"]  # no temp left
    assert json.loads(target.read_text())["schema"] == "golive-report/1"


def test_an_access_log_of_mostly_noise_is_an_error_not_a_pass(run_cli, tmp_path, healthy_web):
    line = '127.0.0.1 - - [29/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 12 "-" "x"\n'
    (tmp_path / "access.log").write_text(line + "noise\n" * 50)
    run_cli(
        "run",
        "--web-url",
        healthy_web,
        "--samples",
        "1",
        "--duration",
        "0.5",
        "--access-log",
        "access.log",
    )
    document = json.loads((tmp_path / "golive-report.json").read_text())
    spike = next(c for c in document["checks"] if c["id"] == "5xx-spike")
    assert spike["verdict"] == "error", spike["reason"]
    assert "only 1 of the 51 lines" in spike["reason"]


def test_an_access_log_of_no_access_line_is_an_error_not_a_pass(run_cli, tmp_path, healthy_web):
    (tmp_path / "access.log").write_text("this is not\nan access log\n")
    result = run_cli(
        "run",
        "--web-url",
        healthy_web,
        "--samples",
        "1",
        "--duration",
        "0.5",
        "--access-log",
        "access.log",
    )
    document = json.loads((tmp_path / "golive-report.json").read_text())
    spike = next(c for c in document["checks"] if c["id"] == "5xx-spike")
    assert spike["verdict"] == "error", spike["reason"]
    assert "read as access log lines" in spike["reason"]
    assert result.code == 1


# ----------------------------------------------------------------------------- other commands


def test_canary_parse_refuses_a_fifo_at_once_and_a_deep_file(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "deep.json").write_text(DEEP)
    for name, words in (("pipe", "is a FIFO"), ("deep.json", "nested deeper than 64 levels")):
        done = subprocess.run(
            [sys.executable, "-m", "golive_action", "canary", "parse", str(tmp_path / name)],
            capture_output=True,
            text=True,
            timeout=60,  # a hang on the FIFO would end here
        )
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stdout + done.stderr
        assert words in done.stdout


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["sandbox", "--port", "99999"], "flag --port: 99999"),
        (["sandbox", "--port", "-1"], "flag --port: -1"),
        (["sandbox", "--host", " "], "flag --host"),
        (["canary", "rate", "--repo", "bad repo"], "(flag --repo)"),
        (["canary", "rate", "--runs", "0"], "(flag --runs)"),
        (["canary", "rate", "--repo", "../.."], "(flag --repo)"),
        (["canary", "rate", "--workflow", "a b/../c d.yml"], "(flag --workflow)"),
        (["sandbox", "--token", "TÖK€N"], "flag --token"),
        (["canary", "rate", "--github-repository", "bad repo"], "(flag --github-repository)"),
        (["canary", "rate", "--github-token", "x"], "missing --repo"),
        (["canary", "rate", "--github-tokn", "x"], "did you mean '--github-token'?"),
        (["demo", "--web-url", "http://x"], "unknown input 'web-url'"),
    ],
)
def test_every_subcommand_checks_its_inputs(run_cli, argv, words):
    result = run_cli(*argv)
    assert result.code == 2
    assert "Traceback" not in result.out + result.err
    lines = result.err.splitlines()
    assert len(lines) == 1 and words in lines[0], result.err


def test_help_shows_defaults_as_the_parser_takes_them(run_cli, capsys):
    assert run_cli("run", "--help").code == 0
    shown = capsys.readouterr().out
    assert "(default: false)" in shown and "(default: False)" not in shown
    assert "(default: None)" not in shown


# ----------------------------------------------------------------------------- secrets


@contextlib.contextmanager
def answering_ok() -> Iterator[tuple[str, list[str | None]]]:
    """A health endpoint that answers ok and records the Authorization header it gets."""
    seen: list[str | None] = []

    def handle(h) -> None:
        seen.append(h.headers.get("Authorization"))
        reply(200, b'{"ok": true}')(h)

    with http_server(handle) as url:
        yield url, seen


def _everything(result, tmp_path: Path) -> str:
    """All the run showed and wrote, but its mask commands (the runner shows none of them)."""
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    shown = "\n".join(line for line in result.out.splitlines() if not _is_mask(line))
    return shown + result.err + "".join(p.read_text(errors="replace") for p in written)


def _is_mask(line: str) -> bool:
    return line.startswith("::add-mask::")


def test_a_url_password_is_used_but_never_shown(run_cli, tmp_path):
    env = actions_env(tmp_path)
    with answering_ok() as (url, seen):
        web = url.replace("http://", "http://admin:hunter2-PW@")
        result = run_cli(
            "run",
            "--web-url",
            web,
            "--samples",
            "1",
            "--duration",
            "0.5",
            "--report",
            "r.json",
            env=env,
        )
    assert seen and seen[0] is not None and seen[0].startswith("Basic ")  # the request used it
    assert "hunter2-PW" not in _everything(result, tmp_path)
    assert "admin:" not in _everything(result, tmp_path)
    document = json.loads((tmp_path / "r.json").read_text())
    assert next(c for c in document["checks"] if c["id"] == "web-health")["verdict"] == "pass"


@pytest.mark.parametrize(
    "url",
    [
        "http://admin:hunter2-PW@bad host/",
        "http:/admin:hunter2-PW@h",
        "admin:hunter2-PW@h",
        "http:\\\\admin:hunter2-PW@h",
    ],
)
def test_a_bad_url_with_a_password_is_refused_without_showing_it(run_cli, tmp_path, url):
    env = {**actions_env(tmp_path), "GITHUB_ACTIONS": "true"}
    result = run_cli("run", "--web-url", url, env=env)
    assert result.code == 2
    assert "hunter2-PW" not in _everything(result, tmp_path)
    if "//admin:" in url:  # a password a URL parser finds is masked before the refusal
        masks = [line for line in result.out.splitlines() if _is_mask(line)]
        basic = base64.b64encode(b"admin:hunter2-PW").decode()
        assert masks == ["::add-mask::hunter2-PW", f"::add-mask::{basic}"]


@pytest.mark.parametrize("redirected", [False, True])
def test_no_netrc_credentials_reach_a_probed_host(tmp_path, redirected):
    """Neither on the first request nor after a redirect (requests looks .netrc up again)."""
    (tmp_path / ".netrc").write_text("machine 127.0.0.1 login netrc-user password netrc-PW\n")
    (tmp_path / ".netrc").chmod(0o600)
    with contextlib.ExitStack() as stack:
        url, seen = stack.enter_context(answering_ok())
        if redirected:
            moved = reply(302, b"", "text/plain", {"Location": url + "/api/public/health"})
            url = stack.enter_context(http_server(moved))
        env = {**os.environ, "HOME": str(tmp_path), "NETRC": str(tmp_path / ".netrc")}
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "golive_action",
                "run",
                "--web-url",
                url,
                "--samples",
                "2",
                "--duration",
                "1",
            ],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert "Traceback" not in done.stderr
    assert seen and seen == [None] * len(seen)


def test_a_short_token_never_rewrites_what_is_judged(run_cli, tmp_path, healthy_web):
    result = run_cli(
        "run",
        "--web-url",
        healthy_web,
        "--samples",
        "1",
        "--duration",
        "0.5",
        "--spark-api-token",
        "ok",
    )
    document = json.loads((tmp_path / "golive-report.json").read_text())
    health = next(c for c in document["checks"] if c["id"] == "web-health")
    assert health["verdict"] == "pass", health["reason"]
    assert result.code == 1  # no ws-url: NO-GO for its own reason, not a false health FAIL


HOSTILE_TOKEN = 'spk"CL/+ &<x>\\1'


def test_every_escaped_form_of_a_token_is_redacted(run_cli, tmp_path):
    from urllib.parse import quote, quote_plus

    forms = [
        HOSTILE_TOKEN,
        json.dumps(HOSTILE_TOKEN)[1:-1],
        json.dumps(HOSTILE_TOKEN, ensure_ascii=False)[1:-1],
        repr(HOSTILE_TOKEN)[1:-1],
        quote(HOSTILE_TOKEN, safe=""),
        quote_plus(HOSTILE_TOKEN),
        json.dumps(json.dumps(HOSTILE_TOKEN))[1:-1],  # escaped twice, as a wrapper does
    ]
    body = json.dumps({"ok": False, "error": " | ".join(forms)}).encode()
    env = actions_env(tmp_path)
    with http_server(reply(503, body)) as url:
        result = run_cli(
            "run",
            "--web-url",
            url,
            "--samples",
            "1",
            "--duration",
            "0.5",
            "--spark-api-token",
            HOSTILE_TOKEN,
            env=env,
        )
    everything = _everything(result, tmp_path)
    for form in forms:
        assert form not in everything, form
    assert "***" in everything


def test_a_certificate_bundle_is_accepted_when_it_holds_a_certificate(run_cli, tmp_path):
    ca, _, _ = make_certificates(str(tmp_path), ("localhost",), ("127.0.0.1",))
    result = run_cli(
        "run",
        "--ca-bundle",
        ca,
        "--samples",
        "1",
        "--duration",
        "0.5",
        "--web-url",
        "http://127.0.0.1:9",
    )
    assert result.code == 1, result.err  # judged (NO-GO: nothing answers), not refused
    assert "ca-bundle" not in result.err


def test_the_demo_takes_its_faster_defaults_below_every_source_the_user_has():
    demo = {"duration": "10", "sample-interval": "0.2"}
    assert load_config({}, {}, defaults=demo).duration == 10
    assert load_config({}, {"INPUT_DURATION": "2"}, defaults=demo).duration == 2
    assert load_config({"duration": "3"}, {}, defaults=demo).duration == 3


def test_a_demo_whose_timeout_cannot_hold_its_sampling_fails_closed(run_cli, tmp_path):
    env = actions_env(tmp_path)
    result = run_cli("demo", "--timeout", "8", env=env)
    assert_closed(result, tmp_path, env, "does not fit in timeout", tmp_path / "golive-report.json")


def test_yaml_numbers_read_as_a_person_reads_them(tmp_path):
    (tmp_path / "c.yaml").write_text("timeout: 0100\nsamples: 007\nws-flag: true\n")
    config = load_config({}, {}, str(tmp_path / "c.yaml"))
    assert (config.timeout, config.samples, config.ws_flag) == (100.0, 7, True)


def test_negative_zero_is_zero():
    config = load_config({"health-rate-min": "-0", "spike-5xx-max-percent": "-0.0"}, {})
    assert math.copysign(1, config.health_rate_min) == 1.0
    assert str(config.spike_5xx_max_percent) == "0.0"


def test_an_atomic_group_is_taken_when_it_cannot_backtrack(run_cli, tmp_path):
    result = run_cli(
        "run",
        "--nginx-ws-location",
        "(?>ws+)",
        "--web-url",
        "http://127.0.0.1:9",
        "--duration",
        "0.5",
    )
    assert "Traceback" not in result.err and "nginx-ws-location" not in result.err


def test_a_token_cut_in_two_by_a_reason_leaves_no_head(run_cli, tmp_path):
    token = "sk_live_CUT4567890abcdef"
    body = json.dumps({"error": "x" * 70 + token + " trailing words"}).encode()
    env = actions_env(tmp_path)
    with http_server(reply(500, body)) as url:
        result = run_cli(
            "run",
            "--web-url",
            url,
            "--samples",
            "1",
            "--duration",
            "0.5",
            "--spark-api-token",
            token,
            env=env,
        )
    assert token[:4] not in _everything(result, tmp_path)


def test_a_percent_encoded_url_password_is_hidden_in_every_form(run_cli, tmp_path):
    import base64

    env = actions_env(tmp_path)
    with answering_ok() as (url, seen):
        web = url.replace("http://", "http://gate:p%40ss-PW@")
        result = run_cli("run", "--web-url", web, "--samples", "1", "--duration", "0.5", env=env)
    basic = base64.b64encode(b"gate:p@ss-PW").decode()
    assert seen and seen[0] == f"Basic {basic}"
    everything = _everything(result, tmp_path)
    for form in ("p@ss-PW", "p%40ss-PW", basic):
        assert form not in everything, form


def test_canary_rate_writes_no_report_so_it_does_not_check_one(run_cli, tmp_path):
    _read_only(tmp_path)
    (tmp_path / "golive-report.json").write_text("{}")
    (tmp_path / "golive-report.json").chmod(0o444)
    result = run_cli("canary", "rate", "--github-token", "x")
    assert "golive-report.json" not in result.err and "missing --repo" in result.err


def test_a_signal_after_the_judging_still_closes_the_gate(stack):
    from golive_action.interrupt import Cancellation
    from golive_action.model import Decision
    from golive_action.publishing import closed_if_cancelled
    from golive_action.runner import run_gate
    from tests.conftest import stack_inputs

    s = stack("healthy")
    report = run_gate(load_config(stack_inputs(s, samples="1"), {}))
    cancellation = Cancellation()
    cancellation.cancel("SIGTERM")
    closed = closed_if_cancelled(report, cancellation)
    assert closed.decision is Decision.NO_GO
    assert "interrupted by SIGTERM after the judging" in closed.reason
    assert [c.id for c in closed.checks][: len(report.checks)] == [c.id for c in report.checks]


def test_reasons_read_as_a_person_writes_them(run_cli, tmp_path):
    """No "ticker: ticker:", no "-0.0 s", no "1 attempts": the labels and counts of a run
    against a server that answers 404 everywhere."""
    with http_server(reply(404, b"not here", "text/plain")) as url:
        result = run_cli(
            "run",
            "--web-url",
            url,
            "--samples",
            "1",
            "--ws-url",
            "ws://127.0.0.1:9",
            "--duration",
            "1",
        )
    document = json.loads((tmp_path / "golive-report.json").read_text())
    shown = result.out + json.dumps(document)
    smoke = next(c for c in document["criteria"] if c["id"] == "smoke")
    assert "ticker: HTTP 404" in smoke["reason"]
    assert document["reason"].startswith("smoke fail: preflight: executor-url is not set")
    assert "ticker: ticker:" not in shown
    assert "-0.0 s" not in shown and " 1 attempts" not in shown and "sample(s)" not in shown
    ws_open = next(c for c in document["checks"] if c["id"] == "ws-open")
    assert "attempt" in ws_open["reason"]


def test_the_artifact_download_sends_its_token_once_and_no_netrc(tmp_path, monkeypatch):
    """The API redirects an artifact download to a storage host: the token goes to the API
    alone, and no .netrc credentials go to either host (requests would look them up)."""
    from golive_action.observe.artifacts import download_zip
    from golive_action.observe.budget import Budget
    from golive_action.observe.github_client import GitHubApi

    netrc = tmp_path / ".netrc"
    netrc.write_text(
        "machine 127.0.0.1 login netrc-user password netrc-PW\n"
        "machine localhost login netrc-user password netrc-PW\n"
    )
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("HOME", str(tmp_path))
    seen: dict[str, str | None] = {}

    def storage(h) -> None:
        seen["storage"] = h.headers.get("Authorization")
        reply(200, b"PK-zip-bytes", "application/zip")(h)

    with http_server(storage) as blob:

        def api(h) -> None:
            seen["api"] = h.headers.get("Authorization")
            where = blob.replace("127.0.0.1", "localhost") + "/blob.zip"
            reply(302, b"", "text/plain", {"Location": where})(h)

        with (
            http_server(api) as url,
            GitHubApi("gh-t0ken-77", url, Budget.lasting(30), 5.0) as client,
        ):
            data, problem, _ = download_zip(url + "/artifacts/1/zip", client)
    assert (data, problem) == (b"PK-zip-bytes", None)
    assert seen == {"api": "Bearer gh-t0ken-77", "storage": None}
