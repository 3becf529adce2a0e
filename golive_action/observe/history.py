"""The canary workflow's recent runs, through the GitHub API (PyGithub): one listing call for
the conclusions, and with evidence artifacts one listing of the repository's artifacts of that
name and a download per run. Retries 429 and 5xx with backoff; never waits long on a rate
limit."""

from __future__ import annotations

from typing import Any

import requests

from golive_action.model import CanaryHistory, PastRun
from golive_action.observe import neterrors
from golive_action.observe.artifacts import (
    MEMBER_CAP,
    MEMBERS,
    ArtifactRead,
    download_zip,
    read_member,
)
from golive_action.text import one_line

COUNTED_OUT = {"cancelled", "skipped"}
_NAMES_SHOWN = 5  # artifact names a note lists
# The repository's listing of one name is read this many pages far for the runs counted; a
# run not found in it has its own listing.
_LISTED_PAGES = 3


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
) -> tuple[list[PastRun], tuple[str, str] | None]:
    """The newest ``window`` completed runs that count (not cancelled, not skipped), each
    with the first of ``members`` its ``artifact`` holds; and (kind, reason) when the
    listing failed (the runs read until then are kept)."""
    from github import Auth, Github, GithubRetry
    from github.GithubObject import NotSet

    retry = GithubRetry(
        total=3,
        backoff_factor=0.5,
        status_forcelist=[429, 500, 502, 503, 504],
        respect_retry_after_header=True,
        secondary_rate_wait=5,
        max_rate_limit_wait=30,  # a gate never sleeps until an hourly reset
    )
    per_page = min(100, window * 2 + 2)
    client = Github(
        auth=Auth.Token(token),
        base_url=api_url.rstrip("/"),
        timeout=int(timeout_s),
        retry=retry,
        per_page=per_page,
        lazy=True,
    )
    runs: list[PastRun] = []
    try:
        repo = client.get_repo(repository)
        listing = repo.get_workflow(workflow).get_runs(
            status="completed",
            branch=branch if branch else NotSet,
            event=event if event else NotSet,
        )
        counted: list[Any] = []
        for run in listing:
            if run.id == exclude_run or run.conclusion in COUNTED_OUT:
                continue
            counted.append(run)
            if len(counted) >= window:
                break
        listed_max = _LISTED_PAGES * per_page
        reads = (
            evidence_of(repo, counted, artifact, token, timeout_s, listed_max, members, cap)
            if artifact
            else {}
        )
        for run in counted:
            evidence = reads.get(run.id)
            runs.append(
                PastRun(
                    run.id,
                    run.conclusion,
                    run.created_at.isoformat(),
                    run.html_url,
                    run.event,
                    run.head_branch,
                    evidence.member if evidence else None,
                    evidence.text if evidence else None,
                    evidence.note if evidence else None,
                )
            )
    except Exception as exc:  # every failure is the check's error, with what was read
        return runs, _describe(exc, repository, workflow, api_url, timeout_s)
    finally:
        client.close()
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
) -> CanaryHistory:
    """The newest ``window`` completed runs that count (not cancelled, not skipped)."""
    listed, failed = list_runs(
        token, repository, workflow, window, api_url, branch, event, exclude_run, timeout_s,
        artifact,
    )  # fmt: skip
    runs = tuple(listed)
    if failed is not None:
        kind, reason = failed
        return CanaryHistory(repository, workflow, runs, error=reason, error_kind=kind)
    return CanaryHistory(repository, workflow, runs)


def _describe(
    exc: Exception, repository: str, workflow: str, api_url: str, timeout_s: float
) -> tuple[str, str]:
    """A kind and a one-line reason for a listing that failed: the API's refusals by their
    status, the network's by the probes' shared classifier."""
    from github import GithubException  # imported already: fetch_history has run

    if isinstance(exc, GithubException):
        return _refused(exc, repository, workflow)
    if isinstance(exc, requests.exceptions.RetryError):
        return "rate-limited", (
            "GitHub API still refusing after retries (rate limit or server errors); the "
            "pass rate could not be read"
        )
    if isinstance(exc, requests.exceptions.RequestException | OSError):
        network = neterrors.classify(exc, timeout_s)
        detail = network.reason if network is not None else type(exc).__name__
        return "network", one_line(f"GitHub API unreachable at {api_url}: {detail}", 200)
    # PyGithub meeting a payload of another shape
    return "malformed", one_line(
        f"GitHub API at {api_url} answered the runs listing in a shape the gate does not "
        f"know ({type(exc).__name__}); the pass rate could not be read",
        200,
    )


def _refused(exc: Exception, repository: str, workflow: str) -> tuple[str, str]:
    """The API's own refusals, by HTTP status."""
    status = getattr(exc, "status", None)
    data = getattr(exc, "data", None)
    message = data.get("message", "") if isinstance(data, dict) else ""
    if status == 404:
        return "not-found", (
            f"workflow {workflow} of {repository} not found; fix: set "
            "canary-workflow to the workflow's file name"
        )
    if status == 403 and "rate limit" in str(message).lower():
        return "rate-limited", "GitHub API rate limit reached; the pass rate could not be read"
    if status == 403:
        return "forbidden", (
            "the token may not read workflow runs ("
            + one_line(str(message), 80)
            + "); fix: permissions: actions: read"
        )
    if status == 429:
        return "rate-limited", "GitHub API answered 429 after retries"
    detail = one_line(str(message), 120)
    return "api", f"GitHub API error {status}" + (f": {detail}" if detail else "")


def evidence_of(
    repo: Any,
    runs: list[Any],
    name: str,
    token: str,
    timeout_s: float,
    listed_max: int,
    members: tuple[str, ...] = MEMBERS,
    cap: int = MEMBER_CAP,
) -> dict[int, ArtifactRead]:
    """Each run's evidence: the artifacts of all runs found in one listing (the repository's
    artifacts of that exact name, newest first), then one download each. A run not found
    there (an artifact named with a prefix, ``golive-evidence-<run id>``) is looked up in its
    own listing."""
    if not runs:
        return {}
    wanted = {run.id for run in runs}
    found: dict[int, Any] = {}
    try:
        for seen, artifact in enumerate(repo.get_artifacts(name=name)):
            run_id = _run_of(artifact)
            if run_id is not None and run_id in wanted and run_id not in found:  # newest attempt
                found[run_id] = artifact
            # Newest first: past the oldest run wanted, nothing more can match.
            done = len(found) == len(wanted) or (run_id is not None and run_id < min(wanted))
            if done or seen + 1 >= listed_max:
                break
    except Exception:  # noqa: S110 - a listing refused: each run is looked up in its own
        pass
    return {
        run.id: _read(found[run.id], token, timeout_s, members, cap)
        if run.id in found
        else _evidence(run, name, token, timeout_s, members, cap)
        for run in runs
    }


def _run_of(artifact: Any) -> int | None:
    """The id of the run that uploaded an artifact, when the listing says it."""
    try:
        run_id = artifact.workflow_run.id
    except Exception:  # a listing of another shape: looked up per run instead
        return None
    return run_id if isinstance(run_id, int) else None


def _read(
    artifact: Any,
    token: str,
    timeout_s: float,
    members: tuple[str, ...] = MEMBERS,
    cap: int = MEMBER_CAP,
) -> ArtifactRead:
    """The member wanted inside one artifact (the canary's verdict): one download."""
    if artifact.expired:
        return ArtifactRead(note="artifact expired", expired=True)
    data, problem, expired = download_zip(artifact.archive_download_url, token, timeout_s)
    if data is None:
        return ArtifactRead(note=problem, expired=expired)
    return read_member(data, members, cap)


def _evidence(
    run: Any,
    prefix: str,
    token: str,
    timeout_s: float,
    members: tuple[str, ...] = MEMBERS,
    cap: int = MEMBER_CAP,
) -> ArtifactRead:
    """One run's canary verdict from its evidence artifact, in its own listing (any artifact
    whose name starts with ``prefix``): one listing request, one download."""
    names: list[str] = []
    try:
        found = None
        for artifact in run.get_artifacts():
            if artifact.name.startswith(prefix):
                found = artifact
                break
            if len(names) < _NAMES_SHOWN:
                names.append(one_line(str(artifact.name), 60))
    except Exception as exc:  # a listing refused or unreachable: fall back to the conclusion
        return ArtifactRead(note=f"artifacts not listed ({type(exc).__name__})")
    if found is None:
        # What it has, so that the user can set canary-artifact to the right name.
        has = f"it has: {', '.join(names)}" if names else "it has no artifact"
        return ArtifactRead(note=f"no artifact named {prefix}* ({has}; set canary-artifact)")
    return _read(found, token, timeout_s, members, cap)
