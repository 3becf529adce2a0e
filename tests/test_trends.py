"""Trends against the last GO: the monitor reads the past reports of its workflow from the
GitHub API stand-in of the reference stack (their artifacts), draws a chart per headline
figure, compares with the last GO run and fails the trend check on a regression or a series
that got worse run after run."""

from __future__ import annotations

import dataclasses

import pytest

from golive_action.config import load_config
from golive_action.judge.trend import FIGURES, judge_trend, worse_by_percent
from golive_action.limits import TrendLimits
from golive_action.model import Headline, TrendHistory, TrendPoint, Verdict
from golive_action.report.jsonreport import report_problems
from golive_action.report.summary import render_summary
from golive_action.report.terminal import render_terminal
from golive_action.runner import run_gate
from golive_action.sandbox.scenarios import SCENARIOS, STEADY_REPORTS
from golive_action.sandbox.stack import ReferenceStack
from tests.conftest import github_inputs, stack_inputs

STEADY = STEADY_REPORTS[0][1]


def _point(run: int, decision: str | None, **figures: float | None) -> TrendPoint:
    return TrendPoint(
        run, "2026-12-01T00:00:00+00:00", f"https://github.example/runs/{run}", "success",
        decision, {**STEADY, **figures} if decision else {}, None if decision else "no report",
    )  # fmt: skip


def _history(*points: TrendPoint) -> TrendHistory:
    return TrendHistory("o/r", "monitor.yml", points)  # newest first


def _now(**figures: float | None) -> Headline:
    values = {**{k: v for k, v in STEADY.items()}, **figures}
    return Headline(canary="PASS", **values)  # type: ignore[arg-type]


LIMITS = TrendLimits(regression_max_percent=20.0, rising_runs=4)


def test_the_baseline_is_the_last_go_and_a_regression_against_it_fails():
    history = _history(
        _point(106, "no-go", ws_latency_p95_ms=500.0),  # newest: a NO-GO is no baseline
        _point(105, "go", ws_latency_p95_ms=50.0),
        _point(104, "go", ws_latency_p95_ms=10.0),
    )
    result = judge_trend(history, None, _now(ws_latency_p95_ms=70.0), LIMITS, 20)
    assert result.metrics["baseline"]["run_id"] == 105
    assert result.verdict is Verdict.FAIL
    assert result.metrics["regressed"] == ["ws_latency_p95_ms"]
    assert result.reason.startswith("ws latency p95 70 ms against 50 ms at the last GO (run 105)")
    # Within 20 %: 58 ms against 50 ms is +16 %.
    held = judge_trend(history, None, _now(ws_latency_p95_ms=58.0), LIMITS, 20)
    assert held.verdict is Verdict.PASS, held.reason
    assert held.metrics["changes_percent"]["ws_latency_p95_ms"] == 16.0


def test_a_figure_worse_in_each_of_the_last_runs_fails_even_within_the_limit():
    rising = [_point(100 + i, "go", event_latency_p95_ms=100.0 + 5 * i) for i in range(6)]
    history = _history(*reversed(rising))  # newest first: 105 (125 ms) ... 100 (100 ms)
    result = judge_trend(history, None, _now(event_latency_p95_ms=130.0), LIMITS, 20)
    assert result.verdict is Verdict.FAIL
    assert result.metrics["rising"] == ["event_latency_p95_ms"]
    assert (
        "event-to-store p95 worse in each of the last 4 runs (110 → 115 → 120 → 125 → 130 ms, "
        "+18 %)" in result.reason
    )
    assert result.metrics["regressed"] == []  # +4 % of the last GO: no regression
    # One run that got better breaks the series.
    flat = judge_trend(history, None, _now(event_latency_p95_ms=124.0), LIMITS, 20)
    assert flat.verdict is Verdict.PASS, flat.reason
    # Worse each time, but by less than noise in all (under half the limit): no trend.
    creeping = [_point(200 + i, "go", ws_latency_p95_ms=1.1 + 0.1 * i) for i in range(4)]
    small = judge_trend(
        _history(*reversed(creeping)), None, _now(ws_latency_p95_ms=1.5), LIMITS, 20
    )
    assert small.verdict is Verdict.PASS and small.metrics["rising"] == [], small.reason


def test_rates_are_worse_down_and_are_judged_by_their_failure_share():
    health = FIGURES["health_rate_percent"]
    assert worse_by_percent(health, 100.0, 99.0) == pytest.approx(20.0)  # 1 point of a 5 floor
    assert worse_by_percent(health, 90.0, 80.0) == pytest.approx(100.0)  # twice the failures
    assert worse_by_percent(health, 99.0, 100.0) < 0
    latency = FIGURES["ws_latency_p95_ms"]
    assert worse_by_percent(latency, 3.0, 6.0) == pytest.approx(15.0)  # under the 20 ms floor
    history = _history(_point(2, "go"), _point(1, "go"))
    result = judge_trend(history, None, _now(health_rate_percent=98.0), LIMITS, 20)
    assert result.verdict is Verdict.FAIL and result.metrics["regressed"] == ["health_rate_percent"]


def test_nothing_to_compare_with_is_inconclusive_never_a_pass():
    empty = judge_trend(_history(), None, _now(), LIMITS, 20)
    assert empty.verdict is Verdict.INCONCLUSIVE
    assert empty.reason.startswith("nothing to compare with: no GO among the last 0 runs")
    no_reports = _history(_point(3, None), _point(2, None))
    assert judge_trend(no_reports, None, _now(), LIMITS, 20).verdict is Verdict.INCONCLUSIVE
    # Without a GO, a series long enough is still judged: not rising, it passes, and says so.
    nogo = _history(*[_point(9 - i, "no-go") for i in range(5)])
    result = judge_trend(nogo, None, _now(), LIMITS, 20)
    assert result.verdict is Verdict.PASS
    assert result.reason.startswith("no GO among the last 5 runs to compare with")
    failed = TrendHistory("o/r", "m.yml", (), error="GitHub API error 500", error_kind="api")
    assert judge_trend(failed, None, _now(), LIMITS, 20).verdict is Verdict.ERROR


def _monitor(scenario, tmp_path, **extra: str):
    with ReferenceStack(scenario, token="stack-canary-token", github_token="gh-token") as stack:
        inputs = stack_inputs(
            stack,
            mode="monitor",
            duration="4",
            samples="4",
            **{"ws-max-gap-s": "2", **github_inputs(stack, "gh-token"), **extra},
        )
        return run_gate(load_config(inputs, {}))


def test_a_monitor_run_charts_each_figure_against_the_stand_ins_past_reports(tmp_path):
    # The newest past run was a NO-GO (of a regression), the one before it the last GO.
    reports = (("no-go", {**STEADY, "ws_latency_p95_ms": 400.0}), *STEADY_REPORTS[:5])
    scenario = dataclasses.replace(SCENARIOS["healthy"], past_reports=reports)
    report = _monitor(scenario, tmp_path)
    trend = report.check("trend")
    assert trend is not None and trend.verdict is Verdict.PASS, trend.reason
    history = report.observations.trends
    assert history is not None and [p.decision for p in history.points][:2] == ["no-go", "go"]
    assert trend.metrics["baseline"]["run_id"] == history.points[1].run_id
    assert trend.reason.startswith(f"against the last GO (run {history.points[1].run_id})")
    # The row the trend feeds passes (the rest of the run is the other checks' business).
    row = next(c for c in report.criteria if c.id == "no-regression")
    assert row.verdict is Verdict.PASS, row.reason
    summary = render_summary(report)
    assert summary.count("```mermaid\nxychart-beta") == len(FIGURES)
    for label in ("ws latency p95", "event-to-store p95", "reconnects a minute", "health rate",
                  "canary pass rate", "UI load p95"):  # fmt: skip
        assert f'title "{label} (' in summary
    assert "baseline: the last GO, run [" in summary
    terminal = render_terminal(report)
    assert (
        "Trends (oldest first, this run last)" in terminal and "ws latency p95 (ms): " in terminal
    )
    assert report_problems(report.to_dict()) == []


def test_a_latency_that_creeps_up_run_after_run_fails_the_monitor(tmp_path):
    report = _monitor("creeping-latency", tmp_path)
    trend = report.check("trend")
    assert trend is not None and trend.verdict is Verdict.FAIL, trend.reason
    assert "ws_latency_p95_ms" in trend.metrics["rising"]
    assert report.decision.value == "no-go"
    assert "no-regression fail: trend: ws latency p95" in report.reason
    # Every other check of the run is within its limits: only the trend sees it.
    others = [c for c in report.checks if c.id != "trend" and c.verdict is Verdict.FAIL]
    assert others == [], [(c.id, c.reason) for c in others]


def test_trend_runs_says_how_many_past_runs_are_read(tmp_path):
    report = _monitor("healthy", tmp_path, **{"trend-runs": "3"})
    history = report.observations.trends
    assert history is not None and len(history.points) == 3
