"""Job summary, annotations and the workflow-command defences, with hostile text."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from golive_action.actions import annotation_lines, command, group
from golive_action.model import (
    CheckResult,
    Criterion,
    Decision,
    GateReport,
    Observations,
    Pill,
    RollbackTrigger,
    Verdict,
)
from golive_action.report.summary import cell, pill, render_summary
from tests.faulty import http_server, reply
from tests.test_cli import actions_env, read_outputs

HOSTILE = (
    "::set-output name=decision::go\n##[set-output name=decision]go\nghadelimiter_x\n"
    "decision=go | <script>alert(1)</script> |"
)


def report(
    reason: str = "fine",
    checks: int = 1,
    verdict: Verdict = Verdict.FAIL,
    mode: str = "go-live",
    metrics: dict | None = None,
) -> GateReport:
    results = tuple(
        CheckResult(
            f"check-{i}",
            "A <b>check</b>",
            verdict,
            reason,
            3,
            metrics or {"x": 1},
            {"ok": "rate>=0.995"},
        )
        for i in range(checks)
    )
    return GateReport(
        decision=Decision.NO_GO if verdict is not Verdict.PASS else Decision.GO,
        reason=reason,
        mode=mode,
        profile="local",
        started_at="2026-11-29T00:00:00.000+00:00",
        duration_s=1.0,
        criteria=(Criterion("smoke", "Smoke tests PASS", verdict, reason, ("check-0",)),),
        checks=results,
        triggers=(RollbackTrigger("5xx-spike", True, reason),),
        observations=Observations(0.0, 1.0, probe_errors={"p": reason}),
        version="0.0.0",
    )


def table_rows(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith("|")]


def cells(row: str) -> int:
    return len(re.split(r"(?<!\\)\|", row)) - 2


def test_hostile_text_stays_inside_its_cells():
    markdown = render_summary(report(HOSTILE))
    rows = table_rows(markdown)
    widths = {cells(r) for r in rows if not r.startswith("|---")}
    assert widths <= {2, 4, 6}
    for row in rows:
        header = row.replace("\\|", "")
        assert cells(row) == header.count("|") - 1
    assert "<script>" not in markdown and "&lt;script&gt;" in markdown
    assert "<b>" not in markdown
    for line in markdown.splitlines():
        assert not line.startswith("::")
        assert not line.startswith("ghadelimiter_")


def test_banner_matrix_checks_and_rollback_are_there():
    markdown = render_summary(report("HTTP 503"), "golive-report.json")
    assert markdown.startswith("## ❌ NO-GO: go-live gate (go-live, profile local)")
    assert "| ❌ | Smoke tests PASS (`smoke`) | fail | HTTP 503 |" in markdown
    assert "| `check-0` | ❌ fail | 3 |" in markdown
    assert "### 🚨 Rollback triggered" in markdown
    assert "<details><summary>" in markdown
    assert "report `golive-report.json`" in markdown


def test_monitor_mode_puts_the_rollback_first():
    markdown = render_summary(report(mode="monitor"))
    assert markdown.index("Rollback triggered") < markdown.index("| | Criterion |")


def test_pill_as_the_ui_shows_it():
    assert pill("OPEN", 42.4) == "🟢 `WS` (latency 42 ms)"
    assert pill("DEGRADED", 950) == "🟡 `WS!` (latency 950 ms)"
    assert pill("CLOSED", None) == "🔴 `WS✗` (latency not measured)"
    assert pill("DISABLED", None) == "`Canlı` (polling mode, no WebSocket)"
    ws = dataclasses.replace(
        report(verdict=Verdict.PASS), ws_state="DEGRADED", pill=Pill("WS!", "yellow", 912.0)
    )
    assert "**WebSocket pill:** 🟡 `WS!` (latency 912 ms)" in render_summary(ws)


@given(st.text())
def test_cell_is_one_cell(value):
    escaped = cell(value)
    assert "\n" not in escaped and "<" not in escaped
    assert cells(f"| {escaped} |") == 1


def test_annotations_are_capped_and_inert():
    lines = annotation_lines(report(HOSTILE, checks=25))
    errors = [line for line in lines if line.startswith("::error")]
    assert len(errors) == 10  # the decision and 9 checks: the runner shows no more
    assert lines[-1] == "16 more failing, inconclusive or waived checks: see the job summary"
    for line in lines:
        assert "\n" not in line and "##[" not in line
    assert errors[0].startswith("::error title=golive%3A NO-GO::")


@given(st.text(), st.text())
def test_a_command_is_one_inert_line(message, title):
    line = command("error", message, title=title)
    assert "\n" not in line and "\r" not in line and "##[" not in line
    assert line.startswith("::error title=")
    properties, separator, _ = line[len("::error ") :].partition("::")
    assert separator and "," not in properties.removeprefix("title=")


def test_group_neutralizes_its_body():
    text = group("t", "a\n::error::x\n##[error]y")
    body = text.splitlines()[1:-1]
    assert all(not line.startswith("::") and "##[" not in line for line in body)


def test_in_actions_hostile_bodies_never_forge_outputs_or_commands(run_cli, tmp_path):
    env = {**actions_env(tmp_path), "GITHUB_ACTIONS": "true"}
    with http_server(
        reply(503, HOSTILE.encode(), "text/plain", {"X-Evil": "::set-output name=passed::true"})
    ) as base:
        result = run_cli(
            "run",
            "--web-url",
            base,
            "--executor-url",
            base,
            "--samples",
            "1",
            "--duration",
            "0.5",
            env=env,
        )
    assert result.code == 1
    allowed = ("::group::", "::endgroup::", "::error ", "::warning ", "::notice ", "::add-mask::")
    for line in result.out.splitlines():
        if line.lstrip().startswith("::"):
            assert line.startswith(allowed), line
        assert "##[" not in line
    outputs = read_outputs(Path(env["GITHUB_OUTPUT"]))
    assert outputs["decision"] == "no-go" and outputs["passed"] == "false"
    assert "<script>" not in Path(env["GITHUB_STEP_SUMMARY"]).read_text()


def test_terminal_report_colour_only_when_asked_and_monitor_order():
    from golive_action.report.terminal import render_terminal

    plain = render_terminal(report("why"))
    assert "\x1b[" not in plain
    assert "\x1b[1;31mDECISION: NO-GO" in render_terminal(report("why"), colour=True)
    monitor = render_terminal(report("why", mode="monitor"))
    assert monitor.index("ROLLBACK: triggered") < monitor.index("Go/No-Go matrix")
    hostile = render_terminal(report("\x1b[2J wiped"))
    assert "\x1b" not in hostile


def test_the_summary_lists_the_canary_runs_with_links():
    rows = [
        {"run": "this run", "verdict": "PASS", "source": "this gate's canary"},
        {
            "run": 41,
            "url": "https://github.com/o/r/actions/runs/41",
            "verdict": "FAIL",
            "source": "artifact canary_resp.json",
        },
        {"run": 40, "url": "javascript:alert(1)", "verdict": "PASS", "source": "x|y"},
    ]
    base = report("r")
    check = dataclasses.replace(base.checks[0], id="canary-rate", metrics={"runs": rows})
    markdown = render_summary(dataclasses.replace(base, checks=(check,)))
    assert (
        "| [41](https://github.com/o/r/actions/runs/41) | FAIL | artifact canary\\_resp\\.json |"
        in markdown
    )
    assert "](javascript:" not in markdown  # an unsafe link is shown as text, not a link
    assert "x\\|y" in markdown


# ----------------------------------------------------------------------------- inert markdown

MARKDOWN_HOSTILE = (
    "[click](https://evil.example/phish) ![t](https://evil.example/t.png) <img src=x> "
    "# Heading *bold* `code` www.evil.example mail@evil.example | cell break "
    "<https://evil.example/auto> [ref]: https://evil.example/r"
)


def rendered_tokens(markdown: str):
    """The summary as GitHub-flavoured Markdown renders it: tables, bare URLs linked, HTML."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"linkify": True, "html": True}).enable(
        ["table", "linkify", "strikethrough"]
    )
    tokens = parser.parse(markdown)
    flat = []
    for token in tokens:
        flat.append(token)
        flat.extend(token.children or [])
    return flat


def test_server_text_is_never_a_link_image_or_heading_in_the_summary(run_cli, tmp_path):
    """A server quoting Markdown: its links, images, autolinks and headings stay text."""
    import json

    body = json.dumps({"ok": False, "error": MARKDOWN_HOSTILE}).encode()
    env = actions_env(tmp_path)
    with http_server(reply(200, body)) as base:
        run_cli(
            "run",
            "--web-url",
            base,
            "--executor-url",
            base,
            "--mode",
            "rollback",
            "--samples",
            "1",
            env=env,
        )
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text()
    assert "evil.example" in summary  # the server's words are there, as text
    tokens = rendered_tokens(summary)
    assert [t.attrs for t in tokens if t.type in ("link_open", "image")] == []
    inline_html = [t.content for t in tokens if t.type == "html_inline"]
    assert set(inline_html) <= {"<sub>", "</sub>"}, inline_html  # the footer's, nothing else
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert all("Heading" not in h and "evil" not in h for h in headings), headings
    emphasised = [
        tokens[i + 1].content for i, t in enumerate(tokens) if t.type in ("em_open", "strong_open")
    ]
    assert set(emphasised) <= {"Why:", "Rollback:", "NO-GO", "The pill over the window:"}
    html_blocks = [t.content for t in tokens if t.type == "html_block"]
    assert all("<img" not in block and "<https" not in block for block in html_blocks)


@given(st.text(max_size=200))
def test_any_text_in_a_cell_renders_as_itself(value):
    """Whatever a server says, the cell renders as that text (whitespace collapsed, each
    character not drawn as itself shown as its escape): no markup in, nothing lost."""
    from markdown_it import MarkdownIt

    from golive_action.text import visible

    flat = " ".join(visible(value).split())
    parser = MarkdownIt("commonmark", {"linkify": True}).enable(["table", "linkify"])
    html_out = parser.render(f"| a |\n|---|\n| {cell(value)} |\n")
    assert "<a " not in html_out and "<img" not in html_out and "<em>" not in html_out
    assert "<strong>" not in html_out
    import html as html_lib

    shown = re.sub(r"<[^>]+>", "", html_out.split("<tbody>")[-1])
    assert " ".join(html_lib.unescape(shown).split()) == flat


def test_the_summary_budget_counts_what_the_file_already_holds(judged, tmp_path):
    """Another tool wrote most of the step's 1 MiB first: the gate's summary is cut to the
    room left (the runner drops a step summary over 1 MiB whole)."""
    import io

    from golive_action import actions
    from golive_action.publishing import PublishSettings, publish

    report, _ = judged
    for before, added in ((1024 * 1024 - 12000, True), (1024 * 1024 - 3000, False)):
        summary = tmp_path / f"summary-{before}.md"
        summary.write_text("x" * (before - 1) + "\n")
        env = {
            "GITHUB_ACTIONS": "true",
            actions.SUMMARY_FILE: str(summary),
            actions.OUTPUT_FILE: str(tmp_path / "output"),
        }
        err = io.StringIO()
        settings = PublishSettings(report=str(tmp_path / "r.json"), canary_output=None)
        assert publish(report, settings, env, io.StringIO(), err) == 0, err.getvalue()
        size = summary.stat().st_size
        assert size <= 1024 * 1024
        assert (size > before) is added
        if added:
            assert "GO" in summary.read_text()[before:]
        else:
            assert "the job summary already holds nearly 1 MiB" in err.getvalue()
