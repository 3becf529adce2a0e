"""The judge: pure functions from observations and limits to verdicts. No I/O, no clock.

``judge()`` walks the registry (``registry.CHECKS``): each check of the mode is judged from
the evidence, the matrix rows are drawn from the checks, the triggers from their checks."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from golive_action.ids import TRIGGER_IDS, CheckId
from golive_action.judge.gate import gate_error
from golive_action.judge.headline import headline
from golive_action.judge.matrix import MATRIX, decide, judge_criterion
from golive_action.judge.metrics import with_thresholds
from golive_action.judge.pill import pill_timeline
from golive_action.judge.registry import (
    Evidence,
    checks_for,
    optional_absent,
    required_but_skipped,
    unseen,
)
from golive_action.judge.ws import pill_latency_ms, ws_state
from golive_action.limits import Limits
from golive_action.model import (
    CheckResult,
    Criterion,
    Decision,
    GateReport,
    Headline,
    MergeRecord,
    Observations,
    Pill,
    PillTimeline,
    RollbackTrigger,
    Verdict,
    WsState,
)


@dataclass(frozen=True)
class Judgement:
    decision: Decision
    reason: str
    criteria: tuple[Criterion, ...]
    checks: tuple[CheckResult, ...]
    triggers: tuple[RollbackTrigger, ...]
    ws_state: WsState | None = None
    pill: Pill | None = None
    headline: Headline = field(default_factory=Headline)
    pill_timeline: PillTimeline | None = None
    # The checks that did not run (waived, or their inputs not given): a merge counts a
    # check on the runners that ran it.
    unseen: frozenset[CheckId] = frozenset()

    def report(
        self,
        *,
        mode: str,
        profile: str,
        started_at: str,
        duration_s: float,
        observations: Observations,
        version: str,
        config: Mapping[str, Any] | None,
        merge: MergeRecord | None = None,
    ) -> GateReport:
        """The report of this judgement: the run's own facts beside it."""
        return GateReport(
            decision=self.decision,
            reason=self.reason,
            mode=mode,
            profile=profile,
            started_at=started_at,
            duration_s=duration_s,
            criteria=self.criteria,
            checks=self.checks,
            triggers=self.triggers,
            observations=observations,
            version=version,
            ws_state=self.ws_state,
            pill=self.pill,
            headline=self.headline,
            pill_timeline=self.pill_timeline,
            config=config,
            merge=merge,
        )


class Configured(Protocol):
    """Anything that gives limits: a ``GateConfig``, without the judge importing it."""

    def limits(self) -> Limits: ...


def judge(observations: Observations, limits: Limits | Configured) -> Judgement:
    """Judge the observations against the limits (or a configuration's limits)."""
    if not isinstance(limits, Limits):
        limits = limits.limits()
    given = limits.preflight.given
    judged: dict[CheckId, CheckResult] = {}
    fired: list[RollbackTrigger] = []
    for spec in checks_for(limits.mode):
        # Each check sees what its entry names, and the checks judged before it.
        evidence = Evidence(observations, limits, judged, spec.probes, spec.files)
        # A file that only adds to a check (the access log to the health checks) is not
        # evidence enough to judge it without its own inputs: it did not run.
        own = tuple(f for f in spec.files if f not in spec.adds)
        recorded = Evidence(observations, limits, judged, spec.probes, own).recorded()
        not_run = unseen(spec, limits, recorded)
        if not_run is not None:  # waived, or not run: its triggers are not evaluated
            judged[spec.id] = dataclasses.replace(not_run, ran=False)
            continue
        check = spec.judge(evidence)
        if check.verdict is Verdict.SKIPPED and spec.required_in(limits.mode, given):
            check = required_but_skipped(check, limits.mode)
        check = with_thresholds(check, evidence, limits.thresholds)
        judged[spec.id] = check
        for trigger in spec.triggers:
            result = trigger.fire(evidence, check)
            if result is not None:
                fired.append(result)
    checks = list(judged.values())
    criteria = tuple(judge_criterion(row, checks) for row in MATRIX[limits.mode])
    # The checklist lists the triggers in this order; the report keeps it.
    triggers = tuple(sorted(_one_each(fired), key=lambda t: TRIGGER_IDS.index(t.id)))
    decision, reason = decide(criteria, checks, optional_absent(limits))
    if observations.interrupted is not None:
        # The checks above stay, judged on the evidence recorded before the interruption, but
        # a run cut short is never a GO, however well it went until then.
        reason = observations.interrupted.describe()
        gate_check, gate_criterion = gate_error(reason)
        checks.insert(0, gate_check)
        criteria = (gate_criterion, *criteria)
        decision = Decision.NO_GO
    state = _ws_state(observations, limits, judged, triggers)
    pill = None if state is None else Pill.of(state, pill_latency_ms(observations.ws, limits.ws))
    # The pill over time, in the modes whose checks watch the feed.
    watched = any("ws" in spec.probes for spec in checks_for(limits.mode))
    timeline = pill_timeline(observations.ws, limits.ws) if watched else None
    return Judgement(
        decision,
        reason,
        criteria,
        tuple(checks),
        triggers,
        state,
        pill,
        headline(judged),
        timeline,
        frozenset(c.id for c in checks if not c.ran),
    )


def _one_each(evaluated: list[RollbackTrigger]) -> list[RollbackTrigger]:
    """One result per trigger: a trigger that two checks evaluate (ui-unresponsive, from the
    page's load and from the page in a browser) fires when either fires, for their reasons."""
    by_id: dict[str, list[RollbackTrigger]] = {}
    for trigger in evaluated:
        by_id.setdefault(trigger.id, []).append(trigger)
    merged = []
    for same in by_id.values():
        if len(same) == 1:
            merged.append(same[0])
            continue
        fired = [t for t in same if t.fired]
        told = fired or same
        evidence = told[0].evidence if len(told) == 1 else {"from": [t.evidence for t in told]}
        reason = "; ".join(t.reason for t in told)
        merged.append(RollbackTrigger(same[0].id, bool(fired), reason, evidence))
    return merged


def _ws_state(
    observations: Observations,
    limits: Limits,
    judged: dict[CheckId, CheckResult],
    triggers: tuple[RollbackTrigger, ...],
) -> WsState | None:
    """As the pill shows it; DISABLED when the rollback validation finds the flag off."""
    if limits.mode == "rollback":
        flag = judged.get("ws-flag")
        return "DISABLED" if flag is not None and flag.metrics.get("flag") is False else None
    latency, feed = judged.get("ws-latency"), judged.get("ws-feed")
    if latency is None or feed is None:
        return None
    reconnects = next((t for t in triggers if t.id == "ws-reconnects"), None)
    return ws_state(observations.ws, latency, feed, reconnects, limits.ws)
