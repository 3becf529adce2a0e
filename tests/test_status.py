"""Commit status on the PR head commit: the GitHub API mocked with `responses`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import responses

from golive_action.actions import commit_target
from golive_action.status import DESCRIPTION_LIMIT, describe, post_status
from tests.test_summary import report

API = "https://api.github.com"
HEAD = "b" * 40
MERGE = "m" * 40


def event(tmp_path, fork: bool = False) -> dict[str, str]:
    path = tmp_path / "event.json"
    path.write_text(
        json.dumps(
            {
                "pull_request": {
                    "head": {
                        "sha": HEAD,
                        "repo": {"full_name": "someone/app" if fork else "octo/app"},
                    },
                    "base": {"sha": "c" * 40, "repo": {"full_name": "octo/app"}},
                }
            }
        )
    )
    return {
        "GITHUB_EVENT_PATH": str(path),
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_SHA": MERGE,
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "octo/app",
        "GITHUB_RUN_ID": "42",
    }


def test_the_target_is_the_head_commit_not_the_merge_commit(tmp_path):
    target = commit_target(event(tmp_path))
    assert target.sha == HEAD and not target.fork
    assert target.run_url == "https://github.com/octo/app/actions/runs/42"
    assert commit_target(event(tmp_path, fork=True)).fork
    assert commit_target({"GITHUB_SHA": MERGE, "GITHUB_EVENT_NAME": "push"}).sha == MERGE


@responses.activate
def test_status_is_posted_with_a_short_description(tmp_path):
    posted = responses.post(
        re.compile(rf"{API}(:443)?/repos/octo/app/statuses/{HEAD}"),
        json={"state": "failure"},
        status=201,
    )
    long_reason = report("x" * 500)
    outcome = post_status(
        long_reason, "ghs_tok", "octo/app", commit_target(event(tmp_path)), "golive/gate", API
    )
    assert outcome.posted, outcome.note
    body = json.loads(posted.calls[0].request.body)
    assert body["state"] == "failure" and body["context"] == "golive/gate"
    assert len(body["description"]) <= DESCRIPTION_LIMIT
    assert body["target_url"] == "https://github.com/octo/app/actions/runs/42"
    assert describe(long_reason).startswith("NO-GO: ")


@responses.activate
def test_a_read_only_token_is_a_warning(tmp_path):
    responses.post(
        re.compile(rf"{API}(:443)?/repos/octo/app/statuses/.*"),
        json={"message": "Resource not accessible by integration"},
        status=403,
    )
    outcome = post_status(
        report("r"), "ghs_tok", "octo/app", commit_target(event(tmp_path)), "golive/gate", API
    )
    assert not outcome.posted and "statuses: write" in outcome.note


def test_forks_and_missing_tokens_are_skipped_without_a_call(tmp_path):
    with responses.RequestsMock() as mock:  # any call would fail the test
        fork = post_status(
            report("r"), "t", "octo/app", commit_target(event(tmp_path, True)), "golive/gate", API
        )
        none = post_status(
            report("r"), None, "octo/app", commit_target(event(tmp_path)), "golive/gate", API
        )
        assert not mock.calls
    assert "fork" in fork.note and "github-token" in none.note


def test_the_cli_warns_and_still_writes_everything(run_cli, tmp_path):
    from tests.test_cli import actions_env, read_outputs

    env = {
        **actions_env(tmp_path),
        **event(tmp_path, fork=True),
        "GITHUB_ACTIONS": "true",
        "GITHUB_TOKEN": "ghs_tok",
    }
    result = run_cli("run", "--commit-status", "true", "--samples", "1", "--duration", "1", env=env)
    assert result.code == 1
    assert "::warning title=golive%3A commit status::commit status skipped" in result.out
    assert read_outputs(Path(env["GITHUB_OUTPUT"]))["decision"] == "no-go"
    assert "NO-GO" in result.out
