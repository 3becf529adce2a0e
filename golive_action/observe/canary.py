"""Run the canary (POST with the bearer token) or read a saved response file. Records the
raw answer; the judge decides (the report redacts what it stores)."""

from __future__ import annotations

import time

from golive_action import jsondoc
from golive_action.files import FileProblem, read_regular
from golive_action.model import HttpSample
from golive_action.observe.http import HttpLimits, fetch, new_session

CANARY_BODY_CAP = 1024 * 1024


def run_canary(url: str, body: str, token: str | None, limits: HttpLimits) -> list[HttpSample]:
    # The whole body is kept (up to the cap): it is the evidence, saved as canary_resp.json.
    kept = HttpLimits(
        limits.timeout_s, CANARY_BODY_CAP, CANARY_BODY_CAP, limits.max_redirects, limits.ca_bundle
    )
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with new_session(kept) as session:
        # A POST is not retried on a refusal: a canary that ran twice is not one canary.
        return [
            fetch(
                session,
                "canary",
                url,
                kept,
                method="POST",
                json_body=jsondoc.loads(body),
                headers=headers,
            )
        ]


def read_canary_file(path: str) -> list[HttpSample]:
    at = time.time()

    def failed(error: str, kind: str) -> list[HttpSample]:
        return [HttpSample("canary-file", path, at, None, error=error, error_kind=kind)]

    try:
        data = read_regular(path, CANARY_BODY_CAP)
    except FileProblem as exc:
        return failed(str(exc.strerror), "unreadable")
    if len(data) > CANARY_BODY_CAP:
        return failed(f"{path} is over the cap of {CANARY_BODY_CAP} bytes", "too-large")
    text = data.decode("utf-8", errors="replace")
    return [HttpSample("canary-file", path, at, None, body=text, body_bytes=len(data))]
