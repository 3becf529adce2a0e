"""The judge: pure functions from observations and thresholds to verdicts. No I/O, no clock."""

from __future__ import annotations

from dataclasses import dataclass

from golive_action.config import GateConfig
from golive_action.judge.health import judge_health
from golive_action.judge.matrix import CRITERIA, decide, judge_criterion
from golive_action.model import (
    CheckResult,
    Criterion,
    Decision,
    Observations,
    RollbackTrigger,
)


@dataclass(frozen=True)
class Judgement:
    decision: Decision
    reason: str
    criteria: tuple[Criterion, ...]
    checks: tuple[CheckResult, ...]
    triggers: tuple[RollbackTrigger, ...]


HEALTH_CHECKS = (
    ("web-health", "Web health (GET /api/public/health)"),
    ("executor-health", "Executor health (GET /health)"),
)


def judge(observations: Observations, config: GateConfig) -> Judgement:
    checks = tuple(
        judge_health(
            check_id,
            title,
            observations.http.get(check_id, []),
            observations.probe_errors.get(check_id),
            config.health_rate_min,
            config.min_samples_required,
            config.thresholds,
        )
        for check_id, title in HEALTH_CHECKS
    )
    criteria = tuple(judge_criterion(spec, checks) for spec in CRITERIA)
    decision, reason = decide(criteria)
    return Judgement(decision, reason, criteria, checks, triggers=())
