"""The fault matrix: each fault a real deployment has, run end to end through `golive run`
(run_gate underneath) against servers on 127.0.0.1 (the GitHub API through `responses`),
with the check, verdict and reason it must give. The gate never crashes, never hangs past
its time budget, and always writes its report, outputs and summary."""

from __future__ import annotations

import base64
import contextlib
import gzip
import json
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import responses

from golive_action.sandbox.stack import ReferenceStack
from tests import test_history as gh
from tests.faulty import (
    closed_port,
    drip,
    flags,
    http_server,
    https_server,
    make_certificates,
    mock_github,
    reply,
    silent_server,
)
from tests.test_cli import actions_env, read_outputs
from tests.test_ws import handshake, raw_ws_server, text_frame

Setup = Callable[[contextlib.ExitStack, Path], dict[str, str]]

# Distinctive values, scanned for in everything each fault makes the gate print or write.
SPARK_TOKEN = "spk-FAULT-scan-5521"


@dataclass(frozen=True)
class Fault:
    name: str
    setup: Setup
    check: str
    verdict: str
    words: str
    trigger: str | None = None
    github: Callable[[], None] | None = None  # responses for the GitHub API, when it is used
    extra: dict[str, str] = field(default_factory=dict)


# ----------------------------------------------------------------------------- setups


def web(handle) -> Setup:
    def setup(stack: contextlib.ExitStack, tmp: Path) -> dict[str, str]:
        return {"web-url": stack.enter_context(http_server(handle))}

    return setup


def web_url(url: str) -> Setup:
    return lambda stack, tmp: {"web-url": url}


def silent(stack: contextlib.ExitStack, tmp: Path) -> dict[str, str]:
    return {"web-url": stack.enter_context(silent_server())}


def full_queue(stack: contextlib.ExitStack, tmp: Path) -> dict[str, str]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    stack.callback(listener.close)
    port = listener.getsockname()[1]
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        stack.callback(filler.close)
    return {"web-url": f"http://127.0.0.1:{port}"}


def tls(names: tuple[str, ...], ips: tuple[str, ...]) -> Setup:
    def setup(stack: contextlib.ExitStack, tmp: Path) -> dict[str, str]:
        _, cert, key = make_certificates(str(tmp), names, ips)
        return {
            "web-url": stack.enter_context(https_server(reply(200, b'{"ok": true}'), cert, key))
        }

    return setup


def gzip_bomb(h) -> None:
    body = gzip.compress(b"\0" * 30_000_000)
    h.send_response(200)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Encoding", "gzip")
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


def orderbook_down(h) -> None:
    """The ticker is fine; the order book behind it answers 503 (data delayed)."""
    import time

    if "orderbook" in h.path:
        reply(503, b'{"message": "delayed"}')(h)
    elif "ticker" in h.path:
        row = {"pair": "BTCTRY", "timestamp": time.time() * 1000, "bid": 100.0, "ask": 101.0}
        reply(200, json.dumps({"data": [row], "success": True}).encode())(h)
    else:
        reply(200, b'{"ok": true}')(h)


def ticker(handle) -> Setup:
    def setup(stack: contextlib.ExitStack, tmp: Path) -> dict[str, str]:
        return {"ticker-url": stack.enter_context(http_server(handle)) + "/ticker"}

    return setup


def feed(behaviour) -> Setup:
    def setup(stack: contextlib.ExitStack, tmp: Path) -> dict[str, str]:
        return {"ws-url": stack.enter_context(raw_ws_server(behaviour))}

    return setup


def scenario(name: str, *keys: str) -> Setup:
    def setup(stack: contextlib.ExitStack, tmp: Path) -> dict[str, str]:
        s = stack.enter_context(ReferenceStack(name, token=SPARK_TOKEN))
        urls = {
            "web-url": s.urls["web_url"],
            "executor-url": s.urls["executor_url"],
            "ws-url": s.urls["ws_url"],
            "spark-api-url": s.urls["executor_url"],
            "spark-api-token": SPARK_TOKEN,
        }
        return {k: urls[k] for k in keys}

    return setup


def canary(handle) -> Setup:
    def drained(h) -> None:
        # Read the POST body first: a server that closes with unread input resets the
        # connection, and the answer would race with the reset.
        h.rfile.read(int(h.headers.get("Content-Length") or 0))
        handle(h)

    def setup(stack: contextlib.ExitStack, tmp: Path) -> dict[str, str]:
        return {
            "spark-api-url": stack.enter_context(http_server(drained)),
            "spark-api-token": SPARK_TOKEN,
        }

    return setup


DEEP = b"[" * 5000 + b"]" * 5000
# Scanned for like the tokens: a password in a URL is shown nowhere.
URL_PASSWORD = "pw-FAULT-scan-8813"


def local_file(input_name: str, name: str, data: bytes) -> Setup:
    def setup(stack: contextlib.ExitStack, tmp: Path) -> dict[str, str]:
        (tmp / name).write_bytes(data)
        return {input_name: str(tmp / name)}

    return setup


def basic_auth_web(stack: contextlib.ExitStack, tmp: Path) -> dict[str, str]:
    """A health endpoint that answers only to the credentials in the URL."""
    expected = "Basic " + base64.b64encode(f"gate:{URL_PASSWORD}".encode()).decode()

    def handle(h) -> None:
        if h.headers.get("Authorization") == expected:
            reply(200, b'{"ok": true}')(h)
        else:
            reply(401, b'{"error": "credentials needed"}')(h)

    url = stack.enter_context(http_server(handle))
    return {"web-url": url.replace("http://", f"http://gate:{URL_PASSWORD}@")}


def garbage(conn, stop) -> None:
    handshake(conn)
    conn.sendall(text_frame(b"{{{ not json"))
    conn.sendall(text_frame(b"\x01\x02", opcode=2))
    stop.wait(5)


def huge_frame(conn, stop) -> None:
    handshake(conn)
    conn.sendall(text_frame(b"[" + b"1," * (5 * 1024 * 1024) + b"1]"))
    stop.wait(5)


def no_pong(conn, stop) -> None:
    handshake(conn)
    conn.sendall(text_frame(b'[991, {"type": 991}]'))
    stop.wait(5)


def stall(conn, stop) -> None:
    handshake(conn)
    conn.sendall(text_frame(b'[402, {"PS": "BTCTRY", "B": "1", "A": "2"}]'))
    stop.wait(5)


def rude(conn, stop) -> None:
    conn.recv(100)
    conn.close()


def history(
    *runs: dict, status: int = 200, body: dict | None = None, artifact=None, repeat: int = 1
) -> Callable[[], None]:
    def register() -> None:
        for _ in range(repeat):
            responses.get(
                gh.RUNS,
                json=body if body is not None else gh.listing(*runs),
                status=status,
                headers={"Retry-After": "0"},
            )
        if status != 200:
            responses.get(gh.RUNS, json=gh.listing(*runs))
        if artifact is not None:
            artifact()

    return register


def endless_runs() -> None:
    """A runs listing whose every page links a next one, of cancelled runs only."""

    def page(request) -> tuple[int, dict[str, str], str]:
        number = int(re.search(r"[?&]page=(\d+)", request.url + "&page=1").group(1))
        link = (
            f"<{gh.API}/repos/octo/app/actions/workflows/receipts-gate.yml/runs?page={number + 1}>"
        )
        body = gh.listing(gh.run(10_000 - number, "cancelled"))
        return 200, {"Link": f'{link}; rel="next"'}, json.dumps(body)

    responses.add_callback(responses.GET, re.compile(gh.HOST + ".*/runs.*"), callback=page)


# What a golive-report.json was trusted for before issue 25: a PASS, without being a report.
NOT_A_REPORT = b'{"checks": [{"id": "canary", "verdict": "pass"}]}'


def encrypted_zip() -> bytes:
    """A canary_resp.json whose zip says it is encrypted (flag bit 0, both headers)."""
    data = bytearray(gh.zipped({"canary_resp.json": b'{"ok": true}'}))
    data[6] |= 1
    data[data.find(b"PK\x01\x02") + 8] |= 1
    return bytes(data)


GITHUB = {
    "github-token": gh.TOKEN,
    "github-repository": "octo/app",
    "canary-workflow": "receipts-gate.yml",
    "github-api-url": gh.API,
    "canary-window": "2",
    "canary-min-runs": "1",
}
SEVEN_OK = [gh.run(10 - i, "success") for i in range(3)]

FAULTS = [
    # HTTP
    Fault(
        "connection refused",
        web_url(f"http://127.0.0.1:{closed_port()}"),
        "web-health",
        "error",
        "connection refused",
    ),
    Fault(
        "DNS name that does not resolve",
        web_url("http://no-such-host.invalid"),
        "web-health",
        "error",
        "does not resolve",
    ),
    Fault(
        "TLS with an unknown CA",
        tls(("localhost",), ("127.0.0.1",)),
        "web-health",
        "error",
        "certificate is not trusted (unable to get local issuer certificate); fix: give ca-bundle",
    ),
    Fault(
        "TLS hostname mismatch",
        tls(("other.example",), ()),
        "web-health",
        "error",
        "the server's certificate is not",  # trusted, first: it came with no ca-bundle
    ),
    Fault("connect timeout", full_queue, "web-health", "error", "no connection within"),
    Fault("read timeout", silent, "web-health", "error", "no response within"),
    Fault("slow drip body", web(drip(60, 0.05)), "web-health", "error", "not complete within"),
    Fault(
        "body over the cap",
        web(reply(200, b"x" * (2 * 1024 * 1024))),
        "web-health",
        "error",
        "over the cap",
    ),
    Fault("gzip bomb", web(gzip_bomb), "web-health", "error", "over the cap"),
    Fault(
        "redirect loop",
        web(reply(302, b"", headers={"Location": "/again"})),
        "web-health",
        "error",
        "more than 5 redirects",
    ),
    Fault(
        "redirect to another scheme",
        web(reply(302, b"", headers={"Location": "ftp://x/y"})),
        "web-health",
        "error",
        "the scheme ftp:, which is not http or https",
    ),
    Fault(
        "HTML error page with 200",
        web(reply(200, b"<h1>Oops</h1>", "text/html")),
        "web-health",
        "fail",
        "not JSON (text/html)",
    ),
    Fault(
        "200 with ok: false",
        web(reply(200, b'{"ok": false, "error": "db"}')),
        "web-health",
        "fail",
        "ok: false (error: db)",
    ),
    Fault(
        "5xx burst",
        web(reply(503, b'{"ok": false}')),
        "5xx-spike",
        "fail",
        "windows over 5 % 5xx",
        trigger="5xx-spike",
    ),
    Fault(
        "429 with Retry-After past the budget",
        ticker(reply(429, b'{"message": "TOO_MANY_REQUESTS"}', headers={"Retry-After": "999"})),
        "ticker",
        "error",
        "rate limited (HTTP 429, Retry-After 999 s)",
    ),
    Fault(
        "orderbook 503", web(lambda h: orderbook_down(h)), "ticker", "error", "orderbook: HTTP 503"
    ),
    # WebSocket
    Fault(
        "WebSocket upgrade refused",
        scenario("no-upgrade", "ws-url"),
        "ws-open",
        "fail",
        "did not upgrade (HTTP 426",
    ),
    Fault("close during handshake", feed(rude), "ws-open", "error", "handshake"),
    Fault("garbage frames", feed(garbage), "ws-feed", "fail", "1 not JSON"),
    Fault(
        "a 10 MB frame",
        feed(huge_frame),
        "ws-feed",
        "fail",
        "a frame of 10485763 bytes, over the cap of 1048576 bytes (ws-max-frame-bytes)",
    ),
    Fault("no pong", feed(no_pong), "ws-latency", "fail", "ping p95", extra={"duration": "2"}),
    Fault(
        "server stalls mid-window",
        feed(stall),
        "ws-feed",
        "fail",
        "stale",
        extra={"ws-max-gap-s": "0.5"},
    ),
    Fault(
        "reconnect storm",
        scenario("flapping", "ws-url"),
        "ws-stability",
        "fail",
        "disconnection burst",
        extra={"duration": "4"},
    ),
    Fault(
        "stuck closed",
        lambda s, t: {"ws-url": f"ws://127.0.0.1:{closed_port()}"},
        "ws-open",
        "error",
        "connection refused",
        trigger="ws-stuck-closed",
        extra={"ws-stuck-closed-s": "1", "duration": "1.5"},
    ),
    # Canary
    Fault("canary not JSON", canary(reply(200, b"<html>")), "canary", "error", "not JSON"),
    Fault(
        "canary huge",
        canary(reply(200, b"[" + b"1," * 700_000 + b"1]")),
        "canary",
        "error",
        "over the cap",
    ),
    Fault(
        "canary refuses the token",
        canary(reply(401, b'{"error": "Unauthorized"}')),
        "canary",
        "fail",
        "HTTP 401",
    ),
    # GitHub API
    Fault(
        "GitHub API 403 rate limit",
        web_url(f"http://127.0.0.1:{closed_port()}"),
        "canary-rate",
        "inconclusive",
        "after retries",
        github=history(status=403, repeat=6, body={"message": "API rate limit exceeded"}),
    ),
    Fault(
        "GitHub API 429",
        web_url(f"http://127.0.0.1:{closed_port()}"),
        "canary-rate",
        "inconclusive",
        "after retries",
        github=history(status=429, repeat=6, body={"message": "slow down"}),
    ),
    Fault(
        "GitHub API 502 then 200",
        web_url(f"http://127.0.0.1:{closed_port()}"),
        "canary-rate",
        "pass",
        "2 of 2 runs PASS",
        github=history(*SEVEN_OK, status=502),
    ),
    Fault(
        "GitHub API 404 workflow",
        web_url(f"http://127.0.0.1:{closed_port()}"),
        "canary-rate",
        "inconclusive",
        "set canary-workflow",
        github=history(status=404, repeat=6, body={"message": "Not Found"}),
    ),
    Fault(
        "expired artifact",
        web_url(f"http://127.0.0.1:{closed_port()}"),
        "canary-rate",
        "pass",
        "2 of 2 runs PASS",
        github=history(
            *SEVEN_OK,
            artifact=lambda: [gh.with_artifact(r, None, expired=True) for r in (10, 9, 8)],
        ),
    ),
    Fault(
        "artifact zip with traversal names",
        web_url(f"http://127.0.0.1:{closed_port()}"),
        "canary-rate",
        "pass",
        "2 of 2 runs PASS",
        github=history(
            *SEVEN_OK,
            artifact=lambda: [
                gh.with_artifact(r, gh.zipped({"../canary_resp.json": b'{"ok": false}'}))
                for r in (10, 9, 8)
            ],
        ),
    ),
    # Issue 25: the GitHub API, second round
    Fault(
        "GitHub API 429 asking for 31 s",
        web_url(f"http://127.0.0.1:{closed_port()}"),
        "canary-rate",
        "inconclusive",
        "asked to wait 31 s (Retry-After), longer than the gate waits (30 s)",
        github=lambda: responses.get(
            gh.RUNS, json={"message": "slow down"}, status=429, headers={"Retry-After": "31"}
        ),
    ),
    Fault(
        "GitHub runs listing with a next page on every page",
        web_url(f"http://127.0.0.1:{closed_port()}"),
        "canary-rate",
        "inconclusive",
        "the listing went on past 10 pages",
        github=endless_runs,
    ),
    Fault(
        "artifact zip with an encrypted member",
        web_url(f"http://127.0.0.1:{closed_port()}"),
        "canary-rate",
        "pass",
        "2 of 2 runs PASS",
        github=history(
            *SEVEN_OK,
            artifact=lambda: [gh.with_artifact(r, encrypted_zip()) for r in (10, 9, 8)],
        ),
    ),
    Fault(
        "artifact golive-report.json that is no golive report",
        web_url(f"http://127.0.0.1:{closed_port()}"),
        "canary-rate",
        "fail",
        "0 of 2 runs PASS",
        github=history(
            *[gh.run(10 - i, "failure") for i in range(3)],
            artifact=lambda: [
                gh.with_artifact(r, gh.zipped({"golive-report.json": NOT_A_REPORT}))
                for r in (10, 9, 8)
            ],
        ),
    ),
    # Issue 12: what a careless or hostile input made of the gate
    Fault(
        "health body nested 5,000 deep",
        web(reply(200, DEEP)),
        "web-health",
        "fail",
        "nested deeper than 64 levels",
    ),
    Fault(
        "canary answer nested 5,000 deep",
        canary(reply(200, DEEP)),
        "canary",
        "error",
        "nested deeper than 64 levels",
    ),
    Fault(
        "canary file nested 5,000 deep",
        local_file("canary-file", "deep.json", DEEP),
        "canary",
        "error",
        "nested deeper than 64 levels",
    ),
    Fault(
        "a user threshold fails on a healthy run",
        web(reply(200, b'{"ok": true}')),
        "web-health",
        "fail",
        "rate<0.5 (observed 1)",
        extra={"thresholds": "web-health.ok: rate<0.5"},
    ),
    Fault(
        "access log of no access line",
        local_file("access-log", "access.log", b"not\nan access log\n"),
        "5xx-spike",
        "error",
        "read as access log lines",
    ),
    Fault(
        "health answers ok: NaN",
        web(reply(200, b'{"ok": NaN}')),
        "web-health",
        "fail",
        "not plain JSON (NaN, which is not a JSON number)",
    ),
    Fault(
        "URL with a password",
        basic_auth_web,
        "web-health",
        "pass",
        "2 of 2 answered 200 and ok",  # the 1 s window, 1 s apart: its start and end
    ),
]


def test_the_matrix_has_at_least_forty_faults():
    assert len(FAULTS) >= 40


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_fault(fault: Fault, run_cli, tmp_path):
    env = actions_env(tmp_path)
    with contextlib.ExitStack() as stack:
        inputs = {
            "samples": "1",
            "http-timeout": "1",
            "duration": "1",
            "timeout": "60",
            "spark-api-token": SPARK_TOKEN,  # in every run, used or not
            "ws-ping-interval-s": "0.3",
            **fault.setup(stack, tmp_path),
            **fault.extra,
        }
        if fault.github is not None:
            mock_github(stack, fault.github)
            inputs.update(GITHUB)  # no canary of this run: only past runs are counted
        result = run_cli("run", *flags(inputs), env=env)
    assert result.code in (0, 1), result.err
    assert "Traceback" not in result.out + result.err
    written = [p for p in tmp_path.rglob("*") if p.is_file()]  # the cwd is tmp_path
    for token in (SPARK_TOKEN, gh.TOKEN, URL_PASSWORD):
        assert token not in result.out + result.err
        for path in written:
            assert token not in path.read_text(errors="replace"), path
    document = json.loads(Path("golive-report.json").read_text())
    checks = {c["id"]: c for c in document["checks"]}
    check = checks[fault.check]
    assert check["verdict"] == fault.verdict, check["reason"]
    assert fault.words in check["reason"], check["reason"]
    if fault.trigger:
        assert fault.trigger in [r["id"] for r in document["rollback"]["reasons"]]
    outputs = read_outputs(Path(env["GITHUB_OUTPUT"]))
    assert outputs["decision"] in ("go", "no-go")
    assert Path(env["GITHUB_STEP_SUMMARY"]).read_text().startswith("## ")
