"""The job summary in GitHub-flavoured markdown: banner, matrix, WS pill, checks, rollback,
details. Every piece of untrusted text goes through :func:`cell`, :func:`text`, :func:`code`
or (inside HTML blocks) :func:`html_text`."""

from __future__ import annotations

import html
import json
import re

from golive_action.model import LETS_GO, CheckResult, Decision, GateReport, Pill, Verdict, WsState
from golive_action.report.figures import limits, observed
from golive_action.stats import shown_percent
from golive_action.text import visible

SUMMARY_LIMIT = 1024 * 1024 - 4096  # the runner refuses a step summary over 1 MiB
TRUNCATION_NOTE = "\n\n_The summary was cut to stay under 1 MiB; the JSON report has everything._\n"

ICON = {
    Verdict.PASS: "✅",
    Verdict.FAIL: "❌",
    Verdict.ERROR: "❌",
    Verdict.INCONCLUSIVE: "⚠️",
    Verdict.SKIPPED: "⏭️",
    Verdict.WAIVED: "⚪",
}

# The pill's colour, as the page paints it.
DOTS = {"green": "🟢 ", "yellow": "🟡 ", "red": "🔴 ", "none": ""}


# Text that a renderer would turn live, in untrusted text: a URL or an address it autolinks
# (GitHub's renderer links a bare https://... or www....), shown in a code span instead.
# Punctuation that ends a sentence stays out of the span ("at http://h/health;"), escaped
# as plain text: as GitHub's autolinks leave it out.
_AUTOLINKED = re.compile(
    r"(?i)(?:[a-z][a-z0-9+.-]*://|www\.)[^\s]*[^\s?!.,:;*_~'\")]|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
)
# ASCII punctuation: CommonMark lets a backslash make each one plain text.
_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}


def _plain(match: re.Match[str]) -> str:
    char = match.group(0)
    return _ENTITIES.get(char, "\\" + char)


def code(value: str, table: bool = False) -> str:
    """Untrusted text as a code span, where nothing is markup: fenced by more backticks than
    it holds in a row, padded so that a backtick at either end stays text. In a table cell
    ``|`` is escaped even there (GFM splits cells before it reads code spans)."""
    flat = " ".join(visible(value).split())
    fence = "`" * (max((len(r) for r in re.findall(r"`+", flat)), default=0) + 1)
    body = f" {flat} " if flat.startswith("`") or flat.endswith("`") or not flat else flat
    if table:
        body = body.replace("|", "\\|")
    return f"{fence}{body}{fence}"


def inert(value: str, table: bool = False) -> str:
    """Untrusted text for Markdown, shown as it is and never as markup: no HTML, no link, no
    image, no heading, no emphasis, one line. Every ASCII punctuation mark is escaped (the
    HTML ones as entities), and what a renderer would autolink goes in a code span."""
    flat = " ".join(visible(value).split())
    parts: list[str] = []
    last = 0
    for match in _AUTOLINKED.finditer(flat):
        parts.append(_PUNCTUATION.sub(_plain, flat[last : match.start()]))
        parts.append(code(match.group(0), table))
        last = match.end()
    parts.append(_PUNCTUATION.sub(_plain, flat[last:]))
    return "".join(parts)


_WORD_RE = re.compile(r"[A-Za-z0-9._+-]*")


def _word(value: str) -> str:
    """A word of the gate's own (a mode, a profile, a version) as it is; anything else in it
    (a report written by hand) as inert text."""
    return value if _WORD_RE.fullmatch(value) else inert(value)


def text(value: str) -> str:
    """Untrusted text for a Markdown paragraph."""
    return inert(value)


def cell(value: str) -> str:
    """Untrusted text for one table cell (``|`` is escaped with the rest)."""
    return inert(value, table=True)


def html_text(value: str) -> str:
    """Untrusted text inside an HTML block, where Markdown is not read: no HTML, one line."""
    return " ".join(html.escape(visible(value), quote=True).split())


def pill(state: WsState, latency_ms: float | None) -> str:
    """The pill of ``state`` with the latency behind it."""
    return render_pill(Pill.of(state, latency_ms))


def render_pill(shown: Pill) -> str:
    label = f"{DOTS[shown.colour]}`{shown.label}`"
    if shown.label == "Canlı":
        return f"{label} (polling mode, no WebSocket)"
    latency = shown.latency_ms
    behind = f"latency {latency:.0f} ms" if latency is not None else "latency not measured"
    return f"{label} ({behind})"


def _rollback_section(report: GateReport) -> list[str]:
    if not report.rollback:
        return [f"**Rollback:** no trigger fired ({len(report.triggers)} evaluated)."]
    lines = ["### 🚨 Rollback triggered", "", "| Trigger | Why |", "|---|---|"]
    lines += [f"| `{t.id}` | {cell(t.reason)} |" for t in report.fired_triggers]
    return lines


# A link is made only of a URL of RFC 3986's printable ASCII characters, without the
# parentheses and brackets that would end Markdown's link: nothing else from the API (a
# control, a bidi or zero-width character) reaches the summary as a link target.
_SAFE_URL = re.compile(r"^https?://[A-Za-z0-9\-._~:/?#@!$&'*+,;=%]+$")


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


# A merge's table shows this many runners; the JSON report has them all.
_RUNNER_ROWS = 200


def _runners_section(report: GateReport) -> list[str]:
    """A merge: each runner, its own decision and what failed there, its headline figures;
    then each endpoint's figures over every runner's samples."""
    merge = report.merge
    if merge is None:
        return []
    lines = [
        f"**Runners** ({len(merge.runners)}; at least {merge.min_runners} must report)",
        "",
        "| Runner | Decision | Failed there | WS p95 | Health | Report |",
        "|---|---|---|---|---|---|",
    ]
    for runner in merge.runners[:_RUNNER_ROWS]:
        if runner.decision is None:
            lines.append(
                f"| {cell(runner.name)} | ❌ no report | {cell(runner.problem or '')} | | | "
                f"{code(runner.source, table=True)} |"
            )
            continue
        failed = [i for i, v in runner.checks.items() if v not in LETS_GO]
        head = runner.headline
        icon = "✅ GO" if runner.decision is Decision.GO else "❌ NO-GO"
        lines.append(
            f"| {cell(runner.name)} | {icon} | {cell(', '.join(failed) or '-')} | "
            f"{_ms(head.ws_latency_p95_ms)} | {_percent(head.health_rate_percent)} | "
            f"{code(runner.source, table=True)} |"
        )
    if len(merge.runners) > _RUNNER_ROWS:
        lines.append(
            f"| and {len(merge.runners) - _RUNNER_ROWS} more (see the JSON report) | | | | | |"
        )
    endpoints = merge.pooled.get("endpoints")
    if isinstance(endpoints, dict) and endpoints:
        lines += [
            "",
            "**Pooled over every runner's samples** (percentiles of the pooled samples)",
            "",
            "| Endpoint | Answers | Errors | p50 | p95 |",
            "|---|---|---|---|---|",
        ]
        for probe, row in endpoints.items():
            if isinstance(row, dict):
                lines.append(
                    f"| `{cell(str(probe))}` | {row.get('answers', 0)} | {row.get('errors', 0)} | "
                    f"{_ms(row.get('latency_p50_ms'))} | {_ms(row.get('latency_p95_ms'))} |"
                )
        ws_p95 = merge.pooled.get("ws_latency_p95_ms")
        if isinstance(ws_p95, int | float):
            lines.append(
                f"| WebSocket ping | {merge.pooled.get('ws_round_trips', 0)} | | | {_ms(ws_p95)} |"
            )
    return [*lines, ""]


def _trends_section(report: GateReport) -> list[str]:
    """The trend check's series: a chart per headline figure (Mermaid, as GitHub renders
    it), the text sparkline under it, and the baseline run."""
    from golive_action.report import trends

    check = report.check("trend")
    series = trends.series_of(check)
    if check is None or not series:
        return []
    base = check.metrics.get("baseline")
    if isinstance(base, dict) and _SAFE_URL.match(str(base.get("url", ""))):
        against = f"the last GO, run [{cell(str(base.get('run_id')))}]({base['url']})"
    elif isinstance(base, dict):
        against = f"the last GO, run {cell(str(base.get('run_id')))}"
    else:
        against = "no GO among the runs read"
    lines = [
        f"**Trends** ({ICON[check.verdict]} {check.verdict.value}; baseline: {against}; "
        f"{check.metrics.get('runs_read', 0)} past runs read)",
        "",
    ]
    for name, points in series.items():
        lines += [
            trends.mermaid(name, points, check),
            "",
            text(trends.text_line(name, points, check)),
            "",
        ]
    return lines


def _ms(value: object) -> str:
    return f"{value:.0f} ms" if isinstance(value, int | float) else ""


def _percent(value: object) -> str:
    return f"{shown_percent(value / 100)} %" if isinstance(value, int | float) else ""


def _details(check: CheckResult) -> list[str]:
    rows = "".join(
        f"<tr><td><code>{html_text(str(k))}</code></td>"
        f"<td>{html_text(json.dumps(v, ensure_ascii=False, default=str))}</td></tr>"
        for k, v in check.metrics.items()
    )
    return [
        f"<details><summary>{ICON[check.verdict]} <code>{html_text(check.id)}</code>: "
        f"{html_text(check.title)}</summary>",
        "",
        f"<p>{html_text(check.reason)}</p>",
        f"<table><tr><th>metric</th><th>value</th></tr>{rows}</table>",
        "",
        "</details>",
    ]


# The pill's states, as the page paints them.
_STATE_DOTS = {"OPEN": "🟢 OPEN", "DEGRADED": "🟡 DEGRADED", "CLOSED": "🔴 CLOSED"}


def _pill_timeline(report: GateReport) -> list[str]:
    """Each change of the pill through the window, and the share of time in each state."""
    timeline = report.pill_timeline
    if timeline is None:
        return []
    shares = ", ".join(
        f"{_STATE_DOTS[state]} {share:g} %" for state, share in timeline.shares_percent.items()
    )
    lines = [
        f"**The pill over the window:** {shares}",
        "",
        "| At | State | Cause |",
        "|---|---|---|",
        *(
            f"| +{c.offset_s:.1f} s | {_STATE_DOTS.get(c.state, cell(c.state))} | {cell(c.cause)} |"
            for c in timeline.changes
        ),
    ]
    if timeline.more:
        lines.append(f"| | | and {timeline.more} more changes (see the JSON report's evidence) |")
    return [*lines, ""]


def render_correction(report: GateReport) -> str:
    """One line appended under a summary already written, when the run closed after it."""
    return f"\n**NO-GO**: {text(report.reason)}\n"


def render_summary(
    report: GateReport,
    report_path: str | None = None,
    run_url: str | None = None,
    limit: int = SUMMARY_LIMIT,
) -> str:
    """The job summary; ``run_url`` (the workflow run's page) links the screenshot to the
    run's artifacts. At most ``limit`` bytes (:func:`cap`): the room a step's summary has
    left, when it already holds another's text."""
    go = report.decision is Decision.GO
    banner = "✅ GO" if go else "❌ NO-GO"
    lines = [
        f"## {banner}: go-live gate ({_word(report.mode)}, profile {_word(report.profile)})",
        "",
        f"**Why:** {text(report.reason)}",
        "",
    ]
    monitor = report.mode == "monitor"
    if monitor:
        lines += [*_rollback_section(report), ""]
    if report.pill is not None:
        lines += [f"**WebSocket pill:** {render_pill(report.pill)}", ""]
    lines += _browser_lines(report, run_url)
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
    lines += _runners_section(report)
    lines += _trends_section(report)
    lines += _canary_runs(report)
    lines += _pill_timeline(report)
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
        lines += [f"| {code(k, table=True)} | {cell(v)} |" for k, v in errors.items()]
        lines += ["", "</details>"]
    footer = f"golive {_word(report.version)}, {report.duration_s:.1f} s"
    if report_path:
        footer += f", report {code(report_path)}"
    lines += ["", f"<sub>{footer}</sub>", ""]
    return cap("\n".join(lines), limit)


def _browser_lines(report: GateReport, run_url: str | None) -> list[str]:
    """What the browser showed: the pill as drawn, the tooltip, the Spread Card, the page's
    WebSockets, its timings and responsiveness, and the screenshot."""
    page = report.check("ui-browser")
    responsive = report.check("ui-browser-responsive")
    browser = report.observations.browser
    if browser is None or page is None:
        return []
    if browser.error is not None:
        return [f"**In the browser:** {ICON[Verdict.ERROR]} {text(browser.error)}", ""]
    m = page.metrics
    parts: list[str] = []
    if m.get("pill") is not None:
        dot = DOTS.get(str(m.get("pill_colour")), "")
        parts.append(
            f"pill {dot}{code(str(m['pill']))} at the end (not `WS` "
            f"{m.get('pill_degraded_percent', 0):g} % of the window)"
        )
    elif m.get("polling_indicator") is not None:
        parts.append(f"{code(str(m['polling_indicator']))} shown")
    else:
        parts.append("no pill")
    if m.get("tooltip_latency_ms") is not None:
        parts.append(f"tooltip latency {m['tooltip_latency_ms']:g} ms")
    elif "tooltip" in m:
        parts.append("no latency in the tooltip")
    parts.append(f"Spread Card changed {m.get('spread_changes', 0)} times")
    parts.append(f"{m.get('sockets_opened', 0)} WebSocket(s), {m.get('frames_received', 0)} frames")
    if browser.load_ms is not None:
        parts.append(
            f"load {browser.load_ms:g} ms (TTFB {browser.ttfb_ms or 0:g} ms, "
            f"DOMContentLoaded {browser.dom_content_loaded_ms or 0:g} ms)"
        )
    if responsive is not None and responsive.metrics:
        r = responsive.metrics
        delay = r.get("input_delay_ms")
        parts.append(
            f"longest task {r.get('longest_task_ms', 0):g} ms, click delay "
            + ("not measured" if delay is None else f"{delay:g} ms")
        )
    if browser.console_error_count or browser.page_error_count:
        parts.append(
            f"{browser.console_error_count} console errors, "
            f"{browser.page_error_count} uncaught exceptions"
        )
    lines = [f"**In the browser:** {ICON[page.verdict]} {'; '.join(parts)}", ""]
    if report.screenshot:
        where = f" ([in the run's artifacts]({run_url}#artifacts))" if run_url else ""
        lines += [f"**Screenshot:** {code(report.screenshot)}{where}", ""]
    elif browser.screenshot_error:
        lines += [f"**Screenshot:** {text(browser.screenshot_error)}", ""]
    return lines


def cap(markdown: str, limit: int = SUMMARY_LIMIT) -> str:
    """Cut at a line break so that the summary, note included, stays under ``limit`` bytes;
    where not even its banner and the note fit, nothing (the runner drops a step's whole
    summary when it is over 1 MiB)."""
    data = markdown.encode()
    if len(data) <= limit:
        return markdown
    banner = markdown.split("\n", 1)[0]
    if limit < len(banner.encode()) + len(TRUNCATION_NOTE.encode()):
        return ""
    room = limit - len(TRUNCATION_NOTE.encode())
    cut = data[:room].decode(errors="ignore")
    cut = cut[: cut.rfind("\n")] if "\n" in cut else cut
    return cut + TRUNCATION_NOTE
