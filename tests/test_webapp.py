"""Ticker, WS flag, UI responsiveness and polling UI: pure judge tests from recorded samples,
and end to end against the reference stack and faulty servers."""

from __future__ import annotations

import json
import time

import pytest

from golive_action.config import load_config
from golive_action.judge.pointer import PointerError, resolve
from golive_action.judge.webapp import (
    judge_polling_ui,
    judge_ticker,
    judge_ui_responsive,
    judge_ws_flag,
)
from golive_action.model import HttpSample, Verdict
from golive_action.runner import run_gate
from tests.conftest import stack_inputs
from tests.faulty import http_server, reply

NOW = time.time()


def got(body, status=200, found=None, ms=5.0, at=NOW, retry=None, url="http://x/t"):
    text = body if isinstance(body, str) else json.dumps(body)
    return HttpSample(
        "p",
        url,
        at,
        ms,
        status,
        "application/json",
        text,
        len(text),
        found=found or {},
        retry_after_s=retry,
    )


def row(bid=100.0, ask=101.0, ts=None, pair="BTCTRY"):
    return {
        "pair": pair,
        "pairNormalized": "BTC_TRY",
        "timestamp": ts or NOW * 1000,
        "bid": bid,
        "ask": ask,
        "last": bid,
    }


RAW = {"data": [row()], "success": True, "message": None, "code": 0}


@pytest.mark.parametrize(
    ("body", "status", "verdict", "words"),
    [
        (RAW, 200, Verdict.PASS, "bid 100 < ask 101"),
        (
            {"ok": True, "symbol": "BTCTRY", "data": RAW, "source": "btcturk"},
            200,
            Verdict.PASS,
            "spread 1",
        ),
        ({"ok": True, "mock": True, "bid": 1, "ask": 2}, 200, Verdict.FAIL, '"mock": true'),
        ({"ok": False, "data": RAW}, 200, Verdict.FAIL, "ok is false"),
        ({**RAW, "success": False, "message": "x"}, 200, Verdict.FAIL, "success is false"),
        ({**RAW, "data": [row(pair="ETHTRY")]}, 200, Verdict.FAIL, "pair BTCTRY is not in"),
        ({**RAW, "data": [row(bid=102.0)]}, 200, Verdict.FAIL, "crossed prices"),
        ({**RAW, "data": [row(ts=(NOW - 600) * 1000)]}, 200, Verdict.FAIL, "600 s old"),
        ({**RAW, "data": [row(ts=(NOW + 600) * 1000)]}, 200, Verdict.FAIL, "clock skew"),
        ({"weird": 1}, 200, Verdict.FAIL, "not a BTCTurk ticker"),
        ("<html>", 200, Verdict.FAIL, "not JSON"),
        ({"error": "upstream_failed"}, 502, Verdict.FAIL, "HTTP 502 (error: upstream_failed)"),
        ({"error": "invalid_symbol"}, 400, Verdict.FAIL, "HTTP 400"),
        ({"message": "TOO_MANY_REQUESTS"}, 429, Verdict.ERROR, "rate limited"),
    ],
)
def test_ticker_shapes(body, status, verdict, words):
    result = judge_ticker([got(body, status)], [], None, "BTCTRY", 60)
    assert result.verdict is verdict, result.reason
    assert words in result.reason


def test_orderbook_503_is_an_error():
    result = judge_ticker([got(RAW)], [got({"message": "delayed"}, 503)], None, "BTCTRY", 60)
    assert result.verdict is Verdict.ERROR and "orderbook: HTTP 503" in result.reason


def test_ws_flag_sources():
    page_on = got("", found={"ws-flag": "true"}, url="http://x/")
    assert judge_ws_flag([page_on], None, None, True, None).verdict is Verdict.PASS
    off = judge_ws_flag([got("", found={"ws-flag": "false"})], None, None, True, None)
    assert off.verdict is Verdict.FAIL and "expected enabled" in off.reason
    none = judge_ws_flag([got("", found={"ws-flag": None})], None, None, True, None)
    assert none.verdict is Verdict.FAIL and "not in the page" in none.reason
    json_on = got({"flags": {"ws": True}})
    assert judge_ws_flag([json_on], None, None, True, "/flags/ws").verdict is Verdict.PASS
    bad = judge_ws_flag([got({"flags": {}})], None, None, True, "/flags/ws")
    assert bad.verdict is Verdict.FAIL and "cannot read the flag" in bad.reason
    given = judge_ws_flag([], None, False, False, None)
    assert given.verdict is Verdict.PASS and "given as input" in given.reason


def test_ui_responsive_and_polling():
    fast = [got("", ms=m) for m in (10, 20, 30)]
    passed = judge_ui_responsive(fast, None, 2000, 99.5, 3)
    assert passed.verdict is Verdict.PASS
    assert "3 of 3 loads answered 200 (100 %, at least 43.8 % with 95 % confidence)" in (
        passed.reason
    )
    assert passed.metrics["rate_lower_95_percent"] == pytest.approx(43.85, abs=0.01)
    slow = [got("", ms=m) for m in (10, 20, 3000)]
    result = judge_ui_responsive(slow, None, 2000, 99.5, 3)
    assert result.verdict is Verdict.FAIL and "p95 load time" in result.reason
    broken = [got("", status=500), got(""), got("")]
    failed = judge_ui_responsive(broken, None, 2000, 99.5, 3).reason
    assert "1 of 3 loads failed (most often 500): 2 of 3 answered 200 (66.6 %" in failed
    live = [got("", found={"canli": "Canlı", "ws-pill": None})] * 2
    assert judge_polling_ui(live, None).verdict is Verdict.PASS
    ws = [got("", found={"canli": None, "ws-pill": "WS"})]
    assert "WebSocket pill (WS)" in judge_polling_ui(ws, None).reason


def test_pointer():
    doc = {"a": [{"b~/c": 1}]}
    assert resolve(doc, "/a/0/b~0~1c") == 1
    assert resolve(doc, "") == doc
    for bad in ("/a/9", "/x", "a"):
        with pytest.raises(PointerError):
            resolve(doc, bad)


def gate(stack, **inputs):
    return run_gate(load_config(stack_inputs(stack, **inputs), {}))


def verdicts(report):
    return {c.id: c.verdict for c in report.checks}


def test_mock_ticker_fails_the_ticker_check(stack):
    report = gate(stack("mock-ticker"))
    assert verdicts(report)["ticker"] is Verdict.FAIL
    assert report.reason.startswith("smoke fail: ticker: ticker serves mock data")


def test_rollback_scenario_passes_in_rollback_mode_only(stack):
    rollback = stack("rollback")
    assert gate(rollback, mode="rollback").decision.value == "go"
    report = gate(rollback)
    assert verdicts(report)["ws-flag"] is Verdict.FAIL
    healthy = gate(stack("healthy"), mode="rollback")
    assert verdicts(healthy)["ws-flag"] is Verdict.FAIL
    assert verdicts(healthy)["polling-ui"] is Verdict.FAIL


def test_ws_flag_from_a_json_endpoint(stack):
    s = stack("healthy")
    urls = s.urls
    report = gate(
        s,
        **{
            "ws-flag-url": urls["web_url"] + "/api/public/flags",
            "ws-flag-pointer": "/NEXT_PUBLIC_WS_ENABLED",
        },
    )
    assert verdicts(report)["ws-flag"] is Verdict.PASS
    assert report.decision.value == "go"


def test_429_with_retry_after_is_retried_within_the_budget():
    calls = []

    def handle(h):
        calls.append(h.path)
        if len(calls) == 1:
            reply(429, b'{"message": "TOO_MANY_REQUESTS"}', headers={"Retry-After": "1"})(h)
        else:
            reply(
                200, json.dumps({"data": [row(ts=time.time() * 1000)], "success": True}).encode()
            )(h)

    with http_server(handle) as base:
        report = run_gate(load_config({"ticker-url": base + "/ticker", "samples": "1"}, {}))
    ticker = next(c for c in report.checks if c.id == "ticker")
    assert ticker.verdict is Verdict.PASS and ticker.metrics["attempts"] == 2
    assert len(calls) == 2


def test_after_a_rollback_the_polled_prices_must_move(stack):
    """The checklist's post-rollback validation: the polling page's data still flows. The
    rollback stack's ticker moves; the same stack with a ticker frozen at its first answer
    fails, saying how long it stood still."""
    import dataclasses

    from golive_action.sandbox.scenarios import SCENARIOS

    moving = gate(stack("rollback"), mode="rollback")
    polled = next(c for c in moving.checks if c.id == "polling-data")
    assert polled.verdict is Verdict.PASS, polled.reason
    assert polled.metrics["changes"] >= 1 and polled.metrics["readable"] >= 2
    assert moving.decision.value == "go"

    frozen_scenario = dataclasses.replace(SCENARIOS["rollback"], ticker_frozen=True)
    frozen = gate(stack(frozen_scenario), mode="rollback")
    still = next(c for c in frozen.checks if c.id == "polling-data")
    assert still.verdict is Verdict.FAIL
    assert still.reason.startswith("the ticker stood still for ")
    assert "unchanged" in still.reason and still.metrics["changes"] == 0
    assert verdicts(frozen)["ticker"] is Verdict.PASS  # each read alone looks fine
    criterion = next(c for c in frozen.criteria if c.id == "ui-responsive")
    assert criterion.verdict is Verdict.FAIL and frozen.decision.value == "no-go"


def test_a_ticker_that_stands_still_too_long_at_once_fails():
    def read(at: float, stamp: int) -> HttpSample:
        body = {
            "success": True,
            "message": None,
            "code": 0,
            "data": [
                {
                    "pair": "BTCTRY",
                    "pairNormalized": "BTC_TRY",
                    "timestamp": stamp,
                    "last": 1.0,
                    "high": 1.0,
                    "low": 1.0,
                    "bid": 1.0,
                    "ask": 1.01,
                    "open": 1.0,
                    "volume": 1.0,
                    "average": 1.0,
                    "daily": 0.0,
                    "dailyPercent": 0.0,
                    "denominatorSymbol": "TRY",
                    "numeratorSymbol": "BTC",
                    "order": 1000,
                }
            ],
        }
        return HttpSample("polling", "http://t", at, 5.0, 200, body=json.dumps(body))

    from golive_action.judge.webapp import judge_polled_ticker

    def judged(reads):
        return judge_polled_ticker(reads, None, "BTCTRY", 60, 99.5)

    t0 = 1_800_000_000.0
    moving = [read(t0 + i, int((t0 + i) * 1000)) for i in range(5)]
    assert judged(moving).verdict is Verdict.PASS
    # The same answer for 80 s: its timestamp grows old.
    frozen = [read(t0, int(t0 * 1000)), read(t0 + 80, int(t0 * 1000))]
    stale = judged(frozen)
    assert stale.verdict is Verdict.FAIL
    assert "older than ticker-max-age-s 60 s (the oldest 80.0 s)" in stale.reason
    # Two caches of different ages, answering in turn: it goes back and forth, never on.
    caches = [read(t0 + i, int((t0 - (i % 2)) * 1000)) for i in range(6)]
    flip = judged(caches)
    assert flip.verdict is Verdict.FAIL and "went back 3 times" in flip.reason
    # Most reads an error page: the page shows errors, whatever the rest say.
    broken = [
        *moving[:2],
        *[
            HttpSample("polling", "http://t", t0 + 3 + i, 5.0, 502, body="<h1>502</h1>")
            for i in range(3)
        ],
    ]
    errors = judged(broken)
    assert errors.verdict is Verdict.FAIL and "only 2 of 5 polled reads" in errors.reason
    few = judged(moving[:1])
    assert few.verdict is Verdict.INCONCLUSIVE and "sample-interval" in few.reason
