"""preflight (the checklist's "Secrets & Environment"): the inputs the gate needs are there
and agree with the mode. It names what is missing or inconsistent, never a value."""

from __future__ import annotations

from golive_action.limits import PreflightFacts
from golive_action.model import CheckResult, Verdict

TITLE = "Secrets and environment"


def judge_preflight(facts: PreflightFacts) -> CheckResult:
    problems: list[str] = []
    present: list[str] = []
    needs_ws = facts.mode in ("go-live", "monitor")
    for name, value in (
        ("web-url", facts.web_url),
        ("executor-url", facts.executor_url),
        ("ws-url", facts.ws_url or not needs_ws),
    ):
        if value:
            present.append(name)
        else:
            why = " (the BTCTurk WebSocket endpoint)" if name == "ws-url" else ""
            problems.append(f"{name} is not set{why}")
    token, url = facts.spark_api_token, facts.spark_api_url
    if url and not token:
        problems.append(
            "spark-api-token is not set, but spark-api-url is (the SPARK_API_TOKEN secret)"
        )
    if token and not url:
        problems.append(
            "spark-api-url is not set, but spark-api-token is (the SPARK_API_URL secret)"
        )
    if url and token:
        present.append("spark-api-url and spark-api-token")
    if facts.ws_flag is not None and facts.ws_flag != facts.ws_flag_expected:
        state = "true" if facts.ws_flag else "false"
        problems.append(
            f"ws-flag is {state} but mode {facts.mode} needs it "
            f"{'true' if facts.ws_flag_expected else 'false'}"
        )
    metrics = {"present": present, "problems": len(problems)}
    thresholds = {"problems": "count==0"}
    if problems:
        return CheckResult(
            "preflight",
            TITLE,
            Verdict.FAIL,
            "; ".join(problems),
            0,
            metrics,
            thresholds,
        )
    return CheckResult(
        "preflight",
        "Secrets and environment",
        Verdict.PASS,
        f"set: {', '.join(present)}",
        0,
        metrics,
        thresholds,
    )
