"""The WebSocket probe (websocket-client): connect, subscribe, ping, listen, reconnect, for
the observation window. It records what happened; the judge decides. Protocol logic lives in
btcturk.py (FeedProtocol, fed every data frame); this module only moves frames and keeps
time.

Each attempt opens in four timed phases (:class:`_Opening`): the name is resolved, a TCP
connection made (through the HTTP proxy of HTTPS_PROXY/HTTP_PROXY with a CONNECT, unless
NO_PROXY exempts the host), TLS negotiated for wss:// (certificates always verified, against
ca-bundle when given, with the host as SNI), and the upgrade sent over that socket by
websocket-client. The open timeout is one deadline for the four together. Once open, the
frames are read by :mod:`observe.wsframes` (under the cap of ws-max-frame-bytes, on the
receive loop's clock), not by websocket-client."""

from __future__ import annotations

import base64
import contextlib
import errno
import os
import random
import socket
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

import websocket
from websocket._url import get_proxy_info  # the library's own reading of the proxy variables

from golive_action.btcturk import FeedProtocol, subscribe_messages
from golive_action.model import WsConnection, WsObservation
from golive_action.observe import neterrors
from golive_action.observe.budget import Budget
from golive_action.observe.wsframes import (
    CLOSE_NORMAL,
    CLOSE_PROTOCOL_ERROR,
    CLOSE_TOO_BIG,
    FrameReader,
    ProtocolError,
    TooBig,
)
from golive_action.observe.wsframes import close as close_connection
from golive_action.text import one_line, url_without_userinfo

PROGRESS_EVERY_S = 10.0
CONNECT_LIMIT = 15  # BTCTurk refuses a client for 60 s past 15 connection attempts a minute
CONNECT_LIMIT_WINDOW_S = 60.0
# How long one receive waits, so that pings, the window's end and a cancellation are noticed
# on time.
RECV_SLICE_S = 0.1
# The receive loop's chores (ping, expiry, progress, cancellation) run this often at most.
CHORES_S = 0.01
# How often an opening looks at its deadline and at the gate's cancellation.
OPENING_SLICE_S = 0.05
_TEXT = websocket.ABNF.OPCODE_TEXT
NGINX_HINT = (
    "behind nginx, add map $http_upgrade $connection_upgrade and "
    "proxy_set_header Connection $connection_upgrade"
)
PHASE_NAMES = {
    "dns": "name resolution",
    "connect": "TCP connect",
    "tls": "TLS handshake",
    "upgrade": "upgrade",
}
# A connect that fails so goes on to the host's next address, as websocket-client did.
_NEXT_ADDRESS = {errno.ECONNREFUSED, errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL}
_HEAD_CAP = 64 * 1024  # of a proxy's answer to CONNECT
_T = TypeVar("_T")


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
    max_frame_bytes: int = 1024 * 1024  # ws-max-frame-bytes


class _Cut(Exception):
    """The opening was stopped: its deadline passed, or the gate was cancelled."""

    def __init__(self, cancelled: bool) -> None:
        super().__init__("cancelled" if cancelled else "deadline")
        self.cancelled = cancelled


class _ProxyRefused(Exception):
    def __init__(self, proxy: str, target: str, status: int | None) -> None:
        super().__init__(status)
        self.proxy, self.target, self.status = proxy, target, status


class _PhaseFailed(Exception):
    def __init__(self, phase: str, cause: BaseException) -> None:
        super().__init__(phase)
        self.phase, self.cause = phase, cause


class _Tls:
    """The client's TLS context, made once per probe: verification on, ca-bundle when given
    (else websocket-client's WEBSOCKET_CLIENT_CA_BUNDLE, else the system's CAs)."""

    def __init__(self, ca_bundle: str | None) -> None:
        self.ca_bundle = ca_bundle
        self._context: ssl.SSLContext | None = None
        # For websocket-client's own sockets: those of a redirect it follows.
        self.sslopt: dict[str, Any] | None = {"ca_certs": ca_bundle} if ca_bundle else None

    def context(self) -> ssl.SSLContext:
        if self._context is None:
            cafile, capath = self.ca_bundle, None
            fallback = os.environ.get("WEBSOCKET_CLIENT_CA_BUNDLE")
            if cafile is None and fallback and os.path.isfile(fallback):
                cafile = fallback
            elif cafile is None and fallback and os.path.isdir(fallback):
                capath = fallback
            self._context = ssl.create_default_context(cafile=cafile, capath=capath)
        return self._context


class _Opening:
    """One attempt at OPEN, phase by phase, each phase timed into the attempt's record.

    The open timeout is one deadline for the whole opening. The name is resolved in a
    thread of its own (getaddrinfo has no timeout), so that a resolver that hangs holds
    neither the deadline nor a cancellation; from the TCP connect on, a watchdog shuts the
    socket down when the deadline passes or the gate is cancelled, which wakes a blocked
    connect, TLS handshake or read of the upgrade's answer at once."""

    def __init__(
        self,
        settings: WsSettings,
        tls: _Tls,
        record: WsConnection,
        timeout_s: float,
        budget: Budget,
    ) -> None:
        self.settings, self.tls, self.record, self.budget = settings, tls, record, budget
        self.deadline = time.monotonic() + timeout_s
        self.timeout_s = timeout_s
        self._lock = threading.Lock()
        self._finished = threading.Event()
        self._cut: _Cut | None = None
        self._sock: socket.socket | None = None
        parts = urlsplit(settings.url)
        self.secure = parts.scheme.lower() == "wss"
        self.host = parts.hostname or ""
        self.port = parts.port or (443 if self.secure else 80)
        self.resolving = self.host  # the name looked up: the proxy's, when there is one
        self._proxy_auth: tuple[str, str] | None = None
        self._tunnelling = False  # connected to the proxy: CONNECT under way
        # ws-url's userinfo, as the upgrade's Basic credentials (as requests makes them of
        # an http URL's: decoded, user:password); never in the URL the library is given.
        self._authorization: str | None = None
        if parts.username is not None or parts.password is not None:
            pair = f"{unquote(parts.username or '')}:{unquote(parts.password or '')}"
            self._authorization = "Basic " + base64.b64encode(pair.encode()).decode()

    def open(self) -> websocket.WebSocket:
        """The open WebSocket, or :class:`_PhaseFailed` with the phase and the cause."""
        watchdog = threading.Thread(target=self._watch, daemon=True, name="golive-ws-open")
        watchdog.start()
        try:
            return self._phases()
        finally:
            with self._lock:
                self._finished.set()
            watchdog.join()

    def describe(self, failed: _PhaseFailed) -> tuple[str, str, int | None]:
        """(kind, one-line reason, HTTP status of a refused upgrade) of a failed opening."""
        proxy = self.record.proxy
        if proxy is not None and failed.phase == "connect":
            named = _proxy_failure(failed.cause, proxy, self._tunnelling)
            if named is not None:  # the proxy's failure, not the feed's
                return "proxy", named, None
        if self._authorization is not None and _redirect_refused(failed.cause):
            return (
                "redirect",
                "the server answered the upgrade with a redirect, which the probe does not "
                "follow with the credentials of ws-url (they would go to the redirect's "
                "host); fix: give ws-url the URL the redirect names",
                None,
            )
        host = self.resolving if failed.phase == "dns" else self.host
        if failed.phase == "dns" and self.record.proxy is not None:
            host = f"{host} (the proxy's)"
        return _describe(
            failed.phase, failed.cause, self.timeout_s, host, self.settings.ca_bundle is not None
        )

    def _phases(self) -> websocket.WebSocket:
        addresses = self._timed("dns", self._resolve)
        sock = self._timed("connect", lambda: self._connect(addresses))
        try:
            if self.record.proxy is not None:
                self._timed("connect", lambda: self._tunnel(sock), add=True)
            if self.secure:
                sock = self._timed("tls", lambda: self._tls(sock))
            return self._timed("upgrade", lambda: self._upgrade(sock))
        except BaseException:
            sock.close()
            if self._sock is not None:  # the TLS socket, which a failed handshake leaves open
                self._sock.close()
            raise

    def _timed(self, phase: str, step: Callable[[], _T], add: bool = False) -> _T:
        start = time.perf_counter()
        try:
            result = step()
            self._check()  # a step the watchdog cut short may still have returned
        except BaseException as exc:
            setattr(self.record, f"{phase}_ms", None)  # a phase that failed has no time
            raise _PhaseFailed(phase, self._cut or exc) from exc
        ms = (time.perf_counter() - start) * 1000.0
        field = f"{phase}_ms"
        before = getattr(self.record, field) if add else None
        setattr(self.record, field, ms + (before or 0.0))
        return result

    def _check(self) -> None:
        with self._lock:
            if self._cut is not None:
                raise self._cut

    def _remaining(self) -> float:
        self._check()
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise _Cut(cancelled=False)
        return left

    def _watch(self) -> None:
        while not self._finished.wait(OPENING_SLICE_S):
            with self._lock:
                if self._finished.is_set():
                    return
                cancelled = self.budget.cancelled()
                if not cancelled and time.monotonic() < self.deadline:
                    continue
                self._cut = _Cut(cancelled)
                if self._sock is not None:
                    # The plain socket's shutdown, even under TLS: it wakes any blocked call.
                    with contextlib.suppress(OSError):
                        socket.socket.shutdown(self._sock, socket.SHUT_RDWR)
                return

    def _guard(self, sock: socket.socket) -> None:
        with self._lock:
            self._sock = sock

    def _resolve(self) -> list[Any]:
        """The addresses to connect to: the proxy's (HTTPS_PROXY for wss://, HTTP_PROXY for
        ws://, unless NO_PROXY names the host, as websocket-client reads them), else the
        host's."""
        proxy_host, proxy_port, proxy_auth = get_proxy_info(self.host, self.secure)
        name, port = self.host, self.port
        if proxy_host:
            name, port = proxy_host, proxy_port or 80
            self.resolving, self._proxy_auth = name, proxy_auth
            self.record.proxy = neterrors.host_port(name, port)
        found: list[Any] = []
        failed: list[BaseException] = []
        resolved = threading.Event()

        def lookup() -> None:
            try:
                found.extend(
                    socket.getaddrinfo(name, port, 0, socket.SOCK_STREAM, socket.IPPROTO_TCP)
                )
            except BaseException as exc:  # handed to the opening, which records it
                failed.append(exc)
            finally:
                resolved.set()

        threading.Thread(target=lookup, daemon=True, name="golive-ws-dns").start()
        while not resolved.wait(min(OPENING_SLICE_S, self._remaining())):
            pass
        if failed:
            raise failed[0]
        if not found:
            raise socket.gaierror(socket.EAI_NONAME, "no address")
        return found

    def _connect(self, addresses: list[Any]) -> socket.socket:
        last: OSError | None = None
        for family, kind, proto, _, address in addresses:
            sock = socket.socket(family, kind, proto)
            try:
                for option in websocket.DEFAULT_SOCKET_OPTION:
                    sock.setsockopt(*option)
                self._guard(sock)
                sock.settimeout(self._remaining())
                sock.connect(address)
                return sock
            except OSError as exc:
                sock.close()
                self._check()
                if exc.errno not in _NEXT_ADDRESS:
                    raise
                last = exc
            except BaseException:
                sock.close()
                raise
        assert last is not None  # getaddrinfo gives at least one address
        raise last

    def _tunnel(self, sock: socket.socket) -> None:
        """CONNECT through the HTTP proxy, as websocket-client does (Basic auth from the
        proxy URL's userinfo)."""
        self._tunnelling = True
        target = neterrors.host_port(self.host, self.port)
        lines = [f"CONNECT {target} HTTP/1.1", f"Host: {target}"]
        auth = self._proxy_auth
        if auth and auth[0]:
            token = base64.b64encode(":".join(a for a in auth if a).encode()).decode()
            lines.append(f"Proxy-Authorization: Basic {token}")
        sock.settimeout(self._remaining())
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = b""
        while not head.endswith(b"\r\n\r\n") and len(head) < _HEAD_CAP:
            sock.settimeout(self._remaining())
            byte = sock.recv(1)  # one at a time: what follows the answer is the tunnel's
            if not byte:
                raise ConnectionResetError("the proxy closed the connection")
            head += byte
        status_line = head.split(b"\r\n", 1)[0].split()
        status = int(status_line[1]) if len(status_line) > 1 and status_line[1].isdigit() else None
        if status != 200:
            raise _ProxyRefused(self.record.proxy or "", target, status)

    def _tls(self, sock: socket.socket) -> ssl.SSLSocket:
        wrapped = self.tls.context().wrap_socket(
            sock, server_hostname=self.host, do_handshake_on_connect=False
        )
        self._guard(wrapped)
        wrapped.settimeout(self._remaining())
        wrapped.do_handshake()
        return wrapped

    def _upgrade(self, sock: socket.socket) -> websocket.WebSocket:
        left = self._remaining()
        sock.settimeout(left)
        # The Host and Origin headers come from the URL, as when the library connects
        # itself; a redirect it follows gets a socket of its own, with the same options.
        # UTF-8 is checked by our own decode (errors replaced); the library's check is pure
        # Python and takes seconds on a large frame. Credentials go in a header, and then
        # no redirect is followed: the library would send them to any host it names.
        credentials: dict[str, Any] = {}
        if self._authorization is not None:
            credentials = {"header": [f"Authorization: {self._authorization}"]}
            credentials["redirect_limit"] = 0
        ws = websocket.create_connection(
            url_without_userinfo(self.settings.url),
            timeout=left,
            socket=sock,
            sslopt=self.tls.sslopt,
            enable_multithread=False,
            skip_utf8_validation=True,
            **credentials,
        )
        return ws


def _redirect_refused(exc: BaseException) -> bool:
    """websocket-client's refusal to follow a redirect past its limit (0 with credentials)."""
    return isinstance(exc, websocket.WebSocketException) and "Redirect limit" in str(exc)


def _proxy_failure(exc: BaseException, proxy: str, tunnelling: bool) -> str | None:
    """The proxy's failure in one line, naming it: it refused the connection, or closed it
    before answering CONNECT; None for anything else (a timeout, a refused CONNECT, which
    are worded as such)."""
    if not tunnelling and isinstance(exc, OSError) and exc.errno in _NEXT_ADDRESS:
        return f"proxy {proxy} refused the connection"
    if tunnelling and isinstance(exc, ConnectionError | EOFError):
        return f"the proxy {proxy} closed the connection before answering CONNECT"
    return None


def _describe(
    phase: str, exc: BaseException, timeout_s: float, host: str, ca_bundle: bool
) -> tuple[str, str, int | None]:
    """(kind, one-line reason, HTTP status of a refused upgrade) for a failed opening, from
    the phase it failed in and what stopped it."""
    where = PHASE_NAMES.get(phase, phase)
    if isinstance(exc, _Cut):
        if exc.cancelled:
            return "cancelled", f"the gate was cancelled during the {where}", None
        return "timeout", f"no OPEN within {timeout_s:g} s (stopped in the {where})", None
    if isinstance(exc, websocket.WebSocketBadStatusException):
        status = exc.status_code
        return (
            "upgrade",
            (f"the proxy or server did not upgrade (HTTP {status} instead of 101); {NGINX_HINT}"),
            status,
        )
    if isinstance(exc, _ProxyRefused):
        answer = f"HTTP {exc.status}" if exc.status is not None else "no HTTP answer"
        return "proxy", f"the proxy {exc.proxy} refused CONNECT to {exc.target} ({answer})", None
    if isinstance(exc, ssl.SSLCertVerificationError):
        return "tls", neterrors.certificate_reason(exc, host, ca_bundle), None
    if isinstance(exc, socket.gaierror) and phase == "dns":
        return (
            "dns",
            f"the host name {host} does not resolve ({exc.strerror or exc}); "
            "fix: check the host of ws-url",
            None,
        )
    if phase == "tls" and isinstance(exc, ssl.SSLError | ConnectionError | EOFError):
        detail = getattr(exc, "reason", None) or "the server closed the connection"
        return (
            "tls",
            f"TLS handshake failed ({detail}); fix: check that the server speaks TLS on this "
            "port (wss:// needs a TLS listener)",
            None,
        )
    # The exception's own type says what happened; what it wraps only when it does not
    # (websocket-client's address error around a DNS failure, say).
    if isinstance(exc, ssl.SSLError):
        return "tls", "TLS handshake failed", None
    # Every failure here is of the opening handshake, and is worded as such.
    if isinstance(exc, websocket.WebSocketTimeoutException):
        return "timeout", f"no OPEN within {timeout_s:g} s (stopped in the {where})", None
    if isinstance(exc, websocket.WebSocketConnectionClosedException | BrokenPipeError):
        return "closed", "the server closed the connection during the handshake", None
    network = neterrors.classify_outermost(exc, timeout_s)
    if network is not None and network.kind == "timeout":
        return "timeout", f"no OPEN within {timeout_s:g} s (stopped in the {where})", None
    if network is not None and network.kind == "reset":
        return "closed", "the server closed the connection during the handshake", None
    if network is not None:
        return network.kind, network.reason, None
    return "other", f"{type(exc).__name__}: {exc}", None


class _Session:
    """One open connection: subscribe, ping, receive until it closes or the window ends.
    Data frames go to the feed's protocol; this class keeps the control frames and time.
    Frames come from ``reader`` (:class:`FrameReader`), which hands back control at the
    chores' next moment, whatever the server sends or holds back."""

    def __init__(
        self,
        ws: websocket.WebSocket,
        reader: FrameReader,
        obs: WsObservation,
        record: WsConnection,
        settings: WsSettings,
        feed: FeedProtocol,
    ) -> None:
        self.ws, self.reader, self.obs, self.record = ws, reader, obs, record
        self.settings, self.feed = settings, feed
        self.pending: dict[bytes, float] = {}
        self.sequence = 0
        # How the probe closes the connection at the end (code, reason), and whether the
        # server's close is still to be waited for.
        self.close_code = CLOSE_NORMAL
        self.close_reason = b""
        self.await_close = True

    def run(self, end: float, budget: Budget, progress: Callable[[], None]) -> bool:
        """Returns True when the window ended (or the gate was cancelled) with the connection
        still open."""
        for message in subscribe_messages(self.settings.pair):
            self.ws.send(message)
        self.ws.settimeout(RECV_SLICE_S)
        receive = self.feed.receive
        reader = self.reader
        next_frame = reader.next
        monotonic = time.monotonic
        cancelled = budget.cancel.is_set
        next_ping = monotonic()
        # The chores (ping, expiry, progress, cancellation) run at most every CHORES_S, not
        # for every frame: at the feed's rate they would cost as much as the frames.
        next_chores = 0.0
        while True:
            now = monotonic()
            if now >= next_chores:
                if now >= end or cancelled():
                    return True
                if now >= next_ping:
                    self._ping()
                    next_ping = now + self.settings.ping_interval_s
                if self.pending:
                    self._expire_pings()
                progress()
                next_chores = min(now + CHORES_S, end, next_ping)
            try:
                # None at the chores' moment: a frame half read waits in the reader.
                found = next_frame(next_chores)
            except ProtocolError as exc:
                self._refuse(CLOSE_PROTOCOL_ERROR, b"protocol error", f"protocol error: {exc}")
                return False
            except (websocket.WebSocketException, OSError) as exc:
                self._closed(
                    None, f"connection lost: {one_line(str(exc), 120) or 'no close frame'}"
                )
                return False
            if found is None:
                continue
            if isinstance(found, TooBig):
                self._too_big(found)
                return False
            opcode, data = found
            if opcode == _TEXT:  # the feed's frames, straight to the protocol
                receive(data, reader.read_at)
            elif not self._control(opcode, data):
                return False

    def record_in_flight(self) -> None:
        """Pings still unanswered when the session ends: their age is a lower bound of their
        round trip, which the judge may use when it is already over the limit."""
        now, wall = time.perf_counter(), time.time()
        for sent in self.pending.values():
            if len(self.obs.pings_in_flight_ms) < WsObservation.MAX_PINGS:
                age_s = now - sent
                self.obs.pings_in_flight_ms.append(age_s * 1000.0)
                self.obs.pings_unanswered.append((wall - age_s, age_s * 1000.0))
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
        # When the frame came off the socket: the read that completed it.
        received, received_perf = self.reader.read_at, self.reader.read_perf
        if opcode == websocket.ABNF.OPCODE_PONG:
            sent = self.pending.pop(bytes(data), None)
            if sent is not None and len(self.obs.pings) < WsObservation.MAX_PINGS:
                rtt = (received_perf - sent) * 1000.0
                self.obs.pings.append((received - rtt / 1000.0, rtt))
            return True
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            code = int.from_bytes(data[:2], "big") if len(data) >= 2 else None
            reason = one_line(data[2:].decode("utf-8", "replace"), 120) or None
            self._closed(code, reason)
            self.await_close = False  # the server's close came: the probe's answers it
            return False
        if opcode == websocket.ABNF.OPCODE_PING:
            self.ws.pong(data)
            return True
        # A binary frame, which was always read as text.
        self.feed.receive(data, received, opcode == websocket.ABNF.OPCODE_BINARY)
        return True

    def _too_big(self, big: TooBig) -> None:
        """A frame or message over the cap: none of it is read; the connection is closed
        with 1009, and the attempt says what was refused."""
        self.record.too_big, self.record.too_big_bytes = big.what, big.size
        self._refuse(
            CLOSE_TOO_BIG,
            b"message too big",
            f"the probe closed it: a {big.what} of {big.size} bytes, over the cap of "
            f"{big.cap} bytes (ws-max-frame-bytes)",
        )

    def _refuse(self, code: int, sent: bytes, why: str) -> None:
        """The probe ends the connection for what the server sent: ``code`` and ``sent`` go
        to the server in the close frame; ``why`` is the attempt's record of it."""
        self.close_code, self.close_reason, self.await_close = code, sent, False
        self._closed(code, why)

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
    obs.frame_cap_bytes = settings.max_frame_bytes
    end = min(time.monotonic() + settings.duration_s, budget.deadline)
    attempts: deque[float] = deque()
    backoff = settings.backoff_initial_s
    feed = FeedProtocol(obs, settings.max_frame_bytes)
    started = time.monotonic()
    next_progress = [started + PROGRESS_EVERY_S]
    rng = random.Random()
    tls = _Tls(settings.ca_bundle)
    first_attempt: float | None = None  # perf_counter of the first attempt

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
        if first_attempt is None:
            first_attempt = time.perf_counter()
            obs.first_attempt_at = record.attempt_at
        timeout = max(0.1, min(settings.open_timeout_s, end - time.monotonic()))
        start = time.perf_counter()
        opening = _Opening(settings, tls, record, timeout, budget)
        try:
            ws = opening.open()
        except _PhaseFailed as failed:  # every failure is a recorded observation
            kind, reason, status = opening.describe(failed)
            record.error, record.error_kind, record.http_status = (
                one_line(reason),
                kind,
                status,
            )
            record.failed_phase = failed.phase
            record.closed_at = time.time()
            pause = backoff * rng.uniform(0.8, 1.2)
            backoff = min(backoff * 2, settings.backoff_max_s)
            sleep_until = min(time.monotonic() + pause, end)
            while time.monotonic() < sleep_until:
                if budget.wait(min(0.1, sleep_until - time.monotonic())):
                    break
                report_progress()
            continue
        opened = time.perf_counter()
        record.open_ms = (opened - start) * 1000.0
        record.opened_at = time.time()
        if obs.time_to_open_s is None:
            obs.time_to_open_s = opened - first_attempt
        feed.opened(record.opened_at)
        backoff = settings.backoff_initial_s  # an OPEN resets the backoff
        reader = FrameReader(ws._recv, settings.max_frame_bytes)
        session = _Session(ws, reader, obs, record, settings, feed)
        try:
            still_open = session.run(end, budget, report_progress)
        except Exception as exc:  # a send on a dying socket, say
            session._closed(None, one_line(f"connection lost: {exc}", 160))
            still_open = False
        finally:
            # Cancelled, the gate waits little for its probes: a server slow to answer the
            # close frame must not hold the evidence back.
            wait = (0.3 if budget.cancelled() else 1.0) if session.await_close else 0.0
            close_connection(ws, reader, session.close_code, session.close_reason, wait)
        session.record_in_flight()
        if still_open:
            break
    obs.ended_at = time.time()
    return obs
