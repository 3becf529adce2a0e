"""The registry of checks: one table that says, for every check, what it is, the evidence it
reads, how it is judged, which row of the Go/No-Go matrix it feeds in each mode, whether a
mode may leave it unseen, and the rollback triggers it may fire.

``judge()`` walks this table; the matrix (``matrix.py``), the list of checks in the reports
and the README's criteria table are drawn from it. A new check is an entry here (with its
id in ``ids.py``), its judge function and its test (ARCHITECTURE.md, "Where things go").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from golive_action.ids import (
    CHECK_IDS,
    GATE_ID,
    HTTP_PROBE_IDS,
    TRIGGER_IDS,
    CheckId,
    CriterionId,
    FileId,
    HealthId,
    HttpProbeId,
    Mode,
    ProbeId,
    TriggerId,
)
from golive_action.judge import canary, health, nginx, preflight, spike, webapp, ws
from golive_action.judge.rollback import from_check
from golive_action.limits import Limits, WsLimits
from golive_action.model import (
    AccessLogObservation,
    AppMetrics,
    CanaryHistory,
    CheckResult,
    ClockSkew,
    HttpSample,
    NginxObservation,
    Observations,
    RollbackTrigger,
    Verdict,
    WsObservation,
)


class UndeclaredEvidence(LookupError):
    """A judge function read evidence its registry entry does not name: the entry is wrong."""


@dataclass(frozen=True)
class Evidence:
    """What one check's judge function reads: the observations its entry names (and only
    those: reading another is an error, so ``probes`` and ``files`` stay true), the limits,
    and the checks judged before it in the table (canary-rate counts this run's canary)."""

    observations: Observations
    limits: Limits
    judged: Mapping[CheckId, CheckResult]
    probes: tuple[ProbeId, ...] = ()
    files: tuple[FileId, ...] = ()

    def _declared(self, source: ProbeId | FileId) -> None:
        if source not in self.probes and source not in self.files:
            raise UndeclaredEvidence(f"{source} is read but not named in the registry entry")

    def http(self, probe: HttpProbeId) -> list[HttpSample]:
        self._declared(probe)
        return self.observations.http.get(probe, [])

    def error(self, probe: ProbeId) -> str | None:
        self._declared(probe)
        return self.observations.probe_errors.get(probe)

    def every_answer(self) -> list[HttpSample]:
        """Every HTTP answer of the probes named, in the order they were filed."""
        return [
            sample
            for probe, samples in self.observations.http.items()
            if probe in self.probes
            for sample in samples
        ]

    @property
    def ws(self) -> WsObservation | None:
        self._declared("ws")
        return self.observations.ws

    @property
    def clock(self) -> ClockSkew | None:
        self._declared("clock")
        return self.observations.clock

    @property
    def app_metrics(self) -> AppMetrics | None:
        self._declared("metrics")
        return self.observations.app_metrics

    @property
    def canary_history(self) -> CanaryHistory | None:
        self._declared("canary-history")
        return self.observations.canary_history

    @property
    def nginx(self) -> NginxObservation | None:
        self._declared("nginx-config")
        return self.observations.nginx

    @property
    def access_log(self) -> AccessLogObservation | None:
        self._declared("access-log")
        return self.observations.access_log


@dataclass(frozen=True)
class TriggerSpec:
    """A rollback trigger of the checklist, fired from the evidence and its check's result.
    ``fire`` returns None when the evidence it needs was not gathered: not evaluated."""

    id: TriggerId
    title: str
    fire: Callable[[Evidence, CheckResult], RollbackTrigger | None]


@dataclass(frozen=True)
class CriterionSpec:
    """A row of the Go/No-Go matrix; its checks are the registry's, per mode."""

    id: CriterionId
    title: str
    checks: tuple[CheckId, ...] = ()
    # Checks that lead the row (in its reason), before the others in table order.
    first: tuple[CheckId, ...] = ()


ALL_MODES: frozenset[Mode] = frozenset({"go-live", "rollback", "monitor"})
LIVE: frozenset[Mode] = frozenset({"go-live", "monitor"})


@dataclass(frozen=True)
class CheckSpec:
    """One check. It is judged in the modes of ``feeds`` (and only there), into the row
    named for each; in the modes of ``required`` its verdict is never ``skipped``."""

    id: CheckId
    title: str  # as the report shows it; <input> stands for an input's value
    probes: tuple[ProbeId, ...]  # the probes whose evidence it reads
    judge: Callable[[Evidence], CheckResult]
    feeds: Mapping[Mode, CriterionId]
    required: frozenset[Mode]
    triggers: tuple[TriggerSpec, ...] = field(default=())
    # For a check some mode may leave unseen: when it is skipped.
    skipped_when: str = ""
    files: tuple[FileId, ...] = ()  # the local files it reads


def _fired_when_failed(
    trigger_id: TriggerId,
) -> Callable[[Evidence, CheckResult], RollbackTrigger | None]:
    def fire(evidence: Evidence, check: CheckResult) -> RollbackTrigger | None:
        return from_check(trigger_id, check)

    return fire


def _health(check_id: HealthId, title: str) -> Callable[[Evidence], CheckResult]:
    def judge(ev: Evidence) -> CheckResult:
        limits = ev.limits.health
        return health.judge_health(
            check_id,
            title,
            ev.http(check_id),  # each health check reads the probe of its own id
            ev.error(check_id),
            limits.rate_min_percent,
            limits.min_samples,
            limits.extra,
            limits.expect,
        )

    return judge


def _canary_rate(ev: Evidence) -> CheckResult:
    limits = ev.limits.canary
    current = ev.judged.get("canary")
    rate = canary.judge_canary_rate(
        ev.canary_history,
        current.verdict if current is not None and limits.configured else None,
        limits.window,
        limits.runs_needed,
        limits.rate_min_percent,
    )
    problem = ev.error("canary-history")
    if problem:
        return CheckResult(rate.id, rate.title, Verdict.ERROR, problem)
    return rate


def _spike(ev: Evidence) -> CheckResult:
    limits = ev.limits.spike
    every_answer = ev.every_answer()
    return spike.judge_5xx_spike(
        every_answer,
        limits.window_s,
        limits.max_percent,
        limits.min_requests,
        ev.access_log,
    )


def _ws_trigger(
    trigger: Callable[[WsObservation | None, WsLimits], RollbackTrigger | None],
) -> Callable[[Evidence, CheckResult], RollbackTrigger | None]:
    def fire(evidence: Evidence, check: CheckResult) -> RollbackTrigger | None:
        return trigger(evidence.ws, evidence.limits.ws)

    return fire


_WEB = "Web health (GET /api/public/health)"
_EXECUTOR = "Executor health (GET /health)"
_SMOKE: Mapping[Mode, CriterionId] = {m: "smoke" for m in ALL_MODES}
_WS: Mapping[Mode, CriterionId] = {m: "ws" for m in LIVE}
_CANARY: Mapping[Mode, CriterionId] = {m: "canary" for m in LIVE}

# In the order the checks are judged and shown.
CHECKS: tuple[CheckSpec, ...] = (
    CheckSpec("web-health", _WEB, ("web-health",), _health("web-health", _WEB), _SMOKE, ALL_MODES),
    CheckSpec(
        "executor-health",
        _EXECUTOR,
        ("executor-health",),
        _health("executor-health", _EXECUTOR),
        _SMOKE,
        ALL_MODES,
    ),
    CheckSpec(
        "preflight",
        preflight.TITLE,
        (),
        lambda ev: preflight.judge_preflight(ev.limits.preflight),
        _SMOKE,
        ALL_MODES,
    ),
    CheckSpec(
        "ticker",
        webapp.TICKER_TITLE.format(pair="<ws-pair>"),
        ("ticker", "orderbook"),
        lambda ev: webapp.judge_ticker(
            ev.http("ticker"),
            ev.http("orderbook"),
            ev.error("ticker"),
            ev.limits.ticker.pair,
            ev.limits.ticker.max_age_s,
        ),
        _SMOKE,
        ALL_MODES,
    ),
    CheckSpec(
        "ws-flag",
        webapp.WS_FLAG_TITLE,
        ("ws-flag",),
        lambda ev: webapp.judge_ws_flag(
            ev.http("ws-flag"),
            ev.error("ws-flag"),
            ev.limits.ws_flag.given,
            ev.limits.ws_flag.expected,
            ev.limits.ws_flag.pointer,
        ),
        _SMOKE,
        ALL_MODES,
    ),
    CheckSpec(
        "ui-responsive",
        webapp.UI_TITLE,
        ("ui",),
        lambda ev: webapp.judge_ui_responsive(
            ev.http("ui"),
            ev.error("ui"),
            ev.limits.ui.p95_max_ms,
            ev.limits.ui.rate_min_percent,
            ev.limits.ui.min_samples,
        ),
        {m: "ui-responsive" for m in ALL_MODES},
        ALL_MODES,
        (TriggerSpec("ui-unresponsive", "UI unresponsive", _fired_when_failed("ui-unresponsive")),),
    ),
    CheckSpec(
        "polling-ui",
        webapp.POLLING_TITLE,
        ("ui",),
        lambda ev: webapp.judge_polling_ui(ev.http("ui"), ev.error("ui")),
        {"rollback": "ui-responsive"},
        frozenset({"rollback"}),
    ),
    CheckSpec(
        "nginx-ws",
        nginx.TITLE,
        (),
        lambda ev: nginx.judge_nginx_ws(ev.nginx, ev.limits.nginx.ws_location),
        _SMOKE,
        frozenset(),
        skipped_when="no nginx-config is given",
        files=("nginx-config",),
    ),
    CheckSpec(
        "canary",
        canary.TITLE,
        ("canary",),
        lambda ev: canary.judge_canary(
            ev.http("canary"), ev.error("canary"), ev.limits.canary.configured
        ),
        _CANARY,
        frozenset(),
        skipped_when="neither spark-api-url nor canary-file is given",
    ),
    CheckSpec(
        "canary-rate",
        canary.RATE_TITLE.format(window="<canary-window>"),
        ("canary-history",),
        _canary_rate,
        _CANARY,
        frozenset(),
        (
            TriggerSpec(
                "canary-rate",
                "Canary pass rate under the minimum",
                _fired_when_failed("canary-rate"),
            ),
        ),
        skipped_when="github-token, the repository or canary-workflow is missing",
    ),
    CheckSpec(
        "ws-open",
        ws.TITLES["ws-open"],
        ("ws",),
        lambda ev: ws.judge_ws_open(ev.ws, ev.error("ws"), ev.limits.ws),
        _WS,
        LIVE,
        (
            TriggerSpec(
                "ws-stuck-closed", "WebSocket stuck closed", _ws_trigger(ws.stuck_closed_trigger)
            ),
        ),
    ),
    CheckSpec(
        "ws-latency",
        ws.TITLES["ws-latency"],
        ("ws",),
        lambda ev: ws.judge_ws_latency(ev.ws, ev.error("ws"), ev.limits.ws),
        _WS,
        LIVE,
        (
            TriggerSpec(
                "ws-latency",
                "WebSocket latency consistently over the rollback limit",
                _ws_trigger(ws.latency_trigger),
            ),
        ),
    ),
    CheckSpec(
        "ws-feed",
        ws.TITLES["ws-feed"],
        ("ws",),
        lambda ev: ws.judge_ws_feed(ev.ws, ev.error("ws"), ev.limits.ws),
        _WS,
        LIVE,
    ),
    CheckSpec(
        "event-latency",
        ws.TITLES["event-latency"],
        ("ws", "clock", "metrics"),
        lambda ev: ws.judge_event_latency(
            ev.ws,
            ev.error("ws"),
            ev.clock,
            ev.app_metrics,
            ev.limits.ws,
        ),
        _WS,
        LIVE,
    ),
    CheckSpec(
        "ws-stability",
        ws.TITLES["ws-stability"],
        ("ws",),
        lambda ev: ws.judge_ws_stability(ev.ws, ev.error("ws"), ev.limits.ws),
        _WS,
        LIVE,
        (
            TriggerSpec(
                "ws-reconnects",
                "WebSocket reconnects over the limit",
                _ws_trigger(ws.reconnects_trigger),
            ),
        ),
    ),
    CheckSpec(
        "5xx-spike",
        spike.TITLE,
        HTTP_PROBE_IDS,  # every HTTP answer of the run
        _spike,
        {m: "no-5xx-spike" for m in ALL_MODES},
        ALL_MODES,
        (TriggerSpec("5xx-spike", "5xx spike", _fired_when_failed("5xx-spike")),),
        files=("access-log",),
    ),
)

# The checklist's Go/No-Go matrix rows, in the order they are shown; the checks of each row
# in a mode are the registry's entries that feed it in that mode.
CRITERIA: tuple[CriterionSpec, ...] = (
    # The inputs come before what they reach: preflight leads the smoke row.
    CriterionSpec("smoke", "Smoke tests PASS", first=("preflight",)),
    CriterionSpec("ws", "WS status=OPEN, latency OK"),
    CriterionSpec("canary", "Canary PASS"),
    CriterionSpec("no-5xx-spike", "No 5xx spike in logs"),
    CriterionSpec("ui-responsive", "UI responsive"),
)
# The checklist's post-rollback validation words its UI row for the polling page.
_MODE_TITLES: Mapping[tuple[Mode, CriterionId], str] = {
    ("rollback", "ui-responsive"): "UI responsive, polling (Canlı)",
}


def checks_for(mode: Mode) -> tuple[CheckSpec, ...]:
    """The checks judged in ``mode``, in table order."""
    return tuple(spec for spec in CHECKS if mode in spec.feeds)


def criteria_for(mode: Mode) -> tuple[CriterionSpec, ...]:
    """The matrix of ``mode``: every row some check feeds there, with those checks."""
    rows = []
    for row in CRITERIA:
        fed = [spec.id for spec in checks_for(mode) if spec.feeds[mode] == row.id]
        checks = (*[c for c in row.first if c in fed], *[c for c in fed if c not in row.first])
        if checks:
            title = _MODE_TITLES.get((mode, row.id), row.title)
            rows.append(CriterionSpec(row.id, title, checks))
    return tuple(rows)


def spec(check_id: CheckId) -> CheckSpec:
    return next(s for s in CHECKS if s.id == check_id)


def registry_problems(
    checks: tuple[CheckSpec, ...] = CHECKS, criteria: tuple[CriterionSpec, ...] = CRITERIA
) -> list[str]:
    """What is inconsistent in a table of checks: a check that feeds no row, a row no check
    feeds or that names an unknown check, a required mode the check is not judged in, an id
    declared twice, a check or trigger id with no entry. Empty for a sound registry."""
    problems: list[str] = []
    ids = [spec.id for spec in checks]
    rows = {row.id for row in criteria}
    problems += [
        f"check {i} is declared twice" for i in sorted({i for i in ids if ids.count(i) > 1})
    ]
    for spec in checks:
        if not spec.feeds:
            problems.append(f"check {spec.id} feeds no criterion in any mode")
        problems += [
            f"check {spec.id} feeds criterion {row}, which the matrix does not have"
            for row in sorted(set(spec.feeds.values()) - rows)
        ]
        problems += [
            f"check {spec.id} is required in {mode} but not judged there"
            for mode in sorted(spec.required - set(spec.feeds))
        ]
        if spec.required != set(spec.feeds) and not spec.skipped_when:
            problems.append(f"check {spec.id} may be skipped but does not say when")
    for row in criteria:
        problems += [
            f"criterion {row.id} names check {c}, which no spec defines"
            for c in row.first
            if c not in ids
        ]
        if not any(row.id in spec.feeds.values() for spec in checks):
            problems.append(f"criterion {row.id} is fed by no check")
    problems += [
        f"check id {i} has no registry entry" for i in CHECK_IDS if i != GATE_ID and i not in ids
    ]
    fired = [t.id for spec in checks for t in spec.triggers]
    problems += [f"trigger {t} is fired by no check" for t in TRIGGER_IDS if t not in fired]
    problems += [
        f"trigger {t} is fired by two checks"
        for t in sorted({t for t in fired if fired.count(t) > 1})
    ]
    return problems
