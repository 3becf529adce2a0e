"""The job summary in GitHub-flavoured markdown: banner, matrix, WS pill, checks, rollback,
details. Every piece of untrusted text goes through :func:`cell` or :func:`text`."""

from __future__ import annotations

import html
import json
import re

from golive_action.model import CheckResult, Decision, GateReport, Verdict
from golive_action.report.figures import limits, observed

SUMMARY_LIMIT = 1024 * 1024 - 4096  # the runner refuses a step summary over 1 MiB
TRUNCATION_NOTE = "\n\n_The summary was cut to stay under 1 MiB; the JSON report has everything._\n"

ICON = {
    Verdict.PASS: "✅",
    Verdict.FAIL: "❌",
    Verdict.ERROR: "❌",
    Verdict.INCONCLUSIVE: "⚠️",
    Verdict.SKIPPED: "⏭️",
}

# The status pill of the /btcturk page, as the UI shows it.
PILLS = {"OPEN": "🟢 `WS`", "DEGRADED": "🟡 `WS!`", "CLOSED": "🔴 `WS✗`", "DISABLED": "`Canlı`"}


def text(value: str) -> str:
    """Untrusted text for a markdown paragraph: no HTML, one line."""
    return " ".join(html.escape(value, quote=True).split())


def cell(value: str) -> str:
    """Untrusted text for one table cell: no HTML, no cell break (GFM splits on | before it
    parses code spans, so it is escaped even there), one line."""
    return text(value).replace("|", "\\|")


def pill(state: str, latency_ms: float | None) -> str:
    shown = PILLS.get(state, f"`{cell(state)}`")
    if state == "DISABLED":
        return f"{shown} (polling mode, no WebSocket)"
    behind = f"latency {latency_ms:.0f} ms" if latency_ms is not None else "latency not measured"
    return f"{shown} ({behind})"


def _rollback_section(report: GateReport) -> list[str]:
    if not report.rollback:
        return [f"**Rollback:** no trigger fired ({len(report.triggers)} evaluated)."]
    lines = ["### 🚨 Rollback triggered", "", "| Trigger | Why |", "|---|---|"]
    lines += [f"| `{t.id}` | {cell(t.reason)} |" for t in report.fired_triggers]
    return lines


_SAFE_URL = re.compile(r"^https?://[^\s()<>\[\]|]+$")


def _canary_runs(report: GateReport) -> list[str]:
    """The runs behind the canary pass rate, with links, verdict and where it came from."""
    check = report.check("canary-rate")
    rows = check.metrics.get("runs") if check is not None else None
    if not isinstance(rows, list) or not rows:
        return []
    lines = [
        f"**Canary runs** ({cell(check.reason) if check else ''})",
        "",
        "| Run | Verdict | Source |",
        "|---|---|---|",
    ]
    for row in rows[:100]:
        if not isinstance(row, dict):
            continue
        run, url = str(row.get("run", "")), str(row.get("url", ""))
        shown = f"[{cell(run)}]({url})" if _SAFE_URL.match(url) else cell(run)
        lines.append(
            f"| {shown} | {cell(str(row.get('verdict', '')))} | "
            f"{cell(str(row.get('source', '')))} |"
        )
    return [*lines, ""]


def _details(check: CheckResult) -> list[str]:
    rows = "".join(
        f"<tr><td><code>{html.escape(str(k))}</code></td>"
        f"<td>{html.escape(json.dumps(v, ensure_ascii=False, default=str))}</td></tr>"
        for k, v in check.metrics.items()
    )
    return [
        f"<details><summary>{ICON[check.verdict]} <code>{html.escape(check.id)}</code>: "
        f"{html.escape(check.title)}</summary>",
        "",
        f"<p>{text(check.reason)}</p>",
        f"<table><tr><th>metric</th><th>value</th></tr>{rows}</table>",
        "",
        "</details>",
    ]


def render_correction(report: GateReport) -> str:
    """One line appended under a summary already written, when the run closed after it."""
    return f"\n**NO-GO**: {text(report.reason)}\n"


def render_summary(report: GateReport, report_path: str | None = None) -> str:
    go = report.decision is Decision.GO
    banner = "✅ GO" if go else "❌ NO-GO"
    lines = [
        f"## {banner}: go-live gate ({report.mode}, profile {report.profile})",
        "",
        f"**Why:** {text(report.reason)}",
        "",
    ]
    monitor = report.mode == "monitor"
    if monitor:
        lines += [*_rollback_section(report), ""]
    if report.ws_state:
        latency = report.pill.latency_ms if report.pill is not None else None
        lines += [f"**WebSocket pill:** {pill(report.ws_state, latency)}", ""]
    lines += [
        "| | Criterion | Verdict | Reason |",
        "|---|---|---|---|",
        *(
            f"| {ICON[c.verdict]} | {cell(c.title)} (`{c.id}`) | {c.verdict.value} | "
            f"{cell(c.reason)} |"
            for c in report.criteria
        ),
        "",
        "| Check | Verdict | Samples | Observed | Threshold | Reason |",
        "|---|---|---|---|---|---|",
        *(
            f"| `{c.id}` | {ICON[c.verdict]} {c.verdict.value} | {c.samples} | "
            f"{cell(observed(c))} | {cell(limits(c))} | {cell(c.reason)} |"
            for c in report.checks
        ),
        "",
    ]
    lines += _canary_runs(report)
    if not monitor:
        lines += [*_rollback_section(report), ""]
    for check in report.checks:
        lines += _details(check)
    errors = report.observations.probe_errors
    if errors:
        lines += [
            "",
            "<details><summary>Probe errors</summary>",
            "",
            "| Probe | Error |",
            "|---|---|",
        ]
        lines += [f"| `{cell(k)}` | {cell(v)} |" for k, v in errors.items()]
        lines += ["", "</details>"]
    footer = f"golive {report.version}, {report.duration_s:.1f} s"
    if report_path:
        footer += f", report `{cell(report_path)}`"
    lines += ["", f"<sub>{footer}</sub>", ""]
    return cap("\n".join(lines))


def cap(markdown: str, limit: int = SUMMARY_LIMIT) -> str:
    """Cut at a line break so that the summary, note included, stays under ``limit`` bytes."""
    data = markdown.encode()
    if len(data) <= limit:
        return markdown
    room = limit - len(TRUNCATION_NOTE.encode())
    cut = data[:room].decode(errors="ignore")
    cut = cut[: cut.rfind("\n")] if "\n" in cut else cut
    return cut + TRUNCATION_NOTE
