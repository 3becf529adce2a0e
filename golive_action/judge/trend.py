"""The trend check (README "Trends"): this run's headline figures against the past runs of
the gate's workflow. Fails when a figure is worse than at the last GO run by more than
regression-max-percent, or got worse in each of the last trend-rising-runs runs, by more
than half that limit in all (the checklist's "should not continuously increase"). Pure."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from golive_action.limits import TrendLimits
from golive_action.model import CheckResult, Headline, TrendHistory, TrendPoint, Verdict
from golive_action.text import listed, plural

TITLE = "No regression against the last GO"


@dataclass(frozen=True)
class Figure:
    """A headline figure as a trend reads it: its words, its unit, which way is worse, and
    the noise floor below which a change is not judged as a share of the baseline."""

    label: str
    unit: str
    worse_up: bool  # latencies and reconnects: up is worse; rates: down is
    floor: float


FIGURES: Mapping[str, Figure] = {
    "ws_latency_p95_ms": Figure("ws latency p95", "ms", True, 20.0),
    "event_latency_p95_ms": Figure("event-to-store p95", "ms", True, 20.0),
    "reconnects_per_min": Figure("reconnects a minute", "/min", True, 1.0),
    "health_rate_percent": Figure("health rate", "%", False, 5.0),
    "canary_pass_rate_percent": Figure("canary pass rate", "%", False, 5.0),
    "ui_load_p95_ms": Figure("UI load p95", "ms", True, 20.0),
}


def worse_by_percent(figure: Figure, baseline: float, value: float) -> float:
    """How much worse ``value`` is than ``baseline``, in percent (negative: better). A rate
    is judged by its failure share (100 - rate): 99 % after 99.5 % is twice the failures."""
    if figure.worse_up:
        change, base = value - baseline, baseline
    else:
        change, base = (100.0 - value) - (100.0 - baseline), 100.0 - baseline
    return 100.0 * change / max(abs(base), figure.floor)


def _worse(figure: Figure, before: float, after: float) -> bool:
    return after > before if figure.worse_up else after < before


def judge_trend(
    history: TrendHistory | None,
    probe_error: str | None,
    current: Headline,
    limits: TrendLimits,
    runs_asked: int,
) -> CheckResult:
    thresholds = {
        "change_percent": f"<={limits.regression_max_percent:g} (against the last GO)",
        "rising_runs": f"<{limits.rising_runs} in a row (by over "
        f"{limits.regression_max_percent / 2:g} % in all)",
    }

    def result(verdict: Verdict, reason: str, metrics: dict[str, Any], n: int = 0) -> CheckResult:
        return CheckResult("trend", TITLE, verdict, reason, n, metrics, thresholds)

    if probe_error is not None:
        return result(Verdict.ERROR, probe_error, {})
    if history is None:
        return result(Verdict.INCONCLUSIVE, "the workflow's past runs were not read", {})
    if history.error is not None:
        return result(Verdict.ERROR, history.error, {"runs_read": len(history.points)})
    past = list(reversed(history.points))  # oldest first
    with_figures = [p for p in past if p.decision is not None]
    baseline = next((p for p in reversed(with_figures) if p.decision == "go"), None)
    now = {name: getattr(current, name) for name in FIGURES}
    series = {name: _series(name, with_figures, now[name]) for name in FIGURES}
    metrics: dict[str, Any] = {
        "runs_read": len(past),
        "runs_with_reports": len(with_figures),
        "baseline": _run(baseline) if baseline is not None else None,
        "series": {n: s for n, s in series.items() if s},
        "changes_percent": {},
        "regressed": [],
        "rising": [],
        "notes": sorted({p.note for p in past if p.note})[:5],
    }
    if all(value is None for value in now.values()):
        return result(
            Verdict.INCONCLUSIVE, "this run measured none of the figures a trend follows", metrics
        )
    failures: list[str] = []
    judged: list[str] = []
    for name, figure in FIGURES.items():
        value = now[name]
        if value is None:
            continue
        base = baseline.figures.get(name) if baseline is not None else None
        if base is not None:
            change = worse_by_percent(figure, base, value)
            metrics["changes_percent"][name] = round(change, 1)
            judged.append(name)
            if change > limits.regression_max_percent:
                metrics["regressed"].append(name)
                failures.append(
                    f"{figure.label} {_shown(value, figure)} against {_shown(base, figure)} at "
                    f"the last GO (run {baseline.run_id if baseline else '?'}): "
                    f"{change:+.0f} % worse, over {limits.regression_max_percent:g} %"
                )
        values = [v for _, v, _ in series[name]]
        tail = values[-(limits.rising_runs + 1) :]
        if len(tail) == limits.rising_runs + 1:
            judged.append(name)
            # Worse each time, and by more than noise in all: half the regression limit,
            # of the first value or of the floor (1.1 to 1.5 ms is not latency creeping up).
            total = worse_by_percent(figure, tail[0], tail[-1])
            if (
                all(_worse(figure, a, b) for a, b in itertools.pairwise(tail))
                and total > limits.regression_max_percent / 2
            ):
                metrics["rising"].append(name)
                shown = " → ".join(_shown(v, figure, unit=False) for v in tail)
                failures.append(
                    f"{figure.label} worse in each of the last {limits.rising_runs} runs "
                    f"({shown} {figure.unit}, {total:+.0f} %)"
                )
    count = len(with_figures)
    if failures:
        return result(Verdict.FAIL, "; ".join(failures), metrics, count)
    if not judged:
        return result(
            Verdict.INCONCLUSIVE,
            f"nothing to compare with: no GO among the last {plural(len(past), 'run')} of "
            f"{history.workflow} with a report ({count} with one, of {runs_asked} asked for), "
            f"and fewer than {limits.rising_runs + 1} runs with figures for a series",
            metrics,
            count,
        )
    if baseline is None:
        reason = (
            f"no GO among the last {plural(len(past), 'run')} to compare with; "
            f"no figure worse in each of the last {limits.rising_runs} runs"
        )
        return result(Verdict.PASS, reason, metrics, count)
    changes = [
        f"{FIGURES[n].label} {metrics['changes_percent'][n]:+.0f} %"
        for n in metrics["changes_percent"]
    ]
    reason = (
        f"against the last GO (run {baseline.run_id}): {listed(changes)}; none over "
        f"{limits.regression_max_percent:g} %, none worse {limits.rising_runs} runs in a row"
    )
    return result(Verdict.PASS, reason, metrics, count)


def _series(
    name: str, points: Sequence[TrendPoint], now: float | None
) -> list[tuple[str, float, bool]]:
    """(run, value, was a GO), oldest first, this run last."""
    out = [
        (str(p.run_id), value, p.decision == "go")
        for p in points
        if (value := p.figures.get(name)) is not None
    ]
    if now is not None:
        out.append(("this run", now, False))
    return out


def _run(point: TrendPoint) -> dict[str, Any]:
    return {"run_id": point.run_id, "url": point.url, "created_at": point.created_at}


def _shown(value: float, figure: Figure, unit: bool = True) -> str:
    text = f"{value:.3g}" if figure.unit == "/min" else f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{text} {figure.unit}" if unit else text
