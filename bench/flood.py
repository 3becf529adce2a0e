"""A purpose-built BTCTurk-shaped feed that sends trades as fast as asked: raw sockets and
pre-built frames, so that the server is never the bottleneck of what is measured.

Run alone, it prints its port and serves until killed. Each connection's request path says
what to send: ``/?rate=20000&seconds=2&lag_ms=0&spread_ms=0`` sends ``rate`` trades a second
for ``seconds``, each stamped with its send time minus ``lag_ms`` (plus a spread drawn from
0..``spread_ms``, to fill many histogram buckets), then idles until the client leaves.
``/?replay=N`` sends the stream recorded in the file named on the command line N times
over, as fast as the client reads it. ``/?frame_mb=200`` is hostile: a frame header that
announces 200 MB, then the 200 MB, for as long as the client reads them.
Client input (subscriptions, pings) is read and dropped.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import random
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import NoReturn
from urllib.parse import parse_qs, urlsplit

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TICK_S = 0.001


def handshake(conn: socket.socket) -> dict[str, float]:
    request = b""
    while b"\r\n\r\n" not in request:
        chunk = conn.recv(4096)
        if not chunk:
            raise ConnectionError("client left during the handshake")
        request += chunk
    path = request.split(b"\r\n", 1)[0].split(b" ")[1].decode()
    conn.sendall(switching_protocols(request))
    query = parse_qs(urlsplit(path).query)
    return {k: float(v[0]) for k, v in query.items()}


def switching_protocols(request: bytes) -> bytes:
    """The 101 answer to a WebSocket upgrade request (its head, as received)."""
    key = next(
        v.strip()
        for k, _, v in (line.partition(b":") for line in request.split(b"\r\n"))
        if k.lower() == b"sec-websocket-key"
    )
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
    return (
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
    )


def frame(payload: bytes, opcode: int = 0x1) -> bytes:
    """One unmasked, final frame from the server (text by default)."""
    n = len(payload)
    first = 0x80 | opcode
    head = bytes([first, n]) if n < 126 else bytes([first, 126]) + n.to_bytes(2, "big")
    return head + payload


def drain(conn: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while conn.recv(65536):
            pass


def serve_one(conn: socket.socket) -> None:
    with conn:
        try:
            ask = handshake(conn)
        except (ConnectionError, StopIteration, IndexError):
            return
        threading.Thread(target=drain, args=(conn,), daemon=True).start()
        if "replay" in ask:
            replay(conn, int(ask["replay"]))
            return
        if "frame_mb" in ask:
            huge_frame(conn, int(ask["frame_mb"]))
            return
        rate, seconds = ask.get("rate", 1000.0), ask.get("seconds", 1.0)
        lag_ms, spread_ms = ask.get("lag_ms", 0.0), ask.get("spread_ms", 0.0)
        rng = random.Random(5)
        total = int(rate * seconds)
        start = time.perf_counter()
        sent = 0
        try:
            while sent < total:
                due = min(total, int((time.perf_counter() - start) * rate) + 1)
                if due > sent:
                    now_ms = time.time() * 1000.0
                    batch = []
                    for i in range(sent, due):
                        at = int(now_ms - lag_ms - (rng.random() * spread_ms if spread_ms else 0))
                        batch.append(
                            frame(
                                b'[422,{"PS":"BTCTRY","D":"%d","I":"%d","A":"0.01","P":"2450000.5",'
                                b'"S":1,"type":422,"channel":"trade","event":"BTCTRY"}]' % (at, i)
                            )
                        )
                    conn.sendall(b"".join(batch))
                    sent = due
                else:
                    time.sleep(TICK_S)
            while True:  # idle until the client leaves
                time.sleep(0.2)
                conn.sendall(b"\x89\x00")  # a ping: fails once the client is gone
        except OSError:
            return


# The recorded stream a replay sends (bench/ws_ingest.py writes it before it starts us).
RECORDED: list[bytes] = []


def replay(conn: socket.socket, times: int) -> None:
    """The recorded stream ``times`` over, as fast as the client reads, then idle."""
    stream = b"".join(frame(message) for message in RECORDED)
    try:
        for _ in range(times):
            conn.sendall(stream)
        while True:
            time.sleep(0.2)
            conn.sendall(b"\x89\x00")
    except OSError:
        return


def huge_frame(conn: socket.socket, megabytes: int) -> None:
    """A welcome, then one text frame of ``megabytes`` MB (a 64-bit length), sent 1 MB at a
    time until the client stops reading or leaves."""
    length = megabytes * 1024 * 1024
    chunk = b" " * (1024 * 1024)
    try:
        conn.sendall(
            frame(b'[991, {"type": 991}]') + bytes([0x81, 127]) + length.to_bytes(8, "big")
        )
        for _ in range(megabytes):
            conn.sendall(chunk)
        while True:  # idle until the client leaves
            time.sleep(0.2)
            conn.sendall(b"\x89\x00")
    except OSError:
        return


def serve_on_loopback(serve: Callable[..., None], *args: object) -> NoReturn:
    """Print an ephemeral loopback port, then serve each connection there in a thread of
    its own (``serve(conn, *args)``), until killed."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    print(listener.getsockname()[1], flush=True)
    while True:
        conn, _ = listener.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=serve, args=(conn, *args), daemon=True).start()


def main() -> int:
    if len(sys.argv) > 1:  # a file of recorded frames, one JSON text a line
        with open(sys.argv[1], "rb") as recorded:
            RECORDED.extend(line.rstrip(b"\n") for line in recorded if line.strip())
    serve_on_loopback(serve_one)


if __name__ == "__main__":
    sys.exit(main())
