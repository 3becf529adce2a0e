"""The gate workflow's past runs for the trends (README "Trends"): their reports read from
their evidence artifacts (the download path of the canary's history: capped, the token to
the API's origin alone, within the budget), each used only once it is a golive report
(``pastreport``), and kept as its decision and headline figures only."""

from __future__ import annotations

import math

from golive_action.model import Headline, PastRun, TrendHistory, TrendPoint
from golive_action.observe.budget import Budget
from golive_action.observe.history import list_runs
from golive_action.observe.pastreport import MEMBER, read_past_report

# A report of a long window is larger than a canary's answer; the zip stays capped.
REPORT_MEMBER_CAP = 32 * 1024 * 1024
# The headline's figures a trend follows (Headline's names; canary is a word, not a figure).
FIGURES = tuple(name for name in Headline.__dataclass_fields__ if name != "canary")


def fetch_trends(
    token: str,
    repository: str,
    workflow: str,
    runs: int,
    api_url: str,
    branch: str | None = None,
    event: str | None = None,
    exclude_run: int | None = None,
    timeout_s: float = 10.0,
    artifact: str = "golive-evidence",
    budget: Budget | None = None,
) -> TrendHistory:
    """The newest ``runs`` completed runs of ``workflow``, each with the figures of the
    golive-report.json its artifact holds."""
    listed, failed = list_runs(
        token, repository, workflow, runs, api_url, branch, event, exclude_run, timeout_s,
        artifact, (MEMBER,), REPORT_MEMBER_CAP, budget,
    )  # fmt: skip
    points = tuple(point_of(run) for run in listed)
    if failed is not None:
        kind, reason = failed
        return TrendHistory(repository, workflow, points, error=reason, error_kind=kind)
    return TrendHistory(repository, workflow, points)


def point_of(run: PastRun) -> TrendPoint:
    """A past run's decision and figures, from its report; a note of why none, else."""
    base = TrendPoint(run.id, run.created_at, run.url, run.conclusion)
    if run.artifact_body is None:
        note = run.artifact_note or "no evidence artifact"
        return TrendPoint(**{**base.to_dict(), "note": note})
    decision, figures, problem = figures_of(run.artifact_body)
    if problem is not None:
        return TrendPoint(**{**base.to_dict(), "note": problem})
    return TrendPoint(**{**base.to_dict(), "decision": decision, "figures": figures})


def figures_of(text: str) -> tuple[str | None, dict[str, float | None], str | None]:
    """(decision, figures, problem) of a report's text: only what a trend reads, each
    figure a finite number or None; a document that is not a golive report is a problem,
    not a trend."""
    report, problem = read_past_report(text)
    if report is None:
        return None, {}, problem
    headline = report.headline.to_dict()
    figures: dict[str, float | None] = {}
    for name in FIGURES:
        value = headline.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            figures[name] = float(value) if math.isfinite(value) else None
        else:
            figures[name] = None
    return report.decision.value, figures, None
