"""Many runners' evidence, one judgement (README "Merging runners"). Pure: each runner's own
judgement (with one set of limits) and its pooled figures in, one judgement out.

A check counts on the runners that ran it, and its verdict is the worst of theirs: a region
that fails fails the merge, and its name leads the reason. Percentiles are never averaged:
each is computed again over the pooled samples (round trips, the probe's own event
latencies merged bucket by bucket, each endpoint's response times). A runner that sent no
report fails the ``runners`` criterion unless ``min-runners`` says fewer are enough."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from golive_action.ids import (
    GATE_ID,
    HEALTH_IDS,
    RUNNERS_ID,
    TRIGGER_IDS,
    CheckId,
    HttpProbeId,
    is_http_probe,
)
from golive_action.judge import Judgement
from golive_action.judge.matrix import MATRIX, decide, judge_criterion
from golive_action.judge.ws import round_trips
from golive_action.limits import Limits
from golive_action.model import (
    LETS_GO,
    CanaryWord,
    CheckResult,
    Criterion,
    Decision,
    Headline,
    LatencyHistogram,
    Pill,
    RollbackTrigger,
    Verdict,
    WsObservation,
    WsState,
    worst,
)
from golive_action.stats import percentile
from golive_action.text import plural

# A reason names this many runners, then counts the rest.
_NAMED = 5


@dataclass
class Pool:
    """The samples a merge pools, from one runner or from many."""

    round_trips: list[float] = field(default_factory=list)  # ping round trips, ms
    event_latency: LatencyHistogram = field(default_factory=LatencyHistogram)
    # Each HTTP endpoint's response times (ms), and its answers: all, and those in error.
    http_ms: dict[HttpProbeId, list[float]] = field(default_factory=dict)
    http_samples: dict[HttpProbeId, int] = field(default_factory=dict)
    http_errors: dict[HttpProbeId, int] = field(default_factory=dict)

    def add(self, other: Pool) -> None:
        self.round_trips.extend(other.round_trips)
        self.event_latency.merge(other.event_latency)
        for probe, values in other.http_ms.items():
            self.http_ms.setdefault(probe, []).extend(values)
        for probe, count in other.http_samples.items():
            self.http_samples[probe] = self.http_samples.get(probe, 0) + count
        for probe, count in other.http_errors.items():
            self.http_errors[probe] = self.http_errors.get(probe, 0) + count


def pool_of(
    ws: WsObservation | None, http: Mapping[str, Mapping[str, Sequence[Any]]], limits: Limits
) -> Pool:
    """One runner's samples, as its own checks counted them: its WebSocket observation, and
    its HTTP samples as a report holds them, one column per field (``Observations``'
    ``to_dict()``): a merge reads them without making a sample of each."""
    pool = Pool()
    if ws is not None:
        pool.round_trips = round_trips(ws, limits.ws)
        pool.event_latency.merge(ws.event_latency)
    for probe, columns in http.items():
        if not is_http_probe(probe):  # type: ignore[arg-type]
            continue
        firsts = [
            (ms, error)
            for ms, error, again in zip(
                columns["elapsed_ms"], columns["error"], columns["confirmation"], strict=True
            )
            if not again
        ]
        pool.http_ms[probe] = [ms for ms, _ in firsts if ms is not None]
        pool.http_samples[probe] = len(firsts)
        pool.http_errors[probe] = sum(1 for _, error in firsts if error is not None)
    return pool


@dataclass(frozen=True)
class RunnerJudged:
    """One runner of a merge: its name, the file its report came from (or the path or glob
    that found none), and its own judgement and samples when it sent a report."""

    name: str
    source: str
    judgement: Judgement | None = None
    pool: Pool | None = None
    started_at: str | None = None
    problem: str | None = None  # why there is no judgement: no report, or an unreadable one
    # The runner whose report this one is a copy of (the same run): it counts once, there.
    copy_of: str | None = None


@dataclass(frozen=True)
class Merged:
    """The merge's judgement, and its pooled figures for the summary and the report."""

    judgement: Judgement
    runners: tuple[RunnerJudged, ...]
    pooled: Mapping[str, Any]  # README "Merging runners": figures over every runner's samples


def merge_judgements(
    runners: Sequence[RunnerJudged], limits: Limits, min_runners: int | None
) -> Merged:
    """One judgement of every runner's evidence: the checks each counted where they ran,
    the ``runners`` criterion, the matrix, the triggers and the pooled headline. A copy of
    another runner's report is named in the record and counted nowhere."""
    every = tuple(runners)
    runners = [r for r in runners if r.copy_of is None]
    reported = [r for r in runners if r.judgement is not None]
    pool = Pool()
    for runner in reported:
        if runner.pool is not None:
            pool.add(runner.pool)
    checks = [_merged_check(check_id, reported, pool) for check_id in _check_ids(reported)]
    runners_check = _runners_check(runners, min_runners)
    checks.insert(0, runners_check)
    runners_criterion = Criterion(
        RUNNERS_ID,
        "Every runner reported",
        runners_check.verdict,
        runners_check.reason,
        (RUNNERS_ID,),
    )
    rows = tuple(judge_criterion(row, checks) for row in MATRIX[limits.mode])
    criteria: tuple[Criterion, ...] = (runners_criterion, *rows)
    gate = next((c for c in checks if c.id == GATE_ID), None)
    if gate is not None:  # a runner's gate did not run to its end (interrupted, say)
        criteria = (
            Criterion(GATE_ID, "The gate ran", gate.verdict, gate.reason, (GATE_ID,)),
            *criteria,
        )
    triggers = _merged_triggers(reported)
    decision, reason = decide(criteria, checks)
    if not reported:
        decision = Decision.NO_GO
    state = _worst_state(reported)
    pooled = _pooled_figures(pool)
    headline = _headline(reported, pool)
    judgement = Judgement(
        decision,
        reason,
        criteria,
        tuple(checks),
        triggers,
        state,
        None if state is None else Pill.of(state, headline.ws_latency_p95_ms),
        headline,
        None,
    )
    return Merged(judgement, every, pooled)


def _check_ids(reported: Sequence[RunnerJudged]) -> list[CheckId]:
    ids: dict[CheckId, None] = {}
    for runner in reported:
        assert runner.judgement is not None
        for check in runner.judgement.checks:
            ids.setdefault(check.id, None)
    return list(ids)


def _named(names: Sequence[str]) -> str:
    shown = ", ".join(names[:_NAMED])
    return shown + (f" and {len(names) - _NAMED} more" if len(names) > _NAMED else "")


def _merged_check(check_id: CheckId, reported: Sequence[RunnerJudged], pool: Pool) -> CheckResult:
    results: list[tuple[RunnerJudged, CheckResult]] = []
    for runner in reported:
        assert runner.judgement is not None
        check = next((c for c in runner.judgement.checks if c.id == check_id), None)
        if check is not None:
            results.append((runner, check))
    by_runner = {r.name: c.verdict.value for r, c in results}
    failures = {r.name: c.reason for r, c in results if c.verdict not in LETS_GO}
    seen = [
        (r, c) for r, c in results if check_id not in (r.judgement.unseen if r.judgement else ())
    ]
    first = results[0][1]
    if not seen:  # run nowhere: as each runner judged it (waived, skipped, or required)
        reason = f"on no runner: {first.reason}"
        return CheckResult(
            check_id,
            first.title,
            first.verdict,
            reason,
            0,
            {"runners": by_runner},
            first.thresholds,
        )
    active = [(r, c) for r, c in seen if c.verdict not in (Verdict.SKIPPED, Verdict.WAIVED)]
    counted = active or seen
    verdict = worst([c.verdict for _, c in counted])
    leaders = [(r, c) for r, c in counted if c.verdict is verdict]
    names = [r.name for r, _ in leaders]
    if verdict in LETS_GO:
        every = _named([r.name for r, _ in counted])
        reason = f"{verdict.value} on {plural(len(counted), 'runner')} ({every})"
    else:
        runner, check = leaders[0]
        reason = f"{runner.name}: {check.reason}"
        if len(names) > 1:
            reason += f"; also {verdict.value} on {_named(names[1:])}"
    seen_on = {r.name for r, _ in seen}
    elsewhere = [r.name for r, _ in results if r.name not in seen_on]
    if elsewhere:
        reason += f"; not run on {_named(elsewhere)}"
    metrics: dict[str, Any] = {"runners": by_runner}
    if failures:
        metrics["failures"] = failures
    pooled_text = _pooled_reason(check_id, pool, metrics)
    if pooled_text:
        reason += f"; pooled: {pooled_text}"
    return CheckResult(
        check_id,
        first.title,
        verdict,
        reason,
        sum(c.samples for _, c in seen),
        metrics,
        dict(leaders[0][1].thresholds),
    )


def _pooled_reason(check_id: CheckId, pool: Pool, metrics: dict[str, Any]) -> str | None:
    """The check's figures over every runner's samples, put into its metrics."""
    if check_id == "ws-latency" and pool.round_trips:
        p50, p95 = percentile(pool.round_trips, 50), percentile(pool.round_trips, 95)
        metrics.update(
            {
                "pongs": len(pool.round_trips),
                "latency_p50_ms": _r(p50),
                "latency_p95_ms": _r(p95),
                "latency_max_ms": _r(max(pool.round_trips)),
            }
        )
        return f"ping p95 {p95:.0f} ms over {plural(len(pool.round_trips), 'round trip')}"
    if check_id == "event-latency" and pool.event_latency.count:
        p95 = pool.event_latency.percentile(95)
        assert p95 is not None
        metrics.update({"probe_p95_ms": _r(p95), "trades": pool.event_latency.count})
        return f"probe P95 {p95:.0f} ms over {plural(pool.event_latency.count, 'trade')}"
    values = next((v for probe, v in pool.http_ms.items() if probe == check_id), None)
    if values:
        p95 = percentile(values, 95)
        assert p95 is not None
        metrics.update({"latency_p95_ms": _r(p95), "answers": len(values)})
        return f"p95 {p95:.0f} ms over {plural(len(values), 'answer')}"
    return None


def _runners_check(runners: Sequence[RunnerJudged], min_runners: int | None) -> CheckResult:
    reported = [r.name for r in runners if r.judgement is not None]
    missing = [r for r in runners if r.judgement is None]
    needed = len(runners) if min_runners is None else min_runners
    metrics: dict[str, Any] = {
        "runners": len(runners),
        "reported": len(reported),
        "missing": [{"name": r.name, "source": r.source, "problem": r.problem} for r in missing],
        "min_runners": needed,
    }
    thresholds = {"reported": f"count>={needed}"}
    title = "Every runner reported"
    if missing:
        told = "; ".join(f"{r.name}: {r.problem}" for r in missing[:_NAMED])
        if len(missing) > _NAMED:
            told += f"; and {len(missing) - _NAMED} more"
    if len(reported) < needed:
        reason = f"{len(reported)} of {plural(needed, 'runner')} needed reported"
        reason += f" ({told})" if missing else ""
        return CheckResult(
            RUNNERS_ID, title, Verdict.FAIL, reason, len(reported), metrics, thresholds
        )
    reason = f"{len(reported)} of {plural(len(runners), 'runner')} reported"
    if missing:
        reason += f", {needed} needed (min-runners); without {told}"
    return CheckResult(RUNNERS_ID, title, Verdict.PASS, reason, len(reported), metrics, thresholds)


def _merged_triggers(reported: Sequence[RunnerJudged]) -> tuple[RollbackTrigger, ...]:
    """Each trigger fires when it fired on any runner, for those runners' reasons."""
    by_id: dict[str, list[tuple[str, RollbackTrigger]]] = {}
    for runner in reported:
        assert runner.judgement is not None
        for trigger in runner.judgement.triggers:
            by_id.setdefault(trigger.id, []).append((runner.name, trigger))
    merged = []
    for pairs in by_id.values():
        fired = [(name, t) for name, t in pairs if t.fired]
        told = fired or pairs[:1]
        reason = "; ".join(f"{name}: {t.reason}" for name, t in told[:_NAMED])
        if len(told) > _NAMED:
            reason += f"; and {len(told) - _NAMED} more runners"
        evidence = {name: dict(t.evidence) for name, t in told[:_NAMED]}
        merged.append(RollbackTrigger(pairs[0][1].id, bool(fired), reason, evidence))
    return tuple(sorted(merged, key=lambda t: TRIGGER_IDS.index(t.id)))


# The worse state first: a merge shows the worst any runner saw.
_STATE_ORDER: tuple[WsState, ...] = ("CLOSED", "DEGRADED", "DISABLED", "OPEN")


def _worst_state(reported: Sequence[RunnerJudged]) -> WsState | None:
    states = [r.judgement.ws_state for r in reported if r.judgement and r.judgement.ws_state]
    if not states:
        return None
    return min(states, key=_STATE_ORDER.index)


def _pooled_figures(pool: Pool) -> dict[str, Any]:
    endpoints = {
        probe: {
            "answers": pool.http_samples.get(probe, 0),
            "errors": pool.http_errors.get(probe, 0),
            "latency_p50_ms": _r(percentile(values, 50)),
            "latency_p95_ms": _r(percentile(values, 95)),
        }
        for probe, values in pool.http_ms.items()
    }
    return {
        "ws_round_trips": len(pool.round_trips),
        "ws_latency_p95_ms": _r(percentile(pool.round_trips, 95)),
        "event_trades": pool.event_latency.count,
        "event_latency_p95_ms": _r(pool.event_latency.percentile(95)),
        "endpoints": endpoints,
    }


_CANARY_ORDER: tuple[CanaryWord, ...] = ("ERROR", "FAIL", "WAIVED", "SKIPPED", "PASS")


def _headline(reported: Sequence[RunnerJudged], pool: Pool) -> Headline:
    judgements = [r.judgement for r in reported if r.judgement is not None]
    heads = [j.headline for j in judgements]
    total = healthy = 0.0
    for judgement in judgements:
        for check in judgement.checks:
            if check.id in HEALTH_IDS and check.samples:
                total += float(check.metrics.get("samples", 0))
                healthy += float(check.metrics.get("healthy", 0))
    ran: list[CanaryWord] = [h.canary for h in heads if h.canary != "SKIPPED"] or ["SKIPPED"]
    rates = [h.canary_pass_rate_percent for h in heads if h.canary_pass_rate_percent is not None]
    reconnects = [h.reconnects_per_min for h in heads if h.reconnects_per_min is not None]
    return Headline(
        ws_latency_p95_ms=_r(percentile(pool.round_trips, 95)),
        event_latency_p95_ms=_r(pool.event_latency.percentile(95)),
        health_rate_percent=100.0 * healthy / total if total else None,
        canary=min(ran, key=_CANARY_ORDER.index),
        canary_pass_rate_percent=min(rates) if rates else None,
        # Each runner's own connection: the worst of their rates, not a sum.
        reconnects_per_min=max(reconnects) if reconnects else None,
        ui_load_p95_ms=_r(percentile(pool.http_ms.get("ui", []), 95)),
    )


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
