"""The BTCTurk feed protocol, apart from any socket: the messages to send, the frames
received, the order book they build, and what a window of frames adds to a WsObservation
(:class:`FeedProtocol`). Pure and synchronous, with no clock of its own (the caller passes
the time each frame arrived), so that it is tested alone and the judge may import its
constants."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from golive_action.model import WsObservation
from golive_action.text import one_line

# The channels the go-live checklist requires: each must be acknowledged (a 100 with ok)
# and keep sending for the whole window.
CHANNELS = ("ticker", "orderbook", "trade")
# What the probe joins. orderbook gives the full book about once a second; obdiff its
# changes in between (432), which is what keeps a spread card live and the probe's book
# with it. obdiff is not on the checklist: its 432s are order book frames, so their
# freshness is judged as the orderbook channel's.
SUBSCRIBED = (*CHANNELS, "obdiff")
KNOWN_TYPES = frozenset({991, 100, 401, 402, 421, 422, 431, 432})
# A frame over this is counted and dropped, never parsed (the probe's own cap,
# ws-max-frame-bytes, refuses longer ones before they are read).
MAX_FRAME_CHARS = 1024 * 1024
# Silences of a channel worth keeping for the pill's timeline, and how many at most.
_SILENCE_FLOOR_S = WsObservation.SILENCE_FLOOR_S
_MAX_SILENCES = WsObservation.MAX_SILENCES


def subscribe_messages(pair: str, channels: tuple[str, ...] = SUBSCRIBED) -> list[str]:
    """The 151 messages that join each channel for the pair."""
    return [
        json.dumps([151, {"type": 151, "channel": ch, "event": pair, "join": True}])
        for ch in channels
    ]


class Frame(NamedTuple):
    """One received frame, classified. ``kind`` is the BTCTurk type, or -1 when the frame is
    not a [type, payload] JSON array (``problem`` says why). A tuple: one is made for every
    frame, at the feed's rate."""

    kind: int
    payload: dict[str, Any]
    problem: str | None = None

    @property
    def channel(self) -> str | None:
        return _CHANNEL_OF.get(self.kind)


# The channel each type of data frame belongs to: 100 (subscription results) and 991
# (the greeting) belong to none.
_CHANNEL_OF = {
    401: "ticker",
    402: "ticker",
    431: "orderbook",
    432: "orderbook",
    421: "trade",
    422: "trade",
}


def parse_frame(data: str | bytes, max_chars: int = MAX_FRAME_CHARS) -> Frame:
    if isinstance(data, bytes):
        return Frame(-1, {}, "binary frame")
    if len(data) > max_chars:
        return Frame(-1, {}, "oversized frame")
    try:
        # The parser's own bound only (its RecursionError): a frame is read in place, never
        # walked, and a depth walk of every order book frame would halve the rate the probe
        # keeps up with. Not plain JSON either: the feed protocol checks each figure it reads.
        message = json.loads(data)
    except (ValueError, RecursionError):
        return Frame(-1, {}, "not JSON")
    if (
        not isinstance(message, list)
        or len(message) != 2
        or not isinstance(message[0], int)
        or isinstance(message[0], bool)
        or not isinstance(message[1], dict)
    ):
        return Frame(-1, {}, "not a [type, payload] array")
    return Frame(message[0], message[1])


def trade_time_ms(payload: dict[str, Any]) -> float | None:
    """When a 422 trade happened, from its D (Unix ms, sent as a string), or None when D is
    not a positive finite number. A whole D names a millisecond that the server's clock cut
    the rest of the instant from: the trade is taken at its middle (D + 0.5), which leaves
    the event latency unbiased instead of half a millisecond high on average."""
    try:
        value = float(payload.get("D", ""))
    except (TypeError, ValueError):
        return None
    if not math.isfinite(value) or value <= 0:
        return None
    return value + 0.5 if value.is_integer() else value


# What a price or an amount may be sent as (bool, a subclass of int, is not one of them).
_NUMBER_TYPES = (str, int, float)


@dataclass
class OrderBook:
    """The spread card's book: 431 replaces it, 432 applies changes in CS order. Prices and
    amounts are floats: exact for the same text, ordered as the numbers are, and read at
    the feed's rate (a Decimal costs ten times as much)."""

    bids: dict[float, float] = field(default_factory=dict)
    asks: dict[float, float] = field(default_factory=dict)
    sequence: int | None = None
    out_of_order: int = 0
    # The best bid and ask, found once per change of the book (None: to be found).
    _best: tuple[float | None, float | None] | None = field(default=None, repr=False, compare=False)
    _prices: dict[str, float] = field(default_factory=dict, repr=False, compare=False)

    def apply(self, frame: Frame) -> bool:
        """Apply a 431 or 432; True when the best bid or ask changed."""
        before = self.best()
        sequence = frame.payload.get("CS")
        if frame.kind == 431:
            self.bids, self.asks = {}, {}
            self._read(frame.payload.get("BO"), self.bids, diff=False)
            self._read(frame.payload.get("AO"), self.asks, diff=False)
        elif frame.kind == 432:
            if (
                isinstance(sequence, int)
                and self.sequence is not None
                and sequence <= self.sequence
            ):
                self.out_of_order += 1
                return False
            self._read(frame.payload.get("BO"), self.bids, diff=True)
            self._read(frame.payload.get("AO"), self.asks, diff=True)
        else:
            return False
        if len(self.bids) > self.MAX_LEVELS:
            self.bids = self._trimmed(self.bids, highest_first=True)
        if len(self.asks) > self.MAX_LEVELS:
            self.asks = self._trimmed(self.asks, highest_first=False)
        self._best = None
        if isinstance(sequence, int):
            self.sequence = sequence
        return self.best() != before

    MAX_LEVELS = 5_000  # per side; the spread needs the top of the book only

    @classmethod
    def _trimmed(cls, side: dict[float, float], highest_first: bool) -> dict[float, float]:
        """A side kept to its best MAX_LEVELS prices, so a feed that only ever adds levels
        cannot grow the probe's memory without bound."""
        if len(side) <= cls.MAX_LEVELS:
            return side
        keep = sorted(side, reverse=highest_first)[: cls.MAX_LEVELS]
        return {price: side[price] for price in keep}

    # Prices already read, by their text: a book's prices come back frame after frame, and a
    # lookup costs a third of a float(). Kept to this many, then started again.
    _PRICES_KEPT = 20_000

    def _read(self, levels: Any, side: dict[float, float], diff: bool) -> None:
        """Put the levels of one side that are numbers (finite, sent as text or as numbers)
        into ``side``; in a diff, an amount of 0 removes its price. Inline, not in helpers:
        this runs for every level of every book frame."""
        if not isinstance(levels, list):
            return
        prices = self._prices
        if len(prices) > self._PRICES_KEPT:
            prices.clear()
        for level in levels:
            try:
                price_text, amount_text = level["P"], level["A"]
                price = prices.get(price_text) if price_text.__class__ is str else None
                if price is None:
                    if price_text.__class__ not in _NUMBER_TYPES:
                        continue
                    price = float(price_text)
                    if price - price != 0:  # NaN or an infinity: x - x is 0 for the rest
                        continue
                    if price_text.__class__ is str:
                        prices[price_text] = price
                if amount_text.__class__ not in _NUMBER_TYPES:
                    continue
                amount = float(amount_text)
            except (KeyError, TypeError, ValueError):  # not a mapping, or not a number
                continue
            if amount - amount != 0:
                continue
            if amount > 0:
                side[price] = amount
            elif diff and amount == 0:
                side.pop(price, None)

    def best(self) -> tuple[float | None, float | None]:
        if self._best is None:
            self._best = (
                max(self.bids) if self.bids else None,
                min(self.asks) if self.asks else None,
            )
        return self._best

    def spread(self) -> float | None:
        bid, ask = self.best()
        return None if bid is None or ask is None else ask - bid

    def crossed(self) -> bool:
        bid, ask = self.best()
        return bid is not None and ask is not None and bid >= ask


class FeedProtocol:
    """What the frames of one observation window add to ``obs``, across its connections:
    message counts by type, subscription results, each channel's last message and longest
    silence, the order book's spread and crossings, trade event times, and the frames that
    were not [type, payload] arrays. Every dictionary it fills has a bounded set of keys."""

    def __init__(self, obs: WsObservation, max_frame_bytes: int = MAX_FRAME_CHARS) -> None:
        self.obs = obs
        # The probe's cap: a frame it let through is parsed, however the cap was set.
        self.max_frame_bytes = max_frame_bytes
        # One book for the window: a 431 after a reconnection replaces it anyway.
        self.book = OrderBook()
        self.opened_at: float | None = None

    def opened(self, at: float) -> None:
        """A connection opened at ``at`` (Unix time): a channel's first silence is counted
        from the connection's open, not from its first message."""
        self.opened_at = at

    def receive(self, data: bytes, received_at: float, binary: bool = False) -> None:
        """One data frame as it came off the socket (``received_at``, Unix time). The
        feed sends text only: a binary frame is counted as a problem, never read."""
        if binary:
            self._problem("binary frame")
            return
        # Measured on the bytes, before the decode: a huge frame costs no decode either.
        if len(data) > self.max_frame_bytes:
            self._problem("oversized frame")
            return
        frame = parse_frame(data.decode("utf-8", "replace"), self.max_frame_bytes)
        if frame.problem is not None:
            self._problem(frame.problem)
            return
        # Inline, not in helpers: this runs for every frame, and the probe must keep up
        # with the feed's rate (bench/ws_ingest.py).
        obs = self.obs
        kind = frame.kind
        key = str(kind) if kind in KNOWN_TYPES else "other"  # a bounded set of keys
        obs.messages[key] = obs.messages.get(key, 0) + 1
        channel = _CHANNEL_OF.get(kind)
        if channel is not None:
            last = obs.last_at.get(channel)
            start = last if last is not None else self.opened_at or received_at
            gap = received_at - start
            if gap >= _SILENCE_FLOOR_S and len(obs.silences) < _MAX_SILENCES:
                obs.silences.append((channel, start, received_at))
            obs.max_gap_s[channel] = max(obs.max_gap_s.get(channel, 0.0), gap)
            obs.last_at[channel] = received_at
        if kind == 100:
            self._subscription(frame.payload)
        elif kind in (431, 432):
            if self.book.apply(frame):
                obs.spread_updates += 1
                obs.last_spread = self.book.spread()
            if self.book.crossed():
                obs.crossed_books += 1
        elif kind == 422:
            at = trade_time_ms(frame.payload)
            if at is not None:
                obs.event_latency.add(received_at * 1000.0 - at)

    def _subscription(self, payload: dict[str, Any]) -> None:
        message = str(payload.get("message", ""))
        named = message.split("|", 1)[-1].split(":", 1)[0] if "|" in message else message
        # Kept by the channel's own name only: a key is never server text (keys are not
        # redacted in the report; the message, kept below, is).
        channel = named if named in SUBSCRIBED else "other"
        ok = payload.get("ok") is True
        room = WsObservation.MAX_ERRORS
        if channel in self.obs.subscriptions or len(self.obs.subscriptions) < room:
            self.obs.subscriptions[channel] = ok
        if not ok and len(self.obs.subscription_errors) < room:
            self.obs.subscription_errors.append(one_line(message, 120))

    def _problem(self, what: str) -> None:
        self.obs.problems[what] = self.obs.problems.get(what, 0) + 1
