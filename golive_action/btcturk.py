"""The BTCTurk feed protocol, apart from any socket: the messages to send, the frames
received, and the order book they build. Pure and synchronous, so that it is tested alone."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from golive_action import jsondoc

# The channels the go-live checklist requires: each must be acknowledged (a 100 with ok)
# and keep sending for the whole window.
CHANNELS = ("ticker", "orderbook", "trade")
# What the probe joins. orderbook gives the full book about once a second; obdiff its
# changes in between (432), which is what keeps a spread card live and the probe's book
# with it. obdiff is not on the checklist: its 432s are order book frames, so their
# freshness is judged as the orderbook channel's.
SUBSCRIBED = (*CHANNELS, "obdiff")
KNOWN_TYPES = {991, 100, 401, 402, 421, 422, 431, 432}
MAX_FRAME_CHARS = 1024 * 1024  # a frame over this is counted and dropped, never parsed


def subscribe_messages(pair: str, channels: tuple[str, ...] = SUBSCRIBED) -> list[str]:
    """The 151 messages that join each channel for the pair."""
    return [
        json.dumps([151, {"type": 151, "channel": ch, "event": pair, "join": True}])
        for ch in channels
    ]


@dataclass(frozen=True)
class Frame:
    """One received frame, classified. ``kind`` is the BTCTurk type, or -1 when the frame is
    not a [type, payload] JSON array (``problem`` says why)."""

    kind: int
    payload: dict[str, Any]
    problem: str | None = None

    @property
    def channel(self) -> str | None:
        if self.kind in (401, 402):
            return "ticker"
        if self.kind in (431, 432):
            return "orderbook"
        if self.kind in (421, 422):
            return "trade"
        return None


def parse_frame(data: str | bytes) -> Frame:
    if isinstance(data, bytes):
        return Frame(-1, {}, "binary frame")
    if len(data) > MAX_FRAME_CHARS:
        return Frame(-1, {}, "oversized frame")
    try:
        # The parser's own bound only: a frame is read in place, never walked, and a depth
        # walk of every order book frame would halve the rate the probe keeps up with.
        message = jsondoc.loads(data, max_depth=None)
    except ValueError:
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
    """D of a 422 trade (ms, sent as a string), or None when it is not a number."""
    try:
        value = float(payload.get("D", ""))
    except (TypeError, ValueError):
        return None
    return value if value == value and value > 0 else None


def _decimal(text: Any) -> Decimal | None:
    try:
        value = Decimal(str(text))
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


@dataclass
class OrderBook:
    """The spread card's book: 431 replaces it, 432 applies changes in CS order."""

    bids: dict[Decimal, Decimal] = field(default_factory=dict)
    asks: dict[Decimal, Decimal] = field(default_factory=dict)
    sequence: int | None = None
    out_of_order: int = 0

    def apply(self, frame: Frame) -> bool:
        """Apply a 431 or 432; True when the best bid or ask changed."""
        before = self.best()
        sequence = frame.payload.get("CS")
        if frame.kind == 431:
            self.bids = self._levels(frame.payload.get("BO"))
            self.asks = self._levels(frame.payload.get("AO"))
        elif frame.kind == 432:
            if (
                isinstance(sequence, int)
                and self.sequence is not None
                and sequence <= self.sequence
            ):
                self.out_of_order += 1
                return False
            for side, key in ((self.bids, "BO"), (self.asks, "AO")):
                for price, amount in self._levels(frame.payload.get(key), keep_zero=True).items():
                    if amount == 0:
                        side.pop(price, None)
                    else:
                        side[price] = amount
        else:
            return False
        self.bids = self._trimmed(self.bids, highest_first=True)
        self.asks = self._trimmed(self.asks, highest_first=False)
        if isinstance(sequence, int):
            self.sequence = sequence
        return self.best() != before

    MAX_LEVELS = 5_000  # per side; the spread needs the top of the book only

    @classmethod
    def _trimmed(cls, side: dict[Decimal, Decimal], highest_first: bool) -> dict[Decimal, Decimal]:
        """A side kept to its best MAX_LEVELS prices, so a feed that only ever adds levels
        cannot grow the probe's memory without bound."""
        if len(side) <= cls.MAX_LEVELS:
            return side
        keep = sorted(side, reverse=highest_first)[: cls.MAX_LEVELS]
        return {price: side[price] for price in keep}

    @staticmethod
    def _levels(levels: Any, keep_zero: bool = False) -> dict[Decimal, Decimal]:
        out: dict[Decimal, Decimal] = {}
        for level in levels if isinstance(levels, list) else []:
            if not isinstance(level, dict):
                continue
            price, amount = _decimal(level.get("P")), _decimal(level.get("A"))
            if price is not None and amount is not None and (keep_zero or amount > 0):
                out[price] = amount
        return out

    def best(self) -> tuple[Decimal | None, Decimal | None]:
        return (max(self.bids) if self.bids else None, min(self.asks) if self.asks else None)

    def spread(self) -> float | None:
        bid, ask = self.best()
        return None if bid is None or ask is None else float(ask - bid)

    def crossed(self) -> bool:
        bid, ask = self.best()
        return bid is not None and ask is not None and bid >= ask
