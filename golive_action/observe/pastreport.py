"""A past run's golive-report.json, taken from its artifact: used as evidence only once it is
a golive report, held to every rule ``golive judge`` holds a report file to (nesting bounded,
valid against schemas/report.schema.json, read back, not contradicting itself). Any other
document named so (``{"checks": [{"id": "canary", "verdict": "pass"}]}``) is no evidence,
and the run's note says why."""

from __future__ import annotations

from functools import cache

from golive_action.model import GateReport
from golive_action.report.jsonreport import ReportError, ReportReader
from golive_action.text import one_line

MEMBER = "golive-report.json"


@cache
def _reader() -> ReportReader:
    # The schema compiled once per process (the canary history and the trends read many).
    return ReportReader()


def read_past_report(text: str) -> tuple[GateReport | None, str | None]:
    """(the report, None), or (None, why it is no golive report: one line)."""
    try:
        return _reader().read_text(text, MEMBER), None
    except ReportError as exc:
        detail = exc.problem.removeprefix(f"{MEMBER}: ")
        return None, one_line(f"{MEMBER} is not a golive report ({detail})", 240)
