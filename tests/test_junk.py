"""Junk is not a pass: canary bodies whose nested verdicts are not real booleans, that say
ok or PASS beside a failure or an error, and tickers whose prices are no market quote, each
served by a server of the test's own and judged by `golive run`."""

from __future__ import annotations

import json

import pytest

from golive_action.judge.canary import judge_body
from golive_action.judge.webapp import quote_problem
from golive_action.model import Verdict
from tests.faulty import http_server, reply
from tests.test_canary import run_canary_only
from tests.test_webapp import NOW, RAW, got, row

JUNK_CANARIES = [
    ({"ok": True, "results": [{"ok": "false"}]}, 'results[0].ok is "false", not true or false'),
    ({"ok": True, "results": [{"ok": 0}]}, "results[0].ok is 0, not true or false"),
    ({"ok": True, "results": [{"ok": None, "name": "risk"}]}, "results[0].ok is null"),
    ({"status": "ok", "results": [{"ok": False, "name": "risk"}]}, "1 result(s) failed: risk"),
    ({"status": "PASS", "error": "boom"}, "status PASS but it reports an error (boom)"),
    ({"ok": True, "error": {"code": 7}, "results": []}, "ok: true but it reports an error"),
    ({"ok": True, "evidence": {"passed": "yes"}}, 'evidence.passed is "yes"'),
    ({"ok": True, "results": [1]}, "runner body is malformed"),
    (
        {"ok": True, "results": [{"ok": True, "steps": [{"passed": False}]}]},
        "1 result(s) failed: results[0].steps[0].passed",
    ),
    ({"status": "ok", "errors": ["boom"]}, "status ok but it reports an error"),
    # A failing result behind 10,000 values of an embedded book is still found.
    (
        {"ok": True, "book": [0] * 10_001, "results": [{"name": "y", "ok": False}]},
        "1 result(s) failed: y",
    ),
]


@pytest.mark.parametrize(("body", "words"), JUNK_CANARIES)
def test_a_junk_canary_body_fails(body, words):
    verdict, reason = judge_body(body)
    assert verdict is Verdict.FAIL and words in reason, reason


@pytest.mark.parametrize(
    "body",
    [
        {"ok": True, "n": 2, "results": [{"ok": True, "name": "a"}, {"ok": True}]},
        {"ok": True, "simulated": True, "order": {}, "evidence": {"passed": True}},
        {"status": "PASS", "error": None, "checks": {"delta_msgs": 4}},
        {"status": "ok", "error": ""},
        # Counts under the verdict words, where no shape puts a verdict: not verdicts.
        {"status": "PASS", "summary": {"passed": 5, "failed": 0}},
        {"ok": True, "results": [{"name": "a", "ok": True, "checks": {"passed": 4}}]},
        {"ok": True, "results": [], "error": 0},
    ],
)
def test_a_real_pass_still_passes(body):
    assert judge_body(body)[0] is Verdict.PASS


@pytest.mark.parametrize(("body", "words"), JUNK_CANARIES[:5])
def test_a_junk_canary_answer_is_a_no_go(run_cli, tmp_path, body, words):
    result = run_canary_only(run_cli, tmp_path, json.dumps(body).encode())
    assert result.code == 1, result.out
    report = json.loads((tmp_path / "golive-report.json").read_text())
    canary = next(c for c in report["checks"] if c["id"] == "canary")
    assert canary["verdict"] == "fail" and words in canary["reason"]
    assert report["decision"] == "no-go"


JUNK_PRICES = [
    (row(bid=-5.0, ask=101.0), "not above 0"),
    (row(bid=0.0, ask=101.0), "not above 0"),
    (row(bid=100.0, ask=1e300), "over ticker-spread-max-percent 5 %"),
    (row(bid=1e300, ask=1.2e300), "over ticker-spread-max-percent 5 %"),
    (row(bid="1e999", ask=101.0), "not a finite number"),
    (row(bid="NaN", ask=101.0), "not a finite number"),
    (row(bid=True, ask=101.0), "not a BTCTurk ticker"),
    ({**row(bid=100.0, ask=101.0), "last": -1}, "the last price -1 is no price above 0"),
    ({**row(bid=100.0, ask=101.0), "last": "NaN"}, 'the last price "NaN" is no price above 0'),
]


@pytest.mark.parametrize(("quote", "words"), JUNK_PRICES)
def test_a_ticker_of_junk_prices_fails_the_gate(run_cli, tmp_path, quote, words):
    body = json.dumps({**RAW, "data": [{**quote, "timestamp": 0}]})
    # The row's time is the answer's: fresh, so that only the prices are judged.
    handle = _fresh_ticker(body)
    with http_server(handle) as base:
        result = run_cli(
            "run",
            "--web-url",
            base,
            "--ticker-url",
            base + "/ticker",
            "--samples",
            "1",
            "--duration",
            "0.5",
            "--report",
            str(tmp_path / "r.json"),
        )
    report = json.loads((tmp_path / "r.json").read_text())
    ticker = next(c for c in report["checks"] if c["id"] == "ticker")
    assert ticker["verdict"] == "fail" and words in ticker["reason"], ticker["reason"]
    assert result.code == 1 and report["decision"] == "no-go"


def _fresh_ticker(body: str):
    import time

    def handle(handler) -> None:
        stamped = body.replace('"timestamp": 0', f'"timestamp": {int(time.time() * 1000)}')
        reply(200, stamped.encode(), "application/json")(handler)

    return handle


def test_the_spread_bound_is_an_input(run_cli, tmp_path):
    quote = {**RAW, "data": [row(bid=100.0, ask=108.0, ts=NOW * 1000)]}
    from golive_action.judge.webapp import judge_ticker

    assert judge_ticker([got(quote)], [], None, "BTCTRY", 60).verdict is Verdict.FAIL
    wide = judge_ticker([got(quote)], [], None, "BTCTRY", 60, spread_max_percent=10)
    assert wide.verdict is Verdict.PASS, wide.reason
    assert quote_problem(100.0, 100.5, 5) is None


def test_the_reference_stacks_ticker_is_a_market_quote(stack):
    from tests.test_webapp import gate, verdicts

    report = gate(stack("healthy"))
    assert verdicts(report)["ticker"] is Verdict.PASS
