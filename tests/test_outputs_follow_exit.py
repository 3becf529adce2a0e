"""Outputs follow the exit: whatever fails while a GO is published (a full disk under the
summary or the outputs, a closed stdout, a broken pipe), no exit other than 0 leaves
``decision=go`` behind; and a report written again over a full disk keeps the old one."""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from golive_action import actions
from golive_action.files import replaceable
from golive_action.publishing import PublishSettings, publish
from golive_action.streams import GuardedStream
from tests.test_cli import read_outputs
from tests.test_publishing import actions_env

FULL = "/dev/full"  # every write to it fails with ENOSPC, as a full disk does


def _publish(report, tmp_path: Path, out, **env: str) -> tuple[int, str, dict[str, str]]:
    environ = {**actions_env(tmp_path / "env"), **env}
    err = io.StringIO()
    settings = PublishSettings(report=str(tmp_path / "report.json"), canary_output=None)
    code = publish(report, settings, environ, out, err)
    outputs = {}
    if environ[actions.OUTPUT_FILE] != FULL:
        outputs = read_outputs(Path(environ[actions.OUTPUT_FILE]))
    return code, err.getvalue(), outputs


def _report_decision(tmp_path: Path) -> str:
    return str(json.loads((tmp_path / "report.json").read_text())["decision"])


def test_a_full_disk_under_the_summary_leaves_no_go_in_the_outputs(judged, tmp_path):
    report, _ = judged
    code, err, outputs = _publish(report, tmp_path, io.StringIO(), GITHUB_STEP_SUMMARY=FULL)
    assert code == 2 and "GITHUB_STEP_SUMMARY" in err and "No space left" in err
    assert outputs["decision"] == "no-go" and outputs["passed"] == "false"
    assert _report_decision(tmp_path) == "no-go"


def test_a_full_disk_under_the_outputs_leaves_none_and_closes_the_rest(judged, tmp_path):
    report, _ = judged
    out = io.StringIO()
    code, err, _ = _publish(report, tmp_path, out, GITHUB_OUTPUT=FULL)
    assert code == 2 and "GITHUB_OUTPUT" in err
    assert _report_decision(tmp_path) == "no-go"
    summary = (tmp_path / "env" / "summary.md").read_text()
    assert "**NO-GO**: gate error" in summary


def test_an_output_write_cut_short_is_taken_back_whole(tmp_path):
    """A write that fails part way (the file grows past what the process may write) leaves
    the outputs file as it was before: no leading decision=go survives."""
    output = tmp_path / "output"
    output.write_text("before=1\n")
    script = (
        "import resource, signal, sys\n"
        "from golive_action import actions\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))\n"
        "try:\n"
        f"    actions.write_outputs({{'decision': 'go', 'reason': 'x' * 4096}}, "
        f"{{'GITHUB_OUTPUT': {str(output)!r}}})\n"
        "except OSError as exc:\n"
        "    print(exc.errno)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.stdout.strip() == str(27), done.stdout + done.stderr  # EFBIG
    assert output.read_text() == "before=1\n"


class _BrokenPipe:
    """stdout a pipe whose reader has gone: every write fails with EPIPE."""

    def __enter__(self) -> io.TextIOWrapper:
        read, write = os.pipe()
        os.close(read)
        self.stream = os.fdopen(write, "w", encoding="utf-8")
        return self.stream

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(OSError):
            self.stream.close()


def test_a_broken_pipe_on_stdout_publishes_a_no_go_everywhere_else(judged, tmp_path):
    report, _ = judged
    assert signal.getsignal(signal.SIGPIPE) == signal.SIG_IGN  # Python's own, as the CLI's
    with _BrokenPipe() as out:
        code, err, outputs = _publish(report, tmp_path, out)
    assert code == 2
    assert "golive: error: stdout cannot be written (Broken pipe)" in err
    assert outputs["decision"] == "no-go"
    assert _report_decision(tmp_path) == "no-go"
    assert "**NO-GO**: gate error" in (tmp_path / "env" / "summary.md").read_text()


def test_a_closed_stdout_publishes_a_no_go(judged, tmp_path):
    report, _ = judged
    out = io.StringIO()
    out.close()
    code, err, outputs = _publish(report, tmp_path, out)
    assert code == 2 and "stdout cannot be written" in err
    assert outputs["decision"] == "no-go"


def test_a_terminal_that_cannot_show_a_character_shows_its_escape(judged, tmp_path):
    """Not a failure: the report is whole, only a character is written as its escape."""
    report, _ = judged
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="ascii")
    code, err, outputs = _publish(report, tmp_path, out)
    out.flush()
    assert code == 0, err
    assert outputs["decision"] == "go"
    shown = raw.getvalue().decode("ascii")
    assert "GO" in shown and ("\\x" in shown or "\\u" in shown)


def _demo(
    tmp_path: Path, extra_env: dict[str, str] | None = None, **popen: object
) -> tuple[int, str, dict[str, str]]:
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(tmp_path / "outputs"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "PATH": "",
        **(extra_env or {}),
    }
    argv = ["demo", "--duration", "1", "--report", str(tmp_path / "report.json")]
    done = subprocess.run(
        [sys.executable, "-m", "golive_action", *argv],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        check=False,
        **popen,  # type: ignore[call-overload]
    )
    return done.returncode, done.stderr, read_outputs(tmp_path / "outputs")


def test_the_demo_with_stdout_closed_is_a_no_go_and_no_traceback(tmp_path):
    code, err, outputs = _demo(tmp_path, preexec_fn=lambda: os.close(1))
    assert code == 2, err
    assert "Traceback" not in err and "stdout is closed" in err
    assert outputs["decision"] == "no-go"


def test_the_demo_into_a_pipe_nobody_reads_is_a_no_go_and_no_traceback(tmp_path):
    read, write = os.pipe()
    os.close(read)
    try:
        code, err, outputs = _demo(tmp_path, stdout=write)
    finally:
        os.close(write)
    assert code == 2, err
    assert "Traceback" not in err and "Exception ignored" not in err
    assert "stdout cannot be written (Broken pipe)" in err
    assert outputs["decision"] == "no-go"


def test_the_demo_on_an_ascii_terminal_is_a_go(tmp_path):
    code, err, outputs = _demo(tmp_path, {"PYTHONIOENCODING": "ascii"}, stdout=subprocess.DEVNULL)
    assert code == 0, err
    assert "Traceback" not in err and outputs["decision"] == "go"


# --------------------------------------------------------------------------- the report file


def test_a_full_disk_keeps_the_old_report_whole(tmp_path):
    """The report written again where the disk refuses the new one (here: past the file
    size this process may write, a real failure of write(2)): the old report is still
    there, whole, not a truncated new one."""
    report = tmp_path / "golive-report.json"
    old = json.dumps({"decision": "no-go", "kept": True})
    report.write_text(old)
    script = (
        "import resource, signal\n"
        "from golive_action.files import write_output\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({len(old) + 16}, {len(old) + 16}))\n"
        "try:\n"
        f"    write_output({str(report)!r}, b'{{\"decision\": \"go\", ' + b' ' * 100000 + b'}}')\n"
        "except OSError as exc:\n"
        "    print(exc.errno)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.stdout.strip() == "27", done.stdout + done.stderr  # EFBIG
    assert report.read_text() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["golive-report.json"]  # no temp left


def _stat(uid: int, nlink: int = 1, mode: int = 0o100644) -> os.stat_result:
    return os.stat_result((mode, 0, 0, nlink, uid, 0, 0, 0, 0, 0))


def test_only_a_file_of_this_user_of_one_link_is_replaced():
    me = os.geteuid()
    assert replaceable(_stat(me), folder_writable=True)
    assert not replaceable(_stat(me + 1), folder_writable=True)  # its owner would change
    assert not replaceable(_stat(me, nlink=2), folder_writable=True)
    assert not replaceable(_stat(me), folder_writable=False)
    assert not replaceable(_stat(me, mode=0o010644), folder_writable=True)  # a FIFO


def test_resource_limits_are_those_of_this_platform():
    # The tests above lean on RLIMIT_FSIZE and SIGXFSZ (Linux and macOS both have them).
    assert hasattr(resource, "RLIMIT_FSIZE") and hasattr(signal, "SIGXFSZ")


@pytest.mark.parametrize("failure", ["is closed", "cannot be written (Broken pipe)"])
def test_a_guarded_stream_keeps_its_first_failure(failure):
    stream = GuardedStream(None, "stdout")
    if failure != "is closed":
        read, write = os.pipe()
        os.close(read)
        raw = os.fdopen(write, "w")
        stream = GuardedStream(raw, "stdout")
        stream.write("x" * 100000)
        stream.flush()
    assert stream.failure == failure
    assert stream.write("more") == 4  # dropped, never raised


def test_a_go_that_cannot_be_closed_on_a_full_disk_is_no_report_at_all(judged, tmp_path):
    """The report said GO, then the disk filled: the summary fails, and so does the closed
    report that should replace the GO. This run's GO must not stay on disk beside exit 2
    (a merge would count it): the file is emptied, no report at all."""
    from golive_action.report.jsonreport import write_report

    report, _ = judged
    go = tmp_path / "go.json"
    write_report(report, str(go))
    target = tmp_path / "out" / "report.json"
    target.parent.mkdir()
    script = (
        "import io, resource, signal, sys\n"
        "from golive_action.publishing import PublishSettings, publish\n"
        "from golive_action.report.jsonreport import read_report\n"
        f"report = read_report({str(go)!r})\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        f"limit = {go.stat().st_size}\n"  # the GO fits; the closed report, longer, does not
        "resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))\n"
        f"env = {{'GITHUB_ACTIONS': 'true', 'GITHUB_OUTPUT': {str(tmp_path / 'output')!r},"
        f" 'GITHUB_STEP_SUMMARY': {FULL!r}}}\n"
        f"settings = PublishSettings(report={str(target)!r}, canary_output=None)\n"
        "print(publish(report, settings, env, io.StringIO(), io.StringIO()))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.stdout.strip() == "2", done.stdout + done.stderr
    assert target.read_text() == ""  # not the GO, and no half of a NO-GO either
    assert read_outputs(tmp_path / "output")["decision"] == "no-go"
