"""preflight (the checklist's "Secrets & Environment"): the inputs the gate needs are there
and agree with the mode. It names what is missing or inconsistent, never a value.

What is needed comes from the registry: every check the mode requires (and the user did not
waive) names the inputs it runs on; ``Demand`` is one such set of inputs, not given."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from golive_action.ids import CheckId
from golive_action.limits import PreflightFacts
from golive_action.model import CheckResult, Verdict
from golive_action.text import listed

TITLE = "Secrets and environment"


@dataclass(frozen=True)
class Demand:
    """Inputs that required checks run on and that were not given."""

    missing: str  # as the reason says it: "ws-url is not set (the BTCTurk WebSocket endpoint)"
    checks: tuple[CheckId, ...]  # the required checks that cannot run without them


def judge_preflight(
    facts: PreflightFacts, demands: Sequence[Demand] = (), present: Sequence[str] = ()
) -> CheckResult:
    """``demands``: what the mode's required checks miss; ``present``: the inputs they run
    on that were given, as the reason lists them."""
    problems = [f"{d.missing}, needed by {listed(list(d.checks))}" for d in demands]
    given = facts.given
    if "spark-api-url" in given and "spark-api-token" not in given:
        problems.append(
            "spark-api-token is not set, but spark-api-url is (the SPARK_API_TOKEN secret)"
        )
    if "spark-api-token" in given and "spark-api-url" not in given:
        problems.append(
            "spark-api-url is not set, but spark-api-token is (the SPARK_API_URL secret)"
        )
    if facts.ws_flag is not None and facts.ws_flag != facts.ws_flag_expected:
        state = "true" if facts.ws_flag else "false"
        problems.append(
            f"ws-flag is {state} but mode {facts.mode} needs it "
            f"{'true' if facts.ws_flag_expected else 'false'}"
        )
    waived = sorted(facts.waived)
    metrics = {"present": list(present), "problems": len(problems), "waived": waived}
    thresholds = {"problems": "count==0"}
    if problems:
        return CheckResult(
            "preflight", TITLE, Verdict.FAIL, "; ".join(problems), 0, metrics, thresholds
        )
    reason = f"set: {', '.join(present)}" if present else "no input is needed"
    if waived:
        reason += f"; not needed, waived: {', '.join(waived)}"
    return CheckResult("preflight", TITLE, Verdict.PASS, reason, 0, metrics, thresholds)
