"""The GitHub API as a hostile server of the test's own (real HTTP on 127.0.0.1, each test its
own ports): the token goes to the API's origin alone, every wait is capped at 30 s and fits
the budget (the waits asked for are read from a budget that records them, never timed),
listings end at a page cap, a past golive-report.json counts only once it is a golive report,
a bad zip is one run's missing evidence, and no text of the API's starts a line that
``golive canary rate`` prints."""

from __future__ import annotations

import contextlib
import io
import json
import re
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

import pytest

from golive_action.actions import commit_target
from golive_action.judge.canary import judge_canary_rate
from golive_action.model import Verdict
from golive_action.observe.artifacts import read_member
from golive_action.observe.budget import Budget, within
from golive_action.observe.github_client import PAGE_CAP
from golive_action.observe.history import fetch_history
from golive_action.observe.retrywait import Wait, retry_wait
from golive_action.observe.trends import fetch_trends
from golive_action.sandbox.github_api import past_report
from golive_action.status import post_status
from tests.faulty import http_server, reply, silent_server
from tests.test_history import listing, run, zipped
from tests.test_summary import report

TOKEN = "ghs_hostile_DISTINCTIVE_0451"
REPO = "octo/app"
WORKFLOW = "receipts-gate.yml"
RUNS = f"/repos/{REPO}/actions/workflows/{WORKFLOW}/runs"
ARTIFACTS = f"/repos/{REPO}/actions/artifacts"
CANARY_OK = zipped({"canary_resp.json": b'{"ok": true}'})


@dataclass(frozen=True)
class RecordingBudget(Budget):
    """A budget whose waits return at once and are noted: the test reads the wait the gate
    asked for, never the time it took."""

    asked: list[float] = field(default_factory=list, compare=False)

    def wait(self, seconds: float) -> bool:
        self.asked.append(seconds)
        return False


def budget(seconds: float = 60.0) -> RecordingBudget:
    return RecordingBudget(time.monotonic() + seconds)


@dataclass
class Seen:
    """Every request a server had: (host header, path, query, Authorization)."""

    requests: list[tuple[str, str, dict[str, list[str]], str | None]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, h: BaseHTTPRequestHandler) -> tuple[str, dict[str, list[str]]]:
        parts = urlsplit(h.path)
        query = parse_qs(parts.query)
        with self.lock:
            self.requests.append(
                (h.headers.get("Host", ""), parts.path, query, h.headers.get("Authorization"))
            )
        return parts.path, query

    def paths(self) -> list[str]:
        return [path for _, path, _, _ in self.requests]

    def authorizations(self) -> set[str | None]:
        return {auth for _, _, _, auth in self.requests}


Route = Callable[[BaseHTTPRequestHandler, str, dict[str, list[str]]], None]


@contextmanager
def api_server(route: Route) -> Iterator[tuple[str, Seen]]:
    """A server that notes each request, then answers it with ``route(h, path, query)``."""
    seen = Seen()

    def handle(h: BaseHTTPRequestHandler) -> None:
        path, query = seen.note(h)
        route(h, path, query)

    with http_server(handle) as base:
        yield base, seen


def json_reply(h: BaseHTTPRequestHandler, body: object, status: int = 200, **headers: str) -> None:
    reply(
        status,
        json.dumps(body).encode(),
        headers={k.replace("_", "-"): v for k, v in headers.items()},
    )(h)


def artifact(run_id: int, url: str, name: str = "golive-evidence") -> dict[str, object]:
    return {
        "id": run_id * 10,
        "name": name,
        "expired": False,
        "size_in_bytes": 1,
        "archive_download_url": url,
        "workflow_run": {"id": run_id},
    }


def history(base: str, window: int = 3, spent: Budget | None = None, **kwargs: object):
    return fetch_history(
        TOKEN, REPO, WORKFLOW, window, base, timeout_s=5, budget=spent or budget(), **kwargs
    )


# ----------------------------------------------------------------------------- 1. the token


@pytest.mark.parametrize("reader", ["canary history", "trends"])
def test_the_token_goes_to_the_api_origin_alone(reader):
    """An archive_download_url on another origin (another port; the API's own port under
    another host name), named directly or reached by a redirect, never gets the token."""
    body = zipped(
        {
            "canary_resp.json": b'{"ok": true}',
            "golive-report.json": json.dumps(
                past_report("go", {"ws_latency_p95_ms": 12.0})
            ).encode(),
        }
    )

    def storage(h: BaseHTTPRequestHandler, path: str, query: dict[str, list[str]]) -> None:
        reply(200, body, "application/zip")(h)

    with api_server(storage) as (elsewhere, stored):
        port = urlsplit(elsewhere).port

        def api(h: BaseHTTPRequestHandler, path: str, query: dict[str, list[str]]) -> None:
            base = f"http://{h.headers['Host']}"
            alias = base.replace("127.0.0.1", "localhost")
            if path == RUNS:
                json_reply(h, listing(run(3, "success"), run(2, "success"), run(1, "success")))
            elif path == ARTIFACTS:
                listed = [
                    artifact(3, f"{elsewhere}/direct/3.zip"),  # another port, named directly
                    artifact(2, f"{base}{ARTIFACTS}/20/zip"),  # the API's, which redirects
                    artifact(1, f"{alias}/alias/1.zip"),  # the API's port, another host name
                ]
                json_reply(h, {"total_count": 3, "artifacts": listed})
            elif path == f"{ARTIFACTS}/20/zip":
                reply(302, b"", "text/plain", {"Location": f"{elsewhere}/redirected/2.zip"})(h)
            elif path.startswith("/alias/"):
                reply(200, body, "application/zip")(h)
            else:
                json_reply(h, {"message": "Not Found"}, 404)

        with api_server(api) as (base, seen):
            if reader == "trends":
                trends = fetch_trends(TOKEN, REPO, WORKFLOW, 3, base, timeout_s=5, budget=budget())
                assert trends.error is None, trends.error
                assert [p.decision for p in trends.points] == ["go"] * 3
            else:
                past = history(base, artifact="golive-evidence")
                assert past.error is None, past.error
                assert [r.artifact_member for r in past.runs] == ["canary_resp.json"] * 3
    assert port is not None and sorted(stored.paths()) == ["/direct/3.zip", "/redirected/2.zip"]
    assert stored.authorizations() == {None}
    by_host = {(host.split(":")[0], auth) for host, _, _, auth in seen.requests}
    assert by_host == {("127.0.0.1", f"Bearer {TOKEN}"), ("localhost", None)}


@pytest.mark.parametrize(
    "trick",
    [
        "http://localhost:{elsewhere}\\@127.0.0.1:{api}/zip",  # urllib3 ends the host at \\
        "http://localhost:{elsewhere}\t@127.0.0.1:{api}/zip",
        "http://127.0.0.1:{api}@localhost:{elsewhere}/zip",
    ],
)
def test_a_url_the_parsers_read_apart_gets_no_token(trick):
    """A URL whose host urllib.parse and urllib3 (which connects) read differently has no
    origin: the token is never attached to it, wherever the request would go."""
    from golive_action.observe.github_client import GitHubApi

    def anything(h: BaseHTTPRequestHandler, path: str, query: dict[str, list[str]]) -> None:
        json_reply(h, {})

    with api_server(anything) as (elsewhere, stored), api_server(anything) as (base, seen):
        url = trick.format(elsewhere=urlsplit(elsewhere).port, api=urlsplit(base).port)
        client = GitHubApi(TOKEN, base, budget())
        with contextlib.suppress(Exception):
            client.request("GET", url)
    assert stored.authorizations() <= {None}
    assert seen.authorizations() <= {None}


def test_a_next_page_on_another_origin_is_not_followed():
    def elsewhere_route(h: BaseHTTPRequestHandler, path: str, query: dict[str, list[str]]) -> None:
        json_reply(h, listing(run(1, "success")))

    with api_server(elsewhere_route) as (elsewhere, stored):

        def api(h: BaseHTTPRequestHandler, path: str, query: dict[str, list[str]]) -> None:
            json_reply(
                h, listing(run(9, "cancelled")), Link=f'<{elsewhere}{RUNS}?page=2>; rel="next"'
            )

        with api_server(api) as (base, _):
            past = history(base)
    assert stored.requests == []
    assert past.error_kind == "malformed" and "next page is on another origin" in (past.error or "")


# ----------------------------------------------------------------------------- 2. the waits


NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("status", "headers", "message", "expected"),
    [
        (429, {"retry-after": "30"}, "", Wait(30.0, "Retry-After")),
        (429, {"retry-after": formatdate(NOW + 20, usegmt=True)}, "", Wait(20.0, "Retry-After")),
        (429, {"retry-after": "soon"}, "", Wait(60.0, "a rate limit that names no time")),
        (503, {"retry-after": "7"}, "", Wait(7.0, "Retry-After")),
        (
            403,
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 20)},
            "You have exceeded a secondary rate limit",
            Wait(20.0, "x-ratelimit-reset"),
        ),
        (
            429,
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 3600)},
            "",
            Wait(3600.0, "x-ratelimit-reset"),
        ),
        (
            403,
            {},
            "API rate limit exceeded for installation",
            Wait(60.0, "a rate limit that names no time"),
        ),
        (502, {}, "", Wait(1.0, "backoff")),
        (403, {}, "Resource not accessible by integration", None),
        (404, {"retry-after": "1"}, "", None),
    ],
)
def test_the_wait_asked_for_follows_githubs_rules(status, headers, message, expected):
    wait = retry_wait(status, headers, message, 1, NOW)
    assert wait == expected
    if wait is not None:
        assert wait.over_cap is (wait.seconds > 30)


def scripted(*answers: tuple[int, dict[str, str], object]) -> Route:
    """The runs listing answered by ``answers`` in turn, then a success for good."""
    queue = list(answers)

    def route(h: BaseHTTPRequestHandler, path: str, query: dict[str, list[str]]) -> None:
        if path != RUNS:
            json_reply(h, {"message": "Not Found"}, 404)
            return
        status, headers, body = queue.pop(0) if queue else (200, {}, listing(run(1, "success")))
        reply(status, json.dumps(body).encode(), headers=headers)(h)

    return route


SECONDARY = {"message": "You have exceeded a secondary rate limit"}


@pytest.mark.parametrize(
    ("status", "headers", "body", "asked"),
    [
        (429, {"Retry-After": "30"}, {"message": "slow down"}, [30.0]),
        (503, {"Retry-After": "12"}, {"message": "busy"}, [12.0]),
        (403, {"Retry-After": "5"}, SECONDARY, [5.0]),
    ],
)
def test_a_wait_up_to_30_s_is_waited_then_tried_again(status, headers, body, asked):
    spent = budget()
    with api_server(scripted((status, headers, body))) as (base, seen):
        past = history(base, 1, spent)
    assert past.error is None, past.error
    assert spent.asked == asked and seen.paths() == [RUNS, RUNS]


@pytest.mark.parametrize(
    ("status", "headers", "body", "words"),
    [
        (429, {"Retry-After": "31"}, {"message": "slow down"}, "asked to wait 31 s (Retry-After)"),
        (503, {"Retry-After": "3600"}, {"message": "busy"}, "asked to wait 3600 s (Retry-After)"),
        (
            403,
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(time.time()) + 3600)},
            SECONDARY,
            "(x-ratelimit-reset), longer than the gate waits (30 s)",
        ),
        (403, {}, {"message": "API rate limit exceeded"}, "(a rate limit that names no time)"),
        (429, {}, {"message": "slow down"}, "(a rate limit that names no time)"),
    ],
)
def test_a_wait_over_30_s_is_not_waited_and_the_rate_is_inconclusive(status, headers, body, words):
    spent = budget()
    with api_server(scripted((status, headers, body))) as (base, seen):
        past = history(base, 1, spent)
    assert spent.asked == [] and seen.paths() == [RUNS]
    assert past.error_kind == "rate-limited" and words in (past.error or ""), past.error
    assert judge_canary_rate(past, Verdict.PASS, 7, 1, 95).verdict is Verdict.INCONCLUSIVE


def test_a_wait_past_the_budget_is_not_waited_and_the_rate_is_inconclusive():
    spent = budget(5.0)
    with api_server(scripted((429, {"Retry-After": "20"}, {}))) as (base, _):
        past = history(base, 1, spent)
    assert spent.asked == []
    assert past.error_kind == "budget" and "would pass the time budget" in (past.error or "")
    assert judge_canary_rate(past, Verdict.PASS, 7, 1, 95).verdict is Verdict.INCONCLUSIVE


def test_a_spent_budget_sends_nothing_and_is_inconclusive():
    with api_server(scripted()) as (base, seen):
        past = history(base, 1, RecordingBudget(time.monotonic() - 1))
    assert seen.requests == [] and past.error_kind == "budget"
    assert judge_canary_rate(past, Verdict.PASS, 7, 1, 95).verdict is Verdict.INCONCLUSIVE


def status_server(*answers: tuple[int, dict[str, str]]) -> Route:
    queue = list(answers)

    def route(h: BaseHTTPRequestHandler, path: str, query: dict[str, list[str]]) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        h.rfile.read(length)
        status, headers = queue.pop(0) if queue else (201, {})
        reply(status, b'{"message": "slow down"}', headers=headers)(h)

    return route


def test_the_commit_status_waits_are_capped_too(tmp_path):
    from tests.test_status import HEAD, event

    target = commit_target(event(tmp_path))
    spent = budget()
    with api_server(status_server((429, {"Retry-After": "7"}))) as (base, seen):
        posted = post_status(report("r"), TOKEN, REPO, target, "golive/gate", base, spent)
    assert posted.posted, posted.note
    assert spent.asked == [7.0] and seen.paths() == [f"/repos/{REPO}/statuses/{HEAD}"] * 2
    spent = budget()
    with api_server(status_server((429, {"Retry-After": "31"}))) as (base, seen):
        refused = post_status(report("r"), TOKEN, REPO, target, "golive/gate", base, spent)
    assert not refused.posted and spent.asked == [] and len(seen.requests) == 1
    assert "asked to wait 31 s (Retry-After), longer than the gate waits (30 s)" in refused.note


def rate_env(base: str) -> dict[str, str]:
    return {
        "GITHUB_API_URL": base,
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_WORKFLOW_REF": f"{REPO}/.github/workflows/{WORKFLOW}@refs/heads/main",
    }


def test_canary_rate_waits_no_more_than_30_s(run_cli):
    with api_server(scripted((429, {"Retry-After": "31"}, {"message": "slow down"}))) as (
        base,
        seen,
    ):
        capped = run_cli("canary", "rate", "--runs", "1", env=rate_env(base))
    assert capped.code == 1 and len(seen.requests) == 1, capped.out + capped.err
    assert capped.out.startswith("INCONCLUSIVE: GitHub API asked to wait 31 s (Retry-After)")


# ----------------------------------------------------------------------------- 3. pages


def test_a_next_page_on_every_page_is_not_followed_forever():
    def api(h: BaseHTTPRequestHandler, path: str, query: dict[str, list[str]]) -> None:
        page = int(query.get("page", ["1"])[0])
        base = f"http://{h.headers['Host']}"
        nxt = f'<{base}{RUNS}?status=completed&page={page + 1}>; rel="next"'
        json_reply(h, listing(run(10_000 - page, "cancelled")), Link=nxt)

    with api_server(api) as (base, seen):
        past = history(base, 7)
    assert seen.paths() == [RUNS] * PAGE_CAP
    assert past.error_kind == "pages" and f"past {PAGE_CAP} pages" in (past.error or "")
    assert judge_canary_rate(past, Verdict.PASS, 7, 1, 95).verdict is Verdict.INCONCLUSIVE


def test_an_artifact_listing_that_never_ends_is_one_runs_missing_evidence():
    def api(h: BaseHTTPRequestHandler, path: str, query: dict[str, list[str]]) -> None:
        page = int(query.get("page", ["1"])[0])
        nxt = f'<http://{h.headers["Host"]}{path}?page={page + 1}>; rel="next"'
        if path == RUNS:
            json_reply(h, listing(run(5, "success")))
        else:  # the name's listing and the run's own: something else, page after page
            other = artifact(5000 + page, "http://127.0.0.1:1/x.zip", name=f"other-{page}")
            other["workflow_run"] = {"id": 6}  # newer than the run wanted
            json_reply(h, {"total_count": 10**6, "artifacts": [other]}, Link=nxt)

    with api_server(api) as (base, seen):
        past = history(base, 1, artifact="golive-evidence")
    assert past.error is None, past.error
    note = past.runs[0].artifact_note or ""
    assert note.startswith("artifacts not listed (") and f"past {PAGE_CAP} pages" in note
    per_run = [p for p in seen.paths() if p.endswith("/runs/5/artifacts")]
    assert len(per_run) == PAGE_CAP and seen.paths().count(ARTIFACTS) <= PAGE_CAP


# ----------------------------------------------------------------------------- 4. --timeout


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0", "-inf"])
def test_canary_rate_refuses_a_timeout_that_is_no_budget(run_cli, value):
    result = run_cli("canary", "rate", f"--timeout={value}", env=rate_env("http://127.0.0.1:1"))
    assert result.code == 2 and result.out == ""
    line = result.err.strip()
    assert "\n" not in line and "input 'timeout' (flag --timeout)" in line
    assert "fix: give a number of seconds greater than 0" in line


def test_canary_rate_does_not_wait_past_its_timeout(run_cli):
    with api_server(scripted((503, {"Retry-After": "10"}, {"message": "busy"}))) as (base, seen):
        budgeted = run_cli("canary", "rate", "--runs", "1", "--timeout", "3", env=rate_env(base))
    assert budgeted.code == 1 and len(seen.requests) == 1, budgeted.out + budgeted.err
    assert budgeted.out.startswith(
        "INCONCLUSIVE: GitHub API: a wait of 10 s (Retry-After) would pass the time budget "
        "after 1 request (the budget is the timeout input)"
    )


def test_canary_rate_past_its_timeout_is_inconclusive(run_cli):
    """A server that takes the connection and never answers: the request's timeouts are cut
    to the command's budget (not http-timeout's 30 s)."""
    with silent_server() as base:
        result = run_cli(
            "canary", "rate", "--runs", "1", "--timeout", "1", "--http-timeout", "30",
            env=rate_env(base),
        )  # fmt: skip
    assert result.code == 1, result.out + result.err
    # (no data within the second's rest: how much of it was left is the machine's business)
    assert result.out.startswith("INCONCLUSIVE: GitHub API: the time budget ran out (no data")
    assert "s) after 1 request (the budget is the timeout input)" in result.out


def test_what_no_timeout_reaches_is_left_at_the_budget():
    release = threading.Event()
    try:
        assert within(Budget(time.monotonic() + 0.05), release.wait, grace_s=0.05) is None
    finally:
        release.set()
    assert within(Budget(time.monotonic() + 5), lambda: 42) == 42


# ----------------------------------------------------------------------------- 5. past reports


FAKE = json.dumps({"checks": [{"id": "canary", "verdict": "pass"}]}).encode()


def evidence_server(zips: dict[int, bytes], conclusion: str = "failure") -> Route:
    """Runs of ``zips`` (newest first), each with an artifact on the API that holds its zip."""

    def route(h: BaseHTTPRequestHandler, path: str, query: dict[str, list[str]]) -> None:
        base = f"http://{h.headers['Host']}"
        if path == RUNS:
            json_reply(h, listing(*(run(i, conclusion) for i in zips)))
        elif path == ARTIFACTS:
            listed = [artifact(i, f"{base}/zips/{i}.zip") for i in zips]
            json_reply(h, {"total_count": len(listed), "artifacts": listed})
        elif match := re.fullmatch(r"/zips/(\d+)\.zip", path):
            reply(200, zips[int(match.group(1))], "application/zip")(h)
        else:
            json_reply(h, {"message": "Not Found"}, 404)

    return route


def test_a_report_that_is_no_golive_report_is_no_evidence():
    zips = {i: zipped({"golive-report.json": FAKE}) for i in range(7, 0, -1)}
    zips[1] = zipped({"golive-report.json": json.dumps(past_report("go", {})).encode()})
    with api_server(evidence_server(zips)) as (base, _):
        past = history(base, 7, artifact="golive-evidence")
    result = judge_canary_rate(past, None, 7, 7, 95)
    rows = [(r["verdict"], r["source"]) for r in result.metrics["runs"]]
    fake = (
        "FAIL",
        'conclusion failure (golive-report.json is not a golive report (no "schema" field, '
        "not 'golive-report/1'))",
    )
    assert rows == [fake] * 6 + [("PASS", "artifact golive-report.json")]
    assert result.verdict is Verdict.FAIL and result.reason.startswith("1 of 7 runs PASS")


def test_a_trend_point_is_read_only_from_a_golive_report():
    looks_like_one = {
        "schema": "golive-report/1",
        "decision": "go",
        "ws_state": None,
        "pill": None,
        "headline": {"ws_latency_p95_ms": 1.0},
    }
    zips = {
        2: zipped({"golive-report.json": json.dumps(looks_like_one).encode()}),
        1: zipped(
            {
                "golive-report.json": json.dumps(
                    past_report("go", {"ws_latency_p95_ms": 9.0})
                ).encode()
            }
        ),
    }
    with api_server(evidence_server(zips, "success")) as (base, _):
        trends = fetch_trends(TOKEN, REPO, WORKFLOW, 2, base, timeout_s=5, budget=budget())
    assert trends.error is None, trends.error
    fake, real = trends.points
    assert fake.decision is None and fake.figures == {}
    assert (fake.note or "").startswith(
        "golive-report.json is not a golive report (not valid against report.schema.json"
    )
    assert real.decision == "go" and real.figures["ws_latency_p95_ms"] == 9.0


# ----------------------------------------------------------------------------- 6. bad zips


def _flags(data: bytes, bit: int) -> bytes:
    """The zip with a general purpose flag set in its local and central headers."""
    patched = bytearray(data)
    patched[6] |= bit
    central = patched.find(b"PK\x01\x02")
    patched[central + 8] |= bit
    return bytes(patched)


def _method(data: bytes, method: int) -> bytes:
    """The zip with its member's compression method said to be ``method``."""
    patched = bytearray(data)
    patched[8:10] = method.to_bytes(2, "little")
    central = patched.find(b"PK\x01\x02")
    patched[central + 10 : central + 12] = method.to_bytes(2, "little")
    return bytes(patched)


def _corrupt(data: bytes) -> bytes:
    """The zip with its member's deflate stream broken (a reserved block type)."""
    patched = bytearray(data)
    start = 30 + int.from_bytes(patched[26:28], "little") + int.from_bytes(patched[28:30], "little")
    patched[start] = 0xFF
    return bytes(patched)


ENCRYPTED = _flags(CANARY_OK, 0x1)
DEFLATE64 = _method(CANARY_OK, 9)
CORRUPT = _corrupt(zipped({"canary_resp.json": b'{"ok": true, "pad": "' + b"x" * 500 + b'"}'}))


@pytest.mark.parametrize(
    ("data", "note"),
    [
        (ENCRYPTED, "artifact zip unreadable: encrypted member canary_resp.json"),
        (
            DEFLATE64,
            "artifact zip unreadable: compression method 9 of canary_resp.json is not supported",
        ),
        (CORRUPT, "artifact zip unreadable: corrupt member canary_resp.json (Error -3 while"),
    ],
)
def test_a_zip_that_cannot_be_read_says_why(data, note):
    read = read_member(data)
    assert read.text is None and (read.note or "").startswith(note), read.note


def test_one_bad_zip_is_one_runs_missing_evidence_and_the_others_count():
    zips = {
        7: ENCRYPTED,
        6: DEFLATE64,
        5: CORRUPT,
        4: CANARY_OK,
        3: CANARY_OK,
        2: CANARY_OK,
        1: CANARY_OK,
    }
    with api_server(evidence_server(zips, "success")) as (base, _):
        past = history(base, 7, artifact="golive-evidence")
    assert past.error is None, past.error
    result = judge_canary_rate(past, None, 7, 7, 95)
    sources = [r["source"] for r in result.metrics["runs"]]
    assert sources[:3] == [
        "conclusion success (artifact zip unreadable: encrypted member canary_resp.json)",
        "conclusion success (artifact zip unreadable: compression method 9 of canary_resp.json "
        "is not supported)",
        "conclusion success (artifact zip unreadable: corrupt member canary_resp.json (Error -3 "
        "while decompressing data: invalid block type))",
    ]
    assert sources[3:] == ["artifact canary_resp.json"] * 4
    assert result.verdict is Verdict.PASS and result.reason == "7 of 7 runs PASS (100.0 %) >= 95 %"


# ----------------------------------------------------------------------------- 7. the terminal


BREAKS = ("\r", "\n", "\r\n", "\x0b", "\x0c", "\x85", "\u2028", "\u2029")


def test_no_text_of_the_api_starts_a_line_that_canary_rate_prints(run_cli):
    def api(h: BaseHTTPRequestHandler, path: str, query: dict[str, list[str]]) -> None:
        base = f"http://{h.headers['Host']}"
        if path == RUNS:
            runs = []
            for i, brk in enumerate(BREAKS, start=1):
                hostile = run(i, "success")
                hostile["html_url"] = f"https://github.example/runs/{i}{brk}::warning::owned{i}"
                runs.append(hostile)
            json_reply(h, listing(*runs))
        elif path == ARTIFACTS:
            listed = [artifact(i, f"{base}/zips/{i}.zip") for i in range(1, len(BREAKS) + 1)]
            json_reply(h, {"total_count": len(listed), "artifacts": listed})
        else:  # a member name that is refused, and so named in the note
            name = f"../\r::error::member/{path}/canary_resp.json"
            reply(200, zipped({name: b'{"ok": true}'}), "application/zip")(h)

    with api_server(api) as (base, _):
        env = rate_env(base)
        result = run_cli(
            "canary", "rate", "--runs", str(len(BREAKS)), "--canary-min-runs", "1", env=env
        )
    assert result.code == 0, result.out + result.err
    assert "owned1" in result.out and "::error::member" in result.out  # shown, and inert
    for line in re.split(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]", result.out + result.err):
        assert not line.strip().startswith("::"), repr(line)


def test_an_api_message_with_a_cr_is_one_line_in_the_reason(run_cli):
    def api(h: BaseHTTPRequestHandler, path: str, query: dict[str, list[str]]) -> None:
        json_reply(h, {"message": "no\r::error::owned"}, 403)

    with api_server(api) as (base, _):
        result = run_cli("canary", "rate", env=rate_env(base))
    assert result.code == 1
    assert result.out.startswith(
        "INCONCLUSIVE: the token may not read workflow runs (no ::error::owned)"
    )
    for line in re.split(r"[\r\n]", result.out):
        assert not line.strip().startswith("::"), repr(line)


def test_the_zip_fixtures_are_what_they_say():
    with zipfile.ZipFile(io.BytesIO(ENCRYPTED)) as archive:
        assert archive.infolist()[0].flag_bits & 0x1
    with zipfile.ZipFile(io.BytesIO(DEFLATE64)) as archive:
        assert archive.infolist()[0].compress_type == 9
