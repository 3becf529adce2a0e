"""The decision as a commit status on the pull request's head commit (PyGithub)."""

from __future__ import annotations

from dataclasses import dataclass

from golive_action.actions import CommitTarget
from golive_action.model import Decision, GateReport
from golive_action.text import one_line, visible

DESCRIPTION_LIMIT = 140  # GitHub refuses a longer description


@dataclass(frozen=True)
class StatusOutcome:
    posted: bool
    note: str  # one line: what was posted, or why not


def describe(report: GateReport) -> str:
    word = "GO" if report.decision is Decision.GO else "NO-GO"
    return one_line(visible(f"{word}: {report.reason}"), DESCRIPTION_LIMIT)


def post_status(
    report: GateReport,
    token: str | None,
    repository: str | None,
    target: CommitTarget,
    context: str,
    api_url: str,
) -> StatusOutcome:
    if token is None or repository is None:
        return StatusOutcome(False, "commit status skipped: github-token or repository not set")
    if target.sha is None:
        return StatusOutcome(
            False,
            "commit status skipped: no commit to put it on (GITHUB_SHA or the pull request's head)",
        )
    if target.fork:
        return StatusOutcome(
            False,
            "commit status skipped: a pull request from a fork gets a "
            "read-only token; the job's own result is the status check",
        )
    from github import Auth, Github, GithubException, GithubRetry

    client = Github(
        auth=Auth.Token(token),
        base_url=api_url.rstrip("/"),
        timeout=10,
        retry=GithubRetry(total=2, backoff_factor=0.5, max_rate_limit_wait=30),
        lazy=True,
    )
    state = "success" if report.decision is Decision.GO else "failure"
    try:
        commit = client.get_repo(repository).get_commit(target.sha)
        commit.create_status(
            state, target_url=target.run_url or "", description=describe(report), context=context
        )
    except GithubException as exc:
        if exc.status in (403, 404):
            return StatusOutcome(
                False,
                f"commit status not posted (HTTP {exc.status}): the "
                "token may be read-only; fix: permissions: statuses: write",
            )
        return StatusOutcome(False, f"commit status not posted: GitHub API error {exc.status}")
    except Exception as exc:  # network faults come as requests/urllib3 errors
        return StatusOutcome(False, f"commit status not posted: {type(exc).__name__}")
    finally:
        client.close()
    return StatusOutcome(True, f"commit status {state} posted on {target.sha[:12]} ({context})")
