"""The GitHub side of the reference stack: a stand-in of GitHub's REST API for the canary
pass rate, and the storage its artifact downloads redirect to.

The API serves one repository, its canary workflow, the workflow's runs and their evidence
artifacts, in the JSON shapes of GitHub's REST documentation (every field PyGithub reads),
behind a token. As on GitHub, an artifact's download answers 302 to a short-lived signed
URL on another server, the storage, which needs no token and refuses a request that carries
an Authorization header: a client that did not drop the token on the way there is caught.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import re
import time
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import quote, urlencode

from golive_action.model import (
    CheckResult,
    Criterion,
    Decision,
    GateReport,
    Headline,
    Observations,
    Verdict,
)
from golive_action.sandbox.apps import Reply, Request, Route, canary_body, json_reply

REPOSITORY = "golive-demo/reference-stack"
REPOSITORY_ID = 700_100_200
WORKFLOW_FILE = "receipts-gate.yml"
WORKFLOW_NAME = "Receipts Gate"
WORKFLOW_ID = 91_337_001
ARTIFACT_NAME = "golive-evidence"  # the name the examples upload, the gate's default
# The run the demo is: in progress, so a listing of completed runs never holds it.
CURRENT_RUN_ID = 12_900_000_000
URL_LIFETIME_S = 60  # GitHub's artifact download URLs expire after a minute
API_VERSION = "2022-11-28"
DOCS = "https://docs.github.com/rest"
DAY_S = 86_400


@dataclass(frozen=True)
class Run:
    id: int
    run_number: int
    status: str  # completed, or in_progress for the current run
    conclusion: str | None  # null until completed
    created_at: float  # epoch seconds
    event: str = "schedule"
    head_branch: str = "main"
    artifact: bytes | None = None  # the evidence zip it uploaded, if any

    @property
    def artifact_id(self) -> int:
        return self.id * 10 + 1

    @property
    def head_sha(self) -> str:
        return hashlib.sha256(f"run {self.id}".encode()).hexdigest()[:40]  # a commit id


@dataclass(frozen=True)
class History:
    """The workflow's runs, newest first: the current run (in progress), then the past."""

    runs: tuple[Run, ...]

    def run(self, run_id: int) -> Run | None:
        return next((r for r in self.runs if r.id == run_id), None)

    def by_artifact(self, artifact_id: int) -> Run | None:
        return next(
            (r for r in self.runs if r.artifact is not None and r.artifact_id == artifact_id),
            None,
        )


def evidence_zip(ok: bool, report: tuple[str, Mapping[str, float | None]] | None = None) -> bytes:
    """The artifact a run uploads: its canary's answer as canary_resp.json, and with
    ``report`` (decision, headline figures) the gate's report of the run."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("canary_resp.json", json.dumps(canary_body(ok), indent=2) + "\n")
        if report is not None:
            archive.writestr("golive-report.json", json.dumps(past_report(*report), indent=2))
    return buffer.getvalue()


def past_report(
    decision: str, figures: Mapping[str, float | None], canary_ok: bool = True
) -> dict[str, object]:
    """A past monitor run's report, as the gate writes one (valid against the report
    schema: the gate reads a past golive-report.json only once it is one), with the
    decision and headline figures a trend reads (README "Trends") and its canary's verdict
    (the canary pass rate's, where the artifact has no canary_resp.json)."""
    verdict = Verdict.PASS if decision == "go" else Verdict.FAIL
    canary = CheckResult(
        "canary", "Canary PASS (canary_resp.json)",
        Verdict.PASS if canary_ok else Verdict.FAIL, "ok: true" if canary_ok else "ok: false",
        1, {}, {"verdict": "PASS", "ok": "never false"},
    )  # fmt: skip
    criterion = Criterion("smoke", "Smoke tests PASS", verdict, canary.reason, ("canary",))
    report = GateReport(
        decision=Decision.GO if decision == "go" else Decision.NO_GO,
        reason=f"{decision}: a past run of the reference stack",
        mode="monitor",
        profile="local",
        started_at="2026-11-28T02:17:00.000+00:00",
        duration_s=300.0,
        criteria=(criterion,),
        checks=(canary,),
        triggers=(),
        observations=Observations(0.0, 300.0),
        version="0.1.0",
        headline=Headline(canary="PASS", **figures),
    )
    return report.to_dict()


def build_history(
    past: Sequence[bool | None],
    now: float,
    reports: Sequence[tuple[str, Mapping[str, float | None]]] = (),
) -> History:
    """The current run, started now, then one nightly run a day for each entry of ``past``
    (newest first; True passed, False failed, None cancelled: see scenarios.PASSING_HISTORY);
    the ``reports`` (newest first) go in the artifacts of the newest runs that have one
    (runs that passed are added when there are more reports than runs)."""
    outcomes = list(past)
    while sum(1 for ok in outcomes if ok is not None) < len(reports):
        outcomes.append(True)
    current = Run(CURRENT_RUN_ID, len(outcomes) + 1, "in_progress", None, now)
    runs = [current]
    uploaded = 0
    for index, ok in enumerate(outcomes):
        report = None
        if ok is not None and uploaded < len(reports):
            report = reports[uploaded]
            uploaded += 1
        runs.append(
            Run(
                CURRENT_RUN_ID - 1 - index,
                len(outcomes) - index,
                "completed",
                {True: "success", False: "failure", None: "cancelled"}[ok],
                now - DAY_S * (index + 1),
                artifact=None if ok is None else evidence_zip(ok, report),
            )
        )
    return History(tuple(runs))


# --------------------------------------------------------------------------- shapes


def _time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _node_id(kind: str, number: int) -> str:
    return kind + "_" + base64.urlsafe_b64encode(f"0:{number}".encode()).decode().rstrip("=")


class _Links:
    """The URLs of one answer: the API's own (``base``, from the request's Host) and the
    pages a browser would show (on the same host: nothing here is github.com)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.repo = f"{base}/repos/{REPOSITORY}"
        self.html = f"{base}/{REPOSITORY}"


def _owner(links: _Links) -> dict[str, object]:
    login = REPOSITORY.split("/")[0]
    return {
        "login": login,
        "id": 190_001,
        "node_id": _node_id("O", 190_001),
        "type": "Organization",
        "site_admin": False,
        "url": f"{links.base}/users/{login}",
        "html_url": f"{links.base}/{login}",
    }


def repository_document(links: _Links) -> dict[str, object]:
    return {
        "id": REPOSITORY_ID,
        "node_id": _node_id("R", REPOSITORY_ID),
        "name": REPOSITORY.split("/")[1],
        "full_name": REPOSITORY,
        "private": False,
        "owner": _owner(links),
        "html_url": links.html,
        "description": "The golive-action reference stack",
        "fork": False,
        "url": links.repo,
        "archived": False,
        "disabled": False,
        "visibility": "public",
        "default_branch": "main",
        "created_at": "2026-01-05T09:00:00Z",
        "updated_at": "2026-11-28T02:17:00Z",
        "pushed_at": "2026-11-28T02:17:00Z",
    }


def workflow_document(links: _Links) -> dict[str, object]:
    return {
        "id": WORKFLOW_ID,
        "node_id": _node_id("W", WORKFLOW_ID),
        "name": WORKFLOW_NAME,
        "path": f".github/workflows/{WORKFLOW_FILE}",
        "state": "active",
        "created_at": "2026-01-05T09:00:00.000Z",
        "updated_at": "2026-11-01T10:00:00.000Z",
        "url": f"{links.repo}/actions/workflows/{WORKFLOW_ID}",
        "html_url": f"{links.html}/blob/main/.github/workflows/{WORKFLOW_FILE}",
        "badge_url": f"{links.html}/workflows/{quote(WORKFLOW_NAME)}/badge.svg",
    }


def run_document(run: Run, links: _Links) -> dict[str, object]:
    api = f"{links.repo}/actions/runs/{run.id}"
    short = {
        "id": REPOSITORY_ID,
        "node_id": _node_id("R", REPOSITORY_ID),
        "name": REPOSITORY.split("/")[1],
        "full_name": REPOSITORY,
        "private": False,
        "owner": _owner(links),
        "html_url": links.html,
        "url": links.repo,
    }
    return {
        "id": run.id,
        "name": WORKFLOW_NAME,
        "node_id": _node_id("WFR", run.id),
        "head_branch": run.head_branch,
        "head_sha": run.head_sha,
        "path": f".github/workflows/{WORKFLOW_FILE}",
        "display_title": WORKFLOW_NAME,
        "run_number": run.run_number,
        "event": run.event,
        "status": run.status,
        "conclusion": run.conclusion,
        "workflow_id": WORKFLOW_ID,
        "check_suite_id": run.id + 7,
        "url": api,
        "html_url": f"{links.html}/actions/runs/{run.id}",
        "pull_requests": [],
        "created_at": _time(run.created_at),
        "updated_at": _time(run.created_at + (0 if run.conclusion is None else 184)),
        "run_attempt": 1,
        "run_started_at": _time(run.created_at),
        "jobs_url": f"{api}/jobs",
        "logs_url": f"{api}/logs",
        "check_suite_url": f"{links.repo}/check-suites/{run.id + 7}",
        "artifacts_url": f"{api}/artifacts",
        "cancel_url": f"{api}/cancel",
        "rerun_url": f"{api}/rerun",
        "workflow_url": f"{links.repo}/actions/workflows/{WORKFLOW_ID}",
        "repository": short,
        "head_repository": short,
    }


def artifact_document(run: Run, links: _Links) -> dict[str, object]:
    size = len(run.artifact or b"")
    created = run.created_at + 180
    return {
        "id": run.artifact_id,
        "node_id": _node_id("MDg", run.artifact_id),
        "name": ARTIFACT_NAME,
        "size_in_bytes": size,
        "url": f"{links.repo}/actions/artifacts/{run.artifact_id}",
        "archive_download_url": f"{links.repo}/actions/artifacts/{run.artifact_id}/zip",
        "expired": False,
        "digest": "sha256:" + hashlib.sha256(run.artifact or b"").hexdigest(),
        "created_at": _time(created),
        "updated_at": _time(created),
        "expires_at": _time(created + 90 * DAY_S),
        "workflow_run": {
            "id": run.id,
            "repository_id": REPOSITORY_ID,
            "head_repository_id": REPOSITORY_ID,
            "head_branch": run.head_branch,
            "head_sha": run.head_sha,
        },
    }


def _error(status: int, message: str, docs: str = DOCS) -> Reply:
    """An error in GitHub's shape."""
    return json_reply(
        status, {"message": message, "documentation_url": docs, "status": str(status)}
    )


def _not_found(docs: str = DOCS) -> Reply:
    return _error(404, "Not Found", docs)


# --------------------------------------------------------------------------- the API


def sign(key: bytes, artifact_id: int, expires: int) -> str:
    return hmac.new(key, f"{artifact_id}:{expires}".encode(), hashlib.sha256).hexdigest()


def _page(
    items: Sequence[dict[str, object]], request: Request, links: _Links
) -> tuple[list[dict[str, object]], dict[str, str]]:
    """One page of a listing, by per_page (default 30, at most 100) and page, with the Link
    header GitHub sends (next and last, prev and first)."""
    per_page = min(100, max(1, _number(request.query.get("per_page"), 30)))
    page = max(1, _number(request.query.get("page"), 1))
    last = max(1, -(-len(items) // per_page))
    chunk = list(items[(page - 1) * per_page : page * per_page])

    def url(number: int) -> str:
        query = {**request.query, "per_page": str(per_page), "page": str(number)}
        return f"{links.base}{request.path}?{urlencode(query)}"

    rels = []
    if page < last:
        rels += [(page + 1, "next"), (last, "last")]
    if page > 1:
        rels += [(min(page - 1, last), "prev"), (1, "first")]
    headers = {"Link": ", ".join(f'<{url(n)}>; rel="{rel}"' for n, rel in rels)} if rels else {}
    return chunk, headers


def _number(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


def _given_token(request: Request) -> str | None:
    """The token of ``Authorization: token T`` or ``Bearer T`` (GitHub takes both)."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    value = value.strip()
    return value if scheme.lower() in ("token", "bearer") and value else None


_PATHS = {
    name: re.compile(r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)" + rest)
    for name, rest in (
        ("repository", ""),
        ("workflow", r"/actions/workflows/(?P<wf>[^/]+)"),
        ("runs", r"/actions/workflows/(?P<wf>[^/]+)/runs"),
        ("artifacts", r"/actions/runs/(?P<id>\d+)/artifacts"),
        ("repo-artifacts", r"/actions/artifacts"),
        ("download", r"/actions/artifacts/(?P<id>\d+)/zip"),
    )
}
_DOCS_OF = {
    "repository": f"{DOCS}/repos/repos#get-a-repository",
    "workflow": f"{DOCS}/actions/workflows#get-a-workflow",
    "runs": f"{DOCS}/actions/workflow-runs#list-workflow-runs-for-a-workflow",
    "artifacts": f"{DOCS}/actions/artifacts#list-workflow-run-artifacts",
    "repo-artifacts": f"{DOCS}/actions/artifacts#list-artifacts-for-a-repository",
    "download": f"{DOCS}/actions/artifacts#download-an-artifact",
}
_HEADERS = {
    "X-GitHub-Api-Version-Selected": API_VERSION,
    "X-GitHub-Media-Type": "github.v3; format=json",
}


class _Api:
    def __init__(
        self,
        history: History,
        token: str | None,
        key: bytes,
        storage_url: str,
        clock: Callable[[], float],
    ) -> None:
        self.history = history
        self.token = token
        self.key = key
        self.storage_url = storage_url
        self.clock = clock

    def route(self, request: Request) -> Reply:
        host = request.headers.get("host")
        if not host:
            return _error(400, "Problems parsing request: no Host header")
        given = _given_token(request)
        if given is None:
            return _error(401, "Requires authentication")
        if self.token is not None and not hmac.compare_digest(given.encode(), self.token.encode()):
            return _error(401, "Bad credentials")
        links = _Links(f"http://{host}")
        for name, pattern in _PATHS.items():
            match = pattern.fullmatch(request.path)
            if match is None:
                continue
            docs = _DOCS_OF[name]
            full_name = f"{match['owner']}/{match['repo']}"
            if request.method not in ("GET", "HEAD") or full_name.lower() != REPOSITORY.lower():
                return _not_found(docs)
            if "wf" in pattern.groupindex and match["wf"] not in (WORKFLOW_FILE, str(WORKFLOW_ID)):
                return _not_found(docs)
            if name == "repository":
                return json_reply(200, repository_document(links), _HEADERS)
            if name == "workflow":
                return json_reply(200, workflow_document(links), _HEADERS)
            if name == "runs":
                return self._runs(request, links)
            if name == "artifacts":
                return self._artifacts(int(match["id"]), request, links, docs)
            if name == "repo-artifacts":
                return self._repo_artifacts(request, links)
            return self._download(int(match["id"]), docs)
        return _not_found()

    def _runs(self, request: Request, links: _Links) -> Reply:
        wanted = request.query.get("status")
        branch, event = request.query.get("branch"), request.query.get("event")

        def kept(run: Run) -> bool:
            if wanted is not None and wanted not in (run.status, run.conclusion):
                return False  # a status or a conclusion (one GitHub does not know: nothing)
            return (branch is None or run.head_branch == branch) and (
                event is None or run.event == event
            )

        listed = [run_document(r, links) for r in self.history.runs if kept(r)]
        page, headers = _page(listed, request, links)
        body = {"total_count": len(listed), "workflow_runs": page}
        return json_reply(200, body, {**_HEADERS, **headers})

    def _artifacts(self, run_id: int, request: Request, links: _Links, docs: str) -> Reply:
        run = self.history.run(run_id)
        if run is None:
            return _not_found(docs)
        name = request.query.get("name")
        listed = []
        if run.artifact is not None and name in (None, ARTIFACT_NAME):
            listed.append(artifact_document(run, links))
        page, headers = _page(listed, request, links)
        body = {"total_count": len(listed), "artifacts": page}
        return json_reply(200, body, {**_HEADERS, **headers})

    def _repo_artifacts(self, request: Request, links: _Links) -> Reply:
        """Every run's artifact, newest first, filtered by exact ``name`` when asked."""
        name = request.query.get("name")
        newest_first = sorted(self.history.runs, key=lambda r: r.artifact_id, reverse=True)
        listed = [
            artifact_document(run, links)
            for run in newest_first
            if run.artifact is not None and name in (None, ARTIFACT_NAME)
        ]
        page, headers = _page(listed, request, links)
        body = {"total_count": len(listed), "artifacts": page}
        return json_reply(200, body, {**_HEADERS, **headers})

    def _download(self, artifact_id: int, docs: str) -> Reply:
        """302 to a signed URL on the storage, valid for URL_LIFETIME_S."""
        run = self.history.by_artifact(artifact_id)
        if run is None:
            return _not_found(docs)
        expires = int(self.clock()) + URL_LIFETIME_S
        query = urlencode({"se": str(expires), "sig": sign(self.key, artifact_id, expires)})
        location = f"{self.storage_url}/artifacts/{artifact_id}/{ARTIFACT_NAME}.zip?{query}"
        return Reply(302, b"", "text/html;charset=utf-8", {**_HEADERS, "Location": location})


def api_route(
    history: History,
    token: str | None,
    key: bytes,
    storage_url: str,
    clock: Callable[[], float] = time.time,
) -> Route:
    """The API, as one route (an AppServer's fallback). With ``token`` set only that token
    is accepted; without it, any non-empty one. 401 without a token, 404 for what is not
    there, both in GitHub's shape. Downloads redirect to ``storage_url``, signed with
    ``key``."""
    return _Api(history, token, key, storage_url, clock).route


# --------------------------------------------------------------------------- the storage

_BLOB = re.compile(r"/artifacts/(?P<id>\d+)/[^/]+\.zip")


def storage_route(history: History, key: bytes, clock: Callable[[], float] = time.time) -> Route:
    """The storage behind the signed URLs: no token, and a request with an Authorization
    header is refused (400), as a signed URL's host has no use for it."""

    def route(request: Request) -> Reply:
        if "authorization" in request.headers:
            return json_reply(
                400,
                {
                    "error": "AuthorizationNotAllowed",
                    "message": "this URL is signed: the request must not carry an "
                    "Authorization header",
                },
            )
        match = _BLOB.fullmatch(request.path)
        run = history.by_artifact(int(match["id"])) if match else None
        if run is None or run.artifact is None or request.method not in ("GET", "HEAD"):
            return json_reply(404, {"error": "BlobNotFound", "message": "no such blob"})
        expires = _number(request.query.get("se"), 0)
        signature = request.query.get("sig", "")
        expected = sign(key, run.artifact_id, expires)
        if not hmac.compare_digest(signature.encode(), expected.encode()):  # any text, no raise
            return json_reply(
                403, {"error": "AuthenticationFailed", "message": "signature does not match"}
            )
        if clock() > expires:
            return json_reply(
                403, {"error": "AuthenticationFailed", "message": "the signed URL has expired"}
            )
        return Reply(
            200,
            run.artifact,
            "application/zip",
            {"Content-Disposition": f"attachment; filename={ARTIFACT_NAME}.zip"},
        )

    return route
