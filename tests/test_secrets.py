"""The tokens never appear: every scenario run through the CLI as in Actions, with distinctive
token values (the GitHub token sent to the stack's GitHub API, which checks it), and every
byte the gate printed or wrote is scanned."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from golive_action.sandbox.scenarios import SCENARIOS
from tests.test_cli import actions_env

SPARK_TOKEN = "spk-7f3a9c-SCAN-ME-4410"
GITHUB_TOKEN = "ghs_scan_me_91b2c7d4e5"


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_no_token_in_anything_the_gate_prints_or_writes(run_cli, stack, tmp_path, name):
    from golive_action.sandbox.github_api import REPOSITORY, WORKFLOW_FILE

    s = stack(name, token=SPARK_TOKEN, github_token=GITHUB_TOKEN)
    env = {
        **actions_env(tmp_path),
        "GITHUB_ACTIONS": "true",
        "INPUT_GITHUB_TOKEN": GITHUB_TOKEN,
        "INPUT_SPARK_API_TOKEN": SPARK_TOKEN,
    }
    mode = "rollback" if name == "rollback" else "go-live"
    result = run_cli(
        "run",
        "--mode",
        mode,
        "--web-url",
        s.urls["web_url"],
        "--executor-url",
        s.urls["executor_url"],
        "--ws-url",
        s.urls["ws_url"],
        "--spark-api-url",
        s.urls["executor_url"],
        "--github-api-url",
        s.urls["github_api_url"],
        "--github-repository",
        REPOSITORY,
        "--canary-workflow",
        WORKFLOW_FILE,
        "--samples",
        "2",
        "--sample-interval",
        "0",
        "--duration",
        "1",
        "--report",
        str(tmp_path / "out" / "report.json"),
        "--canary-output",
        str(tmp_path / "out" / "canary_resp.json"),
        env=env,
    )
    assert result.code in (0, 1), result.err
    masks = [line for line in result.out.splitlines() if line.startswith("::add-mask::")]
    assert masks == [f"::add-mask::{SPARK_TOKEN}", f"::add-mask::{GITHUB_TOKEN}"]
    rest = "\n".join(line for line in result.out.splitlines() if not line.startswith("::add-mask"))
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "report.json" for p in written)
    for token in (SPARK_TOKEN, GITHUB_TOKEN):
        assert token not in rest and token not in result.err
        for path in written:
            assert token not in path.read_text(errors="replace"), path
    assert Path(tmp_path / "out" / "report.json").exists()
    if mode == "go-live":  # the token was used: the pass rate was read
        report = json.loads((tmp_path / "out" / "report.json").read_text())
        rate = next(c for c in report["checks"] if c["id"] == "canary-rate")
        assert rate["verdict"] in ("pass", "fail"), rate["reason"]


def test_a_ws_url_password_goes_in_the_upgrade_and_nowhere_else(run_cli, tmp_path):
    """ws-url with credentials, against a feed that upgrades only with them: the probe sends
    them (ws-open passes), and no form of the password is in anything printed or written."""
    import base64
    from urllib.parse import quote

    from tests.test_ws_open import WS_PASSWORD, basic_auth_feed, raw_ws_server, with_credentials

    seen: list[bytes] = []
    env = {**actions_env(tmp_path), "GITHUB_ACTIONS": "true"}
    with raw_ws_server(basic_auth_feed(seen)) as url:
        result = run_cli(
            "run",
            *("--ws-url", with_credentials(url), "--duration", "1", "--samples", "1"),
            *("--report", str(tmp_path / "out" / "report.json")),
            env=env,
        )
    assert result.code in (0, 1), result.err
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    ws_open = next(c for c in report["checks"] if c["id"] == "ws-open")
    assert ws_open["verdict"] == "pass", ws_open["reason"]
    # The clock probe used them too (its source is ws-url as http), and recorded its URL
    # without them, as every URL is recorded.
    assert report["observations"]["clock"]["url"] == url.replace("ws://", "http://")
    basic = base64.b64encode(f"gate:{WS_PASSWORD}".encode()).decode()
    assert any(basic.encode() in request for request in seen)  # it was sent, in the upgrade
    rest = "\n".join(line for line in result.out.splitlines() if not line.startswith("::add-mask"))
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    for form in (WS_PASSWORD, quote(WS_PASSWORD, safe=""), basic):
        assert form not in rest and form not in result.err, form
        for path in written:
            assert form not in path.read_text(errors="replace"), (form, path)
