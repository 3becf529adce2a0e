"""A page whose main thread freezes for good: the browser probe records it as frozen by the
end of its window (a click it never takes), the page's responsiveness fails, the
ui-unresponsive trigger fires, and the gate does not wait for its timeout."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from golive_action.judge.browser import judge_ui_browser, judge_ui_browser_responsive
from golive_action.limits import BrowserLimits
from golive_action.model import BrowserObservation, Verdict
from tests.faulty import http_server, reply
from tests.test_browser import _system_browser

FROZEN_PAGE = b"""<!doctype html><html><head><title>trade</title></head><body>
<span data-testid="ws-pill" title="WS 12 ms">WS</span>
<div data-testid="spread-card">1 / 2</div>
<script>
  // Loaded, then the main thread never comes back.
  addEventListener("load", () => setTimeout(() => { for (;;) {} }, 800));
</script></body></html>"""


def test_a_page_that_freezes_for_good_fires_ui_unresponsive_within_the_window(tmp_path):
    with http_server(reply(200, FROZEN_PAGE, "text/html; charset=utf-8")) as base:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "golive_action",
                "run",
                "--web-url",
                base,
                "--ui-path",
                "/",
                "--browser",
                "true",
                "--browser-executable",
                _system_browser(),
                "--duration",
                "4",
                "--timeout",
                "120",
                "--report",
                str(tmp_path / "report.json"),
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    assert "Traceback" not in done.stderr, done.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    checks = {c["id"]: c for c in report["checks"]}
    responsive = checks["ui-browser-responsive"]
    assert responsive["verdict"] == "fail", responsive["reason"]
    assert "the page's main thread froze: a click sent at +" in responsive["reason"]
    assert checks["ui-browser"]["verdict"] == "inconclusive", checks["ui-browser"]["reason"]
    fired = {t["id"] for t in report["rollback"]["evaluated"] if t["fired"]}
    assert "ui-unresponsive" in fired
    # The probe ended on its own, with its window: the runner did not have to give up on it
    # at the run's timeout.
    assert "browser" not in report["observations"]["probe_errors"]
    assert report["observations"]["interrupted"] is None
    browser = report["observations"]["browser"]
    assert browser["frozen_step"] == "click" and browser["error"] is None
    assert done.returncode == 1


def _frozen(**fields: object) -> BrowserObservation:
    return BrowserObservation(
        url="http://x/",
        started_at=0.0,
        status=200,
        load_ms=100.0,
        ended_ms=4000.0,
        frozen_step="click",
        frozen_at_ms=1500.0,
        **fields,  # type: ignore[arg-type]
    )


def test_a_freeze_shorter_than_a_long_task_may_be_is_inconclusive_not_a_pass():
    limits = BrowserLimits()
    short = judge_ui_browser_responsive(_frozen(frozen_for_ms=150.0), None, limits)
    assert short.verdict is Verdict.INCONCLUSIVE, short.reason
    long = judge_ui_browser_responsive(_frozen(frozen_for_ms=2500.0), None, limits)
    assert long.verdict is Verdict.FAIL
    assert "went unanswered for 2500 ms" in long.reason
    pill = judge_ui_browser(_frozen(frozen_for_ms=2500.0), None, limits, "go-live")
    assert pill.verdict is Verdict.INCONCLUSIVE


def test_a_frozen_observation_reads_back(tmp_path: Path):
    seen = _frozen(frozen_for_ms=2500.0)
    assert BrowserObservation.from_dict(seen.to_dict()) == seen
