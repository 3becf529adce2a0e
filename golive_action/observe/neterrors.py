"""What went wrong on the network, named once for every probe (HTTP, WebSocket, GitHub API):
an error kind and a one-line reason, read from the whole exception chain. Each library wraps
the socket's own error in its own exceptions (requests in urllib3's in the standard
library's), so the cause is looked for in every link, not only in the exception caught.

Each probe keeps what only it knows (a body over the cap, a redirect loop, a refused
upgrade, an API status) and asks :func:`classify` for the rest."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass

# OpenSSL's verification errors that mean "signed by no CA this client trusts".
_UNTRUSTED = {2, 18, 19, 20, 21}
_NAME_MISMATCH = {62, 64}


@dataclass(frozen=True)
class NetError:
    kind: str  # refused, dns, tls, reset, timeout
    reason: str  # one line
    # True for a cause that explains the failure whatever wraps it: a refused connection, a
    # name that does not resolve, a refused certificate. False for a symptom (a reset, a
    # timeout) that the probe's own library may name more precisely ("no connection
    # within" for a connect timeout), so the probe checks its own exceptions first.
    decisive: bool


def classify(exc: BaseException, timeout_s: float) -> NetError | None:
    """The network error somewhere in ``exc``'s chain, or None when there is none. Decisive
    causes are looked for in the whole chain before any symptom is: a refused connection
    retried until a timeout is still a refused connection."""
    named = [found for link in exception_chain(exc) if (found := _named(link, timeout_s))]
    return next((n for n in named if n.decisive), named[0] if named else None)


def classify_outermost(exc: BaseException, timeout_s: float) -> NetError | None:
    """The network error nearest the surface of ``exc``'s chain: the exception's own kind
    when it has one, else that of what it wraps (a library's address error around a DNS
    failure, say). For a probe whose own exceptions already say what happened."""
    return next(
        (found for link in exception_chain(exc) if (found := _named(link, timeout_s))), None
    )


def _named(link: BaseException, timeout_s: float) -> NetError | None:
    if isinstance(link, ConnectionRefusedError):
        return NetError("refused", "connection refused", True)
    if isinstance(link, socket.gaierror):
        return NetError("dns", "host name does not resolve", True)
    if isinstance(link, ssl.SSLCertVerificationError):
        detail = link.verify_message or link.reason
        return NetError("tls", f"TLS certificate not accepted: {detail}", True)
    # http.client.RemoteDisconnected (a server that closed without a response) is a
    # ConnectionResetError too, and is told as one.
    if isinstance(link, ConnectionResetError):
        return NetError("reset", "connection reset by the server", False)
    if isinstance(link, socket.timeout | TimeoutError):
        return NetError("timeout", f"no data within {timeout_s:g} s", False)
    return None


def certificate_reason(exc: ssl.SSLCertVerificationError, host: str, ca_bundle: bool) -> str:
    """Why a certificate was refused, in one line, with the fix: for one that no trusted
    CA signed, the ca-bundle input; for one that does not name the host, the certificate to
    serve. The same words for the HTTP and the WebSocket probes."""
    detail = exc.verify_message or exc.reason or str(exc)
    if exc.verify_code in _UNTRUSTED:
        fix = (
            "the CA in ca-bundle did not sign it: give ca-bundle the CA that did"
            if ca_bundle
            else "give ca-bundle the PEM file of the CA that signed it (a private CA)"
        )
        return f"the server's certificate is not trusted ({detail}); fix: {fix}"
    if exc.verify_code in _NAME_MISMATCH:
        return (
            f"the server's certificate is not valid for {host} ({detail}); "
            f"fix: serve a certificate that names {host}"
        )
    return f"the server's TLS certificate was refused ({detail})"


def host_port(host: str, port: int) -> str:
    """``host:port`` as a proxy or a target is named in a reason (``[::1]:8080`` for IPv6)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def exception_chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception it was raised from or while handling, breadth first,
    each once. urllib3 keeps the cause in ``reason`` and requests in ``args``, so both are
    followed too."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        link = todo.pop(0)
        if id(link) in seen:
            continue
        seen.add(id(link))
        yield link
        nested = [link.__cause__, link.__context__, getattr(link, "reason", None)]
        nested.extend(a for a in link.args if isinstance(a, BaseException))
        todo.extend(n for n in nested if isinstance(n, BaseException))
