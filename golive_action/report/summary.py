"""The job summary in GitHub-flavoured markdown: decision, matrix, checks, rollback."""

from __future__ import annotations

import html

from golive_action.model import Decision, GateReport, Verdict

SUMMARY_LIMIT = 1024 * 1024 - 1024  # the runner refuses a step summary over 1 MiB

_ICON = {
    Verdict.PASS: "✅",
    Verdict.FAIL: "❌",
    Verdict.ERROR: "❌",
    Verdict.INCONCLUSIVE: "⚠️",
    Verdict.SKIPPED: "⏭️",
}


def cell(text: str) -> str:
    """Untrusted text made safe for one markdown table cell: no HTML, no cell break, one line."""
    escaped = html.escape(text, quote=False).replace("|", "\\|")
    return " ".join(escaped.split())


def render_summary(report: GateReport) -> str:
    go = report.decision is Decision.GO
    lines = [
        f"## {'✅ GO' if go else '❌ NO-GO'}: go-live gate ({report.mode}, {report.profile})",
        "",
        f"**Why:** {cell(report.reason)}",
        "",
        "| | Criterion | Verdict | Reason |",
        "|---|---|---|---|",
    ]
    for c in report.criteria:
        icon = _ICON[c.verdict]
        lines.append(
            f"| {icon} | {cell(c.title)} (`{c.id}`) | {c.verdict.value} | {cell(c.reason)} |"
        )
    lines += [
        "",
        "| Check | Verdict | Samples | Observed | Threshold | Reason |",
        "|---|---|---|---|---|---|",
    ]
    for check in report.checks:
        observed = ", ".join(
            f"{k} {v}"
            for k, v in check.metrics.items()
            if isinstance(v, int | float) and k != "samples"
        )
        threshold = ", ".join(f"{k} {v}" for k, v in check.thresholds.items())
        lines.append(
            f"| `{check.id}` | {_ICON[check.verdict]} {check.verdict.value} | {check.samples} | "
            f"{cell(observed)} | {cell(threshold)} | {cell(check.reason)} |"
        )
    lines.append("")
    if report.rollback:
        lines.append("### 🚨 Rollback triggered")
        lines += [f"- `{t.id}`: {cell(t.reason)}" for t in report.fired_triggers]
    else:
        lines.append(f"Rollback: no trigger fired ({len(report.triggers)} evaluated).")
    text = "\n".join(lines) + "\n"
    if len(text.encode()) > SUMMARY_LIMIT:
        cut = text.encode()[: SUMMARY_LIMIT - 200].decode(errors="ignore")
        text = cut + "\n\n_The summary was cut at 1 MiB; the JSON report has everything._\n"
    return text
