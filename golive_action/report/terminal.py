"""The terminal report of `golive run` and `golive demo`: 80 columns, colour on a TTY only."""

from __future__ import annotations

import textwrap

from golive_action.model import LETS_GO, CheckResult, Decision, GateReport, Verdict
from golive_action.report.figures import limits, observed
from golive_action.text import labelled, visible

WIDTH = 80
# The checklist's log line ("Confirm log shows ...").
EVIDENCE_LINE = "Canary PASS - latency evidence collected"


def canary_evidence_line(check: CheckResult | None) -> str | None:
    """The checklist's line, when it may be printed: the canary passed and its body carried
    at least one latency figure (a number under a key that names a latency, such as
    ``latencyMs``, anywhere in the body; the judge records it as ``latency_recorded``). The
    one rule of ``golive run`` and ``golive canary parse``."""
    if check is None or check.verdict is not Verdict.PASS:
        return None
    return EVIDENCE_LINE if check.metrics.get("latency_recorded") is True else None


_MARK = {
    Verdict.PASS: "PASS",
    Verdict.FAIL: "FAIL",
    Verdict.INCONCLUSIVE: "INCONCLUSIVE",
    Verdict.ERROR: "ERROR",
    Verdict.SKIPPED: "SKIPPED",
    Verdict.WAIVED: "WAIVED",
}
_COLOUR = {
    Verdict.PASS: "32",
    Verdict.FAIL: "31",
    Verdict.ERROR: "31",
    Verdict.INCONCLUSIVE: "33",
    Verdict.SKIPPED: "90",
    Verdict.WAIVED: "35",
}


def _paint(text: str, code: str, colour: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if colour else text


def _wrap(text: str, indent: int) -> list[str]:
    pad = " " * indent
    return textwrap.wrap(
        visible(text), WIDTH, initial_indent=pad, subsequent_indent=pad, break_on_hyphens=False
    ) or [pad]


def _figures(check: CheckResult) -> str:
    seen, held = observed(check), limits(check)
    return "  ".join(p for p in (seen, f"limits: {held}" if held else "") if p)


def _rollback(report: GateReport, colour: bool) -> list[str]:
    if not report.rollback:
        return [f"Rollback: no trigger fired ({len(report.triggers)} evaluated)", ""]
    lines = [_paint("ROLLBACK: triggered", "1;31", colour)]
    for trigger in report.fired_triggers:
        lines += _wrap(labelled(trigger.id, trigger.reason), 2)
    return [*lines, ""]


# The terminal shows the first changes; the summary and the report have them all.
_TIMELINE_SHOWN = 10


def _pill_timeline(report: GateReport) -> list[str]:
    timeline = report.pill_timeline
    if timeline is None:
        return []
    shares = ", ".join(f"{s} {p:g} %" for s, p in timeline.shares_percent.items())
    lines = [f"Pill over the window: {shares}"]
    for change in timeline.changes[:_TIMELINE_SHOWN]:
        lines += _wrap(f"+{change.offset_s:.1f} s {change.state}: {change.cause}", 2)
    hidden = len(timeline.changes) - _TIMELINE_SHOWN + timeline.more
    if hidden > 0:
        lines.append(f"  and {hidden} more changes (in the job summary and the report)")
    return [*lines, ""]


def _trends(report: GateReport) -> list[str]:
    """The trend check's series as sparklines, one figure a line."""
    from golive_action.report import trends

    check = report.check("trend")
    series = trends.series_of(check)
    if check is None or not series:
        return []
    lines = ["Trends (oldest first, this run last)"]
    for name, points in series.items():
        lines += _wrap(trends.text_line(name, points, check), 2)
    return [*lines, ""]


def _runners(report: GateReport) -> list[str]:
    """A merge: each runner's own decision, and what failed there."""
    if report.merge is None:
        return []
    lines = [f"Runners ({len(report.merge.runners)}, at least {report.merge.min_runners} needed)"]
    for runner in report.merge.runners:
        if runner.decision is None:
            lines += _wrap(f"NO REPORT  {runner.name}: {runner.problem or ''}", 2)
            continue
        failed = [i for i, v in runner.checks.items() if v not in LETS_GO]
        word = "GO" if runner.decision is Decision.GO else "NO-GO"
        told = f" (failed: {', '.join(failed)})" if failed else ""
        lines += _wrap(f"{word:<10} {runner.name}{told}", 2)
    return [*lines, ""]


def render_terminal(
    report: GateReport, *, colour: bool = False, report_path: str | None = None
) -> str:
    decision = report.decision
    banner = "GO" if decision is Decision.GO else "NO-GO"
    code = "1;32" if decision is Decision.GO else "1;31"
    monitor = report.mode == "monitor"  # in monitor mode the rollback triggers come first
    lines = [
        visible(
            f"golive {report.version} | mode {report.mode} | profile {report.profile} | "
            f"{report.duration_s:.1f} s"
        ),
        "",
        _paint(f"DECISION: {banner}", code, colour),
        *_wrap(report.reason, 2),
        "",
        *(_rollback(report, colour) if monitor else []),
        "Go/No-Go matrix",
    ]
    for criterion in report.criteria:
        mark = _paint(f"{_MARK[criterion.verdict]:<12}", _COLOUR[criterion.verdict], colour)
        lines.append(f"  {mark} {criterion.id:<14} {visible(criterion.title)}")
    lines += ["", "Checks"]
    for check in report.checks:
        mark = _paint(f"{_MARK[check.verdict]:<12}", _COLOUR[check.verdict], colour)
        plural = "" if check.samples == 1 else "s"
        lines.append(f"  {mark} {check.id:<18} {check.samples} sample{plural}")
        figures = _figures(check)
        if figures:
            lines += _wrap(figures, 17)
        lines += _wrap(check.reason, 17)
    lines.append("")
    lines += _runners(report)
    lines += _trends(report)
    lines += _pill_timeline(report)
    if not monitor:
        lines += _rollback(report, colour)
    if report_path:
        lines.append(f"Report: {visible(report_path)}")
    if report.screenshot:
        lines.append(f"Screenshot: {visible(report.screenshot)}")
    return "\n".join(lines).rstrip("\n") + "\n"
