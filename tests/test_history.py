"""Canary pass rate over past runs: the GitHub API mocked with `responses` (it cannot be
reached from here), in the shapes of GitHub's REST documentation."""

from __future__ import annotations

import json
import re

import pytest
import responses

from golive_action.judge.canary import judge_canary_rate
from golive_action.model import Verdict
from golive_action.observe.history import fetch_history
from golive_action.sandbox.github_api import past_report

API = "https://ghes.example.com/api/v3"
# PyGithub spells the port out (https://host:443/...): match with or without it.
HOST = r"https://ghes\.example\.com(:443)?/api/v3"
RUNS = re.compile(HOST + r"/repos/octo/app/actions/workflows/receipts-gate\.yml/runs")
TOKEN = "ghs_DISTINCTIVE_token_123"


def run(run_id: int, conclusion: str | None, event: str = "schedule") -> dict:
    return {
        "id": run_id,
        "name": "Receipts Gate",
        "status": "completed",
        "conclusion": conclusion,
        "event": event,
        "head_branch": "main",
        "head_sha": "a" * 40,
        "created_at": f"2026-11-{10 + run_id % 18:02d}T02:17:00Z",
        "html_url": f"https://github.example.com/octo/app/actions/runs/{run_id}",
        "url": f"{API}/repos/octo/app/actions/runs/{run_id}",
        "artifacts_url": f"{API}/repos/octo/app/actions/runs/{run_id}/artifacts",
        "run_number": run_id,
    }


def listing(*runs: dict) -> dict:
    return {"total_count": len(runs), "workflow_runs": list(runs)}


def fetch(window: int = 7, **kwargs):
    return fetch_history(TOKEN, "octo/app", "receipts-gate.yml", window, API, **kwargs)


@responses.activate
def test_one_listing_call_for_conclusions_and_cancelled_runs_do_not_count():
    conclusions = [
        "success",
        "cancelled",
        "failure",
        "success",
        "skipped",
        "success",
        "success",
        "timed_out",
        "success",
        "success",
        "success",
    ]
    responses.get(RUNS, json=listing(*(run(100 - i, c) for i, c in enumerate(conclusions))))
    history = fetch(7)
    assert [r.conclusion for r in history.runs] == [
        "success",
        "failure",
        "success",
        "success",
        "success",
        "timed_out",
        "success",
    ]
    assert len(responses.calls) == 1
    call = responses.calls[0].request
    assert "status=completed" in call.url
    assert (
        call.headers["Authorization"] == f"token {TOKEN}" or TOKEN in call.headers["Authorization"]
    )


@responses.activate
def test_pagination_is_followed_when_a_page_is_not_enough():
    page2 = f"{API}/repositories/1/actions/workflows/9/runs?page=2"
    responses.get(
        RUNS,
        json=listing(*(run(200 - i, "cancelled") for i in range(5))),
        headers={"Link": f'<{page2}>; rel="next"'},
    )
    responses.get(
        re.compile(r".*/repositories/1/actions/workflows/9/runs.*"),
        json=listing(*(run(100 - i, "success") for i in range(7))),
    )
    history = fetch(7)
    assert len(history.runs) == 7 and len(responses.calls) == 2


@responses.activate
def test_the_current_run_is_kept_out_of_the_listing():
    responses.get(RUNS, json=listing(run(500, None), run(499, "success")))
    history = fetch(7, exclude_run=500)
    assert [r.id for r in history.runs] == [499]


@pytest.mark.parametrize(
    ("status", "body", "kind", "words"),
    [
        (404, {"message": "Not Found"}, "not-found", "canary-workflow"),
        (
            403,
            {"message": "Resource not accessible by integration"},
            "forbidden",
            "permissions: actions: read",
        ),
    ],
)
@responses.activate
def test_api_refusals_say_how_to_fix_them(status, body, kind, words):
    responses.get(RUNS, json=body, status=status)
    history = fetch()
    assert history.error_kind == kind and words in (history.error or "")
    result = judge_canary_rate(history, Verdict.PASS, 7, 7, 95)
    assert result.verdict is Verdict.INCONCLUSIVE


@responses.activate
def test_502_then_success_is_retried():
    responses.get(RUNS, json={"message": "bad gateway"}, status=502)
    responses.get(RUNS, json=listing(run(1, "success")))
    history = fetch()
    assert history.error is None and len(history.runs) == 1
    assert len(responses.calls) == 2


@responses.activate
def test_429_is_retried_then_reported():
    for _ in range(5):
        responses.get(RUNS, json={"message": "slow down"}, status=429, headers={"Retry-After": "0"})
    history = fetch()
    assert history.error is not None
    assert TOKEN not in history.error


def test_the_rate_says_plainly_what_95_percent_of_7_means():
    from golive_action.model import CanaryHistory, PastRun

    past = tuple(
        PastRun(i, c, "t", f"u{i}", "schedule", "main")
        for i, c in enumerate(["success"] * 5 + ["failure"])
    )
    result = judge_canary_rate(CanaryHistory("o/r", "w", past), Verdict.PASS, 7, 7, 95)
    assert result.verdict is Verdict.FAIL
    assert "6 of 7 runs PASS (85.7 %) < 95 %: over 7 runs, 95 % means 7 of 7" in result.reason
    assert result.metrics["runs"][0]["source"] == "this gate's canary"
    assert result.metrics["runs"][1]["source"] == "conclusion success"
    full = tuple(PastRun(i, "success", "t", "u", "schedule", "main") for i in range(6))
    assert (
        judge_canary_rate(CanaryHistory("o/r", "w", full), Verdict.PASS, 7, 7, 95).verdict
        is Verdict.PASS
    )
    few = judge_canary_rate(CanaryHistory("o/r", "w", full[:2]), Verdict.PASS, 7, 7, 95)
    assert few.verdict is Verdict.INCONCLUSIVE and "only 3 runs" in few.reason
    assert (
        judge_canary_rate(CanaryHistory("o/r", "w", full[:2]), Verdict.PASS, 7, 3, 95).verdict
        is Verdict.PASS
    )
    assert judge_canary_rate(None, Verdict.PASS, 7, 7, 95).verdict is Verdict.SKIPPED


# ----------------------------------------------------------------------------- a local API


def api_handler(conclusions: list[str], seen: list[str]):
    import json as _json

    from tests.faulty import reply

    def handle(h):
        seen.append(h.path)
        if "/actions/workflows/receipts-gate.yml/runs" not in h.path:
            reply(404, b'{"message": "Not Found"}')(h)
            return
        body = listing(*(run(300 - i, c) for i, c in enumerate(conclusions)))
        reply(200, _json.dumps(body).encode())(h)

    return handle


def test_canary_rate_command_against_a_github_api_on_loopback(run_cli):
    from tests.faulty import http_server

    seen: list[str] = []
    with http_server(api_handler(["success"] * 6 + ["cancelled", "success"], seen)) as base:
        env = {
            "GITHUB_API_URL": base,
            "GITHUB_TOKEN": TOKEN,
            "GITHUB_REPOSITORY": "octo/app",
            "GITHUB_WORKFLOW_REF": "octo/app/.github/workflows/receipts-gate.yml@refs/heads/main",
        }
        result = run_cli("canary", "rate", "--runs", "7", env=env)
        assert result.code == 0, result.out + result.err
        assert result.out.startswith("PASS: 7 of 7 runs PASS (100.0 %)")
        # The runs, the one listing of the evidence artifacts of them all (refused here), then
        # each run's own listing (refused too), at the API's paths, not the payload's URLs.
        assert seen[1].startswith("/repos/octo/app/actions/artifacts?name=golive-evidence")
        assert [p.split("?")[0] for p in seen[2:]] == [
            f"/repos/octo/app/actions/runs/{run_id}/artifacts"
            for run_id in (300, 299, 298, 297, 296, 295, 293)
        ]
        low = http_server(api_handler(["success", "failure"] * 4, seen))
    with low as base:
        env["GITHUB_API_URL"] = base
        result = run_cli("canary", "rate", env=env)
    assert result.code == 1 and "over 7 runs, 95 % means 7 of 7" in result.out
    assert TOKEN not in result.out + result.err


def test_canary_rate_command_needs_its_inputs(run_cli):
    result = run_cli("canary", "rate", env={})
    assert result.code == 2 and "github-token" in result.err and "--repo" in result.err


def test_the_gate_counts_this_run_as_the_newest(stack, tmp_path):
    from golive_action.config import load_config
    from golive_action.runner import run_gate
    from tests.conftest import stack_inputs
    from tests.faulty import http_server

    s = stack("healthy", token="rate-token")
    seen: list[str] = []
    with http_server(api_handler(["success"] * 10, seen)) as base:
        inputs = stack_inputs(
            s,
            duration="1",
            **{
                "spark-api-url": s.urls["executor_url"],
                "spark-api-token": "rate-token",
                "github-token": TOKEN,
                "github-repository": "octo/app",
                "canary-workflow": "receipts-gate.yml",
                "github-api-url": base,
                "github-run-id": "300",
            },
        )
        report = run_gate(load_config(inputs, {}))
    rate = report.check("canary-rate")
    assert rate is not None and rate.verdict is Verdict.PASS, rate.reason
    assert rate.metrics["runs"][0]["run"] == "this run"
    assert [r["run"] for r in rate.metrics["runs"][1:]] == [299, 298, 297, 296, 295, 294]
    assert report.decision.value == "go"


# ----------------------------------------------------------------------------- artifacts

DOWNLOAD = "https://pipelines.example.net/artifact.zip"


def zipped(members: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def with_artifact(
    run_id: int, zip_bytes: bytes | None, expired: bool = False, status: int = 200
) -> None:
    """The run's artifact list, and its download: a redirect to another host, as GitHub does."""
    artifact_id = run_id * 10
    responses.get(
        re.compile(HOST + rf"/repos/octo/app/actions/runs/{run_id}/artifacts.*"),
        json={
            "total_count": 1,
            "artifacts": [
                {
                    "id": artifact_id,
                    "name": "golive-evidence",
                    "expired": expired,
                    "size_in_bytes": len(zip_bytes or b""),
                    "archive_download_url": f"{API}/repos/octo/app/actions/artifacts/"
                    f"{artifact_id}/zip",
                }
            ],
        },
    )
    download = f"{DOWNLOAD}?run={run_id}"
    responses.get(
        re.compile(HOST + rf"/repos/octo/app/actions/artifacts/{artifact_id}/zip"),
        status=302,
        headers={"Location": download},
    )
    responses.get(download, body=zip_bytes or b"", status=status)


@responses.activate
def test_the_artifact_verdict_beats_the_conclusion_and_the_token_stays_home():
    responses.get(RUNS, json=listing(run(7, "success"), run(6, "failure")))
    with_artifact(7, zipped({"evidence/canary_resp.json": b'{"ok": false, "status": "PASS"}'}))
    # A report the gate wrote (valid against its schema), whose canary passed.
    report = past_report("go", {})
    with_artifact(6, zipped({"golive-report.json": json.dumps(report).encode()}))
    history = fetch(2, artifact="golive-evidence")
    result = judge_canary_rate(history, None, 2, 2, 95)
    rows = result.metrics["runs"]
    assert [(r["verdict"], r["source"]) for r in rows] == [
        ("FAIL", "artifact canary_resp.json"),
        ("PASS", "artifact golive-report.json"),
    ]
    downloads = [c for c in responses.calls if c.request.url.startswith(DOWNLOAD)]
    assert downloads and all("Authorization" not in c.request.headers for c in downloads)
    api_calls = [c for c in responses.calls if not c.request.url.startswith(DOWNLOAD)]
    # The repository's listing (not answered by this mock), then each run's own: 1 + 1 + 2 x 2.
    assert len(api_calls) <= 1 + 1 + 2 * 2


@pytest.mark.parametrize(
    ("zip_bytes", "expired", "status", "note"),
    [
        (None, True, 200, "artifact expired"),
        (b"", False, 410, "artifact expired (410)"),
        (
            zipped({"../../etc/canary_resp.json": b'{"ok": true}'}),
            False,
            200,
            "refused unsafe member names: ../../etc/canary_resp.json",
        ),
        (zipped({"/abs/canary_resp.json": b'{"ok": true}'}), False, 200, "refused unsafe"),
        (zipped({"canary_resp.json": b" " * (3 * 1024 * 1024)}), False, 200, "over the cap"),
        (zipped({"other.txt": b"x"}), False, 200, "no canary_resp.json or golive-report.json"),
        (b"not a zip", False, 200, "not a zip file"),
    ],
)
@responses.activate
def test_unusable_artifacts_fall_back_to_the_conclusion_and_say_why(
    zip_bytes, expired, status, note
):
    responses.get(RUNS, json=listing(run(7, "success")))
    with_artifact(7, zip_bytes, expired=expired, status=status)
    history = fetch(1, artifact="golive-evidence")
    result = judge_canary_rate(history, None, 1, 1, 95)
    row = result.metrics["runs"][0]
    assert row["verdict"] == "PASS" and row["source"].startswith("conclusion success (")
    assert note in row["source"]


@responses.activate
def test_a_403_rate_limit_is_inconclusive_not_a_fail():
    for _ in range(6):
        responses.get(
            RUNS,
            json={"message": "API rate limit exceeded for installation"},
            status=403,
            headers={"Retry-After": "0", "X-RateLimit-Remaining": "0"},
        )
    history = fetch()
    assert history.error_kind == "rate-limited", history.error
    assert judge_canary_rate(history, Verdict.PASS, 7, 7, 95).verdict is Verdict.INCONCLUSIVE


@responses.activate
def test_a_listing_of_another_shape_is_named_as_such_not_as_unreachable():
    responses.get(RUNS, json={"workflow_runs": 5})
    history = fetch()
    assert history.error_kind == "malformed"
    assert "answered the runs listing in a shape the gate does not know" in (history.error or "")


@responses.activate
def test_a_run_without_the_named_artifact_lists_the_ones_it_has():
    """So that the user can set canary-artifact: the row names what the run does have."""
    responses.get(RUNS, json=listing(run(7, "failure"), run(6, "success")))
    for run_id, names in ((7, ["coverage", "evidence-bundle"]), (6, [])):
        responses.get(
            re.compile(HOST + rf"/repos/octo/app/actions/runs/{run_id}/artifacts.*"),
            json={
                "total_count": len(names),
                "artifacts": [
                    {
                        "id": run_id * 10 + i,
                        "name": name,
                        "expired": False,
                        "size_in_bytes": 1,
                        "archive_download_url": f"{API}/repos/octo/app/actions/artifacts/"
                        f"{run_id * 10 + i}/zip",
                    }
                    for i, name in enumerate(names)
                ],
            },
        )
    history = fetch(2, artifact="golive-evidence")
    rows = judge_canary_rate(history, None, 2, 2, 95).metrics["runs"]
    assert rows[0]["source"] == (
        "conclusion failure (no artifact named golive-evidence* (it has: coverage, "
        "evidence-bundle; set canary-artifact))"
    )
    assert "it has no artifact; set canary-artifact" in rows[1]["source"]


@responses.activate
def test_the_artifacts_of_all_runs_come_from_one_listing_of_their_name():
    """1 + 1 + n: the runs, the repository's artifacts of that exact name (newest first,
    several attempts of a run: the newest), and one download per run; no per-run listing.
    A run missing from it is looked up in its own listing (a prefix-named artifact)."""
    runs = [run(9, "success"), run(8, "failure"), run(7, "success")]
    responses.get(RUNS, json=listing(*runs))
    body = zipped({"canary_resp.json": b'{"ok": true}'})
    for run_id in (9, 8, 7):
        with_artifact(run_id, body)

    def artifact(artifact_id: int, run_id: int) -> dict:
        return {
            "id": artifact_id,
            "name": "golive-evidence",
            "expired": False,
            "size_in_bytes": len(body),
            "archive_download_url": f"{API}/repos/octo/app/actions/artifacts/{artifact_id}/zip",
            "workflow_run": {"id": run_id, "head_branch": "main", "head_sha": "a" * 40},
        }

    # Run 8's newest attempt (80) and an older one (79, never downloaded); run 7's artifact
    # is missing here, so it has its own listing; run 5's ends the reading.
    named = [artifact(90, 9), artifact(80, 8), artifact(79, 8), artifact(50, 5)]
    responses.get(
        re.compile(HOST + r"/repos/octo/app/actions/artifacts\?(.*&)?name=golive-evidence\b.*"),
        json={"total_count": len(named), "artifacts": named},
    )
    history = fetch(3, artifact="golive-evidence")
    assert [r.artifact_body for r in history.runs] == ['{"ok": true}'] * 3
    paths = [c.request.path_url.split("?")[0] for c in responses.calls]
    assert paths.count("/api/v3/repos/octo/app/actions/artifacts") == 1
    assert "/api/v3/repos/octo/app/actions/artifacts/790/zip" not in paths
    per_run = [p for p in paths if p.endswith("/artifacts") and "/runs/" in p]
    assert per_run == ["/api/v3/repos/octo/app/actions/runs/7/artifacts"]
    api = [c for c in responses.calls if not c.request.url.startswith(DOWNLOAD)]
    assert len(api) == 1 + 1 + 1 + 3  # runs, the name's listing, run 7's own, 3 downloads
