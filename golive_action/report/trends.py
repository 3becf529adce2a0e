"""The trend check's series, drawn (README "Trends"): a Mermaid ``xychart-beta`` per headline
figure for the job summary, and a one-line text sparkline beside it for wherever Mermaid is
not rendered (the terminal, a mail of the summary)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from golive_action.model import CheckResult

# The trend's figures, as judge/trend.FIGURES words them (report/ does not import the judge).
LABELS = {
    "ws_latency_p95_ms": ("ws latency p95", "ms"),
    "event_latency_p95_ms": ("event-to-store p95", "ms"),
    "reconnects_per_min": ("reconnects a minute", "/min"),
    "health_rate_percent": ("health rate", "%"),
    "canary_pass_rate_percent": ("canary pass rate", "%"),
    "ui_load_p95_ms": ("UI load p95", "ms"),
}
_BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float]) -> str:
    """``▁▂▄█``: each value's place between the least and the most of them."""
    if not values:
        return ""
    low, high = min(values), max(values)
    if high == low:
        return _BARS[3] * len(values)
    return "".join(_BARS[round((v - low) / (high - low) * (len(_BARS) - 1))] for v in values)


def _number(value: float) -> str:
    return f"{value:.4g}"


def series_of(check: CheckResult | None) -> dict[str, list[tuple[str, float, bool]]]:
    """The trend check's series by figure: (run, value, a GO), oldest first, this run last."""
    if check is None:
        return {}
    raw = check.metrics.get("series")
    if not isinstance(raw, dict):
        return {}
    out: dict[str, list[tuple[str, float, bool]]] = {}
    for name, points in raw.items():
        if name not in LABELS or not isinstance(points, list):
            continue
        kept = [
            (str(p[0]), float(p[1]), bool(p[2]))
            for p in points
            if isinstance(p, list | tuple)
            and len(p) == 3
            and isinstance(p[1], int | float)
            and not isinstance(p[1], bool)
        ]
        if kept:
            out[name] = kept
    return out


def text_line(name: str, points: Sequence[tuple[str, float, bool]], check: CheckResult) -> str:
    """``ws latency p95 (ms): ▁▂▃▅█ 20 → 60.9; the last GO 45, +35 %``."""
    label, unit = LABELS[name]
    values = [v for _, v, _ in points]
    line = f"{label} ({unit}): {sparkline(values)} {_number(values[0])} → {_number(values[-1])}"
    baseline = _baseline_value(name, check)
    change = check.metrics.get("changes_percent", {}).get(name)
    if baseline is not None and isinstance(change, int | float):
        line += f"; the last GO {_number(baseline)}, {change:+.0f} %"
    return line


def _baseline_value(name: str, check: CheckResult) -> float | None:
    base: Any = check.metrics.get("baseline")
    series = check.metrics.get("series", {}).get(name, [])
    if not isinstance(base, dict):
        return None
    run = str(base.get("run_id"))
    for point in series:
        if isinstance(point, list | tuple) and len(point) == 3 and str(point[0]) == run:
            value = point[1]
            return float(value) if isinstance(value, int | float) else None
    return None


def mermaid(name: str, points: Sequence[tuple[str, float, bool]], check: CheckResult) -> str:
    """One ``xychart-beta`` of a figure: its series, and the last GO as a flat second line.
    The x axis names each run by its place (-5 ... -1, now): a run's id is in the table."""
    label, unit = LABELS[name]
    count = len(points)
    axis = ", ".join(
        '"now"' if run == "this run" else f'"{index - count + 1}"'
        for index, (run, _, _) in enumerate(points)
    )
    values = [v for _, v, _ in points]
    lines = [
        "```mermaid",
        "xychart-beta",
        f'    title "{label} ({unit})"',
        f"    x-axis [{axis}]",
        f'    y-axis "{unit}"',
        f"    line [{', '.join(_number(v) for v in values)}]",
    ]
    baseline = _baseline_value(name, check)
    if baseline is not None:
        lines.append(f"    line [{', '.join(_number(baseline) for _ in values)}]")
    return "\n".join([*lines, "```"])
