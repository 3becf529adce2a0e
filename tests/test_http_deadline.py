"""`http-timeout` bounds a whole request (connect, headers and body), and a response has at
most 99 headers (http.client's cap of 100 lines counts the blank one). Hostile servers on
127.0.0.1 drip a body or the headers for far longer than the timeout: each sample is cut at
it and recorded as a timeout, and the sampling goes on. No time is asserted: the evidence is
each sample's own record and the samples taken within a budget that one held sample would
have spent alone."""

from __future__ import annotations

import contextlib
import socket
import threading

import pytest

from golive_action.config import load_config
from golive_action.observe.budget import Budget
from golive_action.observe.http import HttpLimits, fetch, new_session, sample_endpoint
from golive_action.runner import run_gate
from tests.faulty import drip, http_server, socket_server

# How long a hostile server goes on at most: past the budget, so that one sample held by it
# would leave no room for a second.
HOSTILE_S = 20.0


def dripped_headers(conn: socket.socket, stop: threading.Event) -> None:
    """The status line, then a header a byte every 0.1 s, never ended."""
    request = b""
    while b"\r\n\r\n" not in request:
        chunk = conn.recv(4096)
        if not chunk:
            return
        request += chunk
    try:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: ")
        for _ in range(int(HOSTILE_S / 0.1)):
            if stop.wait(0.1):
                return
            conn.sendall(b"a")
    except OSError:
        return


def test_a_dripped_body_is_cut_at_http_timeout_and_the_sampling_goes_on():
    """1 byte every 0.2 s of a 100-byte body (20 s): each sample ends at the 1 s timeout."""
    with http_server(drip(chunks=100, pause_s=0.2)) as base:
        samples = sample_endpoint(
            "executor-health", base + "/h", 4, 0.0, HttpLimits(timeout_s=1), Budget.lasting(10)
        )
    assert len(samples) == 4
    assert all(s.error_kind == "timeout" for s in samples), [s.error for s in samples]
    # Each sample's own record: cut at the timeout, not held for the 20 s of the drip.
    assert all(s.elapsed_ms is not None and s.elapsed_ms < 3 * 1000 for s in samples)
    assert all(s.error == "response body not complete within 1 s" for s in samples)
    assert all(s.status == 200 for s in samples)  # the headers came: the body did not


def test_dripped_headers_are_cut_at_http_timeout():
    with socket_server(dripped_headers) as base:
        samples = sample_endpoint(
            "web-health", base + "/h", 3, 0.0, HttpLimits(timeout_s=1), Budget.lasting(10)
        )
    assert len(samples) == 3
    assert all(s.error_kind == "timeout" and s.status is None for s in samples)
    assert all(s.elapsed_ms is not None and s.elapsed_ms < 3 * 1000 for s in samples)
    assert all(s.error == "response headers not complete within 1 s" for s in samples)


def test_a_silent_server_is_still_no_response():
    """The whole-request deadline does not change what a server that says nothing is."""
    with socket_server(lambda conn, stop: stop.wait(HOSTILE_S)) as base:
        limits = HttpLimits(timeout_s=0.5)
        with new_session(limits) as session:
            sample = fetch(session, "web-health", base + "/h", limits)
    assert (sample.error_kind, sample.error) == ("timeout", "no response within 0.5 s")


def test_the_gate_keeps_sampling_a_dripping_executor(tmp_path):
    """The gate's window is 2 s and its `timeout` 60 s: executor-health has its samples,
    each a timeout, and the run did not wait for `timeout`."""
    with http_server(drip(chunks=100, pause_s=0.2)) as base:
        inputs = {
            "executor-url": base,
            "duration": "2",
            "samples": "2",
            "http-timeout": "1",
            "timeout": "60",
        }
        report = run_gate(load_config(inputs, {}))
    samples = report.observations.http.get("executor-health", [])
    assert len(samples) >= 2, report.observations.probe_errors
    assert all(s.error == "response body not complete within 1 s" for s in samples)
    check = report.check("executor-health")
    assert check is not None and "not complete within 1 s" in check.reason


def many_headers(count: int):
    """An answer of ``count`` header lines in all."""

    def handle(h) -> None:
        h.send_response(200)  # Server and Date: two headers already
        for i in range(count - 3):
            h.send_header(f"X-H{i}", "v")
        h.send_header("Content-Length", "12")
        h.end_headers()
        h.wfile.write(b'{"ok": true}')

    return handle


@pytest.mark.parametrize(("count", "refused"), [(99, False), (100, True), (150, True)])
def test_more_than_99_response_headers_are_refused(count, refused):
    limits = HttpLimits(timeout_s=2)
    with http_server(many_headers(count)) as base, new_session(limits) as session:
        sample = fetch(session, "web-health", base + "/h", limits)
    if refused:
        assert (sample.error_kind, sample.error) == ("too-large", "more than 99 response headers")
    else:
        assert sample.status == 200 and sample.error is None


def test_late_samples_still_stop_at_the_budget():
    """Answers slower than the schedule: the samples whose slots passed are taken at once,
    but none is begun that could not end within the budget (the gate drops a probe still
    running then, and every sample with it)."""
    import time

    def slow(h) -> None:
        time.sleep(0.4)
        h.send_response(200)
        h.send_header("Content-Length", "12")
        h.end_headers()
        h.wfile.write(b'{"ok": true}')

    with http_server(slow) as base:
        samples = sample_endpoint(
            "web-health", base + "/h", 20, 0.0, HttpLimits(timeout_s=0.5), Budget.lasting(1.5)
        )
    assert 1 <= len(samples) < 10  # 20 would have taken 8 s
    assert all(s.status == 200 for s in samples)


def test_a_name_of_many_addresses_that_never_answer_takes_one_http_timeout(monkeypatch):
    """Four addresses whose queues are full (the SYN is dropped): urllib3 gave each the whole
    timeout, four times http-timeout in all; each now gets what is left of one. The name
    stands for the four through getaddrinfo (no resolver here serves such a name)."""
    import socket

    from golive_action.observe import http as probe

    held: list[socket.socket] = []
    addresses: list[str] = []
    port = 0
    for last in range(2, 6):
        ip = f"127.0.0.{last}"
        listener = socket.socket()
        listener.bind((ip, port))
        listener.listen(0)
        port = listener.getsockname()[1]
        for _ in range(3):  # fill its queue: a new connection's SYN is dropped
            filler = socket.socket()
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect((ip, port))
            held.append(filler)
        held.append(listener)
        addresses.append(ip)
    real = socket.getaddrinfo

    def many(host, service, *args, **kwargs):
        if host == "four.invalid":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, service)) for ip in addresses]
        return real(host, service, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", many)
    given: list[float] = []  # the time each address was given to connect
    connect = socket.socket.connect

    def recorded(sock, address):
        if address[0] in addresses:
            given.append(sock.gettimeout())
        return connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", recorded)
    limits = probe.HttpLimits(timeout_s=1.0)
    try:
        sample = probe.fetch(
            probe.new_session(limits), "web-health", f"http://four.invalid:{port}/h", limits
        )
    finally:
        for sock in held:
            sock.close()
    assert sample.error_kind == "timeout", sample.error
    # The addresses shared the one timeout: urllib3 gave each all of it (4 s in all).
    assert given and sum(given) <= limits.timeout_s + 0.01, given
