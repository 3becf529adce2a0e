"""The network-error classifier the HTTP, WebSocket and GitHub probes share, on exception
chains built by hand the way the libraries build them."""

from __future__ import annotations

import socket

import websocket

from golive_action.observe.neterrors import NetError, classify
from golive_action.observe.ws import _describe


def raised(exc: BaseException, cause: BaseException | None = None) -> BaseException:
    try:
        raise exc from cause
    except BaseException as caught:
        return caught


class Wrapper(Exception):
    """A library's exception that keeps its cause in ``reason``, as urllib3's do."""

    def __init__(self, reason: BaseException) -> None:
        super().__init__("wrapped")
        self.reason = reason


def test_a_cause_is_found_through_cause_reason_and_args():
    refused = ConnectionRefusedError(111, "Connection refused")
    chain = OSError(Wrapper(raised(RuntimeError("connect"), refused)))
    assert classify(chain, 5) == NetError("refused", "connection refused", True)


def test_a_decisive_cause_wins_over_a_symptom_met_first():
    dns = socket.gaierror(-2, "Name or service not known")
    reset = raised(ConnectionResetError(104, "reset"), dns)
    assert classify(reset, 5) == NetError("dns", "host name does not resolve", True)


def test_symptoms_are_not_decisive_and_a_timeout_names_its_limit():
    assert classify(TimeoutError("timed out"), 1.5) == NetError(
        "timeout", "no data within 1.5 s", False
    )
    reset = classify(ConnectionResetError(104, "reset"), 5)
    assert reset == NetError("reset", "connection reset by the server", False)


def test_no_network_error_is_none_and_a_cycle_ends():
    first, second = ValueError("a"), ValueError("b")
    first.__context__, second.__context__ = second, first
    assert classify(first, 5) is None


def describe(exc: BaseException) -> tuple[str, str]:
    """How the WebSocket probe words a failure of the upgrade, where websocket-client's own
    exceptions come from (it resolves and connects itself only to follow a redirect)."""
    kind, reason, _ = _describe("upgrade", exc, 5, "feed.example", False)
    return kind, reason


def test_the_websocket_probe_reads_the_cause_its_library_wraps():
    # websocket-client raises its own exception for a name that does not resolve.
    dns = socket.gaierror(-2, "Name or service not known")
    wrapped = raised(websocket.WebSocketAddressException(dns), dns)
    assert describe(wrapped) == ("dns", "host name does not resolve")


def test_the_websocket_probe_names_a_failure_by_its_own_type_first():
    """As before the classifier was shared: the exception caught says what happened, and
    what it wraps only names a failure the probe would otherwise call 'other'."""
    refused = ConnectionRefusedError(111, "Connection refused")
    timed_out = raised(TimeoutError("timed out"), refused)
    assert describe(timed_out) == ("timeout", "no OPEN within 5 s (stopped in the upgrade)")
    closed = raised(websocket.WebSocketConnectionClosedException("gone"), TimeoutError())
    assert describe(closed)[0] == "closed"
    dns = socket.gaierror(-2, "Name or service not known")
    address = raised(websocket.WebSocketAddressException(dns), dns)
    assert describe(address) == ("dns", "host name does not resolve")
