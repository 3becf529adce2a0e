"""The feed protocol fed frames directly, with no socket and no clock: what each frame adds
to the WsObservation, with the times passed in."""

from __future__ import annotations

import json

import pytest

from golive_action.btcturk import CHANNELS, SUBSCRIBED, FeedProtocol, subscribe_messages
from golive_action.model import WsObservation

T0 = 1_700_000_000.0  # Unix time of the connection's open


def encoded(kind: int, payload: dict[str, object]) -> bytes:
    return json.dumps([kind, payload]).encode()


def levels(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"P": price, "A": amount} for price, amount in pairs]


def fed() -> tuple[FeedProtocol, WsObservation]:
    obs = WsObservation("wss://feed.example/", "BTCTRY", T0)
    feed = FeedProtocol(obs)
    feed.opened(T0)
    return feed, obs


def test_the_subscribed_channels_are_the_checklist_and_obdiff():
    assert CHANNELS == ("ticker", "orderbook", "trade")
    assert SUBSCRIBED == ("ticker", "orderbook", "trade", "obdiff")
    joined = [json.loads(m)[1]["channel"] for m in subscribe_messages("BTCTRY")]
    assert joined == list(SUBSCRIBED)


def test_a_refused_subscription_is_kept_by_channel_with_its_message():
    feed, obs = fed()
    feed.receive(encoded(100, {"ok": True, "message": "join|ticker:BTCTRY"}), T0 + 0.1)
    feed.receive(encoded(100, {"ok": False, "message": "join|trade:BTCTRY refused"}), T0 + 0.2)
    feed.receive(encoded(100, {"ok": False, "message": "invalid message"}), T0 + 0.3)
    assert obs.subscriptions == {"ticker": True, "trade": False, "other": False}
    assert obs.subscription_errors == ["join|trade:BTCTRY refused", "invalid message"]
    assert obs.messages == {"100": 3}
    assert obs.last_at == {} and obs.max_gap_s == {}  # a 100 belongs to no channel


def test_a_full_book_then_a_diff_update_the_spread():
    feed, obs = fed()
    full = {"CS": 1, "BO": levels(("100", "1"), ("99", "2")), "AO": levels(("101", "1"))}
    feed.receive(encoded(431, full), T0 + 0.5)
    assert obs.spread_updates == 1 and obs.last_spread == 1.0
    diff = {"CS": 2, "BO": levels(("100.5", "1")), "AO": []}
    feed.receive(encoded(432, diff), T0 + 2.0)
    assert obs.spread_updates == 2 and obs.last_spread == 0.5
    assert obs.crossed_books == 0
    assert obs.messages == {"431": 1, "432": 1}
    assert obs.last_at == {"orderbook": T0 + 2.0}
    assert obs.max_gap_s == {"orderbook": pytest.approx(1.5)}  # the first gap from the open


def test_a_crossed_book_is_counted_on_every_frame_that_leaves_it_crossed():
    feed, obs = fed()
    full = {"CS": 1, "BO": levels(("100", "1")), "AO": levels(("101", "1"))}
    feed.receive(encoded(431, full), T0 + 0.1)
    feed.receive(encoded(432, {"CS": 2, "BO": levels(("102", "1")), "AO": []}), T0 + 0.2)
    assert obs.crossed_books == 1 and obs.last_spread == -1.0
    stale = {"CS": 2, "BO": levels(("103", "1")), "AO": []}  # out of sequence: not applied
    feed.receive(encoded(432, stale), T0 + 0.3)
    assert obs.crossed_books == 2 and obs.spread_updates == 2 and feed.book.out_of_order == 1


def test_a_trade_adds_its_event_latency():
    feed, obs = fed()
    trade = {"PS": "BTCTRY", "D": str(int((T0 + 0.9) * 1000)), "P": "100", "A": "1"}
    feed.receive(encoded(422, trade), T0 + 1.0)
    assert obs.event_latency.count == 1
    assert obs.event_latency.min_ms == pytest.approx(100.0, abs=1.0)
    feed.receive(encoded(422, {"PS": "BTCTRY", "D": "soon"}), T0 + 1.2)
    assert obs.event_latency.count == 1  # no event time: counted, not timed
    assert obs.messages == {"422": 2}
    assert obs.last_at == {"trade": T0 + 1.2}
    assert obs.max_gap_s == {"trade": pytest.approx(1.0)}


@pytest.mark.parametrize(
    ("data", "binary", "problem"),
    [
        (b"{{{ not json", False, "not JSON"),
        (b"[1, 2, 3]", False, "not a [type, payload] array"),
        (b"\x00\x01", True, "binary frame"),
        (b"[" + b"1," * (1024 * 1024) + b"1]", False, "oversized frame"),
    ],
)
def test_a_frame_that_is_not_a_message_is_a_problem_and_nothing_else(data, binary, problem):
    feed, obs = fed()
    feed.receive(data, T0 + 0.1, binary)
    assert obs.problems == {problem: 1}
    assert obs.messages == {} and obs.last_at == {} and obs.subscriptions == {}


def test_unknown_types_share_one_key_and_silences_are_per_channel():
    feed, obs = fed()
    feed.receive(encoded(402, {"PS": "BTCTRY"}), T0 + 1.0)
    feed.receive(encoded(1234, {}), T0 + 1.5)
    feed.receive(encoded(5678, {}), T0 + 2.0)
    feed.receive(encoded(402, {"PS": "BTCTRY"}), T0 + 4.0)
    assert obs.messages == {"402": 2, "other": 2}
    assert obs.max_gap_s == {"ticker": pytest.approx(3.0)}
    assert obs.last_at == {"ticker": T0 + 4.0}
