"""Small purpose-built faulty servers on 127.0.0.1 for probe tests."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextlib.contextmanager
def http_server(
    handle: Callable[[BaseHTTPRequestHandler], None],
    port: int = 0,
    tls: tuple[str, str] | None = None,
) -> Iterator[str]:
    """Serve every GET and POST with ``handle(handler)``; with ``tls`` (cert, key) over
    HTTPS. Yields the base URL."""
    import ssl

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            handle(self)

        do_POST = do_GET

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    scheme = "https" if tls is not None else "http"
    try:
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def socket_server(
    behaviour: Callable[[socket.socket, threading.Event], None], scheme: str = "http"
) -> Iterator[str]:
    """A bare TCP server on 127.0.0.1: each connection is held and given to
    ``behaviour(conn, stop)`` in a thread of its own; all are closed at the end."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            held.append(conn)
            threading.Thread(target=behaviour, args=(conn, stop), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"{scheme}://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        listener.close()


def silent_server() -> contextlib.AbstractContextManager[str]:
    """Accepts connections and never answers."""
    return socket_server(lambda conn, stop: None)


def closed_port() -> int:
    """A port on which nothing listens."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def reply(
    status: int, body: bytes, ctype: str = "application/json", headers: dict[str, str] | None = None
) -> Callable[[BaseHTTPRequestHandler], None]:
    def handle(h: BaseHTTPRequestHandler) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)

    return handle


def drip(chunks: int, pause_s: float) -> Callable[[BaseHTTPRequestHandler], None]:
    def handle(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(chunks))
        h.end_headers()
        for _ in range(chunks):
            with contextlib.suppress(OSError):
                h.wfile.write(b" ")
                h.wfile.flush()
            time.sleep(pause_s)

    return handle


def make_certificates(
    directory: str, names: tuple[str, ...] = ("localhost",), ips: tuple[str, ...] = ("127.0.0.1",)
) -> tuple[str, str, str]:
    """A private CA and a server certificate it signed: (ca.pem, cert.pem, key.pem)."""
    import datetime
    import ipaddress
    from pathlib import Path

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "golive test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    alt = [x509.DNSName(n) for n in names] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    folder = Path(directory)
    paths = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(paths[0]), str(paths[1]), str(paths[2])


def https_server(
    handle: Callable[[BaseHTTPRequestHandler], None], cert: str, key: str
) -> contextlib.AbstractContextManager[str]:
    return http_server(handle, tls=(cert, key))


def mock_github(stack: contextlib.ExitStack, register: Callable[[], None]) -> None:
    """The GitHub API answered by `responses` (``register`` adds the answers) until ``stack``
    closes; requests to 127.0.0.1 still reach the real servers of the test."""
    import re

    import responses

    responses.start()
    stack.callback(responses.reset)
    stack.callback(responses.stop)
    responses.add_passthru(re.compile(r"https?://(127\.0\.0\.1|localhost)[:/].*"))
    register()


def flags(inputs: dict[str, str]) -> list[str]:
    """`golive run` flags for a mapping of inputs."""
    return [part for name, value in inputs.items() for part in (f"--{name}", value)]


# ----------------------------------------------------------------------------- WebSocket


def ws_head(length: int, opcode: int = 0x1, fin: bool = True) -> bytes:
    """A server's (unmasked) frame header announcing ``length`` bytes of payload, whether
    or not they follow: the hostile servers send a header and then what they like."""
    first = bytes([(0x80 if fin else 0) | opcode])
    if length < 126:
        return first + bytes([length])
    if length < 65536:
        return first + bytes([126]) + length.to_bytes(2, "big")
    return first + bytes([127]) + length.to_bytes(8, "big")


def ws_frame(payload: bytes, opcode: int = 0x1, fin: bool = True) -> bytes:
    return ws_head(len(payload), opcode, fin) + payload


def client_frames(conn: socket.socket) -> Iterator[tuple[int, bytes]]:
    """The client's frames (masked, as a client's are), as (opcode, payload), until it
    closes the connection."""

    def exactly(n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    with contextlib.suppress(EOFError, OSError):
        while True:
            first, second = exactly(2)
            length = second & 0x7F
            if length == 126:
                length = int.from_bytes(exactly(2), "big")
            elif length == 127:
                length = int.from_bytes(exactly(8), "big")
            mask = exactly(4) if second & 0x80 else b"\0\0\0\0"
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(exactly(length)))
            yield first & 0x0F, payload


class CloseWatch:
    """Reads what the client sends on ``conn``, in a thread of its own (the server's may
    be busy sending), and keeps the code of its close frame once it comes."""

    def __init__(self, conn: socket.socket) -> None:
        self.code: int | None = None
        self.closed = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(conn,), daemon=True)
        self._thread.start()

    def _read(self, conn: socket.socket) -> None:
        for opcode, payload in client_frames(conn):
            if opcode == 0x8:
                self.code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else None
                break
        self.closed.set()
