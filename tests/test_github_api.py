"""The reference stack's stand-in of the GitHub REST API, through real HTTP on 127.0.0.1: the
gate's own fetch_history (PyGithub) against it, the shapes of GitHub's documentation, the
token, the redirect to the storage that must not see it, 404s, filters and pagination."""

from __future__ import annotations

import io
import json
import zipfile
from urllib.parse import urlsplit

import pytest
import requests

from golive_action.judge.canary import judge_canary_rate
from golive_action.model import Verdict
from golive_action.observe.artifacts import download_zip
from golive_action.observe.budget import Budget
from golive_action.observe.github_client import GitHubApi
from golive_action.observe.history import fetch_history
from golive_action.sandbox import github_api
from golive_action.sandbox.apps import AppServer
from golive_action.sandbox.github_api import (
    ARTIFACT_NAME,
    CURRENT_RUN_ID,
    REPOSITORY,
    WORKFLOW_FILE,
    WORKFLOW_ID,
)

TOKEN = "ghs_standin_DISTINCTIVE_5521"
REPO = f"/repos/{REPOSITORY}"
RUNS = f"{REPO}/actions/workflows/{WORKFLOW_FILE}/runs"


def get(base: str, path: str, token: str | None = TOKEN, **kwargs: object) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(base + path, headers=headers, timeout=5, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def api(stack) -> str:
    return str(stack("healthy", github_token=TOKEN).urls["github_api_url"])


def test_the_gates_own_fetch_reads_seven_runs_and_their_artifacts(stack):
    s = stack("healthy", github_token=TOKEN)
    history = fetch_history(
        TOKEN,
        REPOSITORY,
        WORKFLOW_FILE,
        7,
        s.urls["github_api_url"],
        exclude_run=CURRENT_RUN_ID,
        artifact="golive-evidence",
    )
    assert history.error is None, history.error
    # The run in progress is not listed as completed; the cancelled one does not count.
    assert [r.id for r in history.runs] == [CURRENT_RUN_ID - n for n in (1, 2, 4, 5, 6, 7, 8)]
    assert {r.conclusion for r in history.runs} == {"success"}
    assert {(r.artifact_member, r.artifact_note) for r in history.runs} == {
        ("canary_resp.json", None)
    }
    assert all(json.loads(r.artifact_body or "")["ok"] is True for r in history.runs)
    result = judge_canary_rate(history, Verdict.PASS, 7, 7, 95)
    assert result.verdict is Verdict.PASS
    assert result.reason == "7 of 7 runs PASS (100.0 %) >= 95 %"
    assert {r["source"] for r in result.metrics["runs"][1:]} == {"artifact canary_resp.json"}


def test_canary_history_has_2_failures_among_the_6_newest_runs(stack):
    s = stack("canary-history", github_token=TOKEN)
    history = fetch_history(
        TOKEN, REPOSITORY, WORKFLOW_FILE, 7, s.urls["github_api_url"], artifact="golive-evidence"
    )
    verdicts = [json.loads(r.artifact_body or "")["ok"] for r in history.runs]
    assert verdicts == [True, False, True, True, False, True, True]  # 5 of 7 past runs
    assert [r.conclusion for r in history.runs].count("failure") == 2
    result = judge_canary_rate(history, Verdict.PASS, 7, 7, 95)
    assert result.verdict is Verdict.FAIL
    assert result.reason.startswith("5 of 7 runs PASS (71.4 %) < 95 %")


def test_the_download_redirects_to_a_storage_that_refuses_the_token(api):
    artifacts = get(api, f"{REPO}/actions/runs/{CURRENT_RUN_ID - 1}/artifacts").json()
    assert artifacts["total_count"] == 1
    artifact = artifacts["artifacts"][0]
    assert artifact["name"] == ARTIFACT_NAME and artifact["expired"] is False
    redirect = get(api, urlsplit(artifact["archive_download_url"]).path, allow_redirects=False)
    assert redirect.status_code == 302
    location = redirect.headers["Location"]
    assert urlsplit(location).netloc != urlsplit(api).netloc  # another host:port
    # The storage needs no token, and refuses one.
    refused = requests.get(location, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
    assert refused.status_code == 400 and "Authorization" in refused.json()["message"]
    blob = requests.get(location, timeout=5)
    assert blob.status_code == 200 and blob.headers["Content-Type"] == "application/zip"
    assert len(blob.content) == artifact["size_in_bytes"]
    with zipfile.ZipFile(io.BytesIO(blob.content)) as archive:
        # The canary's answer, and the run's report (its decision and figures, for trends).
        assert archive.namelist() == ["canary_resp.json", "golive-report.json"]
        assert json.loads(archive.read("canary_resp.json"))["ok"] is True
        past = json.loads(archive.read("golive-report.json"))
        assert past["schema"] == "golive-report/1" and past["decision"] == "go"
    # A signature that does not match is refused.
    assert requests.get(location.replace("sig=", "sig=0"), timeout=5).status_code == 403
    # The gate's own download follows the redirect without the token: the storage serves it.
    with GitHubApi(TOKEN, api, Budget.lasting(30), 5) as client:
        data, problem, expired = download_zip(artifact["archive_download_url"], client)
    assert problem is None and not expired and data == blob.content


def test_a_signed_url_is_short_lived():
    history = github_api.build_history((True,), 1_000_000.0)
    key = b"k" * 32
    later = AppServer(
        "storage", {}, "127.0.0.1", fallback=github_api.storage_route(history, key, lambda: 2e6)
    )
    later.start()
    try:
        run = history.runs[1]
        expires = 1_000_000 + github_api.URL_LIFETIME_S
        sig = github_api.sign(key, run.artifact_id, expires)
        path = f"/artifacts/{run.artifact_id}/{ARTIFACT_NAME}.zip?se={expires}&sig={sig}"
        answer = requests.get(later.url + path, timeout=5)
        assert answer.status_code == 403 and "expired" in answer.json()["message"]
    finally:
        later.stop()


@pytest.mark.parametrize(
    ("token", "message"), [(None, "Requires authentication"), ("wrong", "Bad credentials")]
)
def test_401_without_the_token_in_githubs_shape(api, token, message):
    for path in (REPO, RUNS, f"{REPO}/actions/artifacts/1/zip", "/nowhere"):
        answer = get(api, path, token=token)
        assert answer.status_code == 401
        assert answer.json() == {
            "message": message,
            "documentation_url": "https://docs.github.com/rest",
            "status": "401",
        }
    history = fetch_history(token or "x", REPOSITORY, WORKFLOW_FILE, 7, api)
    assert history.error_kind == "api" and "401" in (history.error or "")


@pytest.mark.parametrize(
    "path",
    [
        "/repos/golive-demo/elsewhere",
        "/repos/golive-demo/elsewhere/actions/workflows/receipts-gate.yml/runs",
        f"{REPO}/actions/workflows/other.yml",
        f"{REPO}/actions/workflows/other.yml/runs",
        f"{REPO}/actions/runs/12345/artifacts",
        f"{REPO}/actions/artifacts/12345/zip",
        "/user/repos",
    ],
)
def test_404_in_githubs_shape(api, path):
    answer = get(api, path)
    assert answer.status_code == 404
    body = answer.json()
    assert body["message"] == "Not Found" and body["status"] == "404"
    assert body["documentation_url"].startswith("https://docs.github.com/rest")


def test_a_workflow_the_stand_in_does_not_have_says_to_set_canary_workflow(api):
    history = fetch_history(TOKEN, REPOSITORY, "other.yml", 7, api)
    assert history.error_kind == "not-found" and "canary-workflow" in (history.error or "")


def test_the_documents_pygithub_reads_through_a_client_that_is_not_lazy(api):
    from github import Auth, Github

    client = Github(auth=Auth.Token(TOKEN), base_url=api, per_page=3)
    try:
        repo = client.get_repo(REPOSITORY)
        assert repo.full_name == REPOSITORY and repo.default_branch == "main"
        workflow = repo.get_workflow(WORKFLOW_FILE)
        assert (workflow.id, workflow.name, workflow.state) == (
            WORKFLOW_ID,
            "Receipts Gate",
            "active",
        )
        assert workflow.path == f".github/workflows/{WORKFLOW_FILE}"
        assert repo.get_workflow(WORKFLOW_ID).id == WORKFLOW_ID
        runs = workflow.get_runs(status="completed")
        assert runs.totalCount == 8
        listed = list(runs)  # three pages of 3, by the Link header
        assert [r.id for r in listed] == [CURRENT_RUN_ID - n for n in range(1, 9)]
        newest = listed[0]
        assert (newest.status, newest.conclusion, newest.event) == (
            "completed",
            "success",
            "schedule",
        )
        assert newest.head_branch == "main" and newest.run_number == 8
        assert newest.created_at.tzinfo is not None
        assert newest.html_url.endswith(f"/{REPOSITORY}/actions/runs/{newest.id}")
        assert [r.conclusion for r in listed].count("cancelled") == 1
        artifacts = list(newest.get_artifacts())
        assert [(a.name, a.expired) for a in artifacts] == [(ARTIFACT_NAME, False)]
        assert artifacts[0].size_in_bytes > 0
        assert artifacts[0].archive_download_url.endswith(f"/artifacts/{artifacts[0].id}/zip")
        assert artifacts[0].workflow_run.id == newest.id
        cancelled = next(r for r in listed if r.conclusion == "cancelled")
        assert cancelled.get_artifacts().totalCount == 0
    finally:
        client.close()


def test_filters_and_link_pagination_as_github_does(api):
    def ids(query: str) -> list[int]:
        return [r["id"] for r in get(api, f"{RUNS}?{query}").json()["workflow_runs"]]

    assert ids("status=in_progress") == [CURRENT_RUN_ID]
    assert len(ids("status=completed")) == 8 and CURRENT_RUN_ID not in ids("status=completed")
    assert ids("status=cancelled") == [CURRENT_RUN_ID - 3]  # a conclusion works as a status
    assert ids("status=completed&branch=release") == []
    assert ids("event=pull_request") == []
    assert len(ids("branch=main&event=schedule")) == 9
    first = get(api, f"{RUNS}?status=completed&per_page=3")
    assert first.json()["total_count"] == 8 and len(first.json()["workflow_runs"]) == 3
    links = requests.utils.parse_header_links(first.headers["Link"])
    assert [link["rel"] for link in links] == ["next", "last"]
    assert "page=2" in links[0]["url"] and "page=3" in links[1]["url"]
    assert "status=completed" in links[0]["url"]
    seen = []
    url: str | None = links[0]["url"]
    while url:
        page = requests.get(url, headers={"Authorization": f"token {TOKEN}"}, timeout=5)
        seen += [r["id"] for r in page.json()["workflow_runs"]]
        rels = {
            link["rel"]: link["url"]
            for link in requests.utils.parse_header_links(page.headers.get("Link", ""))
        }
        assert "prev" in rels and "first" in rels
        url = rels.get("next")
    assert len(seen) == 5 and not set(seen) & set(ids("status=completed&per_page=3"))
    assert "Link" not in get(api, f"{RUNS}?per_page=100").headers


def test_without_a_token_of_its_own_the_stand_in_takes_any_token(stack):
    s = stack("healthy")
    assert get(s.urls["github_api_url"], REPO, token="anything").status_code == 200
    assert get(s.urls["github_api_url"], REPO, token=None).status_code == 401
