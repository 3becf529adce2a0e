"""The decision as a commit status on the pull request's head commit, through the GitHub
client (observe/github_client: the token to the API's origin alone, every wait capped).
It is posted after the gate's window, within a time budget of its own."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from golive_action.actions import CommitTarget
from golive_action.model import Decision, GateReport
from golive_action.observe.budget import Budget
from golive_action.observe.github_client import (
    BudgetSpent,
    GitHubApi,
    GitHubError,
    Refused,
    repo_path,
)
from golive_action.text import one_line, visible

DESCRIPTION_LIMIT = 140  # GitHub refuses a longer description
# Publishing waits this long at most for the status (tries and capped waits included): the
# report, outputs and summary are written by then, and a job must not hang on GitHub.
STATUS_BUDGET_S = 30.0
STATUS_TIMEOUT_S = 10.0  # connect and each read


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
    budget: Budget | None = None,
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
    state = "success" if report.decision is Decision.GO else "failure"
    body = {
        "state": state,
        "target_url": target.run_url or "",
        "description": describe(report),
        "context": context,
    }
    spent = budget if budget is not None else Budget.lasting(STATUS_BUDGET_S)
    with GitHubApi(token, api_url, spent, STATUS_TIMEOUT_S) as api:
        try:
            api.post_json(
                api.url(f"{repo_path(repository)}/statuses/{quote(target.sha, safe='')}"), body
            )
        except Refused as exc:
            if exc.status in (403, 404):
                return StatusOutcome(
                    False,
                    f"commit status not posted (HTTP {exc.status}): the "
                    "token may be read-only; fix: permissions: statuses: write",
                )
            return StatusOutcome(False, f"commit status not posted: GitHub API error {exc.status}")
        except BudgetSpent as exc:
            return StatusOutcome(
                False, f"commit status not posted: {exc} ({STATUS_BUDGET_S:g} s for the status)"
            )
        except GitHubError as exc:  # the network, a rate limit past the cap, a bad answer
            return StatusOutcome(False, one_line(f"commit status not posted: {exc}", 200))
    return StatusOutcome(True, f"commit status {state} posted on {target.sha[:12]} ({context})")
