"""The ``gate`` check and criterion: the gate itself did not run to its end (an internal fault,
bad input, an interruption). Its verdict is an error, so the decision is NO-GO."""

from __future__ import annotations

from golive_action.ids import GATE_ID
from golive_action.model import CheckResult, Criterion, Verdict


def gate_error(reason: str) -> tuple[CheckResult, Criterion]:
    check = CheckResult(GATE_ID, "The gate itself", Verdict.ERROR, reason)
    criterion = Criterion(GATE_ID, "The gate ran", Verdict.ERROR, reason, (GATE_ID,))
    return check, criterion
