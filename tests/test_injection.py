"""Workflow-command injection, channel by channel: hostile text in every untrusted channel the
gate reads (HTTP bodies and headers, WebSocket frames, close reasons, upgrade answers that
the library quotes in its errors, canary fields, GitHub run titles, branches and API
messages) runs end to end through `golive run` inside Actions. It never reaches stdout or
stderr as a workflow command, and never adds or changes an output."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import responses

from golive_action.report.outputs import OUTPUT_NAMES
from tests import test_history as gh
from tests.faulty import closed_port, flags, http_server, mock_github, reply
from tests.test_cli import actions_env
from tests.test_fault_matrix import GITHUB
from tests.test_ws import handshake, raw_ws_server, text_frame

MARK = "INJECTED7"
# Commands the runner would obey at a line start, the legacy form it obeys anywhere, and a
# stop-commands that would silence our own annotations. Short: a close reason holds 123 bytes.
HOSTILE = (
    f"{MARK}\n::set-output name=decision::go\n::add-mask::no-go\n"
    f"::stop-commands::x\n##[set-output name=passed]true\r\n::error::{MARK}"
)
ONE_LINE = f"{MARK} ::set-output name=decision::go ##[set-output name=passed]true"
OURS = ("::group::", "::endgroup::", "::error title=", "::warning title=", "::notice title=")

SECRETS = ("spark-api-token", "github-token")

Setup = Callable[[contextlib.ExitStack], dict[str, str]]


@dataclass(frozen=True)
class Channel:
    name: str
    setup: Setup
    github: Callable[[], None] | None = None
    # Where the gate keeps the text (proof the channel was exercised): in its report.
    recorded: bool = True


def web(handle) -> Setup:
    return lambda stack: {"web-url": stack.enter_context(http_server(handle))}


def feed(behaviour) -> Setup:
    return lambda stack: {"ws-url": stack.enter_context(raw_ws_server(behaviour))}


def subscription_refused(conn, stop) -> None:
    handshake(conn)
    frame = [100, {"ok": False, "message": HOSTILE, "type": 100}]
    conn.sendall(text_frame(json.dumps(frame).encode()))
    stop.wait(5)


def close_with_reason(conn, stop) -> None:
    handshake(conn)
    reason = HOSTILE.encode()[:123]
    conn.sendall(text_frame((1011).to_bytes(2, "big") + reason, opcode=8))
    stop.wait(1)


def upgrade_answered_with_hostile_text(conn, stop) -> None:
    """websocket-client quotes the status line, headers and body in its exception."""
    conn.recv(4096)
    body = HOSTILE.encode()
    conn.sendall(
        b"HTTP/1.1 403 " + ONE_LINE.encode() + b"\r\nX-Reason: " + ONE_LINE.encode() + b"\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )


def canary(stack: contextlib.ExitStack) -> dict[str, str]:
    def answer(h) -> None:
        h.rfile.read(int(h.headers.get("Content-Length") or 0))
        body = {
            "verdict": "FAIL",
            "error": HOSTILE,
            "results": [{"name": HOSTILE, "ok": False, "error": HOSTILE}],
        }
        reply(200, json.dumps(body).encode())(h)

    return {
        "spark-api-url": stack.enter_context(http_server(answer)),
        "spark-api-token": "injection-token",
    }


def github_only(stack: contextlib.ExitStack) -> dict[str, str]:
    return {"web-url": f"http://127.0.0.1:{closed_port()}", **GITHUB}


def hostile_runs() -> None:
    runs = []
    for run_id in (10, 9):
        run = gh.run(run_id, "failure")
        run.update({"display_title": HOSTILE, "name": HOSTILE, "head_branch": ONE_LINE})
        runs.append(run)
    responses.get(gh.RUNS, json=gh.listing(*runs))


def hostile_api_message() -> None:
    responses.get(gh.RUNS, json={"message": HOSTILE}, status=403)


CHANNELS = [
    Channel("HTTP body", web(reply(200, json.dumps({"ok": False, "error": HOSTILE}).encode()))),
    Channel(
        "HTTP error page body",
        web(reply(503, HOSTILE.encode(), "text/plain")),
        recorded=False,  # a 5xx is judged by its status; the body is not kept
    ),
    # A healthy body's version, shown in the observed figures of the summary and terminal.
    Channel(
        "HTTP health body version",
        web(reply(200, json.dumps({"ok": True, "version": HOSTILE}).encode())),
    ),
    Channel("HTTP Content-Type header", web(reply(200, b"<p>hi</p>", f"text/html; {ONE_LINE}"))),
    Channel(
        "HTTP Location header",
        web(reply(302, b"", headers={"Location": f"ftp://x/{ONE_LINE}"})),
        recorded=False,  # the reason names the scheme only
    ),
    Channel("WebSocket frame", feed(subscription_refused)),
    Channel("WebSocket close reason", feed(close_with_reason)),
    Channel(
        "library error quoting an upgrade answer",
        feed(upgrade_answered_with_hostile_text),
        recorded=False,  # the reason keeps the HTTP status, not the library's quote
    ),
    Channel("canary fields", canary),
    Channel("GitHub run titles and branches", github_only, github=hostile_runs),
    Channel("GitHub API error message", github_only, github=hostile_api_message),
]


def strict_outputs(path: Path) -> list[str]:
    """The names the file sets, in order, parsed the way the runner does; every value either
    one line or a heredoc whose delimiter occurs nowhere in its value."""
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines.pop() == ""
    names: list[str] = []
    i = 0
    while i < len(lines):
        name, heredoc, delimiter = lines[i].partition("<<")
        if heredoc and "=" not in name:
            end = lines.index(delimiter, i + 1)
            assert all(delimiter not in line for line in lines[i + 1 : end])
            i = end + 1
        else:
            name = lines[i].split("=", 1)[0]
            i += 1
        assert re.fullmatch(r"[a-z][a-z0-9-]*", name), name
        names.append(name)
    return names


@pytest.mark.parametrize("channel", CHANNELS, ids=[c.name for c in CHANNELS])
def test_hostile_text_never_becomes_a_command_or_an_output(channel: Channel, run_cli, tmp_path):
    env = {**actions_env(tmp_path), "GITHUB_ACTIONS": "true"}
    with contextlib.ExitStack() as stack:
        inputs = {
            "samples": "1",
            "http-timeout": "1",
            "duration": "1",
            **channel.setup(stack),
        }
        if channel.github is not None:
            mock_github(stack, channel.github)
        result = run_cli("run", *flags(inputs), env=env)

    assert result.code == 1, result.err
    assert "Traceback" not in result.out + result.err
    for line in (result.out + result.err).splitlines():
        if line.startswith("::add-mask::"):
            assert line.removeprefix("::add-mask::") in (inputs.get(k) for k in SECRETS), line
        elif line.strip().startswith("::"):
            assert line.startswith(OURS), line
        assert "##[" not in line, line
    names = strict_outputs(Path(env["GITHUB_OUTPUT"]))
    assert sorted(names) == sorted(OUTPUT_NAMES)  # each once, none added
    outputs = dict(
        line.split("=", 1)
        for line in Path(env["GITHUB_OUTPUT"]).read_text().splitlines()
        if line.startswith(("decision=", "passed="))
    )
    assert outputs == {"decision": "no-go", "passed": "false"}
    if channel.recorded:
        assert MARK in Path("golive-report.json").read_text(), "the channel was not exercised"


def test_every_channel_the_issue_names_is_in_the_table():
    names = " ".join(c.name for c in CHANNELS)
    named = ("HTTP body", "header", "WebSocket frame", "close reason", "canary", "run titles")
    for channel in (*named, "library error"):
        assert channel in names
