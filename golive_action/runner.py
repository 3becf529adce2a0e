"""run_gate: observe concurrently, judge, and return the report. It never raises."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from golive_action._version import __version__
from golive_action.config import GateConfig
from golive_action.judge.gate import gate_error
from golive_action.model import Decision, GateReport, Observations
from golive_action.observe.accesslog import read_access_log
from golive_action.observe.budget import Budget
from golive_action.observe.nginx import read_nginx_config
from golive_action.observe.plan import Probe, plan_probes
from golive_action.text import Redactor, one_line

# Seconds kept back from the time budget for judging and writing the report.
_REPORT_RESERVE_S = 1.0


def observe(
    config: GateConfig, redact: Redactor, progress: Callable[[str], None] | None = None
) -> Observations:
    """Run every probe in its own thread; the gate takes about as long as its slowest probe."""
    started_at = time.time()
    budget = Budget.lasting(max(config.timeout - _REPORT_RESERVE_S, 0.1))
    probes, probe_errors = plan_probes(config, redact, progress)
    results: dict[str, Any] = {}
    lock = threading.Lock()

    def work(probe: Probe) -> None:
        try:
            result = probe.run(budget)
        except Exception as exc:  # a probe bug is an error verdict, never a crash
            with lock:
                probe_errors[probe.id] = redact(
                    one_line(f"probe failed: {type(exc).__name__}: {exc}")
                )
            return
        with lock:
            results[probe.id] = result

    # Daemon threads: a probe stuck past the budget must not keep the process alive.
    threads = [threading.Thread(target=work, args=(p,), daemon=True) for p in probes]
    for thread in threads:
        thread.start()
    for probe, thread in zip(probes, threads, strict=True):
        thread.join(budget.remaining())
        if thread.is_alive():
            with lock:
                probe_errors[probe.id] = (
                    "probe did not finish within the gate's time budget "
                    f"(timeout {config.timeout:g} s)"
                )
    # Local files, read in a blink: no thread needed.
    nginx = read_nginx_config(config.nginx_config) if config.nginx_config else None
    access_log = (
        read_access_log(config.access_log, config.access_log_minutes, time.time())
        if config.access_log
        else None
    )
    with lock:
        done = {k: v for k, v in results.items() if k not in probe_errors}
        return Observations(
            started_at=started_at,
            finished_at=time.time(),
            http={k: list(v) for k, v in done.items() if isinstance(v, list)},
            probe_errors=dict(probe_errors),
            nginx=nginx,
            access_log=access_log,
            ws=done.get("ws"),
            clock=done.get("clock"),
            app_metrics=done.get("metrics"),
            canary_history=done.get("canary-history"),
        )


def run_gate(config: GateConfig, progress: Callable[[str], None] | None = None) -> GateReport:
    """Observe, judge, report. Any internal fault ends as NO-GO with an ``error`` verdict."""
    from golive_action.judge import judge

    redact = Redactor(config.secrets())
    started = time.monotonic()
    started_at = time.time()
    observations = Observations(started_at=started_at, finished_at=started_at)
    try:
        observations = observe(config, redact, progress)
        judgement = judge(observations, config)
        return GateReport(
            decision=judgement.decision,
            reason=judgement.reason,
            mode=config.mode,
            profile=config.profile,
            started_at=_iso(started_at),
            duration_s=time.monotonic() - started,
            criteria=judgement.criteria,
            checks=judgement.checks,
            triggers=judgement.triggers,
            observations=observations,
            version=__version__,
        )
    except Exception as exc:
        reason = redact(one_line(f"internal error: {type(exc).__name__}: {exc}"))
        return failed_report(config, reason, started_at, time.monotonic() - started, observations)


def failed_report(
    config: GateConfig,
    reason: str,
    started_at: float,
    duration_s: float,
    observations: Observations | None = None,
) -> GateReport:
    """A closed gate: NO-GO with one ``gate`` check in error, for faults outside any probe."""
    check, criterion = gate_error(reason)
    return GateReport(
        decision=Decision.NO_GO,
        reason=f"gate error: {reason}",
        mode=config.mode,
        profile=config.profile,
        started_at=_iso(started_at),
        duration_s=duration_s,
        criteria=(criterion,),
        checks=(check,),
        triggers=(),
        observations=observations or Observations(started_at, started_at),
        version=__version__,
    )


def _iso(unix: float) -> str:
    return datetime.fromtimestamp(unix, tz=timezone.utc).isoformat(timespec="milliseconds")
