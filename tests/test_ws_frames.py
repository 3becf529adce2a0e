"""The WebSocket probe's frame reader (observe/wsframes.py): a frame or message over the cap
(ws-max-frame-bytes) is refused at its header, never read, and the connection closed with
1009; a frame that drips or a message that never ends holds the probe no longer than its
window, and what it saw until then is kept. The reader alone, then the probe against hostile
servers on 127.0.0.1, then the judge and the whole gate."""

from __future__ import annotations

import itertools
import math
import socket
import threading

import pytest

from golive_action.config import load_config
from golive_action.model import Verdict, WsConnection, WsObservation
from golive_action.observe.budget import Budget
from golive_action.observe.ws import WsSettings, observe_ws
from golive_action.observe.wsframes import READ_AHEAD, FrameReader, ProtocolError, TooBig
from golive_action.runner import run_gate
from tests.faulty import CloseWatch, ws_frame, ws_head
from tests.test_ws import WS_LIMITS, handshake, judge_ws, raw_ws_server, recorded

MIB = 1024 * 1024
WELCOME = ws_frame(b'[991, {"type": 991}]')
TICKER = ws_frame(b'[402, {"PS": "BTCTRY", "B": "1", "A": "2"}]')
# How long a hostile server goes on at most: far past any window here, so that a probe held
# by it would be seen to end with the server, not with its window.
HOSTILE_S = 20.0


def stream_reader(data: bytes, cap: int = MIB) -> FrameReader:
    chunks = iter([data[i : i + 7] for i in range(0, len(data), 7)])  # 7 bytes a read
    return FrameReader(lambda size: next(chunks), cap)


# ----------------------------------------------------------------------------- the reader


def test_the_reader_never_reads_past_the_header_of_a_frame_over_the_cap():
    """A server announces 200 MB and sends them: the reader reads once, sees the length in
    the header and stops; it asked for one read ahead, not for the frame."""
    announced = 200 * MIB
    sent = [0]

    def read(size: int) -> bytes:
        # As a socket would give them: the header, then the payload, size bytes a read.
        data = (ws_head(announced) + b"\0" * size)[:size] if sent[0] == 0 else b"\0" * size
        sent[0] += len(data)
        return data

    reader = FrameReader(read, MIB)
    found = reader.next(math.inf)
    assert found == TooBig(announced, MIB, fragmented=False)
    assert reader.bytes_read == sent[0] <= READ_AHEAD


def test_empty_continuation_frames_without_end_are_parsed_from_the_buffer_and_refused():
    """A message of empty fragments never passes the cap: each read of 64 KiB holds some
    32,000 of them, parsed from the buffer before another read (which would pile them up),
    and a message of more than MAX_FRAGMENTS is a protocol error."""
    from golive_action.observe.wsframes import MAX_FRAGMENTS

    first = ws_frame(b"", fin=False)
    empty = ws_frame(b"", fin=False, opcode=0)
    reads = [0]

    def read(size: int) -> bytes:
        reads[0] += 1
        data = (first if reads[0] == 1 else b"") + empty * (size // len(empty))
        return data[:size]

    reader = FrameReader(read, MIB)
    with pytest.raises(ProtocolError, match=f"more than {MAX_FRAGMENTS} fragments"):
        reader.next(math.inf)
    assert reads[0] == 1  # every fragment was parsed from the first read: none piled up


def test_a_message_of_continuation_frames_is_capped_as_a_whole():
    head = ws_frame(b"x" * 600_000, fin=False)
    rest = ws_frame(b"y" * 600_000, opcode=0x0)
    assert stream_reader(head + rest).next(math.inf) == TooBig(1_200_000, MIB, fragmented=True)
    # Within the cap, the fragments are one message, a ping between them its own frame.
    parts = ws_frame(b"[402,", fin=False) + ws_frame(b"ping", 0x9) + ws_frame(b"{}]", 0x0)
    reader = stream_reader(parts)
    assert reader.next(math.inf) == (0x9, b"ping")
    assert reader.next(math.inf) == (0x1, b"[402,{}]")


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (bytes([0x81, 0x82]) + b"mask" + b"ab", "masked"),
        (bytes([0xC1, 0x01]) + b"a", "reserved bits"),
        (ws_frame(b"a", opcode=0x0), "no message to continue"),
        (ws_frame(b"a", opcode=0x9, fin=False), "control frame"),
        (ws_frame(b"a", opcode=0x3), "reserved opcode 3"),
    ],
)
def test_what_rfc_6455_forbids_a_server_is_a_protocol_error(data, words):
    with pytest.raises(ProtocolError, match=words):
        stream_reader(data).next(math.inf)


def test_frames_are_read_ahead_and_timed_by_the_read_that_brought_them():
    """One read of the socket serves many frames, and a frame is timed by the read that
    completed it, not by when it was parsed."""
    import time

    reads: list[int] = []
    # The third frame's last two bytes come with the next read.
    chunks = [ws_frame(b"one") + ws_frame(b"two") + ws_frame(b"three")[:-2], b"ee"]

    def read(size: int) -> bytes:
        reads.append(size)
        return chunks.pop(0)

    reader = FrameReader(read, MIB)
    assert reader.next(math.inf) == (0x1, b"one")
    first = reader.read_perf
    time.sleep(0.01)
    assert reader.next(math.inf) == (0x1, b"two")
    assert len(reads) == 1 and reads[0] == READ_AHEAD and reader.read_perf == first
    assert reader.next(math.inf) == (0x1, b"three")
    assert len(reads) == 2 and reader.read_perf > first


def test_a_frame_half_read_waits_for_the_next_call():
    """Nothing complete by the caller's moment: None, and the half frame is kept."""
    frame = ws_frame(b"[402, {}]")
    chunks = [frame[:3], frame[3:]]
    reader = FrameReader(lambda size: chunks.pop(0), MIB)
    assert reader.next(0.0) is None  # the moment passed after the first read
    assert reader.next(math.inf) == (0x1, b"[402, {}]")


# ----------------------------------------------------------------------------- the probe


def probe(url: str, seconds: float = 1.5, **settings) -> WsObservation:
    options = {"ping_interval_s": 0.3, **settings}
    return observe_ws(WsSettings(url, "BTCTRY", seconds, 5, **options), Budget.lasting(60))


def first_connection_only(hostile):
    """A server that runs ``hostile(conn, stop, closes)`` on its first connection and only
    welcomes the others (the probe reconnects after it closed one). Yields the URL, what
    the first connection's client sent as its close code, and how many payload bytes the
    hostile server got to send."""
    count = itertools.count()
    closes: list[CloseWatch] = []

    def behaviour(conn: socket.socket, stop: threading.Event) -> None:
        handshake(conn)
        if next(count) == 0:
            watch = CloseWatch(conn)
            closes.append(watch)
            hostile(conn, stop)
        else:
            conn.sendall(WELCOME)
            stop.wait(HOSTILE_S)

    return raw_ws_server(behaviour), closes


def test_a_200_mb_frame_is_refused_at_its_header_and_closed_with_1009():
    sent = [0]

    def huge(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(WELCOME + TICKER + ws_head(200 * MIB))
        chunk = b"\0" * MIB
        for _ in range(200):  # the frame itself, as long as the client takes it
            conn.sendall(chunk)
            sent[0] += len(chunk)

    server, closes = first_connection_only(huge)
    with server as url:
        obs = probe(url)
    first = obs.connections[0]
    assert (first.too_big, first.too_big_bytes) == ("frame", 200 * MIB)
    assert first.close_code == 1009 and "over the cap of 1048576 bytes" in first.close_reason
    assert closes[0].closed.wait(5) and closes[0].code == 1009  # what the server was told
    assert sent[0] < 200 * MIB  # the client stopped reading: the frame was never all sent
    assert obs.messages.get("402") == 1  # what came before it is kept
    assert obs.frame_cap_bytes == MIB
    assert len(obs.connections) >= 2  # and the probe went on watching, on a new connection


def test_a_message_of_continuation_frames_over_the_cap_is_refused():
    def fragments(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(WELCOME + ws_frame(b"[" * 600_000, fin=False))
        conn.sendall(ws_frame(b" " * 600_000, opcode=0x0))
        stop.wait(HOSTILE_S)

    server, closes = first_connection_only(fragments)
    with server as url:
        obs = probe(url)
    first = obs.connections[0]
    assert (first.too_big, first.too_big_bytes) == ("message", 1_200_000)
    assert first.close_code == 1009
    assert closes[0].closed.wait(5) and closes[0].code == 1009


def test_the_cap_follows_the_input():
    """The same 600 KB frame under a 512 KiB cap and under the default."""

    def big(conn: socket.socket, stop: threading.Event) -> None:
        handshake(conn)
        conn.sendall(WELCOME + ws_frame(b" " * 600_000) + TICKER)
        stop.wait(HOSTILE_S)

    with raw_ws_server(big) as url:
        small = probe(url, 1.0, max_frame_bytes=512 * 1024)
        default = probe(url, 1.0)
    assert small.connections[0].too_big_bytes == 600_000 and small.frame_cap_bytes == 512 * 1024
    assert default.connections[0].too_big is None and default.messages.get("402") == 1
    assert default.problems == {"not JSON": 1}  # read whole, and parsed


def test_a_masked_frame_closes_the_connection_as_a_protocol_error():
    def masked(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(WELCOME + bytes([0x81, 0x82]) + b"mask" + b"ab")
        stop.wait(HOSTILE_S)

    server, closes = first_connection_only(masked)
    with server as url:
        obs = probe(url, 1.0)
    first = obs.connections[0]
    assert first.close_code == 1002 and "masked frame" in (first.close_reason or "")
    assert closes[0].closed.wait(5) and closes[0].code == 1002


def dripping_frame(conn: socket.socket, stop: threading.Event) -> None:
    """A frame within the cap whose bytes come one at a time, for longer than any window."""
    conn.sendall(WELCOME + TICKER + ws_head(1000))
    for _ in range(int(HOSTILE_S / 0.05)):
        if stop.wait(0.05):
            return
        conn.sendall(b" ")


def endless_message(conn: socket.socket, stop: threading.Event) -> None:
    """A message whose continuation frames never end, each within any cap."""
    conn.sendall(WELCOME + TICKER + ws_frame(b"[", fin=False))
    for _ in range(int(HOSTILE_S / 0.02)):
        if stop.wait(0.02):
            return
        conn.sendall(ws_frame(b" ", opcode=0x0, fin=False))


@pytest.mark.parametrize("hostile", [dripping_frame, endless_message])
def test_an_unfinished_frame_or_message_ends_with_the_window_and_keeps_the_evidence(hostile):
    """The server goes on for 20 s; the window is 1.5 s: the watch's recorded end is the
    window's (plus the close handshake's second at most), with what it saw kept."""

    def serve(conn: socket.socket, stop: threading.Event) -> None:
        handshake(conn)
        hostile(conn, stop)

    with raw_ws_server(serve) as url:
        obs = probe(url, 1.5)
    assert obs.ended_at - obs.started_at < 1.5 + 2.0, "held past the window"
    assert len(obs.connections) == 1 and obs.connections[0].closed_at is None  # open till then
    assert obs.messages.get("402") == 1 and obs.messages.get("991") == 1
    assert obs.pings_sent >= 3


def test_a_header_that_claims_2_to_the_62_bytes_then_drips_is_refused_at_once():
    def claim(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(WELCOME + TICKER + ws_head(2**62))
        for _ in range(int(HOSTILE_S / 0.05)):
            if stop.wait(0.05):
                return
            conn.sendall(b"\0")

    server, closes = first_connection_only(claim)
    with server as url:
        obs = probe(url, 1.5, max_frame_bytes=64 * MIB)
    first = obs.connections[0]
    assert (first.too_big, first.too_big_bytes, first.close_code) == ("frame", 2**62, 1009)
    assert closes[0].closed.wait(5) and closes[0].code == 1009
    assert obs.ended_at - obs.started_at < 1.5 + 2.0, "held past the window"
    assert obs.messages.get("402") == 1


# ----------------------------------------------------------------------------- the judge


def test_a_connection_closed_for_a_frame_over_the_cap_fails_the_feed_naming_the_cap():
    t0 = 1_800_000_000.0
    cut = WsConnection(
        attempt_at=t0,
        opened_at=t0 + 0.05,
        open_ms=50.0,
        closed_at=t0 + 1,
        close_code=1009,
        close_reason="the probe closed it: a frame of 209715200 bytes, over the cap",
        too_big="frame",
        too_big_bytes=209_715_200,
    )
    reopened = WsConnection(attempt_at=t0 + 1.1, opened_at=t0 + 1.15, open_ms=50.0)
    obs = recorded(connections=[cut, reopened], frame_cap_bytes=MIB)
    judgement = judge_ws(obs, None, None, None, WS_LIMITS)
    feed = next(c for c in judgement.checks if c.id == "ws-feed")
    assert feed.verdict is Verdict.FAIL
    assert (
        "the probe closed the connection with 1009 (message too big) once: a frame of "
        "209715200 bytes, over the cap of 1048576 bytes (ws-max-frame-bytes)"
    ) in feed.reason
    assert feed.metrics["too_big"] == 1
    assert judgement.state != "OPEN"


def test_the_gate_reports_the_refused_frame_and_keeps_the_window(tmp_path):
    """Through run_gate, a `timeout` far past the window: the report has the WebSocket
    evidence, ws-feed fails naming the cap, and the watch's recorded end is its window's."""

    def claim(conn: socket.socket, stop: threading.Event) -> None:
        handshake(conn)
        conn.sendall(WELCOME + TICKER + ws_head(2**62))
        for _ in range(int(HOSTILE_S / 0.05)):
            if stop.wait(0.05):
                return
            conn.sendall(b"\0")

    with raw_ws_server(claim) as url:
        inputs = {"ws-url": url, "duration": "2", "timeout": "60", "samples": "1"}
        report = run_gate(load_config(inputs, {}))
    ws = report.observations.ws
    assert ws is not None and ws.messages.get("402", 0) >= 1
    assert ws.ended_at - ws.started_at < 2 + 2.0, "held past the window"
    feed = report.check("ws-feed")
    assert feed is not None and feed.verdict is Verdict.FAIL
    assert "over the cap of 1048576 bytes (ws-max-frame-bytes)" in feed.reason
