"""What a check observed and the limits it was held to, in a few words: one wording for the
terminal and the job summary."""

from __future__ import annotations

from typing import Any

from golive_action.model import OPEN_PHASES, CheckResult, open_split


def _opening(m: dict[str, Any]) -> str:
    """ws-open: the time to OPEN from the first attempt and the split of the attempt that
    opened, or how far the first attempt got."""
    split = open_split(m)
    if not isinstance(m.get("open_s"), int | float):
        failed = dict(OPEN_PHASES).get(f"{m['failed_phase']}_ms", str(m["failed_phase"]))
        return f"no OPEN ({split + ', ' if split else ''}{failed} failed)"
    seconds = float(m["open_s"])
    shown = f"OPEN in {seconds * 1000:.0f} ms" if seconds < 1 else f"OPEN after {seconds:.1f} s"
    retried = m.get("failed_before_open")
    if isinstance(retried, int) and retried:
        shown += f" on attempt {retried + 1}"  # the time runs from the first
    return f"{shown} ({split})" if split else shown


def observed(check: CheckResult) -> str:
    m: dict[str, Any] = check.metrics
    parts = []
    if "rate_percent" in m:
        parts.append(f"rate {m['rate_percent']:.1f} %")
    if isinstance(m.get("version"), str):  # a server's text: the renderers escape it
        parts.append(f"version {m['version']}")
    elif isinstance(m.get("versions"), dict):
        parts.append(f"versions {', '.join(str(v) for v in m['versions'])}")
    for key, label in (
        ("latency_p50_ms", "p50"),
        ("latency_p95_ms", "p95"),
        ("latency_max_ms", "max"),
    ):
        if m.get(key) is not None:
            parts.append(f"{label} {m[key]:.1f} ms")
    if isinstance(m.get("open_s"), int | float):
        parts.append(_opening(m))
    elif isinstance(m.get("open_ms"), int | float):  # a report from before open_s
        parts.append(f"OPEN in {m['open_ms']:.0f} ms")
    elif m.get("failed_phase"):
        parts.append(_opening(m))
    if "messages" in m:
        parts.append(f"{m['messages']} messages, {m.get('spread_updates', 0)} spread updates")
    if isinstance(m.get("judged_p95_ms"), int | float):
        parts.append(f"P95 {m['judged_p95_ms']:.0f} ms ({m.get('source', '')})")
    if "reconnects" in m:
        parts.append(f"{m['reconnects']} reconnects, {m.get('disconnects', 0)} disconnects")
    if "worst_5xx_percent" in m:
        parts.append(
            f"worst window {m['worst_5xx_percent']:.1f} % 5xx "
            f"({m.get('responses_5xx', 0)} of {m.get('responses', 0)} answers 5xx)"
        )
    return ", ".join(parts)


def limits(check: CheckResult) -> str:
    return "; ".join(f"{name} {rule}" for name, rule in check.thresholds.items())
