"""The browser checks: the trading page in a real headless Chromium (Playwright), against the
reference stack's JavaScript client and against pages of other markup; and their judging,
as pure functions of a recorded observation.

A machine without a Chrome or Chromium fails these tests with the fix (never skips them):
.ci/run installs Debian's chromium when none is present."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from golive_action.judge.browser import (
    colour_name,
    judge_ui_browser,
    judge_ui_browser_responsive,
    pill_state,
    shares,
    tooltip_latency_ms,
    worst_input_delay_ms,
)
from golive_action.limits import BrowserLimits
from golive_action.model import BrowserObservation, PageSocket, Sighting, Verdict
from golive_action.observe import browser as probe
from golive_action.observe.browser import BrowserSettings, BrowserUnavailable, find_browser
from golive_action.observe.budget import Budget

ROOT = Path(__file__).resolve().parent.parent
GREEN, YELLOW, RED = "rgb(22, 163, 74)", "rgb(234, 179, 8)", "rgb(220, 38, 38)"


def _system_browser() -> str:
    try:
        found = find_browser(None, lambda: "")
    except BrowserUnavailable as exc:
        pytest.fail(f"these tests need a Chrome or Chromium: {exc}")
    assert found.path is not None
    return found.path


# --------------------------------------------------------------------------- pure judging


def _seen(**fields: object) -> BrowserObservation:
    values: dict[str, object] = {
        "url": "http://app/btcturk",
        "started_at": 1000.0,
        "status": 200,
        "ended_ms": 10_000.0,
        "load_ms": 200.0,
        "pill": [Sighting(100.0, "WS✗", RED), Sighting(150.0, "WS", GREEN)],
        "spread_changes": 8,
        "tooltip": "WebSocket latency: 12 ms",
        "tooltip_source": "element",
        "sockets": [PageSocket("ws://feed/", 120.0, 30, 4)],
        "sockets_opened": 1,
        "long_tasks": [(40.0, 60.0)],
        "long_task_count": 1,
        "input_delays_ms": [2.0, 3.0, 1.5, 2.5, 1.0, 4.0],
        "clicks_sent": 6,
        "documents": 1,
    }
    values.update(fields)
    return BrowserObservation(**values)  # type: ignore[arg-type]


def test_colours_and_texts_of_the_pill():
    assert [colour_name(c) for c in (GREEN, YELLOW, RED)] == ["green", "yellow", "red"]
    assert colour_name("rgba(37, 99, 235, 1)") == "blue"
    assert colour_name("rgb(128, 128, 128)") == "grey"
    assert colour_name("hsl(1 2 3)") is None
    assert colour_name(None) is None
    assert [pill_state(t) for t in ("WS", " WS! ", "WS✗", "WS✕", "Canlı", None)] == [
        "OPEN",
        "DEGRADED",
        "CLOSED",
        "CLOSED",
        None,
        None,
    ]


def test_tooltip_latency_figures():
    assert tooltip_latency_ms("WebSocket latency: 12 ms · reconnects: 0") == 12
    assert tooltip_latency_ms("latency 1.5 s") == 1500
    assert tooltip_latency_ms("latency 7,5ms") == 7.5
    # Thousands, as English and Turkish group them: no latency is shown to the microsecond.
    assert tooltip_latency_ms("latency 1,234 ms") == 1234
    assert tooltip_latency_ms("gecikme 1.234 ms") == 1234
    assert tooltip_latency_ms("latency 1.234 s") == 1234
    assert tooltip_latency_ms("latency 1.234,5 ms") is None
    assert tooltip_latency_ms("WebSocket latency: measuring") is None
    assert tooltip_latency_ms("nan ms inf ms") is None
    assert tooltip_latency_ms(None) is None


def test_shares_of_the_window_and_the_worst_click():
    pill = [Sighting(0.0, "WS✗", RED), Sighting(1000.0, "WS", GREEN), Sighting(9000.0, None)]
    assert shares(pill, 10_000.0) == {"CLOSED": 10.0, "OPEN": 80.0, "missing": 10.0}
    assert shares([], 5.0) == {}
    assert shares([Sighting(5.0, "WS!", YELLOW)], 5.0) == {"DEGRADED": 100.0}
    assert worst_input_delay_ms([]) is None
    assert worst_input_delay_ms([5.0, 300.0, 1.0]) == 300.0
    # One in fifty set aside: a single hiccup in fifty clicks is not the page.
    assert worst_input_delay_ms([900.0] + [10.0] * 49) == 10.0


def test_a_healthy_page_passes_and_says_what_it_saw():
    result = judge_ui_browser(_seen(), None, BrowserLimits(), "go-live")
    assert result.verdict is Verdict.PASS, result.reason
    assert result.metrics["pill"] == "WS"
    assert result.metrics["pill_colour"] == "green"
    assert result.metrics["tooltip_latency_ms"] == 12
    assert "tooltip 12 ms" in result.reason


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"pill": [Sighting(100.0, "WS!", YELLOW)]}, "reads WS! (yellow) at the end"),
        ({"pill": [Sighting(100.0, "WS", YELLOW)]}, "reads WS but is drawn yellow"),
        (
            {"pill": [Sighting(0.0, "WS✗", RED), Sighting(5000.0, "WS", GREEN)]},
            "not WS 50 % of the window",
        ),
        ({"pill": []}, "never showed"),
        ({"pill": [Sighting(1.0, "WS", GREEN), Sighting(9.0, None)]}, "gone at the end"),
        ({"tooltip": "WebSocket latency: measuring"}, "no latency figure"),
        ({"tooltip": None, "cut_short": "the run was interrupted"}, "tooltip was not read"),
        ({"tooltip": "WebSocket latency: 900 ms"}, "900 ms (limit 300 ms)"),
        ({"spread_changes": 1}, "Spread Card changed 1 time"),
        ({"page_error_count": 2, "page_errors": ["TypeError: x"]}, "2 uncaught exceptions"),
        ({"sockets": [], "sockets_opened": 0}, "opened no WebSocket"),
        ({"sockets": [PageSocket("ws://f/", 1.0)]}, "received no frame"),
        ({"status": 502}, "HTTP 502"),
    ],
)
def test_what_the_user_would_see_fails_the_check(fields, words):
    result = judge_ui_browser(_seen(**fields), None, BrowserLimits(), "go-live")
    assert result.verdict is Verdict.FAIL
    assert words in result.reason, result.reason


def test_a_page_not_watched_is_an_error_never_a_pass():
    unseen = _seen(error="no Chrome or Chromium found; fix: install one")
    for judged in (
        judge_ui_browser(unseen, None, BrowserLimits(), "go-live"),
        judge_ui_browser(unseen, None, BrowserLimits(), "rollback"),
        judge_ui_browser_responsive(unseen, None, BrowserLimits()),
        judge_ui_browser(None, "input web-url is not set", BrowserLimits(), "go-live"),
        judge_ui_browser_responsive(None, None, BrowserLimits()),
    ):
        assert judged.verdict is Verdict.ERROR, judged.reason


def test_rollback_page_polls_shows_canli_and_opens_no_websocket():
    rolled = _seen(
        pill=[],
        polling=[Sighting(50.0, "Canlı", "rgb(37, 99, 235)")],
        sockets=[],
        sockets_opened=0,
        requests_after_load=9,
        spread_changes=8,
    )
    assert judge_ui_browser(rolled, None, BrowserLimits(), "rollback").verdict is Verdict.PASS
    still_ws = _seen(polling=[Sighting(50.0, "Canlı")], requests_after_load=9)
    failed = judge_ui_browser(still_ws, None, BrowserLimits(), "rollback")
    assert failed.verdict is Verdict.FAIL
    assert "still shows the WebSocket pill (WS)" in failed.reason
    assert "opened 1 WebSocket connection (ws://feed/)" in failed.reason
    idle = _seen(pill=[], polling=[Sighting(5.0, "Canlı")], sockets=[], sockets_opened=0)
    assert (
        "did not update by polling"
        in judge_ui_browser(idle, None, BrowserLimits(), "rollback").reason
    )
    english = BrowserLimits(polling_text="Live")
    assert judge_ui_browser(rolled, None, english, "rollback").verdict is Verdict.FAIL
    # The whole text: "Canlı değil" (not live) is not Canlı.
    not_live = _seen(**{**rolled.__dict__, "polling": [Sighting(5.0, "Canlı değil — veri yok")]})
    assert (
        "reads Canlı değil" in judge_ui_browser(not_live, None, BrowserLimits(), "rollback").reason
    )
    # Any text at the pill's selector is the pill still shown, however it is spelled.
    odd_pill = _seen(**{**rolled.__dict__, "pill": [Sighting(5.0, "WS ✗", RED)]})
    assert (
        "still shows the WebSocket pill (WS ✗)"
        in judge_ui_browser(odd_pill, None, BrowserLimits(), "rollback").reason
    )
    same_element = _seen(**{**rolled.__dict__, "pill": [Sighting(5.0, "Canlı")]})
    assert judge_ui_browser(same_element, None, BrowserLimits(), "rollback").verdict is Verdict.PASS


def test_responsiveness_long_tasks_after_the_load_and_click_delays():
    calm = judge_ui_browser_responsive(_seen(), None, BrowserLimits())
    assert calm.verdict is Verdict.PASS, calm.reason
    # The load's own long task (before load_ms) is the load timing's business.
    loading = _seen(long_tasks=[(10.0, 900.0)])
    assert judge_ui_browser_responsive(loading, None, BrowserLimits()).verdict is Verdict.PASS
    frozen = _seen(long_tasks=[(1000.0, 400.0), (2000.0, 400.0)])
    blocked = judge_ui_browser_responsive(frozen, None, BrowserLimits())
    assert blocked.verdict is Verdict.FAIL
    assert "a long task of 400 ms after the load (limit 200 ms" in blocked.reason
    assert blocked.metrics["blocking_ms"] == 700.0
    slow_click = _seen(input_delays_ms=[2.0, 250.0])
    assert (
        "a click waited 250 ms"
        in judge_ui_browser_responsive(slow_click, None, BrowserLimits()).reason
    )
    no_clicks = judge_ui_browser_responsive(_seen(input_delays_ms=[]), None, BrowserLimits())
    assert no_clicks.verdict is Verdict.INCONCLUSIVE
    few = judge_ui_browser_responsive(_seen(input_delays_ms=[1.0] * 4), None, BrowserLimits())
    assert few.verdict is Verdict.INCONCLUSIVE
    assert "4 clicks measured of 6 sent (at least 5 needed)" in few.reason
    error_page = judge_ui_browser_responsive(_seen(status=500), None, BrowserLimits())
    assert error_page.verdict is Verdict.INCONCLUSIVE


def test_a_page_that_navigated_is_inconclusive_never_judged_on_its_last_document():
    for judged in (
        judge_ui_browser(_seen(documents=3), None, BrowserLimits(), "go-live"),
        judge_ui_browser_responsive(_seen(documents=2), None, BrowserLimits()),
    ):
        assert judged.verdict is Verdict.INCONCLUSIVE
        assert "reloaded or navigated away" in judged.reason


def test_the_share_counts_the_page_s_running_totals_and_the_time_before_the_pill():
    # The page kept running totals past the sightings' cap: they are what counts.
    capped = _seen(
        pill=[Sighting(100.0, "WS", GREEN)] * 2,
        pill_time_ms=[("WS", 600.0), ("WS!", 2400.0)],
        dom_content_loaded_ms=100.0,
    )
    judged = judge_ui_browser(capped, None, BrowserLimits(), "go-live")
    assert judged.metrics["pill_degraded_percent"] == 80.0
    assert judged.verdict is Verdict.FAIL
    # Before the pill first shows (from DOMContentLoaded) it is missing.
    late = _seen(pill=[Sighting(2700.0, "WS", GREEN)], ended_ms=3100.0, dom_content_loaded_ms=100.0)
    assert judge_ui_browser(late, None, BrowserLimits(), "go-live").metrics["pill_percent"] == {
        "OPEN": 13.3,
        "missing": 86.7,
    }


def test_the_observation_reads_back_whole_without_its_screenshot():
    seen = _seen(screenshot=b"\x89PNG...", polling=[Sighting(1.0, "Canlı", None)])
    data = json.loads(json.dumps(seen.to_dict()))
    assert "screenshot" not in data
    back = BrowserObservation.from_dict(data)
    assert back == seen
    assert back.screenshot is None


# --------------------------------------------------------------------------- finding a browser


def test_finding_a_browser_explicit_then_playwright_then_system(tmp_path, monkeypatch):
    fake = tmp_path / "chrome"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    assert find_browser(str(fake), lambda: "").source == "browser-executable"
    with pytest.raises(BrowserUnavailable, match="input browser-executable: '/nope/chrome'"):
        find_browser("/nope/chrome", lambda: str(fake))
    assert find_browser(None, lambda: str(fake)).source == "playwright"
    monkeypatch.setattr(probe, "SYSTEM_PATHS", ())
    found = find_browser(None, lambda: "/not/there", which=lambda name: str(fake))
    assert (found.source, found.path) == ("system", str(fake))
    with pytest.raises(BrowserUnavailable, match="apt-get install chromium"):
        find_browser(None, lambda: "/not/there", which=lambda name: None)


def test_without_playwright_the_probe_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "playwright", None)
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)
    seen = probe.observe_browser(BrowserSettings("http://127.0.0.1:9/", 1.0), Budget.lasting(5))
    assert seen.error is not None
    assert "pip install 'golive-action[browser]'" in seen.error
    judged = judge_ui_browser(seen, None, BrowserLimits(), "go-live")
    assert judged.verdict is Verdict.ERROR


# --------------------------------------------------------------------------- a real browser


def _demo(tmp_path: Path, *args: str, timeout: float = 120) -> tuple[int, dict, str, dict]:
    """`golive demo` in a process of its own, as a user runs it, with Actions' files."""
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs.txt"
    env = {
        **os.environ,
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(outputs),
        "GOLIVE_BROWSER_EXECUTABLE": _system_browser(),
    }
    for name in ("GITHUB_ACTIONS", "GITHUB_TOKEN", "GITHUB_RUN_ID"):
        env.pop(name, None)
    proc = subprocess.run(
        [sys.executable, "-m", "golive_action", "demo", "--duration", "5", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    report = json.loads((tmp_path / "golive-report.json").read_text())
    return proc.returncode, report, summary.read_text(), _outputs(outputs.read_text())


def _outputs(text: str) -> dict[str, str]:
    found, lines = {}, iter(text.splitlines())
    for line in lines:
        if "<<" in line:
            name, delimiter = line.split("<<", 1)
            value = []
            for more in lines:
                if more == delimiter:
                    break
                value.append(more)
            found[name] = "\n".join(value)
        elif "=" in line:
            name, value = line.split("=", 1)
            found[name] = value
    return found


def _checks(report: dict) -> dict[str, dict]:
    return {c["id"]: c for c in report["checks"]}


def test_demo_with_the_browser_is_go_with_pill_tooltip_spread_and_screenshot(tmp_path):
    code, report, summary, outputs = _demo(tmp_path, "--browser", "true")
    checks = _checks(report)
    assert code == 0, report["reason"]
    page = checks["ui-browser"]
    assert page["verdict"] == "pass", page["reason"]
    assert page["metrics"]["pill"] == "WS"
    assert page["metrics"]["pill_colour"] == "green"
    assert 0 <= page["metrics"]["tooltip_latency_ms"] < 300
    assert page["metrics"]["spread_changes"] >= 3
    assert page["metrics"]["sockets_opened"] >= 1
    assert checks["ui-browser-responsive"]["verdict"] == "pass"
    shot = tmp_path / "golive-screenshot.png"
    assert shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert outputs["screenshot"] == "golive-screenshot.png"
    assert report["screenshot"] == "golive-screenshot.png"
    assert "**In the browser:** ✅ pill 🟢 `WS` at the end" in summary
    assert "**Screenshot:** `golive-screenshot.png`" in summary
    assert report["observations"]["browser"]["sockets"][0]["frames_received"] > 0


def test_demo_slow_ws_shows_the_pill_yellow(tmp_path):
    code, report, summary, _ = _demo(tmp_path, "--browser", "true", "--scenario", "slow-ws")
    assert code == 1
    page = _checks(report)["ui-browser"]
    assert page["verdict"] == "fail"
    assert page["metrics"]["pill"] == "WS!"
    assert page["metrics"]["pill_colour"] == "yellow"
    assert "pill 🟡 `WS!` at the end" in summary


def test_demo_no_upgrade_shows_the_pill_red(tmp_path):
    code, report, _, _ = _demo(tmp_path, "--browser", "true", "--scenario", "no-upgrade")
    page = _checks(report)["ui-browser"]
    assert (code, page["verdict"], page["metrics"]["pill"]) == (1, "fail", "WS✗")
    assert page["metrics"]["pill_colour"] == "red"
    assert report["observations"]["browser"]["console_error_count"] >= 1


def test_demo_frozen_ui_is_no_go_on_ui_unresponsive_while_every_http_check_passes(tmp_path):
    # The demo turns the browser on for this scenario by itself: only a browser sees it.
    code, report, _, outputs = _demo(tmp_path, "--scenario", "frozen-ui")
    checks = _checks(report)
    assert code == 1
    responsive = checks["ui-browser-responsive"]
    assert responsive["verdict"] == "fail", responsive["reason"]
    assert responsive["metrics"]["longest_task_ms"] >= 390
    http = ("web-health", "executor-health", "ticker", "ws-flag", "ui-responsive", "5xx-spike")
    assert {c: checks[c]["verdict"] for c in http} == dict.fromkeys(http, "pass")
    fired = [r["id"] for r in report["rollback"]["reasons"]]
    assert fired == ["ui-unresponsive"]
    assert json.loads(outputs["rollback-reasons"]) == ["ui-unresponsive"]
    criteria = {c["id"]: c["verdict"] for c in report["criteria"]}
    assert criteria["ui-responsive"] == "fail"


def test_demo_rollback_shows_canli_and_opens_no_websocket(tmp_path):
    code, report, _, _ = _demo(
        tmp_path, "--browser", "true", "--mode", "rollback", "--scenario", "rollback"
    )
    checks = _checks(report)
    assert code == 0, report["reason"]
    page = checks["ui-browser"]
    assert page["verdict"] == "pass", page["reason"]
    assert page["metrics"]["polling_indicator"] == "Canlı"
    assert page["metrics"]["sockets_opened"] == 0
    assert page["metrics"]["polled_requests"] >= 2
    assert checks["polling-ui"]["verdict"] == "pass"


def test_a_browser_executable_that_is_none_is_refused_at_start(tmp_path):
    code, report, _, _ = _demo(
        tmp_path, "--browser", "true", "--browser-executable", str(tmp_path / "no-chrome")
    )
    assert code == 2
    assert report["decision"] == "no-go"
    assert "input 'browser-executable' (flag --browser-executable)" in report["reason"]
    assert "fix: give the path of a Chrome or Chromium" in report["reason"]


def test_no_browser_to_start_is_an_error_and_no_go_with_the_fix(tmp_path):
    fake = tmp_path / "fake-chrome"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    code, report, _, _ = _demo(tmp_path, "--browser", "true", "--browser-executable", str(fake))
    page = _checks(report)["ui-browser"]
    assert code == 1
    assert page["verdict"] == "error"
    assert "did not start" in page["reason"]
    assert "fix:" in page["reason"]
    assert report["decision"] == "no-go"


@pytest.mark.parametrize("kind", ["fifo", "directory", "canary"])
def test_a_screenshot_path_that_may_not_be_written_is_refused_at_start(run_cli, kind):
    args = ["demo", "--browser", "true", "--report", "r.json"]
    if kind == "fifo":
        os.mkfifo("r-screenshot.png")
    elif kind == "directory":
        os.mkdir("r-screenshot.png")
    else:
        args += ["--canary-output", "r-screenshot.png"]
    result = run_cli(*args)
    assert result.code == 2, result.err
    assert "screenshot" in result.err
    assert "Traceback" not in result.err


def test_browser_false_skips_and_says_so(run_cli):
    result = run_cli("demo", "--duration", "2", "--samples", "3", "--browser", "false")
    report = json.loads(Path("golive-report.json").read_text())
    page = _checks(report)["ui-browser"]
    assert page["verdict"] == "skipped"
    assert "browser is false" in page["reason"]
    assert result.code == 0


# Another app's markup: a pill with its latency in its title, a book of its own, its feed
# opened from the page. The selectors point the probe at it.
OTHER_PAGE = """<!doctype html><html><body>
<nav><b id="conn" class="good" style="background: rgb(0, 170, 60); color: white"
   title="Gecikme 42 ms">WS</b></nav>
<div id="book"><i id="bid">1</i>/<i id="ask">2</i></div>
<script>
  var n = 0, ws = new WebSocket(%(feed)s);
  ws.onmessage = function () {};
  setInterval(function () { n += 1; document.getElementById("bid").textContent = String(n); },
              300);
</script></body></html>"""


# A page whose every control reports a click to the server; its body is rebuilt after a
# second, and an overlay covers the whole window (the probe's corner included).
_TRAP = b"""<!doctype html><html><body><div id="conn" style="background:#16a34a">WS</div>
<script>
  function build() {
    document.body.innerHTML = '<div id="conn" style="background:#16a34a">WS</div>' +
      '<div id="veil" style="position:fixed;inset:0;z-index:99999"></div>' +
      '<button style="position:fixed;right:0;bottom:0">buy</button>';
    for (const type of ["click", "mousedown", "pointerdown", "mouseup"]) {
      document.addEventListener(type, () => fetch("/hit"), true);
      document.body.addEventListener(type, () => fetch("/hit"));
    }
  }
  build(); setTimeout(build, 1000);
</script></body></html>"""
HITS: list[str] = []  # the trap's controls, clicked
AUTHORIZED: list[str] = []  # Authorization headers the server was sent
EXTRA_PAGES = {
    "/trap": _TRAP,
    "/hit": b"",
    "/away": b"<!doctype html><p>moving</p><script>setTimeout(() => location.href = '/trade', 800)"
    b"</script>",
    "/elsewhere": b"need a password",
}


@pytest.fixture
def other_page(stack):
    s = stack("healthy")
    body = (OTHER_PAGE % {"feed": json.dumps(s.urls["ws_url"])}).encode()

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/hang":  # a resource that never comes: the load never ends
                time.sleep(20)
                return
            if self.path in EXTRA_PAGES:
                page = EXTRA_PAGES[self.path]
                if self.path == "/hit":
                    hits.append(self.path)
                if self.headers.get("Authorization"):
                    authorized.append(self.headers["Authorization"])
                status = 401 if self.path == "/elsewhere" else 200
                self.send_response(status)
                if status == 401:
                    self.send_header("WWW-Authenticate", 'Basic realm="x"')
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)
                return
            status = 200 if self.path in ("/trade", "/trade-hanging") else 404
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            extra = len(b'<img src="/hang">') if self.path == "/trade-hanging" else 0
            self.send_header("Content-Length", str(len(body) + extra))
            self.end_headers()
            page = body
            if self.path == "/trade-hanging":
                page = body.replace(b"</body>", b'<img src="/hang"></body>')
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    hits, authorized = HITS, AUTHORIZED
    hits.clear()
    authorized.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_other_markup_is_seen_through_the_selectors(other_page):
    settings = BrowserSettings(
        f"{other_page}/trade",
        3.0,
        executable=_system_browser(),
        pill_selector="#conn",
        tooltip_selector="#no-such-tooltip",  # none shows: the pill's title is read
        spread_selector="#book",
    )
    seen = probe.observe_browser(settings, Budget.lasting(60))
    assert seen.error is None, seen.error
    assert seen.tooltip_source == "title"
    judged = judge_ui_browser(seen, None, BrowserLimits(), "go-live")
    assert judged.metrics["tooltip_latency_ms"] == 42
    assert judged.metrics["pill_colour"] == "green"
    # Its feed sends frames to a page that never subscribed: the welcome at least.
    assert judged.verdict is Verdict.PASS, judged.reason
    wrong = probe.observe_browser(
        BrowserSettings(f"{other_page}/trade", 1.0, executable=_system_browser()),
        Budget.lasting(60),
    )
    assert "never showed" in judge_ui_browser(wrong, None, BrowserLimits(), "go-live").reason


def test_the_probe_s_clicks_never_reach_the_page_s_controls(other_page):
    settings = BrowserSettings(
        f"{other_page}/trap", 3.0, executable=_system_browser(), pill_selector="#conn"
    )
    seen = probe.observe_browser(settings, Budget.lasting(60))
    assert seen.error is None, seen.error
    assert len(seen.input_delays_ms) >= 5  # measured, every one of them
    assert len(seen.input_delays_ms) == seen.clicks_sent
    assert HITS == []


def test_a_page_that_navigates_away_is_inconclusive(other_page):
    settings = BrowserSettings(f"{other_page}/away", 3.0, executable=_system_browser())
    seen = probe.observe_browser(settings, Budget.lasting(60))
    assert seen.documents == 2
    judged = judge_ui_browser_responsive(seen, None, BrowserLimits())
    assert judged.verdict is Verdict.INCONCLUSIVE, judged.reason


def test_the_url_password_goes_to_the_page_s_origin_only(other_page, stack):
    import re

    port = re.search(r":(\d+)$", other_page).group(1)  # type: ignore[union-attr]
    # Another origin (localhost, not 127.0.0.1) of the same server: it asks for a password.
    page = f"<script>setTimeout(() => location.href = 'http://localhost:{port}/elsewhere', 500)"
    EXTRA_PAGES["/leaky"] = (page + "</script>").encode()
    url = other_page.replace("http://", "http://ops:pw-L3ak@") + "/leaky"
    seen = probe.observe_browser(
        BrowserSettings(url, 2.0, executable=_system_browser()), Budget.lasting(60)
    )
    assert seen.documents == 2, seen
    assert AUTHORIZED == []
    assert "pw-L3ak" not in json.dumps(seen.to_dict())


def test_a_selector_the_page_refuses_is_an_error_naming_the_input(other_page):
    settings = BrowserSettings(
        f"{other_page}/trade", 1.0, executable=_system_browser(), spread_selector="div["
    )
    seen = probe.observe_browser(settings, Budget.lasting(60))
    assert seen.error is not None
    assert seen.error.startswith("input browser-spread-selector (div[): not a CSS selector")
    assert judge_ui_browser(seen, None, BrowserLimits(), "rollback").verdict is Verdict.ERROR


def test_a_page_whose_load_never_ends_is_watched_from_its_dom(other_page):
    settings = BrowserSettings(
        f"{other_page}/trade-hanging",
        1.0,
        executable=_system_browser(),
        pill_selector="#conn",
        spread_selector="#book",
        navigation_timeout_s=2.0,
    )
    seen = probe.observe_browser(settings, Budget.lasting(60))
    assert seen.error is None, seen.error
    assert seen.load_ms is None
    assert seen.load_note == "the load event did not fire within 2 s"
    judged = judge_ui_browser(seen, None, BrowserLimits(), "go-live")
    assert judged.verdict is Verdict.PASS, judged.reason
    assert judged.metrics["load_note"] == seen.load_note


def test_a_page_that_answers_nonsense_fails(other_page):
    seen = probe.observe_browser(
        BrowserSettings(f"{other_page}/missing", 1.0, executable=_system_browser()),
        Budget.lasting(60),
    )
    judged = judge_ui_browser(seen, None, BrowserLimits(), "go-live")
    assert judged.verdict is Verdict.FAIL
    assert "HTTP 404" in judged.reason


def _signalled(
    tmp_path: Path, args: list[str], after_s: float, signum: int
) -> subprocess.CompletedProcess[str]:
    """`golive ARGS` in a process of its own, sent ``signum`` after ``after_s``."""
    env = {**os.environ, "GOLIVE_BROWSER_EXECUTABLE": _system_browser()}
    env.pop("GITHUB_ACTIONS", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "golive_action", *args],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(after_s)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_interrupted_while_the_browser_watches_is_no_go_with_the_report(tmp_path):
    # After 6 s the browser has started and is watching the page.
    args = ["demo", "--browser", "true", "--duration", "30"]
    proc = _signalled(tmp_path, args, 6, signal.SIGINT)
    err = proc.stderr
    report = json.loads((tmp_path / "golive-report.json").read_text())
    assert report["decision"] == "no-go"
    assert "interrupted by SIGINT" in report["reason"]
    assert proc.returncode != 0
    assert "Traceback" not in err


def test_a_url_password_reaches_the_browser_as_credentials_and_nowhere_else(
    run_cli, stack, tmp_path
):
    from tests.conftest import stack_inputs

    s = stack("healthy")
    password = "pw-S3cret-77"
    web = s.urls["web_url"].replace("http://", f"http://ops:{password}@")
    inputs = stack_inputs(s, **{"web-url": web, "browser": "true", "duration": "3"})
    summary, outputs = tmp_path / "summary.md", tmp_path / "out.txt"
    env = {"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(outputs)}
    args = [f"--{k}={v}" for k, v in inputs.items()]
    result = run_cli("run", *args, "--browser-executable", _system_browser(), env=env)
    report = json.loads(Path("golive-report.json").read_text())
    # The page answered the browser (its credentials were taken) and was watched: how often
    # its Spread Card changed in 3 s on a loaded machine is not this test's question.
    browser = report["observations"]["browser"]
    assert browser["error"] is None and browser["status"] == 200, report["reason"]
    assert browser["pill"], "the pill was never seen"
    for text in (
        result.out,
        result.err,
        json.dumps(report),
        summary.read_text(),
        outputs.read_text(),
    ):
        assert password not in text
    assert password.encode() not in Path("golive-screenshot.png").read_bytes()


@pytest.mark.parametrize(
    ("path", "signum"),
    [
        ("/hang", signal.SIGINT),
        ("/trade-hanging", signal.SIGINT),
        ("/trade-hanging", signal.SIGTERM),
    ],
)
def test_a_signal_while_the_page_loads_ends_cleanly(other_page, tmp_path, path, signum):
    """The browser waits for a page that never answers (inside a navigation Playwright
    cannot cancel), or for a load that never ends: the gate publishes its NO-GO and ends
    with the signal's code, without a crash or a hang."""
    args = ["run", "--web-url", other_page, "--ui-path", path, "--browser", "true"]
    # After 5 s the browser has started and waits for the page.
    proc = _signalled(tmp_path, [*args, "--duration", "30"], 5, signum)
    err = proc.stderr
    assert proc.returncode == 128 + signum, err
    report = json.loads((tmp_path / "golive-report.json").read_text())
    assert report["decision"] == "no-go"
    assert "Traceback" not in err and "Segmentation" not in err
    assert "Future exception" not in err
