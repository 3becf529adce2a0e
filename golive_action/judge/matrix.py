"""The checklist's Go/No-Go matrix: criteria drawn from named checks, and the decision."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from golive_action.ids import MODES, CheckId, Mode
from golive_action.judge.registry import CriterionSpec, criteria_for
from golive_action.model import LETS_GO, CheckResult, Criterion, Decision, Verdict, worst
from golive_action.text import labelled

# The checklist's Go/No-Go matrix by mode, drawn from the registry: each row lists the
# checks that feed it in that mode. A check the judge did not produce makes its row
# inconclusive.
MATRIX: dict[Mode, tuple[CriterionSpec, ...]] = {mode: criteria_for(mode) for mode in MODES}


def judge_criterion(spec: CriterionSpec, checks: Sequence[CheckResult]) -> Criterion:
    """The worst verdict of the checks drawn from. An optional check left off by the
    configuration is named in the reason but does not pull the verdict; when all are off,
    the row is skipped. A waived check makes the row waived (never a plain pass). A check
    the judge did not produce at all is inconclusive: never a silent pass."""
    by_id = {c.id: c for c in checks}
    drawn = [by_id[i] for i in spec.checks if i in by_id]
    active = [c for c in drawn if c.verdict is not Verdict.SKIPPED]
    skipped = [c for c in drawn if c.verdict is Verdict.SKIPPED]
    missing = [i for i in spec.checks if i not in by_id]
    verdict = worst([c.verdict for c in active]) if active else Verdict.SKIPPED
    if missing:
        verdict = worst([verdict, Verdict.INCONCLUSIVE])
    if verdict in LETS_GO:
        parts = [labelled(c.id, c.reason) for c in active]
    else:
        parts = [labelled(c.id, c.reason) for c in active if c.verdict is not Verdict.PASS]
        parts += [f"{i}: not judged" for i in missing]
    if verdict in LETS_GO:  # a failure's reason is the failure alone
        parts += [labelled(c.id, c.reason) for c in skipped]
    return Criterion(spec.id, spec.title, verdict, "; ".join(parts), spec.checks)


# The Why line names every failed criterion up to this many, each with its first reason:
# the rest is in the matrix below it.
_WHY_CRITERIA = 4
_WHY_REASON_CHARS = 160


def _first_reason(criterion: Criterion, by_id: Mapping[CheckId, CheckResult]) -> str:
    """The first failing check of a criterion and the first clause of its reason, short
    enough for one line (the criterion's full reason when its checks are not at hand)."""
    failed = [by_id[i] for i in criterion.checks if i in by_id and by_id[i].verdict not in LETS_GO]
    # The check that gave the row its verdict leads (a fail before an inconclusive one).
    failed = sorted(
        (c for c in failed if c.verdict is not Verdict.SKIPPED),
        key=lambda c: c.verdict is not criterion.verdict,
    )
    if failed:
        first = labelled(failed[0].id, failed[0].reason.split("; ", 1)[0])
    else:
        first = criterion.reason.split("; ", 1)[0] or "not judged"
    if len(first) > _WHY_REASON_CHARS:
        first = first[: _WHY_REASON_CHARS - 1].rstrip() + "…"
    return first


def decide(
    criteria: Sequence[Criterion],
    checks: Sequence[CheckResult] = (),
    absent: Sequence[str] = (),
) -> tuple[Decision, str]:
    """GO only when every criterion passes (the checklist: all must be green), or is waived
    by name, and at least one passes. A GO's reason says what nobody saw: the waived checks
    first ("GO with waivers: canary"), then the optional checks that did not run and the
    optional inputs (``absent``) not given. A gate with nothing judged is NO-GO."""
    if not criteria:
        return Decision.NO_GO, "no criterion was judged"
    failing = [c for c in criteria if c.verdict not in LETS_GO]
    passed = [c for c in criteria if c.verdict is Verdict.PASS]
    if failing:
        by_id = {c.id: c for c in checks}
        shown = [f"{c.id} {c.verdict.value}: {_first_reason(c, by_id)}" for c in failing]
        if len(shown) > _WHY_CRITERIA:
            shown[_WHY_CRITERIA:] = [f"and {len(shown) - _WHY_CRITERIA} more criteria"]
        return Decision.NO_GO, "; ".join(shown)
    if not passed:
        if any(c.verdict is Verdict.WAIVED for c in criteria):
            return Decision.NO_GO, "no criterion passed: every one was waived or skipped"
        return Decision.NO_GO, "every criterion was skipped: nothing was judged"
    waived = [c.id for c in checks if c.verdict is Verdict.WAIVED]
    skipped = [c.id for c in checks if c.verdict is Verdict.SKIPPED]
    with_waivers = [c.id for c in criteria if c.verdict is Verdict.WAIVED]
    unjudged = [c.id for c in criteria if c.verdict is Verdict.SKIPPED]
    counted = f"{len(passed)} of {len(criteria)} criteria pass"
    if with_waivers:
        counted += f", {len(with_waivers)} with waivers"
    if unjudged:
        counted += f", {len(unjudged)} skipped: {', '.join(unjudged)}"
    if waived:
        reason = f"GO with waivers: {', '.join(waived)}; {counted}"
    elif unjudged:
        reason = f"every criterion judged passes ({counted})"
    else:
        reason = f"every criterion passes ({len(passed)} of {len(criteria)})"
    if skipped:
        reason += f"; optional, not run: {', '.join(skipped)}"
    if absent:
        reason += f"; optional inputs not given: {', '.join(absent)}"
    return Decision.GO, reason
