"""The health endpoints' own lines in the access log: counted per path over the minutes
read, judged against health-rate-min beside the samples, and said when there are none."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import requests

from golive_action.config import load_config
from golive_action.judge.health import judge_health
from golive_action.model import AccessLogObservation, HealthLines, HttpSample, Verdict
from golive_action.observe.accesslog import read_access_log, request_path
from golive_action.runner import run_gate
from tests.test_nginx import GOOD_SITE, proxied

PATHS = {"web-health": "/api/public/health", "executor-health": "/health"}


def line(at: float, request: str, status: int) -> str:
    stamp = datetime.fromtimestamp(at, tz=timezone.utc).strftime("%d/%b/%Y:%H:%M:%S +0000")
    return f'10.0.0.7 - - [{stamp}] "{request}" {status} 17 "-" "kube-probe/1.29"'


def healthy(n: int) -> list[HttpSample]:
    return [
        HttpSample("web-health", "http://w/api/public/health", 0.0, 2.0, 200, body='{"ok": true}')
    ] * n


def test_request_paths_leave_the_query_and_the_host_out():
    assert request_path("GET /api/public/health?probe=1 HTTP/1.1") == "/api/public/health"
    assert request_path("GET http://app.example/health HTTP/1.1") == "/health"
    assert request_path("-") is None
    assert request_path("GET /api/public/healthz HTTP/1.1") == "/api/public/healthz"


def test_health_lines_are_counted_per_path_over_the_minutes_read(tmp_path):
    now = time.time()
    lines = [line(now - 3600, "GET /health HTTP/1.1", 503)] * 40  # before the 15 minutes
    lines += [line(now - 600 + i, "GET /api/public/health?x=1 HTTP/1.1", 200) for i in range(118)]
    lines += [line(now - 30, "GET /api/public/health HTTP/1.1", 502)] * 2
    lines += [line(now - 20, "GET /api/public/healthz HTTP/1.1", 500)] * 5  # another path
    lines += [line(now - 10, "HEAD /health HTTP/1.1", 200)] * 3
    path = tmp_path / "access.log"
    path.write_text("\n".join(lines) + "\n")
    observation = read_access_log(str(path), 15, now, PATHS)
    web = observation.health_lines("web-health")
    executor = observation.health_lines("executor-health")
    assert web == HealthLines("web-health", "/api/public/health", 120, 118)
    assert executor == HealthLines("executor-health", "/health", 3, 3)

    result = judge_health("web-health", "t", healthy(30), None, 99.5, access_log=observation)
    assert result.verdict is Verdict.FAIL
    assert result.reason.startswith(
        "access log: 118 of 120 health lines answered 200 (98.3 %), under 99.5 %; "
        "30 of 30 answered 200 and ok"
    )
    assert result.metrics["log_lines"] == 120 and result.metrics["log_answered_200"] == 118
    assert result.thresholds["access_log_200"] == "rate>=0.995"
    lenient = judge_health("web-health", "t", healthy(30), None, 98.0, access_log=observation)
    assert lenient.verdict is Verdict.PASS
    assert "; access log: 118 of 120 health lines answered 200 (98.3 %)" in lenient.reason


def test_no_health_line_is_said_and_never_passes_on_nothing(tmp_path):
    now = time.time()
    path = tmp_path / "access.log"
    path.write_text(line(now - 5, "GET / HTTP/1.1", 200) + "\n")
    observation = read_access_log(str(path), 15, now, PATHS)
    result = judge_health("web-health", "t", healthy(5), None, 99.5, access_log=observation)
    assert "access log: no line for /api/public/health in its last 15 min, none judged" in (
        result.reason
    )
    assert result.metrics["log_lines"] == 0
    # The samples alone decide; the log adds no pass of its own.
    assert result.verdict is Verdict.PASS
    assert "log_rate_percent" not in result.metrics
    nothing = judge_health("web-health", "t", [], None, 99.5, 1, access_log=observation)
    assert nothing.verdict is Verdict.INCONCLUSIVE


def test_an_unreadable_log_is_an_error_of_the_health_check_too(tmp_path):
    observation = read_access_log(str(tmp_path / "none.log"), 15, time.time(), PATHS)
    result = judge_health("web-health", "t", healthy(5), None, 99.5, access_log=observation)
    assert result.verdict is Verdict.ERROR and result.reason.startswith("access log: ")


def test_a_report_written_before_the_health_lines_still_loads_and_is_judged():
    old = {
        "path": "/var/log/nginx/access.log",
        "seconds": [[1_700_000_000, 4, 0]],
        "lines": 4,
        "unparsed": 0,
        "since": 1_699_999_100.0,
        "until": 1_700_000_000.0,
        "error": None,
    }
    observation = AccessLogObservation.from_dict(old)
    assert observation.health == ()
    result = judge_health("web-health", "t", healthy(5), None, 99.5, access_log=observation)
    assert result.verdict is Verdict.PASS
    assert "its health lines were not counted in this report" in result.reason
    assert AccessLogObservation.from_dict(observation.to_dict()) == observation


def test_health_lines_of_a_real_nginx_access_log(tmp_path, stack):
    """Monitoring traffic through a real nginx to the error-burst stack (one answer in four
    500): the gate, sampling a healthy stack, finds the log's health lines under the minimum."""
    with proxied(tmp_path, stack, GOOD_SITE, "error-burst") as (port, _site):
        statuses = [
            requests.get(f"http://127.0.0.1:{port}/api/public/health?probe=k8s", timeout=5)
            for _ in range(12)
        ]
        assert [s.status_code for s in statuses].count(500) == 3
    log = tmp_path / "nginx" / "logs" / "access.log"
    web = stack("healthy").urls["web_url"]
    inputs = {"web-url": web, "access-log": str(log), "samples": "1", "duration": "0.5"}
    report = run_gate(load_config(inputs, {}))
    check = report.check("web-health")
    assert check is not None and check.verdict is Verdict.FAIL
    assert "access log: 9 of 12 health lines answered 200 (75.0 %), under 99.5 %" in check.reason
    assert "1 of 1 answered 200 and ok" in check.reason
    # The executor's path is not behind this nginx: said, not judged.
    executor = report.observations.access_log.health_lines("executor-health")
    assert executor is not None and executor.lines == 0


def test_an_access_log_alone_does_not_run_the_health_checks(tmp_path):
    """The log adds to a health check; without web-url the check did not run, and says
    what to set, as it would without the log."""
    now = time.time()
    path = tmp_path / "access.log"
    path.write_text(line(now - 5, "GET /api/public/health HTTP/1.1", 200) + "\n")
    report = run_gate(load_config({"access-log": str(path), "mode": "rollback"}, {}))
    web = report.check("web-health")
    assert web is not None and web.verdict is Verdict.FAIL
    assert web.reason.startswith("did not run: web-url is not set")
    assert report.observations.access_log.health_lines("web-health").lines == 1
