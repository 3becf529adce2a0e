"""The WebSocket probe's reader of the server's frames: under a cap, and on a clock.

websocket-client reads a frame's whole payload before it looks at anything, however long
the header says it is (a 200 MB frame took the gate to 473 MB), and it reads a message of
continuation frames until its last frame, however long that takes (a server that never
ends one held the probe past its window). This reader parses the frames itself from reads
of READ_AHEAD bytes:

- a frame's length is known from its header, before any of its payload is read: a data
  frame, or a message of continuation frames, longer than the cap is :class:`TooBig`, and
  nothing more of the connection is read;
- :meth:`FrameReader.next` returns when the caller's moment passes, with what it has
  read so far kept for the next call: a frame that drips, or a message that never ends,
  never holds the caller past its window.

The probe answers what it returns (a pong for a ping, a close for a close): this module
only reads. RFC 6455 (section 5) is followed as a browser follows it: a masked frame, a
reserved bit or opcode, a fragmented or long control frame, and a continuation with no
message to continue are :class:`ProtocolError`, the connection to be closed with 1002."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

import websocket

READ_AHEAD = 64 * 1024
CLOSE_NORMAL = 1000
CLOSE_PROTOCOL_ERROR = 1002
CLOSE_TOO_BIG = 1009  # "message too big": the code RFC 6455 gives for what we refuse

_CONT, _TEXT, _BINARY = 0x0, 0x1, 0x2
_CLOSE, _PING, _PONG = 0x8, 0x9, 0xA
_DATA = frozenset({_TEXT, _BINARY})
_CONTROL = frozenset({_CLOSE, _PING, _PONG})
_CONTROL_MAX = 125  # RFC 6455 5.5: a control frame's payload


@dataclass(frozen=True)
class TooBig:
    """A data frame, or a message of continuation frames, longer than the cap. ``size`` is
    the frame's length as its header announced it, or for a message the bytes of its frames
    up to and with the one whose header passed the cap: none of it past that header was
    read."""

    size: int
    cap: int
    fragmented: bool  # a message of several frames, not one frame

    @property
    def what(self) -> str:
        return "message" if self.fragmented else "frame"


class ProtocolError(Exception):
    """The server broke RFC 6455: the connection is to be closed with 1002."""


# (opcode, payload): a whole message (text or binary, its fragments joined) or one control
# frame (ping, pong, close).
Received = tuple[int, bytes]
# A whole frame was parsed that was a fragment of a message going on: nothing to return, and
# the buffer may hold more.
_FRAGMENT = object()
# A message of more fragments than this is refused (1002): a server that sends empty ones
# without end would otherwise grow the message's list of parts without ever passing the cap.
MAX_FRAGMENTS = 4096


class FrameReader:
    """Frames of one connection, read ``READ_AHEAD`` bytes at a time from ``read`` (the
    socket's receive: it raises websocket-client's timeout when its socket's timeout passes
    with nothing to read, and its closed-connection error at the end of the stream).

    What is bought is read at most once: at most ``cap`` bytes of one message are held,
    plus one read ahead. ``read_at``/``read_perf`` say when the last read that brought bytes
    came (Unix time, perf_counter): a frame it completed came then, not when it was parsed."""

    def __init__(self, read: Callable[[int], bytes], cap: int) -> None:
        self._read = read
        self.cap = cap
        self._buffer = b""
        self._offset = 0
        # The frame whose payload is being gathered: its opcode, whether it is its
        # message's last, the bytes still to come, the parts so far.
        self._opcode = 0
        self._fin = False
        self._needed = 0
        self._parts: list[bytes] | None = None
        # A message of continuation frames in progress: its opcode, parts and size.
        self._message_opcode = 0
        self._message: list[bytes] | None = None
        self._message_size = 0
        self.bytes_read = 0
        self.read_at = time.time()
        self.read_perf = time.perf_counter()

    def next(self, until: float) -> Received | TooBig | None:
        """The next message or control frame; :class:`TooBig` for one over the cap (after
        which the connection is to be closed, unread); None when nothing was complete by
        ``until`` (time.monotonic) or by the socket's timeout. A frame half read stays half
        read for the next call."""
        while True:
            found = self._frame() if self._parts is None else self._payload()
            if found is _FRAGMENT:
                # A fragment of a message that goes on: parse on from the buffer (reading
                # more now would pile up what is already there), on the caller's clock.
                if time.monotonic() >= until:
                    return None
                continue
            if found is not None:
                return found  # type: ignore[return-value]
            if time.monotonic() >= until or not self._fill():
                return None

    def _fill(self) -> bool:
        """One read of the socket into the buffer; False when its timeout passed first."""
        try:
            data = self._read(READ_AHEAD)
        except websocket.WebSocketTimeoutException:
            return False
        self.read_at, self.read_perf = time.time(), time.perf_counter()
        self.bytes_read += len(data)
        if self._offset < len(self._buffer):
            self._buffer = self._buffer[self._offset :] + data
        else:
            self._buffer = data
        self._offset = 0
        return True

    def _frame(self) -> Received | TooBig | object | None:
        """A frame from the buffer: whole when it is all there; else its header is taken and
        its payload gathered by :meth:`_payload`. None when the header is not all there."""
        buffer, start = self._buffer, self._offset
        available = len(buffer) - start
        if available < 2:
            return None
        first, second = buffer[start], buffer[start + 1]
        length = second & 0x7F
        head = 2
        if length == 126:
            head = 4
            if available < head:
                return None
            length = int.from_bytes(buffer[start + 2 : start + 4], "big")
        elif length == 127:
            head = 10
            if available < head:
                return None
            length = int.from_bytes(buffer[start + 2 : start + 10], "big")
        opcode, fin = first & 0x0F, bool(first & 0x80)
        # A whole text frame, unmasked, within the cap, no message in progress: the feed's
        # every frame, let through without the header's other questions.
        plain = first == 0x81 and second < 0x80 and length <= self.cap and self._message is None
        if not plain:
            refused = self._refused(first, second, opcode, fin, length)
            if refused is not None:
                return refused
        end = start + head + length
        if end <= len(buffer):  # all there: the common case, one slice
            self._offset = end
            if plain:
                return _TEXT, buffer[start + head : end]
            return self._complete(opcode, fin, buffer[start + head : end])
        self._opcode, self._fin = opcode, fin
        self._parts = [buffer[start + head :]]
        self._needed = end - len(buffer)
        self._buffer, self._offset = b"", 0
        return None

    def _refused(
        self, first: int, second: int, opcode: int, fin: bool, length: int
    ) -> TooBig | None:
        """What the header alone refuses: a frame or message over the cap (TooBig), and
        what RFC 6455 forbids a server (ProtocolError)."""
        if second & 0x80:
            raise ProtocolError("a masked frame (a server must not mask)")
        if first & 0x70:
            raise ProtocolError("reserved bits set (no extension was agreed)")
        if opcode in _CONTROL:
            if not fin or length > _CONTROL_MAX:
                raise ProtocolError("a fragmented or long control frame")
            return None
        if opcode == _CONT:
            if self._message is None:
                raise ProtocolError("a continuation frame with no message to continue")
            total = self._message_size + length
            return TooBig(total, self.cap, True) if total > self.cap else None
        if opcode not in _DATA:
            raise ProtocolError(f"a frame of the reserved opcode {opcode}")
        if self._message is not None:
            raise ProtocolError("a new message before the last one ended")
        if length > self.cap:
            return TooBig(length, self.cap, not fin)
        return None

    def _payload(self) -> Received | object | None:
        """The payload of the frame whose header was taken, from the buffer."""
        assert self._parts is not None
        buffer, start = self._buffer, self._offset
        if start >= len(buffer):
            return None
        end = start + self._needed
        self._parts.append(buffer[start:end])
        taken = min(len(buffer), end) - start
        self._needed -= taken
        self._offset = start + taken
        if self._needed:
            return None
        payload = b"".join(self._parts)
        self._parts = None
        return self._complete(self._opcode, self._fin, payload)

    def _complete(self, opcode: int, fin: bool, payload: bytes) -> Received | object:
        """A whole frame: a message (its fragments joined) or a control frame; _FRAGMENT
        when it was a fragment of a message that goes on."""
        if fin and opcode != _CONT:
            return opcode, payload
        if opcode != _CONT:  # a message's first fragment
            self._message_opcode, self._message, self._message_size = opcode, [], 0
        assert self._message is not None
        if len(self._message) >= MAX_FRAGMENTS:
            raise ProtocolError(f"a message of more than {MAX_FRAGMENTS} fragments")
        self._message.append(payload)
        self._message_size += len(payload)
        if not fin:
            return _FRAGMENT
        message = b"".join(self._message)
        self._message, self._message_size = None, 0
        return self._message_opcode, message


def close(
    ws: websocket.WebSocket,
    reader: FrameReader,
    code: int,
    reason: bytes,
    timeout_s: float,
) -> None:
    """Send a close frame and wait up to ``timeout_s`` for the server's, read through the
    reader (its cap and its clock hold; websocket-client's own close would read an endless
    frame for as long as it drips). After a frame over the cap or a protocol error the
    stream is not read again: it is closed at once."""
    with contextlib.suppress(Exception):  # the socket may already be gone
        ws.send_close(code, reason)
        if code not in (CLOSE_TOO_BIG, CLOSE_PROTOCOL_ERROR):
            deadline = time.monotonic() + timeout_s
            while (left := deadline - time.monotonic()) > 0:
                ws.settimeout(min(left, 0.1))
                found = reader.next(deadline)
                if isinstance(found, TooBig) or (found is not None and found[0] == _CLOSE):
                    break
    if ws.sock is not None:
        with contextlib.suppress(OSError):
            # The plain socket's shutdown, even under TLS: the peer sees the end at once.
            socket.socket.shutdown(ws.sock, socket.SHUT_RDWR)
    ws.shutdown()  # type: ignore[no-untyped-call]
