"""Rollback triggers from recorded series: no sockets, no clock."""

from __future__ import annotations

from golive_action.judge.rollback import (
    from_check,
    latency_consistently_over,
    reconnects_over,
    stuck_closed,
)
from golive_action.model import CheckResult, Verdict


def test_latency_must_be_over_consistently_not_once():
    # 30 s of pings every second; one bad window of 10 s is not "consistently".
    spike = [(float(t), 1500.0 if 10 <= t < 20 else 100.0) for t in range(30)]
    trigger = latency_consistently_over(spike, 0, 30, 1000, 10, k=2, n=3)
    assert not trigger.fired
    assert trigger.evidence["windows_over"] == 1
    slow = [(float(t), 1200.0) for t in range(30)]
    trigger = latency_consistently_over(slow, 0, 30, 1000, 10, k=2, n=3)
    assert trigger.fired
    assert "3 of the last 3 windows" in trigger.reason


def test_reconnects_per_sliding_minute():
    storm = [float(t) for t in range(0, 60, 4)]  # 15 attempts in a minute
    trigger = reconnects_over(storm, 60, 10)
    assert trigger.fired and trigger.evidence["most"] == 15
    calm = [float(t) for t in range(0, 600, 30)]
    assert not reconnects_over(calm, 60, 10).fired


def test_stuck_closed_measures_the_longest_gap():
    assert stuck_closed([], 0, 40, 30).fired
    assert not stuck_closed([(1.0, None)], 0, 40, 30).fired
    trigger = stuck_closed([(1.0, 5.0), (40.0, None)], 0, 60, 30)
    assert trigger.fired and trigger.evidence["longest_closed_s"] == 35.0
    assert not stuck_closed([(1.0, 5.0), (6.0, 50.0)], 0, 60, 30).fired


def test_trigger_from_a_check_fires_only_on_fail():
    failed = CheckResult("5xx-spike", "t", Verdict.FAIL, "2 of 10 answers 5xx", 10, {"x": 1})
    trigger = from_check("5xx-spike", failed)
    assert trigger is not None and trigger.fired and trigger.reason == "2 of 10 answers 5xx"
    assert trigger.evidence == {"check": "5xx-spike", "x": 1}
    for verdict in (Verdict.PASS, Verdict.ERROR, Verdict.INCONCLUSIVE):
        other = from_check("5xx-spike", CheckResult("5xx-spike", "t", verdict, "r"))
        assert other is not None and not other.fired
    assert from_check("5xx-spike", None) is None


def test_windows_without_a_ping_are_no_evidence_either_way():
    # Over in the two windows that measured; the last three windows (a slow close) hold none.
    slow = [(1.0, 1500.0), (2.0, 1500.0)]
    trigger = latency_consistently_over(slow, 0, 6, 1000, 1, k=2, n=3)
    assert trigger.fired and "2 of the last 2 windows of 1 s with pings" in trigger.reason


def test_pings_unanswered_past_the_rollback_limit_count_as_over():
    from golive_action.config import GateConfig
    from golive_action.judge.ws import latency_trigger
    from tests.test_ws import recorded

    t0 = 1_800_000_000.0
    limits = (
        GateConfig(ws_url="ws://f", latency_window_s=1, consistently_k=2, consistently_n=3)
        .limits()
        .ws
    )
    answered = [(t0 + i, 40.0) for i in range(7)]
    stuck = [(t0 + 7.2, 2500.0), (t0 + 8.2, 1500.0), (t0 + 9.2, 1100.0)]
    fired = latency_trigger(recorded(pings=answered, pings_unanswered=stuck), limits)
    assert fired is not None and fired.fired, fired
    older = recorded(pings=answered, pings_in_flight_ms=[2700.0, 1700.0, 1300.0])
    assert latency_trigger(older, limits).fired  # a report with ages only: as of the end
    calm = latency_trigger(recorded(pings=answered, pings_unanswered=stuck[:1]), limits)
    assert not calm.fired
