"""The judge: pure functions from observations and thresholds to verdicts. No I/O, no clock."""

from __future__ import annotations

from dataclasses import dataclass

from golive_action.config import GateConfig
from golive_action.judge.canary import judge_canary, judge_canary_rate
from golive_action.judge.gate import gate_error
from golive_action.judge.health import judge_health
from golive_action.judge.matrix import MATRIX, decide, judge_criterion
from golive_action.judge.nginx import judge_nginx_ws
from golive_action.judge.preflight import judge_preflight
from golive_action.judge.rollback import from_check
from golive_action.judge.spike import judge_5xx_spike
from golive_action.judge.webapp import (
    judge_polling_ui,
    judge_ticker,
    judge_ui_responsive,
    judge_ws_flag,
)
from golive_action.judge.ws import judge_ws
from golive_action.model import (
    CheckResult,
    Criterion,
    Decision,
    Observations,
    RollbackTrigger,
    Verdict,
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
    checks = [
        judge_health(
            check_id,
            title,
            observations.http.get(check_id, []),
            observations.probe_errors.get(check_id),
            config.health_rate_min,
            config.min_samples_required,
            config.thresholds,
            config.health_expectation,
        )
        for check_id, title in HEALTH_CHECKS
    ]
    checks.append(judge_preflight(config))
    http, errors = observations.http, observations.probe_errors
    checks.append(
        judge_ticker(
            http.get("ticker", []),
            http.get("orderbook", []),
            errors.get("ticker"),
            config.ws_pair,
            config.ticker_max_age_s,
        )
    )
    checks.append(
        judge_ws_flag(
            http.get("ws-flag", []),
            errors.get("ws-flag"),
            config.ws_flag,
            config.ws_flag_expected,
            config.ws_flag_pointer,
        )
    )
    ui = judge_ui_responsive(
        http.get("ui", []),
        errors.get("ui"),
        config.ui_p95_max_ms,
        config.health_rate_min,
        config.min_samples_required,
    )
    checks.append(ui)
    if config.mode == "rollback":
        checks.append(judge_polling_ui(http.get("ui", []), errors.get("ui")))
    checks.append(judge_nginx_ws(observations.nginx, config.nginx_ws_location))
    ws_triggers: tuple[RollbackTrigger, ...] = ()
    canary_triggers: tuple[RollbackTrigger | None, ...] = ()
    if config.mode != "rollback":
        configured = config.canary_file is not None or config.spark_api_url is not None
        canary = judge_canary(http.get("canary", []), errors.get("canary"), configured)
        rate = judge_canary_rate(
            observations.canary_history,
            canary.verdict if configured else None,
            config.canary_window,
            config.canary_runs_needed,
            config.canary_rate_min,
        )
        if errors.get("canary-history"):
            rate = CheckResult(rate.id, rate.title, Verdict.ERROR, errors["canary-history"])
        checks += [canary, rate]
        canary_triggers = (from_check("canary-rate", rate),)
        ws = judge_ws(
            observations.ws, errors.get("ws"), observations.clock, observations.app_metrics, config
        )
        checks.extend(ws.checks)
        ws_triggers = ws.triggers
    every_answer = [s for samples in observations.http.values() for s in samples]
    spike = judge_5xx_spike(
        every_answer,
        config.spike_window_s,
        config.spike_5xx_max_percent,
        # Fewer answers asked for than the minimum: the user chose a small run; judge on it.
        min(config.spike_min_requests, config.samples * len(HEALTH_CHECKS)),
        observations.access_log,
    )
    checks.append(spike)
    criteria = tuple(judge_criterion(spec, checks) for spec in MATRIX[config.mode])
    fired = (
        *ws_triggers,
        from_check("ui-unresponsive", ui),
        from_check("5xx-spike", spike),
        *canary_triggers,
    )
    triggers = tuple(t for t in fired if t is not None)
    decision, reason = decide(criteria)
    if observations.interrupted is not None:
        # The checks above stay, judged on the evidence recorded before the interruption, but
        # a run cut short is never a GO, however well it went until then.
        reason = observations.interrupted.describe()
        gate_check, gate_criterion = gate_error(reason)
        checks.insert(0, gate_check)
        criteria = (gate_criterion, *criteria)
        decision = Decision.NO_GO
    return Judgement(decision, reason, criteria, tuple(checks), triggers)
