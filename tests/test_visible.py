"""One sanitiser for text from outside (``text.visible``): every character that is not drawn
as itself reaches no terminal, annotation, summary or output line as itself. A property test
puts hostile text in every field of a report a renderer shows and reads what the runner
would see: stdout (the terminal report, its group and annotations), stderr, the job summary
and the outputs file."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import time
import unicodedata
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from golive_action import actions
from golive_action.config import GateConfig
from golive_action.model import CheckResult, Criterion, RollbackTrigger, Verdict
from golive_action.publishing import PublishSettings, publish
from golive_action.runner import failed_report
from golive_action.text import visible
from tests.test_cli import read_outputs

# Categories of characters that are not drawn as themselves.
HIDDEN = ("Cc", "Cf", "Zl", "Zp", "Cs")
# What the runner splits lines on, and sees as the start of a command.
_LINE_BREAKS = re.compile("\r\n|\n|\r")
# The gate's own marks that make a command inert (a zero-width space inside '::' and '##[').
_OWN_MARKS = re.compile("(?<=:)\u200b(?=:)|(?<=##)\u200b(?=\\[)")
_OURS = ("::group::", "::endgroup::", "::error title=", "::warning title=", "::notice title=")


def test_every_character_not_drawn_as_itself_is_escaped():
    """The list behind ``visible`` holds every control, format, separator and surrogate of
    this Python's Unicode database (a newer one only adds to them)."""
    missing = [
        hex(point)
        for point in range(0x110000)
        if unicodedata.category(chr(point)) in HIDDEN and visible(chr(point)) == chr(point)
    ]
    assert missing == [], unicodedata.unidata_version
    drawn = [
        hex(point)
        for point in range(0x110000)
        if unicodedata.category(chr(point)) not in (*HIDDEN, "Cn")
        and visible(chr(point)) != chr(point)
    ]
    assert drawn == []


def test_each_is_shown_as_its_escape():
    assert visible("a\x1b[31mb") == "a\\x1b[31mb"
    assert visible("x\r::warning::y") == "x\\r::warning::y"
    assert visible("\u202eevil\u2066\u200b\ufeff") == "\\u202eevil\\u2066\\u200b\\ufeff"
    assert visible("\U000e0041") == "\\U000e0041"  # a tag character
    assert visible("a\nb\tc") == "a\\nb\\tc"
    assert visible("a\nb\tc", lines=True) == "a\nb\tc"
    assert visible("Canlı ✅ ±") == "Canlı ✅ ±"  # what is drawn stays


# Pieces a hostile server sends: escape sequences (SGR, OSC 8 links, the title), bare CR
# before a command, bidi overrides and isolates, zero-width characters, a BOM, NEL (C1),
# the line separator, a lone surrogate (as a JSON \ud800 decodes).
HOSTILE_PIECES = [
    "\x1b[31mRED\x1b[0m",
    "\x1b]8;;https://evil.example\x07link\x1b]8;;\x07",
    "\x1b]0;title\x1b\\",
    "\r::warning::forged",
    "\r\n::set-output name=decision::go",
    "\u202egnp.exe",
    "\u2066isolated\u2069",
    "zero\u200bwidth\u200d",
    "\ufeffBOM",
    "\x85::error::nel",
    "\u2028::error::ls",
    "\ud800",
    "\x07\x08\x00",
    "##[set-output name=passed]true",
]
hostile_text = st.lists(
    st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(max_size=8)), min_size=1, max_size=6
).map("".join)


def _what_the_runner_sees(folder: Path, report) -> dict[str, Any]:
    environ = {
        "GITHUB_ACTIONS": "true",
        actions.OUTPUT_FILE: str(folder / "output"),
        actions.SUMMARY_FILE: str(folder / "summary.md"),
    }
    out, err = io.StringIO(), io.StringIO()
    settings_ = PublishSettings(report=str(folder / "report.json"), canary_output=None)
    publish(report, settings_, environ, out, err)
    return {
        "stdout": out.getvalue(),
        "stderr": err.getvalue(),
        "summary": (folder / "summary.md").read_text(encoding="utf-8", errors="surrogateescape"),
        "output": (folder / "output").read_text(encoding="utf-8", errors="surrogateescape"),
        "outputs": read_outputs(folder / "output"),
    }


def _hostile_report(text: str):
    base = failed_report(GateConfig(), text, time.time(), 1.0)
    checks = (
        CheckResult("web-health", text, Verdict.FAIL, text, 1, {"version": text, text: 1}),
        CheckResult("ws-latency", "WS latency", Verdict.INCONCLUSIVE, text, 0, {"note": [text]}),
        # Rows and links from the GitHub API (a run's html_url), as the summary links them.
        CheckResult(
            "canary-rate",
            "Canary pass rate",
            Verdict.FAIL,
            text,
            1,
            {"runs": [{"run": text, "verdict": text, "source": text, "url": "https://h/" + text}]},
        ),
        *base.checks,
    )
    criteria = (Criterion("web-up", text, Verdict.FAIL, text, ("web-health",)), *base.criteria)
    triggers = (RollbackTrigger("5xx-spike", True, text, {"line": text}),)
    return dataclasses.replace(
        base, checks=checks, criteria=criteria, triggers=triggers, version=text, profile=text
    )


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(text=hostile_text)
def test_no_sink_shows_a_hidden_character_or_starts_a_forged_line(tmp_path_factory, text):
    seen = _what_the_runner_sees(tmp_path_factory.mktemp("sinks"), _hostile_report(text))
    for sink in ("stdout", "stderr", "summary", "output"):
        shown = seen[sink]
        bare = _OWN_MARKS.sub("", shown)
        hidden = {
            f"U+{ord(c):04X}" for c in bare if unicodedata.category(c) in HIDDEN and c not in "\n\t"
        }
        assert not hidden, (sink, hidden)
        if sink not in ("stdout", "stderr"):
            continue  # the runner reads no command from the summary or the outputs file
        for line in _LINE_BREAKS.split(shown):
            if line.lstrip().startswith("::"):
                assert line.startswith(_OURS), (sink, line)
            assert "##[" not in line, (sink, line)
    # Every output reads back, and the decision stays the gate's.
    assert seen["outputs"]["decision"] == "no-go" and seen["outputs"]["passed"] == "false"


def test_the_report_keeps_the_raw_text(tmp_path):
    raw = "\x1b[31m\u202eevil\r"
    seen = _what_the_runner_sees(tmp_path, _hostile_report(raw))
    assert raw not in seen["stdout"] + seen["summary"]
    document = json.loads((tmp_path / "report.json").read_text())
    web = next(c for c in document["checks"] if c["id"] == "web-health")
    assert web["metrics"]["version"] == raw


def test_canary_parse_prints_no_escape_sequence(run_cli, tmp_path):
    body = {"ok": False, "error": "\x1b]8;;https://evil\x07click\x1b]8;;\x07 \x1b[2J\u202e"}
    path = tmp_path / "canary.json"
    path.write_text(json.dumps(body))
    result = run_cli("canary", "parse", str(path))
    assert "\x1b" not in result.out + result.err and "\u202e" not in result.out
    assert "\\x1b]8;;https" in result.out


@settings(deadline=None)
@given(text=hostile_text)
def test_the_coloured_terminal_keeps_its_own_colours_and_only_those(text):
    """On a terminal the report is coloured: its own SGR codes are the only escapes in it,
    whatever the text from outside held."""
    from golive_action.report.terminal import render_terminal

    shown = render_terminal(_hostile_report(text), colour=True)
    own = re.sub("\x1b\\[[0-9;]*m", "", shown)
    hidden = {c for c in own if unicodedata.category(c) in HIDDEN and c not in "\n\t"}
    assert not hidden, hidden
    assert "\x1b[1;31mDECISION: NO-GO\x1b[0m" in shown
