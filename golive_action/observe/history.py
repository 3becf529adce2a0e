"""The canary workflow's recent runs, through the GitHub API (``github_client``: the token
to the API's origin alone, every wait capped and within the budget, every listing capped):
one listing call for the conclusions, and with evidence artifacts one listing of the
repository's artifacts of that name and a download per run."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

from golive_action.model import CanaryHistory, PastRun
from golive_action.observe.artifacts import (
    MEMBER_CAP,
    MEMBERS,
    ArtifactRead,
    download_zip,
    read_member,
)
from golive_action.observe.budget import Budget
from golive_action.observe.github_client import (
    BudgetSpent,
    GitHubApi,
    GitHubError,
    Malformed,
    RateLimited,
    Refused,
    TooLarge,
    TooManyPages,
    repo_path,
)
from golive_action.observe.pastreport import MEMBER as REPORT_MEMBER
from golive_action.observe.pastreport import read_past_report
from golive_action.text import one_line, plural

COUNTED_OUT = {"cancelled", "skipped"}
_NAMES_SHOWN = 5  # artifact names a note lists
# The repository's listing of one name is read this many pages far for the runs counted; a
# run not found in it has its own listing.
_LISTED_PAGES = 3
# A library caller that gives no budget gets the gate's default timeout.
DEFAULT_BUDGET_S = 600.0
_COULD_NOT = "the pass rate could not be read"


def list_runs(
    token: str,
    repository: str,
    workflow: str,
    window: int,
    api_url: str,
    branch: str | None = None,
    event: str | None = None,
    exclude_run: int | None = None,
    timeout_s: float = 10.0,
    artifact: str | None = None,
    members: tuple[str, ...] = MEMBERS,
    cap: int = MEMBER_CAP,
    budget: Budget | None = None,
) -> tuple[list[PastRun], tuple[str, str] | None]:
    """The newest ``window`` completed runs that count (not cancelled, not skipped), each
    with the first of ``members`` its ``artifact`` holds; and (kind, reason) when the
    listing failed (the runs read until then are kept). Past ``budget`` (or
    ``DEFAULT_BUDGET_S`` without one) the listing fails, as kind ``budget``."""
    per_page = min(100, window * 2 + 2)
    runs: list[PastRun] = []
    spent = budget if budget is not None else Budget.lasting(DEFAULT_BUDGET_S)
    with GitHubApi(token, api_url, spent, timeout_s) as api:
        try:
            counted = _counted(api, repository, workflow, window, per_page, branch, event,
                               exclude_run)  # fmt: skip
            reads = (
                evidence_of(api, repository, counted, artifact, per_page, members, cap)
                if artifact
                else {}
            )
            for run in counted:
                evidence = reads.get(run.id)
                if evidence is not None:
                    run = dataclasses.replace(
                        run,
                        artifact_member=evidence.member,
                        artifact_body=evidence.text,
                        artifact_note=evidence.note,
                    )
                runs.append(run)
        except GitHubError as exc:  # every failure is the check's error, with what was read
            return runs, _describe(exc, api, repository, workflow)
    return runs, None


def fetch_history(
    token: str,
    repository: str,
    workflow: str,
    window: int,
    api_url: str,
    branch: str | None = None,
    event: str | None = None,
    exclude_run: int | None = None,
    timeout_s: float = 10.0,
    artifact: str | None = None,
    budget: Budget | None = None,
) -> CanaryHistory:
    """The newest ``window`` completed runs that count (not cancelled, not skipped)."""
    listed, failed = list_runs(
        token, repository, workflow, window, api_url, branch, event, exclude_run, timeout_s,
        artifact, budget=budget,
    )  # fmt: skip
    runs = tuple(listed)
    if failed is not None:
        kind, reason = failed
        return CanaryHistory(repository, workflow, runs, error=reason, error_kind=kind)
    return CanaryHistory(repository, workflow, runs)


def _counted(
    api: GitHubApi,
    repository: str,
    workflow: str,
    window: int,
    per_page: int,
    branch: str | None,
    event: str | None,
    exclude_run: int | None,
) -> list[PastRun]:
    """The runs that count, newest first, read page by page until there are ``window``."""
    params = {"status": "completed", "per_page": str(per_page)}
    if branch:
        params["branch"] = branch
    if event:
        params["event"] = event
    path = f"{repo_path(repository)}/actions/workflows/{quote(workflow, safe='')}/runs"
    counted: list[PastRun] = []
    for item in api.pages(path, params, "workflow_runs"):
        run = past_run(item)
        if run.id == exclude_run or run.conclusion in COUNTED_OUT:
            continue
        counted.append(run)
        if len(counted) >= window:
            break
    return counted


def past_run(item: Any) -> PastRun:
    """One run of a listing, as GitHub documents it; another shape is Malformed."""
    if not isinstance(item, dict):
        raise Malformed("a run that is not an object")
    run_id = item.get("id")
    if not isinstance(run_id, int) or isinstance(run_id, bool):
        raise Malformed("a run without a numeric id")
    return PastRun(
        run_id,
        _text(item, "conclusion"),
        _created_at(item.get("created_at")),
        _text(item, "html_url") or "",
        _text(item, "event") or "",
        _text(item, "head_branch"),
    )


def _text(item: Mapping[str, Any], key: str) -> str | None:
    value = item.get(key)
    if value is not None and not isinstance(value, str):
        raise Malformed(f"a run whose {key} is not a text")
    return value


def _created_at(value: Any) -> str:
    """ISO 8601 in UTC, as the reports write times (``2026-11-28T02:17:00+00:00``)."""
    if not isinstance(value, str):
        raise Malformed("a run without created_at")
    try:
        # Python 3.10's fromisoformat does not read GitHub's Z.
        when = datetime.fromisoformat(value.strip().removesuffix("Z") + "+00:00")
    except ValueError:
        try:
            when = datetime.fromisoformat(value.strip())
        except ValueError:
            raise Malformed("a run whose created_at is not a time") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).isoformat()


def _describe(exc: GitHubError, api: GitHubApi, repository: str, workflow: str) -> tuple[str, str]:
    """A kind and a one-line reason for a listing that failed."""
    where = one_line(api.base, 120)
    if isinstance(exc, Refused):
        return _refused(exc, repository, workflow)
    if isinstance(exc, RateLimited):
        return exc.kind, f"{exc}; {_COULD_NOT}"
    if isinstance(exc, BudgetSpent):
        return exc.kind, one_line(
            f"GitHub API: {exc} after {plural(api.requests, 'request')} (the budget is the "
            f"timeout input); {_COULD_NOT}",
            300,
        )
    if isinstance(exc, TooManyPages | TooLarge):
        return exc.kind, f"GitHub API at {where}: {exc}; {_COULD_NOT}"
    if isinstance(exc, Malformed):
        return exc.kind, one_line(
            f"GitHub API at {where} answered the runs listing in a shape the gate does not "
            f"know ({exc}); {_COULD_NOT}",
            300,
        )
    return exc.kind, one_line(f"GitHub API unreachable at {where}: {exc}", 200)


def _refused(exc: Refused, repository: str, workflow: str) -> tuple[str, str]:
    """The API's own refusals, by HTTP status."""
    detail = f"HTTP {exc.status}" + (f": {one_line(exc.message, 80)}" if exc.message else "")
    if exc.limited:
        return "rate-limited", (
            f"GitHub API rate limit still reached after retries ({detail}); {_COULD_NOT}"
        )
    if exc.status == 404:
        return "not-found", (
            f"workflow {one_line(workflow, 100)} of {one_line(repository, 100)} not found; "
            "fix: set canary-workflow to the workflow's file name"
        )
    if exc.status == 403:
        return "forbidden", (
            f"the token may not read workflow runs ({one_line(exc.message, 80)}); "
            "fix: permissions: actions: read"
        )
    after = " after retries" if exc.tries > 1 else ""
    return "api", f"GitHub API error {exc.status}{after}" + (
        f": {one_line(exc.message, 120)}" if exc.message else ""
    )


def _stops(exc: GitHubError) -> bool:
    """A failure that ends the whole history (the budget, a rate limit), not one listing's."""
    return isinstance(exc, BudgetSpent | RateLimited) or (isinstance(exc, Refused) and exc.limited)


def evidence_of(
    api: GitHubApi,
    repository: str,
    runs: list[PastRun],
    name: str,
    per_page: int,
    members: tuple[str, ...] = MEMBERS,
    cap: int = MEMBER_CAP,
) -> dict[int, ArtifactRead]:
    """Each run's evidence: the artifacts of all runs found in one listing (the repository's
    artifacts of that exact name, newest first, at most ``_LISTED_PAGES`` pages), then one
    download each. A run not found there (an artifact named with a prefix,
    ``golive-evidence-<run id>``) is looked up in its own listing."""
    if not runs:
        return {}
    wanted = {run.id for run in runs}
    found: dict[int, Any] = {}
    listed_max = _LISTED_PAGES * per_page
    params = {"name": name, "per_page": str(per_page)}
    try:
        listing = api.pages(f"{repo_path(repository)}/actions/artifacts", params, "artifacts")
        for seen, artifact in enumerate(listing):
            run_id = _run_of(artifact)
            if run_id is not None and run_id in wanted and run_id not in found:  # newest attempt
                found[run_id] = artifact
            # Newest first: past the oldest run wanted, nothing more can match.
            done = len(found) == len(wanted) or (run_id is not None and run_id < min(wanted))
            if done or seen + 1 >= listed_max:
                break
    except GitHubError as exc:  # a listing refused: each run is looked up in its own
        if _stops(exc):
            raise

    def one(run: PastRun) -> ArtifactRead:
        if run.id in found:
            return _read(api, found[run.id], members, cap)
        return _evidence(api, repository, run, name, per_page, members, cap)

    return {run.id: _guarded(one, run) for run in runs}


def _guarded(read: Callable[[PastRun], ArtifactRead], run: PastRun) -> ArtifactRead:
    """One run's evidence, whatever its artifact holds: a fault of one artifact is that
    run's missing evidence, never the whole history's (the budget and a rate limit still
    end it)."""
    try:
        return read(run)
    except GitHubError as exc:
        if _stops(exc):
            raise
        return ArtifactRead(note=one_line(f"artifact not read ({exc})", 200))
    except Exception as exc:  # a zip or report of a shape nothing above foresaw
        return ArtifactRead(note=f"artifact unreadable ({type(exc).__name__})")


def _run_of(artifact: Any) -> int | None:
    """The id of the run that uploaded an artifact, when the listing says it."""
    run = artifact.get("workflow_run") if isinstance(artifact, dict) else None
    run_id = run.get("id") if isinstance(run, dict) else None
    return run_id if isinstance(run_id, int) and not isinstance(run_id, bool) else None


def _read(
    api: GitHubApi,
    artifact: Any,
    members: tuple[str, ...] = MEMBERS,
    cap: int = MEMBER_CAP,
) -> ArtifactRead:
    """The member wanted inside one artifact (the canary's verdict): one download. A
    golive-report.json counts only once it is a golive report."""
    if not isinstance(artifact, dict):
        return ArtifactRead(note="an artifact that is not an object")
    if artifact.get("expired") is True:
        return ArtifactRead(note="artifact expired", expired=True)
    url = artifact.get("archive_download_url")
    if not isinstance(url, str):
        return ArtifactRead(note="the artifact has no archive_download_url")
    data, problem, expired = download_zip(url, api)
    if data is None:
        return ArtifactRead(note=problem, expired=expired)
    read = read_member(data, members, cap)
    if read.member == REPORT_MEMBER and read.text is not None:
        _, problem = read_past_report(read.text)
        if problem is not None:
            return ArtifactRead(note=problem)
    return read


def _evidence(
    api: GitHubApi,
    repository: str,
    run: PastRun,
    prefix: str,
    per_page: int,
    members: tuple[str, ...] = MEMBERS,
    cap: int = MEMBER_CAP,
) -> ArtifactRead:
    """One run's canary verdict from its evidence artifact, in its own listing (any artifact
    whose name starts with ``prefix``): one listing request, one download."""
    names: list[str] = []
    found = None
    path = f"{repo_path(repository)}/actions/runs/{run.id}/artifacts"
    try:
        for artifact in api.pages(path, {"per_page": str(per_page)}, "artifacts"):
            name = artifact.get("name") if isinstance(artifact, dict) else None
            if isinstance(name, str) and name.startswith(prefix):
                found = artifact
                break
            if len(names) < _NAMES_SHOWN:
                names.append(one_line(str(name), 60))
    except GitHubError as exc:  # a listing refused or unreachable: fall back to the conclusion
        if _stops(exc):
            raise
        return ArtifactRead(note=one_line(f"artifacts not listed ({exc})", 200))
    if found is None:
        # What it has, so that the user can set canary-artifact to the right name.
        has = f"it has: {', '.join(names)}" if names else "it has no artifact"
        return ArtifactRead(note=f"no artifact named {prefix}* ({has}; set canary-artifact)")
    return _read(api, found, members, cap)
