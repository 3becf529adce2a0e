"""The judge, from recorded observations only: no sockets, no clock."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from golive_action.config import GateConfig
from golive_action.judge import judge
from golive_action.judge.health import judge_health, sample_problem
from golive_action.judge.matrix import CriterionSpec, decide, judge_criterion
from golive_action.model import CheckResult, Decision, HttpSample, Observations, Verdict
from golive_action.stats import percentile

URL = "http://127.0.0.1:1/health"
HEALTH = CriterionSpec("smoke", "Smoke tests PASS", ("web-health", "executor-health"))


def sample(status=200, body='{"ok": true}', error=None, ms=5.0, ctype="application/json"):
    return HttpSample(
        probe="executor-health",
        url=URL,
        at=1_700_000_000.0,
        elapsed_ms=ms,
        status=status if error is None else None,
        content_type=ctype if error is None else None,
        body=body if error is None else "",
        body_bytes=len(body),
        error=error,
        error_kind="refused" if error else None,
    )


@pytest.mark.parametrize(
    ("s", "problem"),
    [
        (sample(), None),
        (sample(body='{"status": "ok", "version": "1"}'), None),
        (sample(body='{"ok": true, "ts": 1}'), None),
        (sample(body='{"ok": false, "error": "db down"}'), "ok: false (error: db down)"),
        (sample(body="<html>oops</html>", ctype="text/html"), "not JSON (text/html)"),
        (sample(body="{not json"), "not JSON"),
        (sample(body="[1, 2]"), "not a JSON object"),
        (sample(body='{"service": "x"}'), "does not say ok"),
        (sample(body='{"ok": "true"}'), "does not say ok"),
        (sample(status=503, body='{"ok": false, "error": "down"}'), "HTTP 503 (error: down)"),
        (sample(status=500, body="Internal Server Error", ctype="text/plain"), "HTTP 500"),
        (sample(error="connection refused"), "connection refused"),
    ],
)
def test_sample_problem(s, problem):
    found = sample_problem(s)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


def test_all_healthy_passes_with_figures():
    result = judge_health("executor-health", "t", [sample(ms=m) for m in (1, 2, 3, 4)], None, 99.5)
    assert result.verdict is Verdict.PASS
    assert result.samples == 4
    assert result.metrics["rate_percent"] == 100.0
    assert result.metrics["latency_p50_ms"] == 2.5
    assert result.metrics["latency_max_ms"] == 4.0
    assert result.thresholds == {"ok": "rate>=0.995", "samples": "count>=1"}


def test_the_rate_is_shown_with_its_count_and_wilson_bound():
    result = judge_health("executor-health", "t", [sample()] * 30, None, 99.5)
    assert result.verdict is Verdict.PASS
    assert "30 of 30 answered 200 and ok (100 %, at least 88.6 % with 95 % confidence)" in (
        result.reason
    )
    assert result.metrics["rate_lower_95_percent"] == pytest.approx(88.648, abs=0.001)
    # The verdict is still the rate against the limit, not the bound.
    bad = [sample()] * 29 + [sample(status=503, body="")]
    failed = judge_health("executor-health", "t", bad, None, 99.5)
    assert failed.verdict is Verdict.FAIL
    assert (
        "29 of 30 answered 200 and ok (96.6 %, at least 83.3 % with 95 % confidence), "
        "under 99.5 %" in failed.reason
    )


def test_one_bad_sample_in_many_fails_the_rate():
    samples = [sample()] * 199 + [sample(status=502, body='{"error": "bad gateway"}')]
    result = judge_health("executor-health", "t", samples, None, 99.5)
    assert result.metrics["rate_percent"] == 99.5
    assert result.verdict is Verdict.PASS
    samples = [sample()] * 99 + [sample(status=502, body="")]
    result = judge_health("executor-health", "t", samples, None, 99.5)
    assert result.verdict is Verdict.FAIL
    assert "HTTP 502" in result.reason and "99.0 %" in result.reason


def test_no_response_at_all_is_an_error_not_a_fail():
    result = judge_health("web-health", "t", [sample(error="connection refused")] * 3, None, 99.5)
    assert result.verdict is Verdict.ERROR
    assert "connection refused" in result.reason and URL in result.reason


def test_no_samples_is_inconclusive_never_pass():
    assert judge_health("web-health", "t", [], None, 0).verdict is Verdict.INCONCLUSIVE


def test_probe_error_is_an_error():
    result = judge_health("web-health", "t", [], "input web-url is not set", 99.5)
    assert result.verdict is Verdict.ERROR
    assert result.reason == "input web-url is not set"


def test_criterion_takes_the_worst_and_lists_the_reasons():
    ok = CheckResult("web-health", "t", Verdict.PASS, "fine")
    bad = CheckResult("executor-health", "t", Verdict.FAIL, "HTTP 503")
    criterion = judge_criterion(HEALTH, [ok, bad])
    assert criterion.verdict is Verdict.FAIL
    assert criterion.reason == "executor-health: HTTP 503"


def test_criterion_missing_a_check_is_not_a_pass():
    ok = CheckResult("web-health", "t", Verdict.PASS, "fine")
    criterion = judge_criterion(HEALTH, [ok])
    assert criterion.verdict is Verdict.INCONCLUSIVE
    assert "executor-health: not judged" in criterion.reason


def test_decision_is_go_only_when_every_criterion_passes():
    assert decide([])[0] is Decision.NO_GO
    ok = judge_criterion(
        HEALTH,
        [
            CheckResult("web-health", "t", Verdict.PASS, "fine"),
            CheckResult("executor-health", "t", Verdict.PASS, "fine"),
        ],
    )
    assert decide([ok])[0] is Decision.GO
    for verdict in (Verdict.FAIL, Verdict.ERROR, Verdict.INCONCLUSIVE):
        other = judge_criterion(
            HEALTH,
            [
                CheckResult("web-health", "t", Verdict.PASS, "fine"),
                CheckResult("executor-health", "t", verdict, "why"),
            ],
        )
        decision, reason = decide([ok, other])
        assert decision is Decision.NO_GO
        assert "why" in reason


def test_judge_is_deterministic_from_serialized_observations():
    obs = Observations(
        started_at=1.0,
        finished_at=2.0,
        http={"web-health": [sample()], "executor-health": [sample(status=503, body="")]},
    )
    again = Observations.from_dict(json.loads(json.dumps(obs.to_dict())))
    assert again == obs
    first = judge(obs, GateConfig(samples=1))
    assert judge(again, GateConfig(samples=1)) == first
    verdicts = {c.id: c.verdict for c in first.checks}
    assert verdicts["web-health"] is Verdict.PASS
    assert verdicts["executor-health"] is Verdict.FAIL
    assert verdicts["ticker"] is Verdict.FAIL  # required, not observed: never a pass
    assert first.decision is Decision.NO_GO
    # Judged again with another threshold, the same evidence gives another answer.
    lenient = judge(again, GateConfig(samples=1, health_rate_min=0.0))
    assert {c.id: c.verdict for c in lenient.checks}["executor-health"] is Verdict.PASS


def test_percentile_interpolates():
    assert percentile([], 95) is None
    assert percentile([7.0], 95) == 7.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 50) == 3.0
    assert percentile([0.0, 10.0], 95) == pytest.approx(9.5)


_samples = st.builds(
    HttpSample,
    probe=st.just("web-health"),
    url=st.text(max_size=30),
    at=st.floats(0, 2e9),
    elapsed_ms=st.none() | st.floats(0, 1e6),
    status=st.none() | st.integers(100, 599),
    content_type=st.none() | st.text(max_size=20),
    body=st.text(max_size=200) | st.sampled_from(['{"ok": true}', '{"ok": false}', "[]", "null"]),
    body_bytes=st.integers(0, 10**6),
    body_truncated=st.booleans(),
    error=st.none() | st.text(min_size=1, max_size=50),
    error_kind=st.none() | st.text(max_size=10),
)


# Percentages below 1e-9 are not a setting anyone makes; below ~1e-306 they underflow.
@given(st.lists(_samples, max_size=30), st.just(0.0) | st.floats(1e-9, 100))
def test_any_recorded_samples_give_a_verdict_and_one_line_reason(samples, rate_min):
    result = judge_health("web-health", "t", samples, None, rate_min)
    assert result.verdict in set(Verdict)
    assert result.reason
    assert "\n" not in result.reason and "\r" not in result.reason
    if result.verdict is Verdict.PASS:
        assert samples and result.metrics["rate_percent"] >= rate_min


def test_fewer_samples_than_the_minimum_is_inconclusive():
    result = judge_health("web-health", "t", [sample()] * 2, None, 99.5, min_samples=3)
    assert result.verdict is Verdict.INCONCLUSIVE
    assert "only 2 samples" in result.reason
    assert "set min-samples: 2 to judge on fewer" in result.reason  # the input to change


def test_extra_thresholds_apply_to_latency():
    samples = [sample(ms=m) for m in (10, 20, 30, 900)]
    extra = {"web-health.latency_ms": ("p(95)<500", "avg<1000")}
    result = judge_health("web-health", "t", samples, None, 99.5, 1, extra)
    assert result.verdict is Verdict.FAIL
    assert result.reason.startswith("latency_ms p(95)<500 (observed 7")
    assert result.thresholds["latency_ms"] == "p(95)<500, avg<1000"
    relaxed = {"web-health.latency_ms": ("max<1000",)}
    assert judge_health("web-health", "t", samples, None, 99.5, 1, relaxed).verdict is Verdict.PASS


def test_a_skipped_check_is_named_but_does_not_pull_the_verdict():
    ok = CheckResult("web-health", "t", Verdict.PASS, "fine")
    off = CheckResult("executor-health", "t", Verdict.SKIPPED, "skipped: turned off")
    criterion = judge_criterion(HEALTH, [ok, off])
    assert criterion.verdict is Verdict.PASS
    assert "executor-health: skipped: turned off" in criterion.reason
    both_off = judge_criterion(
        HEALTH, [CheckResult("web-health", "t", Verdict.SKIPPED, "off"), off]
    )
    assert both_off.verdict is Verdict.SKIPPED
    decision, reason = decide([criterion, both_off], [ok, off])
    assert decision is Decision.GO
    assert reason == (
        "every criterion judged passes (1 of 2 criteria pass, 1 skipped: smoke); "
        "optional, not run: executor-health"
    )
    assert decide([both_off]) == (Decision.NO_GO, "every criterion was skipped: nothing was judged")
