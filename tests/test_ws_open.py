"""ws-open: the time from the first connection attempt to the first OPEN, retries included,
and its split into DNS, TCP connect, TLS and the upgrade. The judge from recorded
observations, then the probe against real servers on 127.0.0.1: a wss server signed by a
test CA, a name that does not resolve, a refused upgrade, a server that refuses or drops
connections for a while, a proxy."""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import email.utils
import hashlib
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator

import pytest

from golive_action.config import load_config
from golive_action.model import Verdict, WsConnection, WsObservation
from golive_action.observe.budget import Budget
from golive_action.observe.ws import WsSettings, observe_ws
from golive_action.report.figures import observed
from golive_action.report.jsonreport import read_report, write_report
from golive_action.report.summary import render_summary
from golive_action.report.terminal import render_terminal
from golive_action.runner import run_gate
from tests.faulty import make_certificates, socket_server
from tests.test_ws import (
    WS_LIMITS,
    ClientGone,
    handshake,
    judge_ws,
    raw_ws_server,
    recorded,
    text_frame,
)

T0 = 1_800_000_000.0
PHASES = ("dns_ms", "connect_ms", "tls_ms", "upgrade_ms")


def ws_open(obs: WsObservation, open_max_s: float = 5.0):
    limits = dataclasses.replace(WS_LIMITS, open_max_s=open_max_s)
    return next(c for c in judge_ws(obs, None, None, None, limits).checks if c.id == "ws-open")


def refused(at: float) -> WsConnection:
    return WsConnection(
        attempt_at=at,
        closed_at=at + 0.001,
        error="connection refused",
        error_kind="refused",
        dns_ms=0.1,
        failed_phase="connect",
    )


def opened(at: float, tls_ms: float | None = 4.1) -> WsConnection:
    return WsConnection(
        attempt_at=at,
        opened_at=at + 0.0065,
        open_ms=6.5,
        dns_ms=0.1,
        connect_ms=0.3,
        tls_ms=tls_ms,
        upgrade_ms=2.0,
    )


# ----------------------------------------------------------------------------- the judge


def test_an_open_after_failed_retries_past_the_limit_fails():
    retries = [refused(T0), refused(T0 + 1), refused(T0 + 3), opened(T0 + 7.19)]
    check = ws_open(recorded(connections=retries, first_attempt_at=T0, time_to_open_s=7.2))
    assert check.verdict is Verdict.FAIL
    assert check.reason == (
        "OPEN after 7.2 s from the first attempt (3 attempts failed: connection refused), "
        "over 5 s; the attempt that opened: DNS 0.1 ms, TCP 0.3 ms, TLS 4.1 ms, upgrade 2.0 ms"
    )
    assert check.metrics["open_s"] == 7.2 and check.metrics["attempts"] == 4
    assert check.metrics["failed_before_open"] == 3
    assert {k: check.metrics[k] for k in PHASES} == {
        "dns_ms": 0.1,
        "connect_ms": 0.3,
        "tls_ms": 4.1,
        "upgrade_ms": 2.0,
    }
    assert observed(check) == (
        "OPEN after 7.2 s on attempt 4 (DNS 0.1 ms, TCP 0.3 ms, TLS 4.1 ms, upgrade 2.0 ms)"
    )
    # The same observation within a larger limit passes, and says what it took.
    again = ws_open(recorded(connections=retries, time_to_open_s=7.2), open_max_s=10)
    assert again.verdict is Verdict.PASS and "within 10 s" in again.reason


def test_a_first_attempt_that_opens_gives_its_split():
    obs = recorded(connections=[opened(T0, tls_ms=None)], time_to_open_s=0.0065)
    check = ws_open(obs)
    assert check.verdict is Verdict.PASS
    assert check.reason == "OPEN in 6 ms (DNS 0.1 ms, TCP 0.3 ms, upgrade 2.0 ms)"  # ws://
    assert check.metrics["tls_ms"] is None
    slow = ws_open(recorded(connections=[opened(T0)], time_to_open_s=6.0))
    assert slow.verdict is Verdict.FAIL
    assert slow.reason.startswith("OPEN after 6.0 s from the first attempt, over 5 s (DNS")


def test_a_report_from_before_the_split_is_judged_from_its_times():
    """An old report has neither the phases nor time_to_open_s: the first attempt's and the
    first OPEN's recorded times give the time to OPEN, and it loads as it was."""
    old = recorded(connections=[refused(T0), refused(T0 + 2)]).to_dict()
    old["connections"].append({"attempt_at": T0 + 6, "opened_at": T0 + 6.1, "open_ms": 100.0})
    for c in old["connections"]:
        for key in (*PHASES, "failed_phase", "proxy"):
            c.pop(key, None)
    old.pop("first_attempt_at")
    old.pop("time_to_open_s")
    check = ws_open(WsObservation.from_dict(json.loads(json.dumps(old))))
    assert check.verdict is Verdict.FAIL and check.metrics["open_s"] == pytest.approx(6.1)
    assert "(2 attempts failed: connection refused), over 5 s" in check.reason


def test_mixed_failures_are_counted_by_kind():
    upgrade = WsConnection(
        attempt_at=T0 + 1, error="did not upgrade", error_kind="upgrade", http_status=503
    )
    connections = [refused(T0), upgrade, refused(T0 + 2), opened(T0 + 3)]
    check = ws_open(recorded(connections=connections, time_to_open_s=3.0))
    assert "(3 attempts failed: connection refused (2), HTTP 503 (1)), within 5 s" in check.reason


def test_the_phases_round_trip_through_the_report():
    obs = recorded(connections=[refused(T0), opened(T0 + 1)], first_attempt_at=T0)
    obs.time_to_open_s = 1.0065
    assert WsObservation.from_dict(json.loads(json.dumps(obs.to_dict()))) == obs


# ----------------------------------------------------------------------------- the probe


def probe(url: str, seconds: float = 0.6, **settings) -> WsObservation:
    options = {"ping_interval_s": 0.3, **settings}
    return observe_ws(WsSettings(url, "BTCTRY", seconds, 5, **options), Budget.lasting(30))


def feed_hello(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(text_frame(b'[991, {"type": 991}]'))
    stop.wait(5)


@contextlib.contextmanager
def wss_server(tmp_path) -> Iterator[tuple[str, str, dict[str, list]]]:
    """A WebSocket server over TLS whose certificate (for localhost and 127.0.0.1) a test CA
    signed. Yields its wss://localhost URL, the CA's PEM file, and what it saw: the SNI
    names and the upgrade requests."""
    ca, cert, key = make_certificates(str(tmp_path))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    seen: dict[str, list] = {"sni": [], "requests": []}
    context.sni_callback = lambda _sock, name, _context: seen["sni"].append(name)

    def serve(conn: socket.socket, stop: threading.Event) -> None:
        with contextlib.suppress(ClientGone, OSError):  # ssl.SSLError too: a refused cert
            tls = context.wrap_socket(conn, server_side=True)
            seen["requests"].append(handshake(tls))
            feed_hello(tls, stop)

    with socket_server(serve, "wss") as url:
        yield url.replace("127.0.0.1", "localhost"), ca, seen


def test_wss_with_the_test_ca_opens_with_a_tls_phase(tmp_path):
    with wss_server(tmp_path) as (url, ca, seen):
        obs = probe(url, ca_bundle=ca)
    first = obs.connections[0]
    assert first.opened_at is not None and first.error is None
    assert all(getattr(first, key) is not None for key in PHASES)
    assert obs.first_attempt_at == first.attempt_at and obs.time_to_open_s is not None
    check = ws_open(obs)
    assert check.verdict is Verdict.PASS, check.reason
    assert check.metrics["tls_ms"] is not None and "TLS" in check.reason
    # SNI, Host and Origin name the URL's host, as when the library connected alone.
    port = url.rsplit(":", 1)[1]
    assert seen["sni"] == ["localhost"]
    headers = seen["requests"][0].decode().lower()
    assert f"host: localhost:{port}\r\n" in headers
    assert f"origin: https://localhost:{port}\r\n" in headers


def test_wss_without_the_ca_is_not_trusted_and_names_ca_bundle(tmp_path):
    with wss_server(tmp_path) as (url, _, _):
        obs = probe(url)
    first = obs.connections[0]
    assert (first.error_kind, first.failed_phase) == ("tls", "tls")
    assert first.dns_ms is not None and first.connect_ms is not None and first.tls_ms is None
    check = ws_open(obs)
    assert check.verdict is Verdict.ERROR
    assert check.reason.startswith(f"TLS failed at {url} (")
    assert "certificate is not trusted" in check.reason and "ca-bundle" in check.reason
    assert observed(check).endswith("TLS failed)")


def test_the_ca_bundle_input_reaches_the_probe_and_the_split_the_reports(tmp_path):
    with wss_server(tmp_path) as (url, ca, _):
        inputs = {"ws-url": url, "ca-bundle": ca, "duration": "0.6", "samples": "1"}
        report = run_gate(load_config(inputs, {}))
    check = report.check("ws-open")
    assert check is not None and check.verdict is Verdict.PASS, check.reason
    # The JSON report keeps the phases, and reads back whole; the terminal and the job
    # summary show the split where they show ws-open's figures.
    written = write_report(report, str(tmp_path / "report.json"))
    again = read_report(str(written))
    assert again.observations.ws == report.observations.ws
    assert again.observations.ws is not None and again.observations.ws.connections[0].tls_ms
    figure = observed(check)
    assert figure.startswith("OPEN in ") and "TLS " in figure and "upgrade " in figure
    assert figure in render_summary(report)
    terminal = " ".join(render_terminal(report).split())  # unwrapped
    assert figure in terminal


def test_a_tls_handshake_with_a_plain_server_is_told_apart():
    def plain_http(conn: socket.socket, stop: threading.Event) -> None:
        conn.recv(4096)  # a TLS ClientHello, answered as an HTTP server would
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    with raw_ws_server(plain_http) as url:
        obs = probe(url.replace("ws://", "wss://"))
    check = ws_open(obs)
    assert check.verdict is Verdict.ERROR and obs.connections[0].failed_phase == "tls"
    assert "TLS failed at" in check.reason and "TLS handshake failed" in check.reason
    assert "certificate" not in check.reason


def test_a_name_that_does_not_resolve_is_a_dns_failure():
    obs = probe("ws://golive-feed.invalid:8080/")
    first = obs.connections[0]
    assert (first.error_kind, first.failed_phase, first.dns_ms) == ("dns", "dns", None)
    check = ws_open(obs)
    assert check.verdict is Verdict.ERROR
    assert check.reason.startswith("DNS failed at ws://golive-feed.invalid:8080/")
    assert "golive-feed.invalid does not resolve" in check.reason
    assert "certificate" not in check.reason and "upgrade" not in check.reason


def test_a_refused_upgrade_is_told_apart():
    def no_upgrade(conn: socket.socket, stop: threading.Event) -> None:
        while b"\r\n\r\n" not in (request := conn.recv(4096)):
            if not request:
                return
        conn.sendall(b"HTTP/1.1 426 Upgrade Required\r\nContent-Length: 0\r\n\r\n")

    with raw_ws_server(no_upgrade) as url:
        obs = probe(url)
    first = obs.connections[0]
    assert (first.error_kind, first.failed_phase, first.http_status) == ("upgrade", "upgrade", 426)
    assert first.dns_ms is not None and first.connect_ms is not None and first.tls_ms is None
    check = ws_open(obs)
    assert check.verdict is Verdict.FAIL
    assert check.reason.startswith("upgrade failed at")
    assert "did not upgrade (HTTP 426 instead of 101)" in check.reason
    assert "$connection_upgrade" in check.reason  # the nginx hint


@contextlib.contextmanager
def late_server(how: str, closed_for_s: float) -> Iterator[tuple[str, list[float]]]:
    """A WebSocket server that is not there for ``closed_for_s``, then accepts. "refuse":
    its port is bound but not listening (each connection is refused), from now; "drop": it
    accepts and closes every connection, from the first one it sees. Yields the URL and,
    once it has accepted, how long it was closed as it measured it."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    stop = threading.Event()
    closed: list[float] = []

    def serve() -> None:
        start = time.monotonic()
        if how == "refuse":
            stop.wait(closed_for_s)
            listener.listen(16)
        else:
            listener.listen(16)
        listener.settimeout(0.05)
        first_seen: float | None = None
        held = []
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            now = time.monotonic()
            first_seen = now if first_seen is None else first_seen
            if how == "drop" and now - first_seen < closed_for_s:
                conn.close()
                continue
            closed.append(now - (start if how == "refuse" else first_seen))
            held.append(conn)
            with contextlib.suppress(ClientGone, OSError):
                handshake(conn)
                conn.sendall(text_frame(b'[991, {"type": 991}]'))
        for conn in held:
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"ws://127.0.0.1:{listener.getsockname()[1]}", closed
    finally:
        stop.set()
        thread.join()
        listener.close()


@pytest.mark.parametrize(
    ("how", "failure"),
    [("refuse", "connection refused"), ("drop", "closed during the handshake")],
)
def test_retries_before_the_first_open_count_against_the_limit(how, failure):
    """Closed for 1.5 s, then open: against ws-open-max-s 1 it fails though it opened, and
    against 5 it passes; the failed attempts are counted either way."""
    with late_server(how, 1.5) as (url, closed):
        obs = probe(url, 2.5, backoff_initial_s=0.1, backoff_max_s=0.2)
    assert closed, "the server never accepted"
    first_open = next(i for i, c in enumerate(obs.connections) if c.opened_at is not None)
    assert first_open >= 1  # the first attempt failed
    assert all(c.opened_at is None for c in obs.connections[:first_open])
    assert obs.first_attempt_at == obs.connections[0].attempt_at
    strict = ws_open(obs, open_max_s=1)
    assert strict.verdict is Verdict.FAIL, strict.reason
    assert strict.reason.startswith("OPEN after ")
    assert f"attempts failed: {failure}), over 1 s; the attempt that opened: DNS" in strict.reason
    assert strict.metrics["failed_before_open"] == first_open
    assert strict.metrics["open_s"] > strict.metrics["open_ms"] / 1000  # retries included
    lenient = ws_open(obs, open_max_s=5)
    assert lenient.verdict is Verdict.PASS, lenient.reason
    assert lenient.metrics["attempts"] == len(obs.connections) >= 2
    assert "within 5 s" in lenient.reason


def test_the_open_timeout_bounds_the_whole_opening():
    """A server that drips its 101 a byte at a time keeps every single read within any
    timeout; the opening's one deadline still stops it, in the upgrade phase."""

    def drip(conn: socket.socket, stop: threading.Event) -> None:
        conn.recv(4096)
        for byte in b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n":
            if stop.wait(0.05):
                return
            conn.sendall(bytes([byte]))

    with raw_ws_server(drip) as url:
        obs = observe_ws(WsSettings(url, "BTCTRY", 1.0, 0.5), Budget.lasting(30))
    first = obs.connections[0]
    assert (first.error_kind, first.failed_phase) == ("timeout", "upgrade"), first.error
    assert first.connect_ms is not None and first.upgrade_ms is None
    assert "no OPEN within 0.5 s" in (first.error or "")


def test_a_cancellation_stops_an_opening_at_once():
    """Cancelled while the server sits on the upgrade, the attempt is recorded as cancelled
    (not as a timeout the open timeout would have given much later)."""
    budget = Budget.lasting(30)
    threading.Timer(0.3, budget.cancel.set).start()
    with raw_ws_server(lambda conn, stop: stop.wait(30)) as url:
        obs = observe_ws(WsSettings(url, "BTCTRY", 20.0, 15.0), budget)
    assert [(c.error_kind, c.failed_phase) for c in obs.connections] == [("cancelled", "upgrade")]


@contextlib.contextmanager
def connect_proxy(answer: bytes | None = None) -> Iterator[tuple[str, list[bytes]]]:
    """An HTTP proxy on 127.0.0.1 that tunnels CONNECT (or gives ``answer`` instead). Yields
    its URL, with credentials, and the requests it received."""
    requests: list[bytes] = []

    def tunnel(conn: socket.socket, stop: threading.Event) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = conn.recv(1)
            if not chunk:
                return
            head += chunk
        requests.append(head)
        if answer is not None:
            conn.sendall(answer)
            return
        host, port = head.split(b" ")[1].decode().rsplit(":", 1)
        upstream = socket.create_connection((host, int(port)))
        conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")

        def pump(a: socket.socket, b: socket.socket) -> None:
            with contextlib.suppress(OSError):
                while data := a.recv(65536):
                    b.sendall(data)

        threading.Thread(target=pump, args=(upstream, conn), daemon=True).start()
        pump(conn, upstream)
        upstream.close()

    with socket_server(tunnel) as url:
        yield url.replace("http://", "http://user:s3cret@"), requests


def test_the_proxy_of_the_environment_is_still_used(monkeypatch):
    for name in ("no_proxy", "NO_PROXY", "HTTPS_PROXY", "HTTP_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    with raw_ws_server(lambda conn, stop: (handshake(conn), feed_hello(conn, stop))) as url:
        with connect_proxy() as (proxy, requests):
            monkeypatch.setenv("http_proxy", proxy)
            obs = probe(url)
        with connect_proxy(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n") as (other, _):
            monkeypatch.setenv("http_proxy", other)
            refused_by_proxy = probe(url)
    target = url.removeprefix("ws://")
    assert requests[0].startswith(f"CONNECT {target} HTTP/1.1\r\n".encode())
    credentials = base64.b64encode(b"user:s3cret")
    assert b"Proxy-Authorization: Basic " + credentials in requests[0]
    first = obs.connections[0]
    assert first.opened_at is not None and first.proxy == proxy.rsplit("@", 1)[1]
    assert first.connect_ms is not None and first.upgrade_ms is not None
    failed = refused_by_proxy.connections[0]
    assert (failed.error_kind, failed.failed_phase) == ("proxy", "connect")
    assert "refused CONNECT" in (failed.error or "") and "HTTP 403" in (failed.error or "")
    assert "s3cret" not in json.dumps(refused_by_proxy.to_dict())


def test_a_dead_proxy_is_named_not_the_feed(monkeypatch):
    from tests.faulty import closed_port

    for name in ("no_proxy", "NO_PROXY", "HTTPS_PROXY", "HTTP_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    port = closed_port()
    monkeypatch.setenv("http_proxy", f"http://user:pw-PROXY-scan@127.0.0.1:{port}")
    with raw_ws_server(lambda conn, stop: (handshake(conn), feed_hello(conn, stop))) as url:
        obs = probe(url)
    first = obs.connections[0]
    assert (first.error_kind, first.failed_phase) == ("proxy", "connect")
    assert first.error == f"proxy 127.0.0.1:{port} refused the connection"
    check = ws_open(obs)
    assert check.verdict is Verdict.ERROR
    assert f"proxy 127.0.0.1:{port} refused the connection" in check.reason
    assert "pw-PROXY-scan" not in json.dumps(obs.to_dict())


def test_a_proxy_that_closes_before_answering_connect_is_named(monkeypatch):
    def hang_up(conn: socket.socket, stop: threading.Event) -> None:
        conn.recv(4096)
        conn.close()

    for name in ("no_proxy", "NO_PROXY", "HTTPS_PROXY", "HTTP_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    with socket_server(hang_up) as proxy:
        monkeypatch.setenv("http_proxy", proxy)
        obs = probe("ws://golive-feed.invalid:8080/")
    first = obs.connections[0]
    where = proxy.removeprefix("http://")
    assert (first.error_kind, first.failed_phase) == ("proxy", "connect")
    assert first.error == f"the proxy {where} closed the connection before answering CONNECT"


WS_PASSWORD = "pw-WS-scan-4471 @:/"  # a space, an @, a colon and a slash: percent-encoded


def basic_auth_feed(seen: list[bytes]):
    """A feed that upgrades only a request with the Basic credentials gate:WS_PASSWORD."""
    expected = b"Basic " + base64.b64encode(f"gate:{WS_PASSWORD}".encode())

    def serve(conn: socket.socket, stop: threading.Event) -> None:
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = conn.recv(4096)
            if not chunk:
                return
            request += chunk
        seen.append(request)
        headers = [line.split(b":", 1) for line in request.split(b"\r\n")[1:] if b":" in line]
        given = {k.strip().lower(): v.strip() for k, v in headers}
        if given.get(b"authorization") != expected:
            conn.sendall(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n")
            return
        key = given.get(b"sec-websocket-key")
        if key is None:  # the clock probe's plain GET, with the same credentials
            date = email.utils.formatdate(usegmt=True).encode()
            conn.sendall(b"HTTP/1.1 200 OK\r\nDate: " + date + b"\r\nContent-Length: 0\r\n\r\n")
            return
        accept = base64.b64encode(
            hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest()
        )
        conn.sendall(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n"
        )
        feed_hello(conn, stop)

    return serve


def with_credentials(url: str) -> str:
    from urllib.parse import quote

    return url.replace("ws://", f"ws://gate:{quote(WS_PASSWORD, safe='')}@")


def test_ws_url_credentials_go_in_the_upgrade_as_basic_auth():
    seen: list[bytes] = []
    with raw_ws_server(basic_auth_feed(seen)) as url:
        obs = probe(with_credentials(url))
        without = probe(url)
    first = obs.connections[0]
    assert first.opened_at is not None and first.error is None, first.error
    assert obs.messages.get("991") == 1
    assert obs.url == url  # recorded without its userinfo
    assert without.connections[0].http_status == 401  # the server does ask for them
    recorded_text = json.dumps(obs.to_dict())
    for form in (WS_PASSWORD, base64.b64encode(f"gate:{WS_PASSWORD}".encode()).decode()):
        assert form not in recorded_text


def test_ws_url_credentials_never_follow_a_redirect():
    """Sent to the host of ws-url only: a redirect elsewhere is not followed with them."""
    seen: list[bytes] = []

    def redirect(conn: socket.socket, stop: threading.Event) -> None:
        conn.recv(4096)
        conn.sendall(
            b"HTTP/1.1 302 Found\r\nLocation: " + elsewhere.encode() + b"\r\n"
            b"Content-Length: 0\r\n\r\n"
        )

    with raw_ws_server(basic_auth_feed(seen)) as elsewhere, raw_ws_server(redirect) as url:
        obs = probe(with_credentials(url))
    first = obs.connections[0]
    assert first.opened_at is None and first.error_kind == "redirect"
    assert "does not follow with the credentials of ws-url" in (first.error or "")
    assert seen == []  # the other host never saw the credentials
