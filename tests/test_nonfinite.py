"""NaN and infinity from a server: RFC 8259 has no such numbers, and a NaN compares false
with every limit (it would pass any check). A body that carries one is not JSON to the
gate, and the report it writes is always JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from golive_action.report.jsonreport import read_report, report_problems
from tests.faulty import http_server, reply
from tests.test_canary import run_canary_only

NAN_TICKER = (
    b'{"success": true, "message": null, "code": 0, "data": [{"pair": "BTCTRY",'
    b' "pairNormalized": "BTC_TRY", "timestamp": NaN, "last": 1, "high": 1, "low": 1,'
    b' "bid": 1, "ask": 2, "open": 1, "volume": 1, "average": 1, "daily": 0,'
    b' "dailyPercent": 0, "denominatorSymbol": "TRY", "numeratorSymbol": "BTC",'
    b' "order": 1000}]}'
)


def test_a_ticker_with_a_nan_timestamp_fails_and_the_report_stays_json(run_cli, stack):
    s = stack("healthy")
    with http_server(reply(200, NAN_TICKER)) as ticker:
        result = run_cli(
            "run",
            "--web-url",
            s.urls["web_url"],
            "--executor-url",
            s.urls["executor_url"],
            "--ticker-url",
            ticker,
            "--mode",
            "rollback",
            "--samples",
            "2",
            "--sample-interval",
            "0",
            "--duration",
            "1",
        )
    assert result.code == 1, result.out
    document = json.loads(Path("golive-report.json").read_text())
    assert report_problems(document) == []
    read_report("golive-report.json")  # reads back: no bare NaN anywhere
    ticker_check = next(c for c in document["checks"] if c["id"] == "ticker")
    assert ticker_check["verdict"] == "fail"
    assert "not JSON" in ticker_check["reason"]


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity", b"1e999"])
def test_a_canary_with_a_nonfinite_latency_is_no_pass(run_cli, tmp_path, number):
    body = b'{"ok": true, "latencyMs": ' + number + b"}"
    saved = tmp_path / "canary_resp.json"
    saved.write_bytes(body)
    parsed = run_cli("canary", "parse", str(saved))
    assert parsed.code == 2, parsed.out  # unreadable: not JSON
    assert "latency evidence collected" not in parsed.out
    ran = run_canary_only(run_cli, tmp_path, body)
    assert ran.code == 1 and "latency evidence collected" not in ran.out
    document = json.loads((tmp_path / "golive-report.json").read_text())
    assert report_problems(document) == []
    canary = next(c for c in document["checks"] if c["id"] == "canary")
    assert canary["verdict"] == "error" and "not plain JSON" in canary["reason"]


def test_a_report_with_a_nonfinite_figure_is_written_as_json(tmp_path):
    from golive_action.jsondoc import finite

    assert finite({"a": [1.0, float("nan"), {"b": float("inf")}], "c": "x"}) == {
        "a": [1.0, None, {"b": None}],
        "c": "x",
    }
