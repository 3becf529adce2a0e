"""GitHub API requests made to compute the 7-run canary pass rate, counted with `responses`
(the API cannot be reached from here), in the shapes of GitHub's REST documentation:
runs listed with one call; with artifacts, the artifacts of all runs found in one listing
(the repository's artifacts of that name) and one download per run (answered, as GitHub does,
by a redirect to short-lived blob storage, counted apart).

Budgets: 1 API request by conclusions; at most 1 + 1 + 7 with artifacts. The baselines, in
the same run: PyGithub used the plain way, which fetches the repository and the workflow
before it lists the runs; and one artifact listing per run (what the gate did before), when
the artifacts are named with a prefix the repository's listing cannot filter by.
"""

from __future__ import annotations

import io
import json
import re
import sys
import zipfile

import responses

from golive_action.observe.history import fetch_history

from common import Budget, finish

API = "https://api.github.com"
HOST = r"https://api\.github\.com(:443)?"
BLOB = "https://blob.example.net/artifact.zip"
TOKEN = "ghs_bench_token"
WINDOW = 7


def run(run_id: int) -> dict:
    return {
        "id": run_id,
        "name": "Receipts Gate",
        "status": "completed",
        "conclusion": "success" if run_id % 5 else "failure",
        "event": "schedule",
        "head_branch": "main",
        "head_sha": "a" * 40,
        "created_at": "2026-11-28T02:17:00Z",
        "html_url": f"https://github.com/octo/app/actions/runs/{run_id}",
        "url": f"{API}/repos/octo/app/actions/runs/{run_id}",
        "artifacts_url": f"{API}/repos/octo/app/actions/runs/{run_id}/artifacts",
    }


def register(mock: responses.RequestsMock, runs: list[dict]) -> None:
    listing = {"total_count": 40, "workflow_runs": runs}
    mock.get(
        re.compile(HOST + r"/repos/octo/app/actions/workflows/(receipts-gate\.yml|5)/runs.*"),
        json=listing,
    )
    # What a client that is not lazy fetches first: the repository and the workflow.
    mock.get(
        re.compile(HOST + r"/repos/octo/app$"),
        json={"id": 1, "full_name": "octo/app", "url": f"{API}/repos/octo/app"},
    )
    mock.get(
        re.compile(HOST + r"/repos/octo/app/actions/workflows/receipts-gate\.yml$"),
        json={
            "id": 5,
            "name": "Receipts Gate",
            "path": ".github/workflows/receipts-gate.yml",
            "url": f"{API}/repos/octo/app/actions/workflows/5",
        },
    )
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("canary_resp.json", json.dumps({"ok": True, "results": []}))
    artifacts = []
    for r in runs:
        download = f"{API}/repos/octo/app/actions/artifacts/{r['id']}/zip"
        artifact = {
            "id": r["id"],
            "name": "canary-evidence",
            "expired": False,
            "size_in_bytes": 200,
            "archive_download_url": download,
            "url": f"{API}/repos/octo/app/actions/artifacts/{r['id']}",
            "workflow_run": {"id": r["id"], "head_branch": "main", "head_sha": "a" * 40},
        }
        artifacts.append(artifact)
        mock.get(
            re.compile(HOST + f"/repos/octo/app/actions/runs/{r['id']}/artifacts.*"),
            json={"total_count": 1, "artifacts": [artifact]},
        )
        mock.get(download, status=302, headers={"Location": BLOB})
    # The repository's listing of one exact name; a prefix matches no artifact's name.
    mock.get(
        re.compile(HOST + r"/repos/octo/app/actions/artifacts\?(.*&)?name=canary-evidence(&.*)?$"),
        json={"total_count": len(artifacts), "artifacts": artifacts},
    )
    mock.get(
        re.compile(HOST + r"/repos/octo/app/actions/artifacts\?.*"),
        json={"total_count": 0, "artifacts": []},
    )
    mock.get(BLOB, body=archive.getvalue(), content_type="application/zip")


def count(artifact: str | None) -> tuple[int, int, int]:
    """(API requests, blob downloads, runs read) for one pass-rate computation."""
    runs = [run(100 - i) for i in range(20)]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        register(mock, runs)
        history = fetch_history(
            TOKEN,
            "octo/app",
            "receipts-gate.yml",
            WINDOW,
            API,
            artifact=artifact,
        )
        urls = [call.request.url or "" for call in mock.calls]
    assert history.error is None, history.error
    api = sum(url.startswith(API) for url in urls)
    return api, len(urls) - api, len(history.runs)


def plain_pygithub() -> int:
    """The baseline: PyGithub used the plain way (objects fetched as they are named)."""
    from github import Auth, Github

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        register(mock, [run(100 - i) for i in range(20)])
        client = Github(auth=Auth.Token(TOKEN), base_url=API)
        workflow = client.get_repo("octo/app").get_workflow("receipts-gate.yml")
        listed = workflow.get_runs(status="completed")
        conclusions = [r.conclusion for _, r in zip(range(WINDOW), listed, strict=False)]
        assert len(conclusions) == WINDOW
        return len(mock.calls)


def main() -> int:
    by_conclusion, _, runs = count(None)
    with_artifacts, blobs, runs_a = count("canary-evidence")
    per_run, _, _ = count("canary-evid")  # a prefix: each run's own listing
    naive = plain_pygithub()
    print(f"api_calls: the pass rate over the last {WINDOW} runs")
    print(f"  by conclusions: {by_conclusion} API request(s), {runs} runs read")
    print(
        f"  with artifacts: {with_artifacts} API requests and {blobs} blob downloads, "
        f"{runs_a} runs read"
    )
    print(
        f"  baseline, PyGithub the plain way: {naive} API requests; "
        f"ratio {by_conclusion / naive:.2f}"
    )
    print(
        f"  baseline, one artifact listing per run (a name prefix): {per_run} API requests; "
        f"ratio {with_artifacts / per_run:.2f}"
    )
    return finish(
        [
            Budget("api_calls by conclusions", by_conclusion, 1, " requests"),
            Budget("api_calls with artifacts", with_artifacts, 1 + 1 + WINDOW, " requests"),
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
