"""The pill over time: each change of state with its time and cause, and the share of the
window in each state, from recorded evidence (pure) and end to end against the stack."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from golive_action.config import GateConfig
from golive_action.judge.pill import pill_timeline
from golive_action.model import WsConnection
from golive_action.report.jsonreport import report_problems
from tests.test_cli import actions_env
from tests.test_ws import recorded

LIMITS = GateConfig(ws_url="ws://feed").limits().ws  # 300 ms (local), gaps over 5 s
T0 = 1_800_000_000.0


def states(timeline):
    return [(round(c.offset_s, 2), c.state) for c in timeline.changes]


def test_a_healthy_feed_is_open_after_it_connects():
    timeline = pill_timeline(recorded(), LIMITS)
    assert states(timeline) == [(0.0, "CLOSED"), (0.05, "OPEN")]
    assert timeline.changes[0].cause == "connecting"
    assert timeline.shares_percent == {"OPEN": 99.5, "DEGRADED": 0.0, "CLOSED": 0.5}


def test_latency_over_the_limit_degrades_from_the_moment_the_limit_passed():
    # Pings each second; the ones sent at +3 and +4 take 900 ms; the one at +5 is back to 40.
    pings = [(T0 + i, 900.0 if i in (3, 4) else 40.0) for i in range(10)]
    timeline = pill_timeline(recorded(pings=pings), LIMITS)
    assert states(timeline) == [(0.0, "CLOSED"), (0.05, "OPEN"), (3.3, "DEGRADED"), (5.04, "OPEN")]
    assert timeline.changes[2].cause == "latency over the limit of 300 ms"
    assert timeline.shares_percent["DEGRADED"] == pytest.approx(17.4)


def test_a_ping_unanswered_at_the_end_degrades_once_its_limit_passed():
    timeline = pill_timeline(recorded(pings_in_flight_ms=[2000.0]), LIMITS)
    assert states(timeline)[-1] == (8.3, "DEGRADED")


def test_a_stale_channel_degrades_after_the_gap_limit_and_recovers():
    silences = [("orderbook", T0 + 1.0, T0 + 8.0)]
    timeline = pill_timeline(recorded(silences=silences), LIMITS)
    assert states(timeline) == [(0.0, "CLOSED"), (0.05, "OPEN"), (6.0, "DEGRADED"), (8.0, "OPEN")]
    assert timeline.changes[2].cause == "orderbook stale (no message for over 5 s)"


def test_a_channel_silent_to_the_end_stays_degraded():
    last_at = {"ticker": T0 + 9.5, "orderbook": T0 + 2.0, "trade": T0 + 9.9}
    timeline = pill_timeline(recorded(last_at=last_at), LIMITS)
    assert states(timeline)[-1] == (7.0, "DEGRADED")


def test_a_reconnect_is_closed_with_its_cause_then_open_again():
    connections = [
        WsConnection(T0, T0 + 0.05, 50.0, closed_at=T0 + 4.0, close_code=1012, close_reason="bye"),
        WsConnection(T0 + 4.5, error="connection refused", error_kind="refused"),
        WsConnection(T0 + 5.0, T0 + 5.1, 100.0),
    ]
    timeline = pill_timeline(recorded(connections=connections), LIMITS)
    assert states(timeline) == [
        (0.0, "CLOSED"),
        (0.05, "OPEN"),
        (4.0, "CLOSED"),
        (5.1, "OPEN"),
    ]
    assert timeline.changes[2].cause == "reconnecting after bye"
    assert timeline.shares_percent["CLOSED"] == pytest.approx(11.5)


def test_a_feed_that_never_opens_is_closed_throughout_and_says_why():
    connections = [
        WsConnection(T0 + i, error="HTTP 426 instead of 101", error_kind="upgrade")
        for i in range(3)
    ]
    timeline = pill_timeline(recorded(connections=connections, pings=[], last_at={}), LIMITS)
    assert {c.state for c in timeline.changes} == {"CLOSED"}
    assert timeline.changes[-1].cause == "connecting (HTTP 426 instead of 101)"
    assert timeline.shares_percent == {"OPEN": 0.0, "DEGRADED": 0.0, "CLOSED": 100.0}


def test_a_storm_keeps_the_first_changes_and_counts_the_rest():
    connections = [
        WsConnection(T0 + i * 0.02, T0 + i * 0.02 + 0.005, 5.0, closed_at=T0 + i * 0.02 + 0.01)
        for i in range(400)
    ]
    timeline = pill_timeline(recorded(connections=connections), LIMITS)
    assert len(timeline.changes) == 200 and timeline.more > 0


@given(
    st.lists(st.tuples(st.floats(0, 10), st.floats(0, 3000)), max_size=30),
    st.lists(
        st.tuples(st.sampled_from(["ticker", "orderbook", "trade"]), st.floats(0, 10)), max_size=5
    ),
)
def test_the_shares_add_up_and_the_changes_are_in_order(pings, gaps):
    silences = [(channel, T0 + at, T0 + min(10.0, at + 6.0)) for channel, at in gaps]
    obs = recorded(pings=[(T0 + at, rtt) for at, rtt in pings], silences=silences)
    timeline = pill_timeline(obs, LIMITS)
    assert sum(timeline.shares_percent.values()) == pytest.approx(100.0, abs=0.2)
    offsets = [c.offset_s for c in timeline.changes]
    assert offsets == sorted(offsets) and all(0 <= o <= 10 for o in offsets)
    pairs = [(c.state, c.cause) for c in timeline.changes]
    assert all(a != b for a, b in itertools.pairwise(pairs))  # each one a change


@pytest.mark.parametrize(
    ("scenario", "seen"),
    [("healthy", {"OPEN"}), ("slow-ws", {"OPEN", "DEGRADED"}), ("flapping", {"OPEN", "CLOSED"})],
)
def test_the_report_and_the_summary_show_the_pill_over_time(run_cli, tmp_path, scenario, seen):
    env = actions_env(tmp_path)
    run_cli("demo", "--scenario", scenario, "--duration", "4", env=env)
    document = json.loads(Path("golive-report.json").read_text())
    assert report_problems(document) == []
    timeline = document["pill_timeline"]
    assert seen <= {c["state"] for c in timeline["changes"]}
    assert sum(timeline["shares_percent"].values()) == pytest.approx(100.0, abs=0.2)
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text()
    assert "**The pill over the window:**" in summary
    if "DEGRADED" in seen:
        assert "🟡 DEGRADED | latency over the limit of 300 ms |" in summary
    if scenario == "flapping":
        assert "reconnecting after" in summary


def test_a_ping_lost_with_its_connection_is_slow_only_until_that_session_ended():
    connections = [
        WsConnection(T0, T0 + 0.05, 50.0, closed_at=T0 + 3.0, close_reason="dropped"),
        WsConnection(T0 + 3.2, T0 + 3.3, 100.0),
    ]
    lost = [(T0 + 2.0, 1000.0)]  # sent at +2, unanswered when its session ended at +3
    timeline = pill_timeline(recorded(connections=connections, pings_unanswered=lost), LIMITS)
    assert states(timeline) == [
        (0.0, "CLOSED"),
        (0.05, "OPEN"),
        (2.3, "DEGRADED"),
        (3.0, "CLOSED"),
        (3.3, "OPEN"),
    ]


def test_an_unacknowledged_subscription_degrades_the_open_feed():
    obs = recorded(subscriptions={"ticker": True, "orderbook": True})  # trade: no answer
    timeline = pill_timeline(obs, LIMITS)
    assert states(timeline) == [(0.0, "CLOSED"), (0.05, "DEGRADED")]
    assert timeline.changes[1].cause == "subscription not acknowledged: trade"
