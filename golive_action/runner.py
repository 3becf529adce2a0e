"""run_gate: observe concurrently, judge, and return the report. It never raises."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable

from golive_action._version import __version__
from golive_action.config import REPORT_RESERVE_S, GateConfig, recorded_inputs
from golive_action.ids import GATE_ID, ProbeId
from golive_action.interrupt import Cancellation
from golive_action.judge.gate import gate_error
from golive_action.model import Decision, GateReport, Interruption, Observations, ProbeResult
from golive_action.observe.accesslog import read_access_log
from golive_action.observe.budget import Budget
from golive_action.observe.nginx import read_nginx_config
from golive_action.observe.plan import Probe, plan_probes
from golive_action.text import Redactor, iso_time, one_line

# After a cancellation, how long the probes get to hand in what they recorded: GitHub kills a
# cancelled job a few seconds after its SIGTERM, and the report must be written before then.
CANCEL_GRACE_S = 1.5
# How often the main thread looks at the probes and the cancellation while it waits.
_POLL_S = 0.05


def observe(
    config: GateConfig,
    progress: Callable[[str], None] | None = None,
    cancel: threading.Event | None = None,
) -> Observations:
    """Run every probe in its own thread; the gate takes about as long as its slowest probe.
    Cancelled, it returns soon after with what the probes recorded until then.

    The observations are what was seen, raw (secrets included): the judge reads them as they
    are, and :func:`run_gate` redacts the report it returns."""
    started_at = time.time()
    started = time.monotonic()
    budget = Budget(
        started + max(config.timeout - REPORT_RESERVE_S, 0.1),
        cancel if cancel is not None else threading.Event(),
    )
    probes, probe_errors = plan_probes(config, progress)
    results: dict[ProbeId, ProbeResult] = {}
    lock = threading.Lock()

    def work(probe: Probe) -> None:
        try:
            result = probe.run(budget)
        except Exception as exc:  # a probe bug is an error verdict, never a crash
            with lock:
                probe_errors[probe.id] = one_line(f"probe failed: {type(exc).__name__}: {exc}")
            return
        with lock:
            results[probe.id] = result

    # Daemon threads: a probe stuck past the budget must not keep the process alive.
    threads = [threading.Thread(target=work, args=(p,), daemon=True) for p in probes]
    for thread in threads:
        thread.start()
    noticed = _await_probes(threads, budget)
    for probe, thread in zip(probes, threads, strict=True):
        if thread.is_alive():
            with lock:
                probe_errors[probe.id] = (
                    f"probe still running {CANCEL_GRACE_S:g} s after the run was interrupted; "
                    "what it recorded is lost"
                    if noticed is not None
                    else "probe did not finish within the gate's time budget "
                    f"(timeout {config.timeout:g} s)"
                )
    # Local files, read in a blink: no thread needed.
    nginx = read_nginx_config(config.nginx_config) if config.nginx_config else None
    access_log = (
        read_access_log(
            config.access_log,
            config.access_log_minutes,
            time.time(),
            {"web-health": config.web_health_path, "executor-health": config.executor_health_path},
        )
        if config.access_log
        else None
    )
    with lock:
        observations = Observations(
            started_at=started_at,
            finished_at=time.time(),
            probe_errors=dict(probe_errors),
            nginx=nginx,
            access_log=access_log,
            interrupted=_interruption(budget.cancel, noticed, started),
        )
        for probe_id, result in results.items():
            if probe_id not in probe_errors:
                observations.record(probe_id, result)
        return observations


def _await_probes(threads: list[threading.Thread], budget: Budget) -> float | None:
    """Wait for the probes until they end, the budget runs out, or CANCEL_GRACE_S after a
    cancellation. Returns when the cancellation was noticed (time.monotonic()), if it was."""
    noticed: float | None = None
    until = budget.deadline
    for thread in threads:
        while thread.is_alive():
            now = time.monotonic()
            if noticed is None and budget.cancelled():
                noticed = now
                until = min(until, now + CANCEL_GRACE_S)
            if now >= until:
                return noticed
            # Joined in short slices and the event polled, never waited on: a signal handler
            # sets it from this very thread, and would deadlock on the event's lock.
            thread.join(min(_POLL_S, until - now))
    if noticed is None and budget.cancelled():
        noticed = time.monotonic()
    return noticed


def _interruption(
    cancel: threading.Event, noticed: float | None, started: float
) -> Interruption | None:
    if noticed is None:
        return None
    signal_name, at = None, noticed
    if isinstance(cancel, Cancellation) and cancel.cancelled_at is not None:
        # The signal's own time: the probes took a moment to stop after it.
        signal_name, at = cancel.signal_name, cancel.cancelled_at
    return Interruption(signal_name, round(max(at - started, 0.0), 3))


def run_gate(
    config: GateConfig,
    progress: Callable[[str], None] | None = None,
    cancel: threading.Event | None = None,
) -> GateReport:
    """Observe, judge, report. Any internal fault ends as NO-GO with an ``error`` verdict.

    Setting ``cancel`` (from any thread) stops the observation early: the report is a NO-GO
    that keeps the evidence recorded until then. A ``Cancellation`` also names its signal."""
    from golive_action.judge import judge

    redact = Redactor(config.secrets())
    started = time.monotonic()
    started_at = time.time()
    observations = Observations(started_at=started_at, finished_at=started_at)
    try:
        observations = observe(config, progress, cancel)
        judgement = judge(observations, config.limits())
        report = judgement.report(
            mode=config.mode,
            profile=config.profile,
            started_at=iso_time(started_at),
            duration_s=time.monotonic() - started,
            observations=observations,
            version=__version__,
            config=recorded_inputs(config),
        )
    except Exception as exc:
        reason = one_line(f"internal error: {type(exc).__name__}: {exc}")
        report = failed_report(config, reason, started_at, time.monotonic() - started, observations)
    # Judged on the raw text, stored and shown redacted: a short token never rewrites a body
    # before the judge reads it, and no secret, in any escaped form, leaves in the report.
    return redact.tree(report)


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
        started_at=iso_time(started_at),
        duration_s=duration_s,
        criteria=(criterion,),
        checks=(check,),
        triggers=(),
        observations=observations or Observations(started_at, started_at),
        version=__version__,
    )


def close_report(report: GateReport, reason: str) -> GateReport:
    """The same run, NO-GO, with a ``gate`` check in error that says why: for a fault after
    judging (evidence that cannot be published). The evidence and the checks stay."""
    earlier = report.check(GATE_ID)
    if earlier is not None:  # an interruption, say: both causes stay in the reason
        reason = f"{earlier.reason}; {reason}"
    check, criterion = gate_error(reason)
    return dataclasses.replace(
        report,
        decision=Decision.NO_GO,
        reason=f"gate error: {reason}",
        criteria=(*[c for c in report.criteria if c.id != GATE_ID], criterion),
        checks=(*[c for c in report.checks if c.id != GATE_ID], check),
    )
