"""The HTTP probe against real faulty servers: every fault is a recorded sample, never a raise."""

from __future__ import annotations

import pytest

from golive_action.observe.budget import Budget
from golive_action.observe.http import HttpLimits, fetch, new_session, sample_endpoint
from tests.faulty import closed_port, drip, http_server, reply, silent_server


def get(url: str, **limits: float) -> object:
    lim = HttpLimits(**limits)  # type: ignore[arg-type]
    with new_session(lim) as session:
        return fetch(session, "web-health", url, lim)


def test_ok_response_is_recorded_with_latency():
    with http_server(reply(200, b'{"ok": true}')) as base:
        s = get(base + "/h")
    assert s.status == 200 and s.body == '{"ok": true}' and s.error is None
    assert s.elapsed_ms is not None and s.elapsed_ms > 0
    assert s.content_type == "application/json"


def test_the_latency_holds_every_wait_on_the_wire_redirect_and_body_included():
    """Timed on the wire (requests' own work left out), but nothing the server or the
    network made the probe wait for: a hop held back, headers held back, a slow body."""
    import time

    def handle(h):
        if h.path == "/h":
            time.sleep(0.1)
            reply(302, b"", headers={"Location": "/there"})(h)
            return
        time.sleep(0.1)
        drip(chunks=4, pause_s=0.05)(h)

    with http_server(handle) as base:
        s = get(base + "/h", timeout_s=5)
    assert s.status == 200 and s.error is None
    # 0.1 s before the redirect, 0.1 s before the headers, 3 pauses between body bytes
    assert s.elapsed_ms is not None and s.elapsed_ms >= 100 + 100 + 3 * 50


def test_through_the_environments_proxy_it_is_timed_the_same_way(monkeypatch):
    seen: list[str] = []

    def proxy(h):
        seen.append(h.path)
        reply(200, b'{"ok": true, "via": "proxy"}')(h)

    for name in ("no_proxy", "NO_PROXY", "HTTPS_PROXY", "HTTP_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    with http_server(proxy) as proxy_url:
        monkeypatch.setenv("http_proxy", proxy_url)
        limits = HttpLimits()
        with new_session(limits) as session:
            s = fetch(session, "web-health", "http://golive-target.invalid/h", limits)
            assert session.adapters["http://"].wire.elapsed_s() is not None  # on the wire
    assert seen == ["http://golive-target.invalid/h"]  # a forward proxy's absolute form
    assert s.status == 200 and "proxy" in s.body and s.elapsed_ms is not None


def test_connection_refused():
    s = get(f"http://127.0.0.1:{closed_port()}/h")
    assert (s.error_kind, s.error) == ("refused", "connection refused")
    assert s.status is None


def test_dns_failure():
    s = get("http://no-such-host.invalid/h")
    assert s.error_kind == "dns"


def test_read_timeout():
    with silent_server() as base:
        s = get(base + "/h", timeout_s=0.3)
    assert s.error_kind == "timeout"
    assert "0.3 s" in (s.error or "")


def test_slow_drip_body_is_cut_at_the_timeout():
    with http_server(drip(chunks=40, pause_s=0.05)) as base:
        s = get(base + "/h", timeout_s=0.5)
    assert s.error_kind == "timeout"


def test_redirect_loop():
    with http_server(reply(302, b"", headers={"Location": "/again"})) as base:
        s = get(base + "/h")
    assert s.error_kind == "redirect"


def test_redirect_to_another_scheme():
    with http_server(reply(302, b"", headers={"Location": "ftp://127.0.0.1/x"})) as base:
        s = get(base + "/h")
    assert s.error_kind == "redirect"
    assert "not http or https" in (s.error or "")


def test_the_probe_records_the_raw_body_for_the_judge():
    """Redaction is the report's job (run_gate): the judge reads what the server sent."""
    with http_server(reply(200, b'{"ok": true, "echo": "Bearer tok-SECRET-1"}')) as base:
        s = get(base + "/h")
    assert "tok-SECRET-1" in s.body


def test_sampling_keeps_a_fixed_schedule_and_stops_at_the_deadline():
    with http_server(reply(200, b'{"ok": true}')) as base:
        samples = sample_endpoint(
            "web-health", base, 3, 0.05, HttpLimits(timeout_s=2), Budget.lasting(60)
        )
        assert len(samples) == 3
        assert samples[0].at <= samples[1].at <= samples[2].at
        stopped = sample_endpoint(
            "web-health",
            base,
            100,
            1.0,
            HttpLimits(timeout_s=2),
            Budget.lasting(0.5),
        )
    assert 1 <= len(stopped) < 100


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_responses_not_errors(status):
    with http_server(reply(status, b'{"ok": false}')) as base:
        s = get(base + "/h")
    assert s.status == status and s.error is None


def test_connect_timeout_on_a_full_listen_queue():
    """A listener that never accepts, its queue filled: the next SYN gets no answer."""
    import contextlib
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    try:
        for _ in range(4):
            filler = socket.socket()
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(("127.0.0.1", port))
            fillers.append(filler)
        s = get(f"http://127.0.0.1:{port}/h", timeout_s=0.5)
    finally:
        for filler in fillers:
            filler.close()
        listener.close()
    assert s.error_kind == "timeout"
    assert "no connection within 0.5 s" in (s.error or "")


PROXY_VARIABLES = ("no_proxy", "NO_PROXY", "HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy")


def test_a_dead_proxy_is_named_not_the_target(monkeypatch):
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    port = closed_port()
    monkeypatch.setenv("http_proxy", f"http://user:pw-PROXY-scan@127.0.0.1:{port}")
    s = get("http://golive-target.invalid/h")
    assert (s.error_kind, s.error) == ("proxy", f"proxy 127.0.0.1:{port} refused the connection")


def test_a_proxy_that_refuses_connect_is_named_with_its_answer(monkeypatch):
    import socket
    import threading

    def forbid(conn: socket.socket, stop: threading.Event) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = conn.recv(4096)
            if not chunk:
                return
            head += chunk
        conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")

    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    from tests.faulty import socket_server

    with socket_server(forbid) as proxy:
        monkeypatch.setenv("https_proxy", proxy)
        s = get("https://golive-target.invalid/h")
    where = proxy.removeprefix("http://")
    assert s.error_kind == "proxy"
    assert s.error == f"the proxy {where} refused CONNECT to golive-target.invalid:443 (HTTP 403)"
