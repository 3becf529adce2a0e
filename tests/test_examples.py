"""The monitor example's issue job, run as the runner runs it (bash -e, its env), with a
stand-in of the gh CLI that records each call: a rollback trigger opens one issue per
release, or comments on the open one; a later GO closes it. Its body is the report's matrix
and each trigger's evidence, and no text a server sent can mention anyone."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
MONITOR = ROOT / "examples" / "monitor.yml"

# gh, as far as the job uses it: `issue list` prints $GH_OPEN, every call is logged.
_GH = """#!/usr/bin/env bash
printf '%s\\n' "$*" >> "$GH_LOG"
if [ "$1 $2" = "issue list" ]; then
  [ -n "$GH_OPEN" ] && printf '%s\\n' "$GH_OPEN"
fi
for arg in "$@"; do
  if [ "$previous" = "--body-file" ]; then cp "$arg" "$GH_BODY"; fi
  previous=$arg
done
exit 0
"""


def _script() -> str:
    workflow = yaml.safe_load(MONITOR.read_text())
    steps = workflow["jobs"]["issue"]["steps"]
    return next(s["run"] for s in steps if "run" in s)


def _report(rollback: bool) -> dict:
    reason = "12 reconnect attempts within 60 s | @octocat said so"
    return {
        "decision": "no-go" if rollback else "go",
        "mode": "monitor",
        "reason": "ws fail: ws-stability: 12 reconnect attempts" if rollback else "all pass",
        "criteria": [
            {"id": "smoke", "verdict": "pass", "reason": "web-health: 600 of 600"},
            {"id": "ws", "verdict": "fail" if rollback else "pass", "reason": reason},
        ],
        "rollback": {
            "triggered": rollback,
            "reasons": [{"id": "ws-reconnects", "reason": reason, "evidence": {"reconnects": 12}}]
            if rollback
            else [],
        },
    }


@pytest.fixture
def job(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gh = bin_dir / "gh"
    gh.write_text(_GH)
    gh.chmod(0o755)

    def run(rollback: bool, decision: str, open_issue: str = "") -> tuple[list[str], str]:
        (tmp_path / "golive-report.json").write_text(json.dumps(_report(rollback)))
        log, body = tmp_path / "gh.log", tmp_path / "body.out"
        for stale in (log, body):
            stale.unlink(missing_ok=True)
        env = {
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "GH_LOG": str(log),
            "GH_BODY": str(body),
            "GH_OPEN": open_issue,
            "GH_TOKEN": "t",
            "GH_REPO": "o/r",
            "RELEASE": "v2.3.0",
            "DECISION": decision,
            "ROLLBACK": "true" if rollback else "false",
            "RUN_URL": "https://github.com/o/r/actions/runs/9",
        }
        done = subprocess.run(
            ["bash", "-e", "-c", _script()], cwd=tmp_path, env=env, capture_output=True,
            text=True, timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        calls = log.read_text().splitlines() if log.exists() else []
        return calls, body.read_text() if body.exists() else ""

    return run


def test_a_rollback_trigger_opens_the_releases_issue_with_the_matrix_and_evidence(job):
    calls, body = job(rollback=True, decision="no-go")
    assert calls[0].startswith("issue list --state open --search in:title")
    assert calls[1].startswith(
        "issue create --title Go-live monitor: rollback trigger on release v2.3.0"
    )
    assert "**NO-GO** (monitor): ws fail: ws-stability: 12 reconnect attempts" in body
    assert "| `ws` | fail | 12 reconnect attempts within 60 s   @\u200boctocat said so |" in body
    assert "- **`ws-reconnects`**:" in body and '{"reconnects":12}' in body
    assert "@octocat" not in body and "https://github.com/o/r/actions/runs/9" in body


def test_a_trigger_again_comments_on_the_open_issue_and_a_go_closes_it(job):
    calls, _ = job(rollback=True, decision="no-go", open_issue="7")
    assert calls[1].startswith("issue comment 7 --body-file")
    calls, _ = job(rollback=False, decision="go", open_issue="7")
    assert calls[1] == "issue close 7 --comment GO again: https://github.com/o/r/actions/runs/9"
    calls, _ = job(rollback=False, decision="go")
    assert len(calls) == 1  # nothing open: nothing to close
    calls, _ = job(rollback=False, decision="no-go", open_issue="7")
    assert len(calls) == 1  # a NO-GO without a trigger neither opens nor closes
