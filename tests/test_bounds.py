"""Every bound the gate keeps, in one place, each with the test that proves it holds.

| What                         | Limit                                   | Where                 |
|------------------------------|-----------------------------------------|-----------------------|
| HTTP response body           | 1 MiB read (decoded), 16 KiB kept       | observe/http.py       |
| HTTP response headers        | 99 (http.client's cap), named           | observe/http.py       |
| one HTTP request             | `http-timeout`: connect, headers, body  | observe/http.py       |
| canary response              | 1 MiB                                   | observe/canary.py     |
| WebSocket frame or message   | `ws-max-frame-bytes` (1 MiB): refused   | observe/wsframes.py   |
|                              | at its header, unread; closed with 1009 |                       |
| WebSocket frame parsed       | the same cap, never parsed past it      | btcturk.py            |
| order book                   | 5,000 price levels a side               | btcturk.py            |
| feed bookkeeping             | known message types, 20 channels/errors | btcturk.py            |
| ping round trips             | 20,000 kept                             | model.WsObservation   |
| latency histogram            | 4 significant digits: 33,000 buckets    | model.LatencyHistogram|
| samples                      | `samples` per endpoint, at most 100,000 | config schema         |
| samples in a window          | 0.1 s apart at least, 100,000 at most   | config.py             |
| reasons                      | one line, 1,000 characters              | model                 |
| artifact zip / member        | 10 MiB / 1 MiB                          | observe/artifacts.py  |
| GitHub API answer / listing  | 8 MiB / 10 pages / 5 redirects          | observe/github_client |
| a wait a server asks for     | 30 s, and within the time budget        | observe/retrywait.py  |
| nginx configuration          | 1 MiB read                              | observe/nginx.py      |
| access log                   | its last 32 MiB                         | observe/accesslog.py  |
| job summary                  | under 1 MiB (the runner's limit)        | report/summary.py     |
| annotations                  | 10 per kind (the runner shows no more)  | actions.py            |
| JSON nesting                 | 64 levels, at parse time                | jsondoc.py            |
| config file                  | 1 MiB                                   | config.py             |
| the whole gate               | `timeout` seconds                       | runner.py             |
"""

from __future__ import annotations

import dataclasses
import io
import json
import subprocess
import sys
import threading
import time
import zipfile
from decimal import Decimal

import pytest

from golive_action import runner
from golive_action.actions import annotation_lines
from golive_action.btcturk import MAX_FRAME_CHARS, Frame, OrderBook, parse_frame
from golive_action.config import ConfigError, GateConfig, load_config
from golive_action.model import (
    REASON_LIMIT,
    CheckResult,
    Decision,
    LatencyHistogram,
    Verdict,
    WsObservation,
)
from golive_action.observe import accesslog, artifacts, canary, nginx
from golive_action.observe.budget import Budget
from golive_action.observe.github_client import GitHubApi
from golive_action.observe.http import HttpLimits, fetch, new_session, sample_endpoint
from golive_action.observe.plan import Probe
from golive_action.report.summary import SUMMARY_LIMIT, render_summary
from golive_action.runner import run_gate
from tests.faulty import http_server, reply, silent_server
from tests.test_summary import HOSTILE, report
from tests.test_ws import handshake, probe, raw_ws_server, text_frame


def get(url: str, limits: HttpLimits):
    with new_session(limits) as session:
        return fetch(session, "web-health", url, limits)


def test_http_body_read_at_most_the_cap_and_kept_at_most_keep_chars():
    limits = HttpLimits(body_cap=1000, keep_chars=100)
    with http_server(reply(200, b"x" * 1001)) as base:
        over = get(base, limits)
    with http_server(reply(200, b"y" * 1000)) as base:
        at = get(base, limits)
    assert over.error_kind == "too-large" and over.body == ""
    assert at.error is None and at.body_bytes == 1000 and len(at.body) == 100
    assert at.body_truncated


def test_http_response_headers_are_capped():
    from tests.test_http_deadline import many_headers

    with http_server(many_headers(100)) as base:
        sample = get(base, HttpLimits(timeout_s=2))
    assert (sample.error_kind, sample.error) == ("too-large", "more than 99 response headers")


def test_an_http_request_ends_at_http_timeout_however_slowly_it_drips():
    """A 100-byte body a byte every 0.2 s: the sample is cut at the 0.5 s timeout (its own
    record says so), not held for the 20 s of the drip."""
    from tests.faulty import drip

    with http_server(drip(chunks=100, pause_s=0.2)) as base:
        sample = get(base, HttpLimits(timeout_s=0.5))
    assert (sample.error_kind, sample.error) == (
        "timeout",
        "response body not complete within 0.5 s",
    )
    assert sample.elapsed_ms is not None and sample.elapsed_ms < 3 * 1000


def test_canary_response_over_its_cap_is_refused(tmp_path):
    big = tmp_path / "canary_resp.json"
    big.write_bytes(b" " * canary.CANARY_BODY_CAP + b"{}")
    (sample,) = canary.read_canary_file(str(big))
    assert sample.error_kind == "too-large"
    assert f"over the cap of {canary.CANARY_BODY_CAP} bytes" in (sample.error or "")


def test_a_frame_over_the_cap_is_never_parsed():
    assert parse_frame("[" + " " * MAX_FRAME_CHARS + "1]").problem == "oversized frame"
    assert parse_frame('[402, {"PS": "BTCTRY"}]').problem is None


def test_a_websocket_frame_over_the_cap_is_never_read():
    """Its header announces 200 MB: the probe's reader reads once (64 KiB), sees the
    length and stops (the probe then closes with 1009: tests/test_ws_frames.py)."""
    from golive_action.observe.wsframes import READ_AHEAD, FrameReader, TooBig
    from tests.faulty import ws_head

    cap = GateConfig().ws_max_frame_bytes
    reads: list[int] = []

    def read(size: int) -> bytes:
        reads.append(size)
        return (ws_head(200 * 1024 * 1024) + b"\0" * size)[:size]

    reader = FrameReader(read, cap)
    assert reader.next(float("inf")) == TooBig(200 * 1024 * 1024, cap, fragmented=False)
    assert cap == 1024 * 1024 and reads == [READ_AHEAD]


def test_the_order_book_keeps_the_best_levels_only():
    book = OrderBook()
    start = OrderBook.MAX_LEVELS * 3
    for i in range(0, start, 500):  # a feed that only ever adds levels
        levels = [{"P": str(1000 + j), "A": "1"} for j in range(i, i + 500)]
        asks = [{"P": str(100_000 + j), "A": "1"} for j in range(i, i + 500)]
        book.apply(Frame(432, {"BO": levels, "AO": asks, "CS": i}))
    assert len(book.bids) == len(book.asks) == OrderBook.MAX_LEVELS
    assert book.best() == (Decimal(1000 + start - 1), Decimal(100_000))


def test_feed_bookkeeping_stays_bounded_whatever_the_server_sends():
    def endless(conn, stop):
        handshake(conn)
        for kind in range(1000, 1300):  # 300 unknown types, 300 refused channels
            conn.sendall(text_frame(json.dumps([kind, {}]).encode()))
            refusal = {"ok": False, "message": f"nope|channel{kind}:x", "type": 100}
            conn.sendall(text_frame(json.dumps([100, refusal]).encode()))
        stop.wait(2)

    with raw_ws_server(endless) as url:
        obs = probe(url, 1.0)
    assert obs.messages["other"] == 300
    assert set(obs.messages) <= {"other", "100", "991"}
    assert len(obs.subscriptions) <= WsObservation.MAX_ERRORS
    assert len(obs.subscription_errors) == WsObservation.MAX_ERRORS


def test_ping_round_trips_are_capped(monkeypatch, stack):
    monkeypatch.setattr(WsObservation, "MAX_PINGS", 3)
    obs = probe(stack("healthy").urls["ws_url"], 1.5, ping_interval_s=0.05)
    assert obs.pings_sent > 3 and len(obs.pings) == 3


def test_latency_histogram_memory_does_not_grow_with_the_count():
    hist = LatencyHistogram()
    for i in range(200_000):
        hist.add(float(i % 1000))
    assert len(hist.counts) == 1000  # one bucket per distinct value
    hist.add(-5)
    hist.add(LatencyHistogram.MAX_MS + 1)
    assert hist.below_zero == 1 and hist.overflow == 1 and len(hist.counts) == 1000
    assert hist.percentile(95) == pytest.approx(950.05)  # the rank counts the two added
    # A value in every bucket of the range: four significant digits, 33,000 buckets.
    every = LatencyHistogram()
    for tenth_of_ms in range(10_000):
        every.add(tenth_of_ms / 10 + 0.05)
    for ms in range(1_000, LatencyHistogram.MAX_MS):
        every.add(ms + 0.5)
    assert len(every.counts) == 10_000 + 9_000 + 9_000 + 5_000


def test_latency_histogram_is_exact_to_its_bucket_and_survives_the_report():
    hist = LatencyHistogram()
    for ms in (1.26, 1.27, 1.31, 4.3, 999.97, 1234.56, 59_999.9):
        hist.add(ms)
    again = LatencyHistogram.from_dict(hist.to_dict())
    assert again == hist
    assert list(hist.to_dict()["counts"]) == ["1.2", "1.3", "4.3", "999.9", "1234.0", "59990.0"]
    assert hist.percentile(0) == 1.26  # never outside what was seen
    assert hist.percentile(20) == 1.26  # the second of seven: its centre, 1.25, is below all
    assert hist.percentile(30) == pytest.approx(1.35)
    assert hist.percentile(100) == 59_999.9
    centres = [round(centre, 3) for centre, _ in hist.midpoints()]
    assert centres == [1.25, 1.35, 4.35, 999.95, 1234.5, 59995.0]


def test_samples_are_capped_by_the_schema_and_honoured_exactly():
    with pytest.raises(ConfigError, match=r"samples.*above the maximum of 100000"):
        load_config({"samples": "100001"}, {})
    with http_server(reply(200, b'{"ok": true}')) as base:
        samples = sample_endpoint("web-health", base, 4, 0.0, HttpLimits(), Budget.lasting(30))
    assert len(samples) == 4


def test_sampling_through_a_window_is_no_busy_loop_and_has_a_ceiling():
    from golive_action.config import WINDOW_SAMPLES_MAX, WINDOW_SPACING_MIN_S, sampling_plan

    fast = sampling_plan("go-live", 2.0, 3, 0.0)  # sample-interval 0
    assert (fast.count, fast.interval_s) == (21, WINDOW_SPACING_MIN_S)
    day = sampling_plan("monitor", 86_000.0, 1, 0.0)
    assert day.count == WINDOW_SAMPLES_MAX
    assert day.interval_s * (day.count - 1) == pytest.approx(86_000.0)
    with pytest.raises(ConfigError, match="do not fit in the observation window"):
        load_config({"duration": "2", "samples": "22"}, {})


def test_reasons_are_one_line_and_capped():
    check = CheckResult("x", "X", Verdict.FAIL, "a\nb" + "c" * 5000, 1, {}, {})
    assert "\n" not in check.reason and len(check.reason) <= REASON_LIMIT


def test_artifact_member_and_zip_caps():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("canary_resp.json", b" " * (artifacts.MEMBER_CAP + 1))
    read = artifacts.read_member(buffer.getvalue())
    assert read.text is None and "over the cap" in (read.note or "")

    def big(h) -> None:
        reply(200, b"\0" * (artifacts.ZIP_CAP + 1), "application/zip")(h)

    with http_server(big) as base, GitHubApi("t", base, Budget.lasting(30), 10) as api:
        data, problem, _ = artifacts.download_zip(base + "/zip", api)
    assert data is None and f"over the cap of {artifacts.ZIP_CAP} bytes" in (problem or "")


def test_github_answers_listings_and_redirects_are_capped():
    from golive_action.observe import github_client as gc

    def api(h) -> None:
        if h.path.startswith("/big"):
            reply(200, b" " * (gc.BODY_CAP + 1))(h)
        elif h.path.startswith("/loop"):
            reply(302, b"", headers={"Location": "/loop"})(h)
        else:  # a listing whose every page links the next
            link = f'<http://{h.headers["Host"]}/pages?n={len(h.path)}>; rel="next"'
            reply(200, b'{"items": [1]}', headers={"Link": link})(h)

    with http_server(api) as base, gc.GitHubApi("t", base, Budget.lasting(30), 5) as client:
        with pytest.raises(gc.TooLarge):
            client.get_json(base + "/big")
        with pytest.raises(gc.Malformed, match="more than 5 redirects"):
            client.request("GET", base + "/loop")
        items: list[int] = []
        with pytest.raises(gc.TooManyPages):
            items.extend(client.pages("/pages", {}, "items"))
    assert items == [1] * gc.PAGE_CAP
    assert client.requests == 1 + (gc.MAX_REDIRECTS + 1) + gc.PAGE_CAP


def test_no_wait_a_server_asks_for_is_longer_than_30_s():
    from golive_action.observe import github_client as gc
    from tests.test_github_hostile import budget

    answers = iter(["30", "31"])

    def api(h) -> None:
        reply(429, b"{}", headers={"Retry-After": next(answers, "0")})(h)

    spent = budget()
    with (
        http_server(api) as base,
        gc.GitHubApi("t", base, spent, 5) as client,
        pytest.raises(gc.RateLimited, match="asked to wait 31 s"),
    ):
        client.request("GET", base + "/runs")
    assert spent.asked == [30.0]  # asked for, not slept: the budget records it


def test_nginx_configuration_read_up_to_its_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(nginx, "MAX_CONFIG_BYTES", 100)
    conf = tmp_path / "nginx.conf"
    conf.write_text("events {}\n" * 11)
    assert "larger than 100 bytes" in (nginx.read_nginx_config(str(conf)).error or "")


def test_access_log_read_from_its_tail_only(tmp_path, monkeypatch):
    monkeypatch.setattr(accesslog, "MAX_TAIL_BYTES", 4096)
    now = time.time()
    stamp = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now - 5))
    line = f'127.0.0.1 - - [{stamp}] "GET / HTTP/1.1" 500 1 "-" "-"\n'
    log = tmp_path / "access.log"
    log.write_text(line * 1000)
    obs = accesslog.read_access_log(str(log), 5, now)
    assert obs.error is None and 0 < obs.lines <= 4096 // len(line)


def test_the_job_summary_stays_under_the_runners_limit():
    markdown = render_summary(report(checks=50, metrics={"url": "x" * 100_000}))
    assert len(markdown.encode()) <= SUMMARY_LIMIT
    assert markdown.endswith("the JSON report has everything._\n")


def test_annotations_are_capped_at_ten_per_kind():
    failing = report(HOSTILE, checks=25)
    unsure = [
        dataclasses.replace(c, id=f"u{i}", verdict=Verdict.INCONCLUSIVE)
        for i, c in enumerate(failing.checks)
    ]
    lines = annotation_lines(dataclasses.replace(failing, checks=failing.checks + tuple(unsure)))
    assert sum(line.startswith("::error") for line in lines) == 10
    assert sum(line.startswith("::warning") for line in lines) == 10
    assert lines[-1] == "31 more failing, inconclusive or waived checks: see the job summary"


def test_a_probe_past_the_time_budget_is_an_error_and_the_gate_returns(monkeypatch):
    release = threading.Event()

    def plan(config, progress=None):
        def hang(deadline):
            release.wait(30)
            return []

        return [Probe("web-health", hang)], {"executor-health": "input executor-url is not set"}

    monkeypatch.setattr(runner, "plan_probes", plan)
    try:
        # Built directly: load_config refuses a timeout shorter than the sampling it asks for.
        gate = run_gate(GateConfig(timeout=1.5, web_url="http://127.0.0.1:9"))
    finally:
        release.set()
    check = gate.check("web-health")
    assert check is not None and check.verdict is Verdict.ERROR
    assert "time budget" in check.reason
    assert gate.decision is Decision.NO_GO


def test_the_cli_returns_at_its_time_budget_with_a_hung_server(tmp_path):
    """A server that never answers: `golive run` still ends (the subprocess timeout is the
    hang detector), NO-GO, everything written. A request timeout past the budget is refused
    at start (test_fail_closed.py); the budget itself holds against a probe that hangs
    past its own timeout (the test above)."""
    out, summary = tmp_path / "out", tmp_path / "summary"
    env = {"GITHUB_OUTPUT": str(out), "GITHUB_STEP_SUMMARY": str(summary), "PATH": ""}
    with silent_server() as url:
        argv = ["run", "--web-url", url, "--executor-url", url, "--http-timeout", "1.5"]
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "golive_action",
                *argv,
                "--timeout",
                "3",
                "--samples",
                "1",
                "--duration",
                "1",
            ],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,  # 300 s if the budget did not hold
        )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    document = json.loads((tmp_path / "golive-report.json").read_text())
    checks = {c["id"]: c for c in document["checks"]}
    assert checks["web-health"]["verdict"] == "error"
    assert "no response within 1.5 s" in checks["web-health"]["reason"]
    assert "decision=no-go" in out.read_text()
    assert summary.read_text().startswith("## ")


def test_json_nests_at_most_64_levels_in_every_parser():
    from golive_action import jsondoc

    at_limit = "[" * jsondoc.MAX_JSON_DEPTH + "]" * jsondoc.MAX_JSON_DEPTH
    over = "[" + at_limit + "]"
    assert jsondoc.loads(at_limit) is not None
    assert jsondoc.loads('{"a": ' * 64 + "1" + "}" * 64) is not None
    for text in (over, '{"a": ' * 65 + "1" + "}" * 65, "[" * 100_000 + "]" * 100_000):
        with pytest.raises(jsondoc.JsonTooDeep):
            jsondoc.loads(text)
    # The feed's frames keep the parser's own bound (they are read in place, never walked):
    # a frame too deep for it is a problem of that frame, not a crash.
    deepest = "[" * 100_000 + "]" * 100_000
    assert parse_frame("[100, " + deepest + "]").problem == "not JSON"


def test_a_config_file_is_read_up_to_1_mib(tmp_path):
    from golive_action.config import CONFIG_FILE_CAP

    path = tmp_path / "big.yaml"
    path.write_text("# " + "x" * CONFIG_FILE_CAP + "\n")
    with pytest.raises(ConfigError, match="larger than"):
        load_config({}, {}, str(path))


def test_every_numeric_input_has_a_ceiling():
    """A limit of 1e308 is no limit (an endless deadline, a threshold nothing reaches): each
    figure an input takes is bounded in the schema, and a larger one is refused at start."""
    from golive_action.config import input_specs

    for spec in input_specs().values():
        if spec.type in ("number", "integer"):
            assert "maximum" in spec.schema, spec.name
    with pytest.raises(ConfigError, match=r"ws-open-max-s.*above the maximum"):
        load_config({"ws-open-max-s": "1e308"}, {})
