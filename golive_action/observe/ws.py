"""The WebSocket probe (websocket-client): connect, subscribe, ping, listen, reconnect, for
the observation window. It records what happened; the judge decides. Protocol logic lives in
btcturk.py (FeedProtocol, fed every data frame); this module only moves frames and keeps
time."""

from __future__ import annotations

import contextlib
import random
import ssl
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import websocket

from golive_action.btcturk import FeedProtocol, subscribe_messages
from golive_action.model import WsConnection, WsObservation
from golive_action.observe import neterrors
from golive_action.observe.budget import Budget
from golive_action.text import one_line, url_without_userinfo

PROGRESS_EVERY_S = 10.0
CONNECT_LIMIT = 15  # BTCTurk refuses a client for 60 s past 15 connection attempts a minute
CONNECT_LIMIT_WINDOW_S = 60.0
# How long one receive waits, so that pings, the window's end and a cancellation are noticed
# on time.
RECV_SLICE_S = 0.1
_TEXT = websocket.ABNF.OPCODE_TEXT
NGINX_HINT = (
    "behind nginx, add map $http_upgrade $connection_upgrade and "
    "proxy_set_header Connection $connection_upgrade"
)


@dataclass(frozen=True)
class WsSettings:
    url: str
    pair: str
    duration_s: float
    open_timeout_s: float
    ping_interval_s: float = 2.0
    pong_timeout_s: float = 10.0
    backoff_initial_s: float = 0.25
    backoff_max_s: float = 10.0
    ca_bundle: str | None = None


def _describe(exc: BaseException, timeout_s: float) -> tuple[str, str, int | None]:
    """(kind, one-line reason, HTTP status of a refused upgrade) for a failed connection."""
    if isinstance(exc, websocket.WebSocketBadStatusException):
        status = exc.status_code
        return (
            "upgrade",
            (f"the proxy or server did not upgrade (HTTP {status} instead of 101); {NGINX_HINT}"),
            status,
        )
    # The exception's own type says what happened; what it wraps only when it does not
    # (websocket-client's address error around a DNS failure, say).
    if isinstance(exc, ssl.SSLError) and not isinstance(exc, ssl.SSLCertVerificationError):
        return "tls", "TLS handshake failed", None
    # Every failure here is of the opening handshake, and is worded as such.
    if isinstance(exc, websocket.WebSocketTimeoutException):
        return "timeout", f"no OPEN within {timeout_s:g} s", None
    if isinstance(exc, websocket.WebSocketConnectionClosedException | BrokenPipeError):
        return "closed", "the server closed the connection during the handshake", None
    network = neterrors.classify_outermost(exc, timeout_s)
    if network is not None and network.kind == "timeout":
        return "timeout", f"no OPEN within {timeout_s:g} s", None
    if network is not None and network.kind == "reset":
        return "closed", "the server closed the connection during the handshake", None
    if network is not None:
        return network.kind, network.reason, None
    return "other", f"{type(exc).__name__}: {exc}", None


class _Session:
    """One open connection: subscribe, ping, receive until it closes or the window ends.
    Data frames go to the feed's protocol; this class keeps the control frames and time."""

    def __init__(
        self,
        ws: websocket.WebSocket,
        obs: WsObservation,
        record: WsConnection,
        settings: WsSettings,
        feed: FeedProtocol,
    ) -> None:
        self.ws, self.obs, self.record = ws, obs, record
        self.settings, self.feed = settings, feed
        self.pending: dict[bytes, float] = {}
        self.sequence = 0

    def run(self, end: float, budget: Budget, progress: Callable[[], None]) -> bool:
        """Returns True when the window ended (or the gate was cancelled) with the connection
        still open."""
        for message in subscribe_messages(self.settings.pair):
            self.ws.send(message)
        self.ws.settimeout(RECV_SLICE_S)
        receive = self.feed.receive
        next_ping = time.monotonic()
        while True:
            now = time.monotonic()
            if now >= end or budget.cancelled():
                return True
            if now >= next_ping:
                self._ping()
                next_ping = now + self.settings.ping_interval_s
            self._expire_pings()
            progress()
            try:
                opcode, frame = self.ws.recv_data_frame(control_frame=True)
            except websocket.WebSocketTimeoutException:
                continue
            except (websocket.WebSocketException, OSError) as exc:
                self._closed(
                    None, f"connection lost: {one_line(str(exc), 120) or 'no close frame'}"
                )
                return False
            if opcode == _TEXT:  # the feed's frames, straight to the protocol
                receive(frame.data, time.time())
            elif not self._control(opcode, frame.data):
                return False

    def record_in_flight(self) -> None:
        """Pings still unanswered when the session ends: their age is a lower bound of their
        round trip, which the judge may use when it is already over the limit."""
        now = time.perf_counter()
        for sent in self.pending.values():
            if len(self.obs.pings_in_flight_ms) < WsObservation.MAX_PINGS:
                self.obs.pings_in_flight_ms.append((now - sent) * 1000.0)
        self.pending.clear()

    def _ping(self) -> None:
        self.sequence += 1
        payload = str(self.sequence).encode()
        self.pending[payload] = time.perf_counter()
        self.obs.pings_sent += 1
        self.ws.ping(payload)

    def _expire_pings(self) -> None:
        limit = time.perf_counter() - self.settings.pong_timeout_s
        for payload, sent in list(self.pending.items()):
            if sent < limit:
                del self.pending[payload]
                self.obs.pongs_missing += 1

    def _control(self, opcode: int, data: bytes) -> bool:
        """Any frame but text; False when it closed the connection."""
        received = time.time()
        if opcode == websocket.ABNF.OPCODE_PONG:
            sent = self.pending.pop(bytes(data), None)
            if sent is not None and len(self.obs.pings) < WsObservation.MAX_PINGS:
                rtt = (time.perf_counter() - sent) * 1000.0
                self.obs.pings.append((received - rtt / 1000.0, rtt))
            return True
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            code = int.from_bytes(data[:2], "big") if len(data) >= 2 else None
            reason = one_line(data[2:].decode("utf-8", "replace"), 120) or None
            self._closed(code, reason)
            return False
        if opcode == websocket.ABNF.OPCODE_PING:
            return True  # the library has answered it
        # A binary frame, or any other data opcode the library lets through, which was
        # always read as text.
        self.feed.receive(data, received, opcode == websocket.ABNF.OPCODE_BINARY)
        return True

    def _closed(self, code: int | None, reason: str | None) -> None:
        self.record.closed_at = time.time()
        self.record.close_code = code
        self.record.close_reason = reason


def observe_ws(
    settings: WsSettings,
    budget: Budget,
    progress: Callable[[str], None] | None = None,
) -> WsObservation:
    """Hold a connection to the feed for ``duration_s`` (or to the budget's deadline),
    reconnecting with exponential backoff and jitter, never past BTCTurk's 15 attempts a
    minute. Cancelled, it returns within a receive slice with what it has recorded."""
    obs = WsObservation(url_without_userinfo(settings.url), settings.pair, time.time())
    end = min(time.monotonic() + settings.duration_s, budget.deadline)
    attempts: deque[float] = deque()
    backoff = settings.backoff_initial_s
    feed = FeedProtocol(obs)
    started = time.monotonic()
    next_progress = [started + PROGRESS_EVERY_S]
    rng = random.Random()

    def report_progress() -> None:
        if progress is None or time.monotonic() < next_progress[0]:
            return
        next_progress[0] += PROGRESS_EVERY_S
        rtts = [r for _, r in obs.pings[-10:]]
        latency = f"{sorted(rtts)[len(rtts) // 2]:.0f} ms" if rtts else "n/a"
        open_now = bool(obs.connections) and obs.connections[-1].closed_at is None
        progress(
            f"ws: {time.monotonic() - started:.0f} s, {'OPEN' if open_now else 'CLOSED'}, "
            f"{sum(obs.messages.values())} messages, latency {latency}, "
            f"{len(obs.connections) - 1} reconnects"
        )

    while time.monotonic() < end and not budget.cancelled():
        while (
            len(attempts) >= CONNECT_LIMIT
            and time.monotonic() - attempts[0] < CONNECT_LIMIT_WINDOW_S
        ):
            wait = attempts[0] + CONNECT_LIMIT_WINDOW_S - time.monotonic()
            if time.monotonic() + wait >= end or budget.wait(min(wait, 0.5)):
                obs.ended_at = time.time()
                return obs
            report_progress()
        while attempts and time.monotonic() - attempts[0] >= CONNECT_LIMIT_WINDOW_S:
            attempts.popleft()
        attempts.append(time.monotonic())
        record = WsConnection(attempt_at=time.time())
        obs.connections.append(record)
        timeout = max(0.1, min(settings.open_timeout_s, end - time.monotonic()))
        start = time.perf_counter()
        try:
            sslopt = {"ca_certs": settings.ca_bundle} if settings.ca_bundle else None
            # UTF-8 is checked by our own decode (errors replaced); the library's check is pure
            # Python and takes seconds on a large frame.
            ws = websocket.create_connection(
                settings.url,
                timeout=timeout,
                sslopt=sslopt,
                enable_multithread=False,
                skip_utf8_validation=True,
            )
        except Exception as exc:  # every failure is a recorded observation
            kind, reason, status = _describe(exc, timeout)
            record.error, record.error_kind, record.http_status = (
                one_line(reason),
                kind,
                status,
            )
            record.closed_at = time.time()
            pause = backoff * rng.uniform(0.8, 1.2)
            backoff = min(backoff * 2, settings.backoff_max_s)
            sleep_until = min(time.monotonic() + pause, end)
            while time.monotonic() < sleep_until:
                if budget.wait(min(0.1, sleep_until - time.monotonic())):
                    break
                report_progress()
            continue
        record.open_ms = (time.perf_counter() - start) * 1000.0
        record.opened_at = time.time()
        feed.opened(record.opened_at)
        backoff = settings.backoff_initial_s  # an OPEN resets the backoff
        session = _Session(ws, obs, record, settings, feed)
        try:
            still_open = session.run(end, budget, report_progress)
        except Exception as exc:  # a send on a dying socket, say
            session._closed(None, one_line(f"connection lost: {exc}", 160))
            still_open = False
        finally:
            with contextlib.suppress(Exception):  # the socket may already be gone
                # Cancelled, the gate waits little for its probes: a server slow to answer
                # the close frame must not hold the evidence back.
                ws.close(timeout=0.3 if budget.cancelled() else 1)
        session.record_in_flight()
        if still_open:
            break
    obs.ended_at = time.time()
    return obs
