"""The server bench/peers.py measures against: raw sockets and nothing else in its process,
so that what it adds to a delay is the same small amount for every client. (The reference
stack's Python servers share their process with a feed, a market and a GIL: against them the
tools' errors differed by how each one's requests met the stack's own threads.)

Run as ``peer_server.py DELAY_MS``; it prints its port and serves until killed:

- HTTP (any path but ``/ws``): each request answered after DELAY_MS with one prebuilt
  ``200`` JSON answer, in one write, on a kept-alive connection.
- WebSocket (``/ws``): a BTCTurk-shaped feed; every ping is answered with its pong DELAY_MS
  after it came (a slow link), and a trade is sent every 50 ms stamped DELAY_MS in the past
  (``D`` in whole milliseconds, as BTCTurk sends it).
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
from collections.abc import Callable

from flood import frame, serve_on_loopback, switching_protocols

from golive_action.sandbox.apps import hold

BODY = b'{"ok": true, "status": "healthy"}'
ANSWER = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
    b"Connection: keep-alive\r\n\r\n%s" % (len(BODY), BODY)
)
TRADE_EVERY_S = 0.05


def read_request(conn: socket.socket, pending: bytearray) -> bytes | None:
    while b"\r\n\r\n" not in pending:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        pending += chunk
    head, _, rest = bytes(pending).partition(b"\r\n\r\n")
    pending[:] = rest
    return head


def serve_http(conn: socket.socket, delay_s: float, pending: bytearray) -> None:
    while True:
        hold(delay_s)
        conn.sendall(ANSWER)
        if read_request(conn, pending) is None:
            return


def serve_ws(conn: socket.socket, head: bytes, delay_s: float, pending: bytearray) -> None:
    conn.sendall(switching_protocols(head + b"\r\n\r\n"))
    lock = threading.Lock()
    gone = threading.Event()

    def send(data: bytes) -> None:
        with lock:
            conn.sendall(data)

    def trades() -> None:
        number = 0
        while not gone.wait(TRADE_EVERY_S):
            number += 1
            at = int(time.time() * 1000 - delay_s * 1000)
            payload = (
                b'[422,{"PS":"BTCTRY","D":"%d","I":"%d","A":"0.01","P":"2450000.5","S":1,'
                b'"type":422,"channel":"trade","event":"BTCTRY"}]' % (at, number)
            )
            with contextlib.suppress(OSError):
                send(frame(payload))

    threading.Thread(target=trades, daemon=True).start()
    buffer = pending
    try:
        while True:
            while len(buffer) < 2 or len(buffer) < _frame_size(buffer):
                chunk = conn.recv(65536)
                if not chunk:
                    return
                buffer += chunk
            size = _frame_size(buffer)
            data, buffer[:] = bytes(buffer[:size]), buffer[size:]
            opcode, payload = data[0] & 0x0F, _unmasked(data)
            if opcode == 0x9:  # a ping: its pong, delay_s after it came, to the 0.1 ms
                due = time.perf_counter() + delay_s
                threading.Thread(target=_pong, args=(send, payload, due), daemon=True).start()
            elif opcode == 0x8:
                return
    finally:
        gone.set()


def _pong(send: Callable[[bytes], None], payload: bytes, due: float) -> None:
    hold(due - time.perf_counter())
    with contextlib.suppress(OSError):
        send(frame(payload, 0xA))


def _frame_size(buffer: bytearray) -> int:
    length = buffer[1] & 0x7F
    offset = 2
    if length == 126:
        if len(buffer) < 4:
            return 4
        length, offset = int.from_bytes(buffer[2:4], "big"), 4
    return offset + (4 if buffer[1] & 0x80 else 0) + length


def _unmasked(data: bytes) -> bytes:
    length = data[1] & 0x7F
    offset = 4 if length == 126 else 2
    if not data[1] & 0x80:
        return data[offset:]
    mask, body = data[offset : offset + 4], data[offset + 4 :]
    return bytes(b ^ mask[i % 4] for i, b in enumerate(body))


def serve_one(conn: socket.socket, delay_s: float) -> None:
    with conn:
        pending = bytearray()
        with contextlib.suppress(OSError, StopIteration):
            head = read_request(conn, pending)
            if head is None:
                return
            if head.split(b" ", 2)[1].startswith(b"/ws"):
                serve_ws(conn, head, delay_s, pending)
            else:
                serve_http(conn, delay_s, pending)


def main() -> int:
    serve_on_loopback(serve_one, float(sys.argv[1]) / 1000)


if __name__ == "__main__":
    sys.exit(main())
