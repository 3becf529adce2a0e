"""The stable ids of the gate, as types: modes, probes, checks, criteria, rollback triggers.

They are the README's contract ("Verdicts and the decision", "Rollback triggers") and the
keys of the JSON report. Written as ``Literal`` types so that mypy refuses an id that no
list here declares; the tuples are the same ids at run time, in the order the gate uses.
"""

from __future__ import annotations

from typing import Literal, TypeGuard, get_args

Mode = Literal["go-live", "rollback", "monitor"]
MODES: tuple[Mode, ...] = get_args(Mode)

# What the probes record, each under its id in the observations.
ProbeId = Literal[
    "web-health",
    "executor-health",
    "ui",
    "ticker",
    "orderbook",
    "polling",
    "ws-flag",
    "ws",
    "clock",
    "metrics",
    "canary",
    "canary-history",
    "browser",
    "trend-history",
]
PROBE_IDS: tuple[ProbeId, ...] = get_args(ProbeId)
# The probes that record HTTP samples; the others record a WebSocket observation, the clock
# skew, the app's metrics or past runs.
HttpProbeId = Literal[
    "web-health", "executor-health", "ui", "ticker", "orderbook", "polling", "ws-flag", "canary"
]
HTTP_PROBE_IDS: tuple[HttpProbeId, ...] = get_args(HttpProbeId)


def is_http_probe(probe: ProbeId) -> TypeGuard[HttpProbeId]:
    return probe in HTTP_PROBE_IDS


# Local files the gate reads at the end of a run.
FileId = Literal["nginx-config", "access-log"]
# The health endpoints: each a probe and the check of the same id, sampled ``samples`` times.
HealthId = Literal["web-health", "executor-health"]
HEALTH_IDS: tuple[HealthId, ...] = get_args(HealthId)

# "gate" is the gate itself (bad input, an internal fault, an interruption): it is not one of
# the registry's checks, and only ever an error.
GATE_ID: Literal["gate"] = "gate"
# "runners" is a merge's own check and criterion (README "Merging runners"): every runner
# it names sent a report, or at least min-runners did. Not one of the registry's checks.
RUNNERS_ID: Literal["runners"] = "runners"

CheckId = Literal[
    "gate",
    "runners",
    "web-health",
    "executor-health",
    "preflight",
    "ticker",
    "ws-flag",
    "ui-responsive",
    "ui-browser",
    "ui-browser-responsive",
    "polling-ui",
    "polling-data",
    "nginx-ws",
    "canary",
    "canary-rate",
    "ws-open",
    "ws-latency",
    "ws-feed",
    "event-latency",
    "ws-stability",
    "5xx-spike",
    "trend",
]
CHECK_IDS: tuple[CheckId, ...] = get_args(CheckId)

CriterionId = Literal[
    "gate", "runners", "smoke", "ws", "canary", "no-5xx-spike", "ui-responsive", "no-regression"
]
CRITERION_IDS: tuple[CriterionId, ...] = get_args(CriterionId)

TriggerId = Literal[
    "ws-latency",
    "ws-reconnects",
    "ws-stuck-closed",
    "ui-unresponsive",
    "5xx-spike",
    "canary-rate",
]
TRIGGER_IDS: tuple[TriggerId, ...] = get_args(TriggerId)
