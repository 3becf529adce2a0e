"""HTTP probe: timed requests with timeouts and a body cap, recorded as HttpSample.

The probe records; it never decides. Every failure to get a full response becomes a sample
with a one-line ``error`` and an ``error_kind``, never an exception. ``http-timeout`` bounds
each socket operation and the whole request too (connect, headers and body, redirects
included): a watchdog shuts the request's sockets down when it passes (:class:`_Deadline`),
so that a server that drips its answer is cut there.
"""

from __future__ import annotations

import contextlib
import dataclasses
import email.utils
import io
import re
import socket
import ssl
import struct
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import MaxRetryError
from urllib3.exceptions import ProxyError as ProxyFailed

from golive_action.model import HttpSample, SampleSource
from golive_action.observe import neterrors
from golive_action.observe.budget import Budget
from golive_action.text import one_line, url_without_userinfo

USER_AGENT = "golive-action"
CONFIRM_PAUSE_S = 0.2  # before the second try that confirms a refused connection


@dataclass(frozen=True)
class HttpLimits:
    timeout_s: float = 10.0  # connect timeout, read timeout, and the cap on reading one body
    body_cap: int = 1024 * 1024  # bytes of (decoded) body read at most
    keep_chars: int = 16 * 1024  # characters of body kept in the observation
    max_redirects: int = 5
    ca_bundle: str | None = None  # PEM file for private CAs; verification is always on


class _BodyTooLarge(Exception):
    pass


class _BodyTooSlow(Exception):
    pass


# http.client refuses a response's 100th header line (its _MAXHEADERS counts the blank line
# that ends them): named here, so that the sample says so rather than "connection failed".
MAX_RESPONSE_HEADERS = 99
_TOO_MANY_HEADERS = re.compile(r"got more than \d+ headers")

# How far a request got when its deadline passed, and what its sample says then.
_LATE = {
    "connect": "no connection within {t:g} s",
    "response": "no response within {t:g} s",
    "headers": "response headers not complete within {t:g} s",
    "body": "response body not complete within {t:g} s",
}


class _Deadline:
    """One fetch's deadline: ``http-timeout`` for connect, headers and body together (a
    socket's own timeout holds for one operation only, and a server that drips a byte a
    second never lets it pass). A timer shuts down the sockets of the connections the fetch
    used when it passes, which wakes a blocked connect, TLS handshake or read at once; the
    fetch then records a timeout at the stage it had reached."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._connections: list[Any] = []
        self._timer: threading.Timer | None = None
        self._at: float | None = None  # time.monotonic()
        self.passed = False
        self.stage = "connect"

    @contextlib.contextmanager
    def running(self, seconds: float) -> Iterator[None]:
        timer = threading.Timer(seconds, self._expire)
        timer.daemon = True
        with self._lock:
            self._connections.clear()
            self._at, self._timer = time.monotonic() + seconds, timer
            self.passed, self.stage = False, "connect"
        timer.start()
        try:
            yield
        finally:
            self.stop()

    def stop(self) -> bool:
        """End the watch (the fetch is over); True when the deadline had passed."""
        with self._lock:
            timer, self._timer, self._at = self._timer, None, None
            self._connections.clear()
        if timer is not None:
            timer.cancel()
        return self.passed

    def watch(self, connection: Any, stage: str | None = None) -> None:
        """A connection the fetch uses, or a response's socket (which a connection that
        closes after the response lets go of), from now; ``stage`` when it starts one."""
        with self._lock:
            if self._at is None:
                return  # not a fetch's (the clock probe's requests, say)
            if stage is not None and not self.passed:
                self.stage = stage
            if connection not in self._connections:
                self._connections.append(connection)
            if self.passed:
                _shut(connection)

    def reached(self, stage: str) -> None:
        with self._lock:
            if self._at is not None and not self.passed:
                self.stage = stage

    def remaining(self) -> float | None:
        with self._lock:
            return None if self._at is None else max(0.0, self._at - time.monotonic())

    def _expire(self) -> None:
        with self._lock:
            if self._timer is None:
                return  # the fetch ended first
            self.passed = True
            for connection in self._connections:
                _shut(connection)


def _shut(held: Any) -> None:
    """Shut down a socket, or a connection's (its socket at this moment: a TLS handshake
    still runs on the plain one)."""
    sock = held if isinstance(held, socket.socket) else getattr(held, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            # The plain socket's shutdown, even under TLS: it wakes any blocked call.
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


# Linux stamps each packet as it arrives (SO_TIMESTAMPNS; Python's socket module does not
# name it): a read then says when its bytes came, however late the client got to it.
_SO_TIMESTAMPNS = 35 if sys.platform == "linux" else None
_TIMESPEC = struct.Struct("@qq")  # struct timespec of a 64-bit Linux
_STAMP_ROOM = socket.CMSG_SPACE(_TIMESPEC.size) if hasattr(socket, "CMSG_SPACE") else 0


def _stampable(sock: Any) -> bool:
    """A plain TCP socket of a 64-bit Linux, whose arrival stamps the kernel can give."""
    return (
        _SO_TIMESTAMPNS is not None
        and type(sock) is socket.socket
        and bool(_STAMP_ROOM)
        and struct.calcsize("@l") == 8
    )


def _stamp_arrivals(sock: Any) -> bool:
    """Ask the kernel to stamp what ``sock`` receives: plain TCP on 64-bit Linux only (TLS
    reads bytes through its own layer; elsewhere the read's own time is used)."""
    if not _stampable(sock):
        return False
    try:
        sock.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)
    except OSError:
        return False
    return True


def _stamped(sock: Any) -> bool:
    """Whether the kernel stamps what ``sock`` receives (``_stamp_arrivals`` asked it to)."""
    if not _stampable(sock):
        return False
    try:
        return bool(sock.getsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS))
    except OSError:
        return False


@dataclass
class _WireTimes:
    """When one fetch met the wire: its first connect or first byte sent, and the last
    socket read that brought bytes of an answer (a redirect's hops in between), with the
    kernel's stamp of their arrival when it gives one."""

    started: float | None = None  # perf_counter
    started_ns: int | None = None  # time.time_ns(), to compare with the kernel's stamps
    received: float | None = None  # perf_counter after the read
    arrived_ns: int | None = None  # the kernel's stamp of the bytes that read brought

    def reset(self) -> None:
        self.started = self.received = None
        self.started_ns = self.arrived_ns = None

    def start(self) -> None:
        if self.started is None:
            self.started = time.perf_counter()
            self.started_ns = time.time_ns()

    def elapsed_s(self) -> float | None:
        """From the first byte out to the last byte in; None when the connections did not
        see both. The kernel's arrival stamp, where there is one, can only shorten the
        read's own time (the bytes were there before they were read), and a clock stepped
        in between never makes it negative."""
        if self.started is None or self.received is None:
            return None
        read = self.received - self.started
        if self.arrived_ns is None or self.started_ns is None:
            return read
        return min(read, max(0.0, (self.arrived_ns - self.started_ns) / 1e9))


class _TimedRaw(io.RawIOBase):
    """A socket's raw reader that notes when a read brought bytes (and the kernel's stamp
    of their arrival, on a stamped socket). Closing it closes the reader it stands for."""

    def __init__(
        self, sock: Any, raw: Any, wire: _WireTimes, stamped: bool, deadline: _Deadline
    ) -> None:
        super().__init__()
        self._sock = sock
        self._raw = raw
        self._wire = wire
        self._stamped = stamped
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self._stamped:
            count: int = self._raw.readinto(buffer)
            if count:
                self._wire.received, self._wire.arrived_ns = time.perf_counter(), None
                self._came()
            return count
        count, ancillary, _, _ = self._sock.recvmsg_into([buffer], _STAMP_ROOM)
        if count:
            self._came()
            self._wire.received, self._wire.arrived_ns = time.perf_counter(), None
            for level, kind, data in ancillary:
                if level == socket.SOL_SOCKET and kind == _SO_TIMESTAMPNS:
                    seconds, nanoseconds = _TIMESPEC.unpack_from(data)
                    self._wire.arrived_ns = seconds * 1_000_000_000 + nanoseconds
        return int(count)

    def _came(self) -> None:
        """Bytes of an answer came: a deadline that passes now passes in its headers."""
        if self._deadline.stage == "response":
            self._deadline.reached("headers")

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


class _TimedAdapter(requests.adapters.HTTPAdapter):
    """Times a fetch on the wire, from its first byte out to the last byte in, so that the
    latency measured is the server's and the network's, not the work of requests, urllib3
    and http.client around the request: preparing it (merging settings, reading proxy
    variables, ~1 ms here) and parsing and wrapping the answer (~0.7 ms). Its connections
    note the moments in ``wire``."""

    def __init__(self) -> None:
        self.wire = _WireTimes()
        self.deadline = _Deadline()
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        _time_pools(self.poolmanager, self.wire, self.deadline)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        _time_pools(manager, self.wire, self.deadline)
        return manager


def _time_pools(manager: Any, wire: _WireTimes, deadline: _Deadline) -> None:
    """Give a urllib3 pool manager pools whose connections note their moments in ``wire``
    and are watched by ``deadline``."""
    if getattr(manager, "golive_timed", False):
        return
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    manager.pool_classes_by_scheme = {
        "http": _timed_pool(HTTPConnectionPool, wire, deadline),
        "https": _timed_pool(HTTPSConnectionPool, wire, deadline),
    }
    manager.golive_timed = True


class _TooManyHeaders(Exception):
    pass


def _connect_within(conn: Any, deadline: _Deadline) -> Any:
    """A socket to ``conn``'s host (the proxy's, through one), each address and the name's
    resolution within ``deadline``; urllib3's exceptions, as its own ``_new_conn`` raises."""
    import socket as socket_module

    from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
    from urllib3.util import connection
    from urllib3.util.connection import allowed_gai_family

    host = str(conn._dns_host).strip("[]")
    current = conn.timeout if isinstance(conn.timeout, int | float) else None

    def left() -> float | None:
        remaining = deadline.remaining()
        if remaining is None:
            return current
        return remaining if current is None else min(current, remaining)

    resolved: list[Any] = []
    failed: list[BaseException] = []

    def resolve() -> None:
        try:
            resolved.extend(
                socket_module.getaddrinfo(
                    host, conn.port, allowed_gai_family(), socket_module.SOCK_STREAM
                )
            )
        except BaseException as exc:  # handed to the caller
            failed.append(exc)

    resolver = threading.Thread(target=resolve, name="golive-http-dns", daemon=True)
    resolver.start()
    resolver.join(left())
    if resolver.is_alive():
        raise ConnectTimeoutError(conn, f"the name {host} did not resolve in time")
    if failed:
        error = failed[0]
        if isinstance(error, socket_module.gaierror):
            raise NameResolutionError(conn.host, conn, error) from error
        raise NewConnectionError(conn, f"Failed to establish a new connection: {error}") from error
    last: OSError | None = None
    for _family, _type, _proto, _name, address in resolved:
        budget = left()
        if budget is not None and budget <= 0:
            break
        try:
            return connection.create_connection(
                (str(address[0]), int(address[1])),
                max(0.001, budget) if budget is not None else conn.timeout,
                source_address=conn.source_address,
                socket_options=conn.socket_options,
            )
        except OSError as exc:
            last = exc
    # Chained as urllib3 chains them: the classifier of network errors reads the cause.
    if last is None or isinstance(last, TimeoutError | socket_module.timeout):
        raise ConnectTimeoutError(conn, f"Connection to {conn.host} timed out") from last
    raise NewConnectionError(conn, f"Failed to establish a new connection: {last}") from last


def _timed_pool(pool: Any, wire: _WireTimes, deadline: _Deadline) -> Any:
    import http.client

    class TimedResponse(http.client.HTTPResponse):
        """http.client's own response, read through a reader that notes when the bytes
        came: what http.client, urllib3 and requests do with them afterwards is left out."""

        def __init__(self, sock: Any, *args: Any, **kwargs: Any) -> None:
            super().__init__(sock, *args, **kwargs)
            # Kept, not dropped: collected, it would close the socket's reader under us.
            self._untimed_fp = self.fp
            stamped = _stamped(sock)
            raw = _TimedRaw(sock, self.fp.raw, wire, stamped, deadline)
            self.fp = io.BufferedReader(raw)
            deadline.watch(sock)

        def begin(self) -> None:
            try:
                super().begin()
            except http.client.HTTPException as exc:
                if _TOO_MANY_HEADERS.fullmatch(str(exc)):
                    raise _TooManyHeaders from exc
                raise
            deadline.reached("body")

    class TimedConnection(pool.ConnectionCls):  # type: ignore[misc]
        response_class = TimedResponse

        def connect(self) -> None:
            wire.start()
            deadline.watch(self, "connect")
            left = deadline.remaining()
            current: Any = getattr(self, "timeout", None)
            if left is not None and isinstance(current, int | float):
                # The TCP connect within what is left of the request's time, too.
                self.timeout = max(0.001, min(current, left))
            super().connect()
            _stamp_arrivals(self.sock)

        def _new_conn(self) -> Any:
            """urllib3's connect, but each address of the name tried within what is left of
            the request's time (urllib3 gives each the whole timeout: four addresses that
            never answer took four times http-timeout), and the name itself resolved
            within it (getaddrinfo has no timeout: it runs in a thread left behind)."""
            return _connect_within(self, deadline)

        def send(self, data: Any) -> None:
            wire.start()
            deadline.watch(self)
            super().send(data)
            deadline.reached("response")

    return type(pool.__name__, (pool,), {"ConnectionCls": TimedConnection})


class _NoNetrcSession(requests.Session):
    """``trust_env`` keeps what a runner's environment rightly sets (HTTPS_PROXY, NO_PROXY,
    REQUESTS_CA_BUNDLE), but requests would also read ``~/.netrc`` and send its credentials
    to a probed host, on the first request and after every redirect. An explicit auth that
    does nothing keeps it from the first; the override below from the redirects."""

    def __init__(self) -> None:
        super().__init__()
        self.auth = _NoAuth()

    def rebuild_auth(
        self, prepared_request: requests.PreparedRequest, response: requests.Response
    ) -> None:
        # As requests does, minus the .netrc lookup: a header meant for one host is dropped
        # when a redirect leads to another.
        headers = prepared_request.headers
        original = response.request.url
        if (
            "Authorization" in headers
            and original is not None
            and prepared_request.url is not None
            and self.should_strip_auth(original, prepared_request.url)  # type: ignore[no-untyped-call]
        ):
            del headers["Authorization"]


class _NoAuth(requests.auth.AuthBase):
    """No credentials but those the user wrote into the URL (``https://user:pass@host``),
    which requests would have used had no auth been set."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        user, password = requests.utils.get_auth_from_url(request.url or "")
        if user or password:
            authorised: requests.PreparedRequest = requests.auth.HTTPBasicAuth(user, password)(
                request
            )
            return authorised
        return request


def new_session(limits: HttpLimits) -> requests.Session:
    session = _NoNetrcSession()
    timed = _TimedAdapter()  # one for both schemes: a redirect may change the scheme
    for prefix in ("http://", "https://"):
        session.mount(prefix, timed)
    session.max_redirects = limits.max_redirects
    session.headers["User-Agent"] = USER_AGENT
    # Proxies come from HTTPS_PROXY/NO_PROXY as usual; _NoNetrcSession keeps .netrc out.
    session.trust_env = True
    return session


def fetch(
    session: requests.Session,
    probe: SampleSource,
    url: str,
    limits: HttpLimits,
    *,
    method: str = "GET",
    json_body: Any = None,
    headers: dict[str, str] | None = None,
    find: Mapping[str, re.Pattern[str]] | None = None,
) -> HttpSample:
    """One request, timed from its start to the end of the body, and cut when
    ``limits.timeout_s`` has passed since its start (connect, headers and body together).
    ``find`` names patterns to look for in the whole body; what each matched is recorded
    (cut to 200 characters)."""
    at = time.time()
    start = time.perf_counter()
    status: int | None = None
    content_type: str | None = None
    timed = session.adapters.get("https://")
    wire = timed.wire if isinstance(timed, _TimedAdapter) else _WireTimes()
    deadline = timed.deadline if isinstance(timed, _TimedAdapter) else _Deadline()
    wire.reset()
    try:
        with (
            deadline.running(limits.timeout_s),
            session.request(
                method,
                url,
                json=json_body,
                headers=headers,
                timeout=(limits.timeout_s, limits.timeout_s),
                # Per request: requests lets REQUESTS_CA_BUNDLE override a session's verify.
                verify=limits.ca_bundle or True,
                stream=True,
                allow_redirects=True,
            ) as response,
        ):
            status = response.status_code
            content_type = response.headers.get("Content-Type")
            raw = _read_capped(response, limits, start)
            if deadline.passed:
                # The end the watchdog's shutdown made, not the server's: http.client takes
                # a head or body cut short for a whole one.
                raise _BodyTooSlow
            on_wire = wire.elapsed_s()
            elapsed_ms = (time.perf_counter() - start if on_wire is None else on_wire) * 1000.0
            text = raw.decode(response.encoding or "utf-8", errors="replace")
            kept = text[: limits.keep_chars]
            found = {name: _first_match(pattern, text) for name, pattern in (find or {}).items()}
            return HttpSample(
                probe=probe,
                url=url_without_userinfo(url),
                at=at,
                elapsed_ms=elapsed_ms,
                status=status,
                content_type=content_type,
                body=kept,
                body_bytes=len(raw),
                body_truncated=len(text) > limits.keep_chars,
                found=found,
                retry_after_s=_retry_after(response.headers.get("Retry-After"))
                if status in (429, 503)
                else None,
            )
    except Exception as exc:  # every failure is a recorded observation, not a crash
        if deadline.stop():  # the watchdog cut it: said by how far it had got
            kind, message = "timeout", _LATE[deadline.stage].format(t=limits.timeout_s)
            if deadline.stage != "body":  # a head cut short is no answer
                status = content_type = None
        else:
            kind, message = describe_error(exc, limits, url)
        return HttpSample(
            probe=probe,
            url=url_without_userinfo(url),
            at=at,
            elapsed_ms=(time.perf_counter() - start) * 1000.0,
            status=status,
            content_type=content_type,
            error=one_line(message),
            error_kind=kind,
        )


def _first_match(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    if match is None:
        return None
    value = match.group(1) if pattern.groups and match.group(1) is not None else match.group(0)
    return one_line(value, 200)


_MAX_RETRY_AFTER_S = 86_400


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds, from either form (seconds or an HTTP date); None if unusable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        # ASCII digits only ("²" is a digit to str.isdigit), and no more than a day: a
        # longer wait is as good as never (400 digits would be an infinity in the report).
        if not value.isascii() or len(value) > 9:
            return None if not value.isascii() else float(_MAX_RETRY_AFTER_S)
        return float(min(int(value), _MAX_RETRY_AFTER_S))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def _read_capped(response: requests.Response, limits: HttpLimits, start: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(chunk_size=16 * 1024):
        size += len(chunk)
        if size > limits.body_cap:
            raise _BodyTooLarge
        if time.perf_counter() - start > limits.timeout_s:
            raise _BodyTooSlow
        chunks.append(chunk)
    return b"".join(chunks)


def describe_error(
    exc: BaseException, limits: HttpLimits, url: str | None = None
) -> tuple[str, str]:
    """A kind and a one-line reason for a failed request (of ``url``), from the whole
    exception chain."""
    if isinstance(exc, _BodyTooLarge):
        return "too-large", f"response body over the cap of {limits.body_cap} bytes"
    if isinstance(exc, _BodyTooSlow):
        return "timeout", f"response body not complete within {limits.timeout_s:g} s"
    if any(isinstance(link, _TooManyHeaders) for link in neterrors.exception_chain(exc)):
        return "too-large", f"more than {MAX_RESPONSE_HEADERS} response headers"
    chain = list(neterrors.exception_chain(exc))
    refused = next((e for e in chain if isinstance(e, ssl.SSLCertVerificationError)), None)
    if refused is not None:  # with the fix: the WebSocket probe's words
        host = _host_of(chain, url)
        return "tls", neterrors.certificate_reason(refused, host, limits.ca_bundle is not None)
    through = _proxy_failure(chain, limits)
    if through is not None:  # the proxy's failure, not the target's
        return "proxy", through
    network = neterrors.classify(exc, limits.timeout_s)
    if network is not None and network.decisive:
        return network.kind, network.reason
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "timeout", f"no connection within {limits.timeout_s:g} s"
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return "timeout", f"no response within {limits.timeout_s:g} s"
    if isinstance(exc, requests.exceptions.SSLError):
        return "tls", "TLS handshake failed"
    if isinstance(exc, requests.exceptions.TooManyRedirects):
        return "redirect", f"more than {limits.max_redirects} redirects"
    if isinstance(exc, requests.exceptions.InvalidSchema | requests.exceptions.InvalidURL):
        scheme = re.search(r"'([A-Za-z][A-Za-z0-9+.-]*):", str(exc))
        where = f"the scheme {scheme.group(1)}:" if scheme else "a URL"
        return "redirect", f"redirected to {where}, which is not http or https"
    if network is not None:
        return network.kind, network.reason
    if isinstance(
        exc, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError
    ):
        return "protocol", "the response body was cut off or badly encoded"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "connection", "connection failed"
    return "other", f"{type(exc).__name__}: {exc}"


def _host_of(chain: list[BaseException], url: str | None) -> str:
    """The host a failed request was talking to: urllib3's pool's (a redirect's, when it
    failed there), else the URL's."""
    for link in chain:
        if isinstance(link, MaxRetryError) and link.pool is not None and link.pool.host:
            return str(link.pool.host)
    try:
        return urlsplit(url or "").hostname or "the server"
    except ValueError:
        return "the server"


# http.client's words when a proxy answers CONNECT with anything but 200.
_TUNNEL_STATUS = re.compile(r"Tunnel connection failed: (\d{3})\b")


def _proxy_failure(chain: list[BaseException], limits: HttpLimits) -> str | None:
    """Why the proxy of HTTPS_PROXY/HTTP_PROXY failed the request, naming the proxy (never
    its credentials); None when no proxy did (urllib3 says so with its ProxyError)."""
    if not any(isinstance(link, ProxyFailed) for link in chain):
        return None
    pool = next((e.pool for e in chain if isinstance(e, MaxRetryError) and e.pool), None)
    proxy = getattr(pool, "proxy", None)
    if pool is None or proxy is None or not proxy.host:
        return None
    default = 443 if proxy.scheme == "https" else 80
    where = neterrors.host_port(proxy.host, proxy.port or default)
    if any(isinstance(link, ConnectionRefusedError) for link in chain):
        return f"proxy {where} refused the connection"
    status = next((m.group(1) for e in chain if (m := _TUNNEL_STATUS.search(str(e)))), None)
    if status is not None:
        target = neterrors.host_port(str(pool.host), int(pool.port or 443))
        return f"the proxy {where} refused CONNECT to {target} (HTTP {status})"
    network = neterrors.classify(chain[0], limits.timeout_s)
    if network is not None and network.kind == "dns":
        return f"the proxy's host name {proxy.host} does not resolve"
    if network is not None and network.kind == "timeout":
        return f"proxy {where} did not answer within {limits.timeout_s:g} s"
    if network is not None and network.kind == "reset":
        return f"the proxy {where} closed the connection"
    return f"proxy {where} failed ({network.reason if network else 'no answer'})"


def sample_endpoint(
    probe: SampleSource,
    url: str,
    count: int,
    interval_s: float,
    limits: HttpLimits,
    budget: Budget,
    *,
    find: Mapping[str, re.Pattern[str]] | None = None,
    repeated_bodies: bool = True,
) -> list[HttpSample]:
    """``count`` GETs of ``url``, one every ``interval_s`` (on a fixed schedule, so slow answers
    do not stretch the run); stops early at the budget's deadline, and at once when the gate
    is cancelled, with the samples taken until then.

    ``repeated_bodies=False`` (a page, whose judge reads its status and what ``find`` found,
    never its text) keeps the body of the first sample, of each one that answered other than
    the one before it, and of the last: a window of a large page stays small."""
    samples: list[HttpSample] = []
    start = time.monotonic()
    with new_session(limits) as session:
        for index in range(count):
            if budget.cancelled():
                break
            slot = start + index * interval_s
            # A sample whose slot passed while the one before it was held is taken now: it
            # must still end within the budget.
            if max(slot, time.monotonic()) + limits.timeout_s > budget.deadline and samples:
                break
            wait = slot - time.monotonic()
            if wait > 0 and budget.wait(wait):
                break
            sample = fetch(session, probe, url, limits, find=find)
            samples.append(sample)
            if not repeated_bodies:
                drop_repeated_body(samples)
            if sample.error_kind == "refused" and budget.remaining() > (
                CONFIRM_PAUSE_S + limits.timeout_s
            ):
                if budget.wait(CONFIRM_PAUSE_S):
                    break
                again = fetch(session, probe, url, limits, find=find)
                samples.append(dataclasses.replace(again, confirmation=True))
    return samples


def drop_repeated_body(samples: list[HttpSample]) -> None:
    """Called after each sample is added: the body of the sample before the last is let go
    when it answered as the one before it did (it is no longer the last, and it was not a
    change)."""
    if len(samples) < 3:
        return
    before, sample = samples[-3], samples[-2]
    if sample.body_kept and _answer(sample) == _answer(before):
        samples[-2] = dataclasses.replace(sample, body="", body_kept=False)


def _answer(sample: HttpSample) -> tuple[object, ...]:
    return (
        sample.status,
        sample.content_type,
        sample.error_kind,
        sample.body_truncated,
        sorted(sample.found.items(), key=lambda kv: kv[0]),
        sample.confirmation,
    )
