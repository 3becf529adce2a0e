"""A small simulated exchange: prices, an order book and trades, in BTCTurk's shapes.

Deterministic for a given seed. Thread-safe: the feed steps it while the REST API reads it.
"""

from __future__ import annotations

import random
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

LEVELS = 10

# pair -> (numerator, denominator, starting mid price, tick, pair id)
_PAIRS: dict[str, tuple[str, str, float, float, int]] = {
    "BTCTRY": ("BTC", "TRY", 3_780_000.0, 1.0, 1),
    "ETHTRY": ("ETH", "TRY", 135_000.0, 1.0, 2),
    "USDTTRY": ("USDT", "TRY", 41.25, 0.01, 3),
}


@dataclass(frozen=True)
class Trade:
    pair: str
    id: str
    price: float
    amount: float
    side: int  # 0 buy, 1 sell
    at_ms: int


@dataclass
class Instrument:
    pair: str
    numerator: str
    denominator: str
    tick: float
    pair_id: int
    mid: float
    open: float
    high: float
    low: float
    volume: float = 0.0
    sequence: int = 1  # CS: change-set number of the book
    bids: dict[float, float] = field(default_factory=dict)  # price -> amount
    asks: dict[float, float] = field(default_factory=dict)
    trades: deque[Trade] = field(default_factory=lambda: deque(maxlen=50))
    trade_count: int = 0

    def best_bid(self) -> float:
        return max(self.bids)

    def best_ask(self) -> float:
        return min(self.asks)


@dataclass(frozen=True)
class BookDiff:
    pair: str
    sequence: int
    bids: tuple[tuple[float, float], ...]  # amount 0 removes the level
    asks: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Step:
    trades: tuple[Trade, ...]
    diffs: tuple[BookDiff, ...]


def _fmt(value: float, tick: float) -> str:
    return f"{value:.2f}" if tick < 1 else f"{value:.0f}"


class Market:
    def __init__(self, seed: int = 7, trade_time_lag_ms: float = 0.0) -> None:
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._lag_ms = trade_time_lag_ms
        self.instruments: dict[str, Instrument] = {}
        for pair, (num, den, mid, tick, pair_id) in _PAIRS.items():
            inst = Instrument(pair, num, den, tick, pair_id, mid, mid, mid, mid)
            self._rebuild_book(inst)
            self.instruments[pair] = inst

    def pairs(self) -> list[str]:
        return list(self.instruments)

    # ------------------------------------------------------------------ simulation

    def _rebuild_book(self, inst: Instrument) -> None:
        half = inst.tick * 5
        inst.bids = {
            round(inst.mid - half - i * inst.tick, 2): self._amount() for i in range(LEVELS)
        }
        inst.asks = {
            round(inst.mid + half + i * inst.tick, 2): self._amount() for i in range(LEVELS)
        }

    def _amount(self) -> float:
        return round(self._rng.uniform(0.001, 2.5), 8)

    def step(self, now_ms: int) -> Step:
        """Advance every instrument by one tick of the feed (about 100 ms)."""
        trades: list[Trade] = []
        diffs: list[BookDiff] = []
        with self._lock:
            for inst in self.instruments.values():
                old_bids, old_asks = dict(inst.bids), dict(inst.asks)
                roll = self._rng.random()
                if roll < 0.4:  # the best prices move about four times a second
                    inst.mid += inst.tick * self._rng.choice((-1, 1))
                    self._rebuild_book(inst)
                else:
                    side = inst.bids if roll < 0.7 else inst.asks
                    price = self._rng.choice(list(side))
                    side[price] = self._amount()
                inst.high = max(inst.high, inst.mid)
                inst.low = min(inst.low, inst.mid)
                inst.sequence += 1
                diffs.append(
                    BookDiff(
                        inst.pair,
                        inst.sequence,
                        _diff(old_bids, inst.bids),
                        _diff(old_asks, inst.asks),
                    )
                )
                if self._rng.random() < 0.3:
                    trades.append(self._trade(inst, now_ms))
        return Step(tuple(trades), tuple(diffs))

    def _trade(self, inst: Instrument, now_ms: int) -> Trade:
        side = self._rng.choice((0, 1))
        price = inst.best_ask() if side == 0 else inst.best_bid()
        amount = round(self._rng.uniform(0.0001, 0.5), 8)
        inst.trade_count += 1
        inst.volume += amount
        trade = Trade(
            inst.pair,
            f"{inst.pair_id}{inst.trade_count:012d}",
            price,
            amount,
            side,
            int(now_ms - self._lag_ms),
        )
        inst.trades.append(trade)
        return trade

    # ------------------------------------------------------------------ REST shapes

    def rest_ticker(self, pair: str, now_ms: int) -> dict[str, Any]:
        with self._lock:
            inst = self.instruments[pair]
            last = inst.trades[-1].price if inst.trades else inst.mid
            daily = last - inst.open
            return {
                "pair": inst.pair,
                "pairNormalized": f"{inst.numerator}_{inst.denominator}",
                "timestamp": now_ms,
                "last": last,
                "high": inst.high,
                "low": inst.low,
                "bid": inst.best_bid(),
                "ask": inst.best_ask(),
                "open": inst.open,
                "volume": round(inst.volume, 8),
                "average": round((inst.high + inst.low) / 2, 2),
                "daily": round(daily, 2),
                "dailyPercent": round(100.0 * daily / inst.open, 2),
                "denominatorSymbol": inst.denominator,
                "numeratorSymbol": inst.numerator,
                "order": 1000 + inst.pair_id,
            }

    def rest_orderbook(self, pair: str, limit: int, now_ms: int) -> dict[str, Any]:
        with self._lock:
            inst = self.instruments[pair]
            bids = sorted(inst.bids.items(), reverse=True)[:limit]
            asks = sorted(inst.asks.items())[:limit]
            return {
                "timestamp": now_ms,
                "bids": [[_fmt(p, inst.tick), f"{a:.8f}"] for p, a in bids],
                "asks": [[_fmt(p, inst.tick), f"{a:.8f}"] for p, a in asks],
            }

    # ------------------------------------------------------------------ feed shapes

    def ticker_payload(self, pair: str) -> dict[str, Any]:
        """Type 402: values as strings, no timestamp."""
        with self._lock:
            inst = self.instruments[pair]
            last = inst.trades[-1].price if inst.trades else inst.mid
            t = inst.tick
            daily = last - inst.open
            return {
                "B": _fmt(inst.best_bid(), t),
                "A": _fmt(inst.best_ask(), t),
                "BA": f"{inst.bids[inst.best_bid()]:.8f}",
                "AA": f"{inst.asks[inst.best_ask()]:.8f}",
                "PS": inst.pair,
                "H": _fmt(inst.high, t),
                "L": _fmt(inst.low, t),
                "LA": _fmt(last, t),
                "O": _fmt(inst.open, t),
                "V": f"{inst.volume:.8f}",
                "AV": _fmt((inst.high + inst.low) / 2, t),
                "D": _fmt(daily, t),
                "DP": f"{100.0 * daily / inst.open:.2f}",
                "DS": inst.denominator,
                "NS": inst.numerator,
                "PId": inst.pair_id,
            }

    def book_payload(self, pair: str) -> dict[str, Any]:
        """Type 431: the full book."""
        with self._lock:
            inst = self.instruments[pair]
            return {
                "CS": inst.sequence,
                "PS": inst.pair,
                "AO": [
                    {"A": f"{a:.8f}", "P": _fmt(p, inst.tick)} for p, a in sorted(inst.asks.items())
                ],
                "BO": [
                    {"A": f"{a:.8f}", "P": _fmt(p, inst.tick)}
                    for p, a in sorted(inst.bids.items(), reverse=True)
                ],
            }

    def diff_payload(self, diff: BookDiff) -> dict[str, Any]:
        """Type 432: changed levels of one change set; amount "0" removes a level."""
        tick = self.instruments[diff.pair].tick
        return {
            "CS": diff.sequence,
            "PS": diff.pair,
            "AO": [{"A": f"{a:.8f}", "P": _fmt(p, tick)} for p, a in diff.asks],
            "BO": [{"A": f"{a:.8f}", "P": _fmt(p, tick)} for p, a in diff.bids],
        }

    def trade_row(self, trade: Trade) -> dict[str, Any]:
        tick = self.instruments[trade.pair].tick
        return {
            "D": str(trade.at_ms),
            "I": trade.id,
            "A": f"{trade.amount:.8f}",
            "P": _fmt(trade.price, tick),
            "PS": trade.pair,
            "S": trade.side,
        }

    def recent_trades(self, pair: str) -> list[dict[str, Any]]:
        with self._lock:
            trades = list(self.instruments[pair].trades)
        return [self.trade_row(t) for t in reversed(trades)]


def _diff(old: dict[float, float], new: dict[float, float]) -> tuple[tuple[float, float], ...]:
    changed = [(p, a) for p, a in new.items() if old.get(p) != a]
    removed = [(p, 0.0) for p in old if p not in new]
    return tuple(sorted(changed + removed))
