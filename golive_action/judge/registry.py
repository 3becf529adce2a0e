"""The registry of checks: one table that says, for every check, what it is, the evidence it
reads, how it is judged, which row of the Go/No-Go matrix it feeds in each mode, whether a
mode may leave it unseen, and the rollback triggers it may fire.

``judge()`` walks this table; the matrix (``matrix.py``), the list of checks in the reports
and the README's criteria table are drawn from it. A new check is an entry here (with its
id in ``ids.py``), its judge function and its test (ARCHITECTURE.md, "Where things go").
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from golive_action.ids import (
    CHECK_IDS,
    GATE_ID,
    HTTP_PROBE_IDS,
    RUNNERS_ID,
    TRIGGER_IDS,
    CheckId,
    CriterionId,
    FileId,
    HealthId,
    HttpProbeId,
    Mode,
    ProbeId,
    TriggerId,
    is_http_probe,
)
from golive_action.judge import (
    browser,
    canary,
    health,
    nginx,
    preflight,
    spike,
    trend,
    webapp,
    ws,
)
from golive_action.judge.preflight import Demand
from golive_action.judge.rollback import from_check
from golive_action.limits import Limits, PreflightFacts, WsLimits
from golive_action.model import (
    AccessLogObservation,
    AppMetrics,
    BrowserObservation,
    CanaryHistory,
    CheckResult,
    ClockSkew,
    HttpSample,
    NginxObservation,
    Observations,
    RollbackTrigger,
    TrendHistory,
    Verdict,
    WsObservation,
)
from golive_action.text import listed, one_line


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

    def recorded(self) -> bool:
        """Whether any probe or file the entry names recorded something (a check whose
        inputs are missing may still be judged on evidence recorded earlier)."""
        obs = self.observations
        others = {
            "ws": obs.ws,
            "clock": obs.clock,
            "metrics": obs.app_metrics,
            "canary-history": obs.canary_history,
            "nginx-config": obs.nginx,
            "access-log": obs.access_log,
            "browser": obs.browser,
            "trend-history": obs.trends,
        }
        return any(
            bool(obs.http.get(probe)) if is_http_probe(probe) else others.get(probe) is not None
            for probe in self.probes
        ) or any(others.get(file) is not None for file in self.files)

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
    def browser(self) -> BrowserObservation | None:
        self._declared("browser")
        return self.observations.browser

    @property
    def trends(self) -> TrendHistory | None:
        self._declared("trend-history")
        return self.observations.trends

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

# What an input is, where a reason names it (the checklist's words for its secrets).
_WHAT = {
    "ws-url": "the BTCTurk WebSocket endpoint",
    "spark-api-url": "the SPARK_API_URL secret",
    "spark-api-token": "the SPARK_API_TOKEN secret",
}


def _described(names: list[str]) -> str:
    """`` (the SPARK_API_URL and SPARK_API_TOKEN secrets)``, or nothing."""
    whats = [_WHAT[n] for n in names if n in _WHAT]
    secrets = [
        w.removeprefix("the ").removesuffix(" secret") for w in whats if w.endswith(" secret")
    ]
    if len(secrets) > 1 and len(secrets) == len(whats):
        return f" (the {listed(secrets)} secrets)"
    return f" ({listed(whats)})" if whats else ""


@dataclass(frozen=True)
class Needs:
    """The inputs a check runs on: it runs when every input of one alternative is given."""

    alternatives: tuple[tuple[str, ...], ...]
    # Inputs that belong with an alternative though the check runs without them (the canary
    # runs on spark-api-url, and the preflight asks for its token beside it).
    companions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def met(self, given: frozenset[str]) -> bool:
        return any(all(name in given for name in alt) for alt in self.alternatives)

    def named(self, given: frozenset[str]) -> bool:
        """Some input of it is given: the user meant the check to run."""
        return any(name in given for alt in self.alternatives for name in alt)

    def inputs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n for alt in self.alternatives for n in self._full(alt)))

    def to_set(self, given: frozenset[str]) -> str:
        """The inputs a user would set to run it: the missing ones, or each alternative."""
        if len(self.alternatives) == 1:
            return listed([n for n in self._full(self.alternatives[0]) if n not in given])
        shown = [listed(list(self._full(alt))) for alt in self.alternatives]
        return ", or ".join(shown) if any(" and " in x for x in shown) else listed(shown, "or")

    def missing(self, given: frozenset[str]) -> str:
        """What is not set, as a reason says it."""
        if len(self.alternatives) == 1:
            names = [n for n in self._full(self.alternatives[0]) if n not in given]
            why = _described(names)
            return f"{listed(names)} {'is' if len(names) == 1 else 'are'} not set{why}"
        shown = [self._shown(alt) for alt in self.alternatives]
        if len(shown) == 2:
            return f"neither {shown[0]} nor {shown[1]} is set"
        return f"none of {listed(shown, 'or')} is set"

    def _shown(self, alternative: tuple[str, ...]) -> str:
        names = list(self._full(alternative))
        return listed(names) + _described(names)

    def _full(self, alternative: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(n for a in alternative for n in (a, *self.companions.get(a, ())))


@dataclass(frozen=True)
class CheckSpec:
    """One check. It is judged in the modes of ``feeds`` (and only there), into the row
    named for each. It runs when its ``needs`` are given (always, without needs). In the
    modes of ``required`` a check that does not run fails its row, unless waived; elsewhere
    it is ``skipped`` (an optional check) and says so (``skipped_when``)."""

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
    needs: Needs | None = None  # None: it always runs
    # Required wherever it is judged once one of its inputs is given: a half-given set is a
    # mistake to name, not an optional check to skip (canary-rate, whose inputs Actions
    # always gives).
    required_when_named: bool = False
    # Inputs that add evidence to it but that it runs without (named in a GO's reason).
    adds: tuple[str, ...] = ()

    def runs(self, given: frozenset[str]) -> bool:
        return self.needs is None or self.needs.met(given)

    def required_in(self, mode: Mode, given: frozenset[str]) -> bool:
        if mode not in self.feeds:
            return False
        if mode in self.required:
            return True
        return self.required_when_named and self.needs is not None and self.needs.named(given)


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
            access_log=ev.access_log,
            expect_version=limits.expect_version,
            version_pointers=limits.version_pointers,
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


def _trend(ev: Evidence) -> CheckResult:
    from golive_action.judge.headline import headline

    return trend.judge_trend(
        ev.trends,
        ev.error("trend-history"),
        headline(ev.judged),
        ev.limits.trend,
        ev.limits.trend_runs,
    )


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

_WEB_URL = Needs((("web-url",),))
# The browser checks are opt-in (browser: true); they load the page of web-url, and without
# one the probe says so (an error, never a pass).
_BROWSER = Needs((("browser",),), {"browser": ("web-url",)})
_BROWSER_OFF = "browser is false (the browser checks are opt-in: browser: true)"
_WS_URL = Needs((("ws-url",),))

# In the order the checks are judged and shown.
CHECKS: tuple[CheckSpec, ...] = (
    CheckSpec(
        "web-health",
        _WEB,
        ("web-health",),
        _health("web-health", _WEB),
        _SMOKE,
        ALL_MODES,
        files=("access-log",),
        needs=_WEB_URL,
        adds=("access-log",),
    ),
    CheckSpec(
        "executor-health",
        _EXECUTOR,
        ("executor-health",),
        _health("executor-health", _EXECUTOR),
        _SMOKE,
        ALL_MODES,
        files=("access-log",),
        needs=Needs((("executor-url",),)),
        adds=("access-log",),
    ),
    CheckSpec(
        "preflight",
        preflight.TITLE,
        (),
        lambda ev: preflight_check(ev.limits.preflight),
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
            ev.limits.ticker.spread_max_percent,
        ),
        _SMOKE,
        ALL_MODES,
        needs=Needs((("web-url",), ("ticker-url",))),
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
        needs=Needs((("web-url",), ("ws-flag",), ("ws-flag-url",))),
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
        needs=_WEB_URL,
    ),
    CheckSpec(
        "polling-ui",
        webapp.POLLING_TITLE,
        ("ui", "browser"),
        lambda ev: webapp.judge_polling_ui(
            ev.http("ui"), ev.error("ui"), browser.drawn_polling(ev.browser), ev.limits.browser
        ),
        {"rollback": "ui-responsive"},
        frozenset({"rollback"}),
        needs=_WEB_URL,
    ),
    CheckSpec(
        "polling-data",
        webapp.POLLED_TITLE,
        ("polling",),
        lambda ev: webapp.judge_polled_ticker(
            ev.http("polling"),
            ev.error("polling"),
            ev.limits.ticker.pair,
            ev.limits.ticker.max_age_s,
            ev.limits.health.rate_min_percent,
            ev.limits.ticker.spread_max_percent,
        ),
        {"rollback": "ui-responsive"},
        frozenset({"rollback"}),
        needs=Needs((("web-url",), ("ticker-url",))),
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
        needs=Needs((("nginx-config",),)),
    ),
    CheckSpec(
        "canary",
        canary.TITLE,
        ("canary",),
        lambda ev: canary.judge_canary(
            ev.http("canary"), ev.error("canary"), ev.limits.canary.configured
        ),
        _CANARY,
        # The checklist's matrix asks for Canary PASS before a go-live; a monitor run may
        # watch without calling the canary each time.
        frozenset({"go-live"}),
        skipped_when="neither spark-api-url nor canary-file is given",
        needs=Needs(
            (("spark-api-url",), ("canary-file",)), {"spark-api-url": ("spark-api-token",)}
        ),
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
        skipped_when="none of github-token, github-repository and canary-workflow is given",
        needs=Needs((("github-token", "github-repository", "canary-workflow"),)),
        required_when_named=True,
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
        needs=_WS_URL,
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
        needs=_WS_URL,
    ),
    CheckSpec(
        "ws-feed",
        ws.TITLES["ws-feed"],
        ("ws",),
        lambda ev: ws.judge_ws_feed(ev.ws, ev.error("ws"), ev.limits.ws),
        _WS,
        LIVE,
        needs=_WS_URL,
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
        needs=_WS_URL,
        adds=("metrics-url",),
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
        needs=_WS_URL,
    ),
    CheckSpec(
        "ui-browser",
        browser.TITLE,
        ("browser",),
        lambda ev: browser.judge_ui_browser(
            ev.browser, ev.error("browser"), ev.limits.browser, ev.limits.mode
        ),
        {"go-live": "ws", "monitor": "ws", "rollback": "ui-responsive"},
        frozenset(),
        skipped_when=_BROWSER_OFF,
        needs=_BROWSER,
        required_when_named=True,
    ),
    CheckSpec(
        "ui-browser-responsive",
        browser.RESPONSIVE_TITLE,
        ("browser",),
        lambda ev: browser.judge_ui_browser_responsive(
            ev.browser, ev.error("browser"), ev.limits.browser
        ),
        {m: "ui-responsive" for m in ALL_MODES},
        frozenset(),
        # The checklist's "UI becomes unresponsive", as the page's user meets it.
        (TriggerSpec("ui-unresponsive", "UI unresponsive", _fired_when_failed("ui-unresponsive")),),
        skipped_when=_BROWSER_OFF,
        needs=_BROWSER,
        required_when_named=True,
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
        adds=("access-log",),
    ),
    # Last: it follows this run's headline, drawn from every check judged before it.
    CheckSpec(
        "trend",
        trend.TITLE,
        ("trend-history",),
        _trend,
        {"monitor": "no-regression"},
        frozenset({"monitor"}),
        skipped_when="none of github-token, github-repository and trend-workflow is given",
        needs=Needs((("github-token", "github-repository", "trend-workflow"),)),
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
    # The checklist's first week: trends should not continuously increase.
    CriterionSpec("no-regression", "No regression against the last GO"),
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


_SPECS: Mapping[str, CheckSpec] = {s.id: s for s in CHECKS}


def spec(check_id: CheckId) -> CheckSpec:
    return _SPECS[check_id]


def preflight_check(facts: PreflightFacts) -> CheckResult:
    """The preflight, asking for what the mode's required checks need."""
    return preflight.judge_preflight(facts, demands(facts), present(facts))


def demands(facts: PreflightFacts) -> tuple[Demand, ...]:
    """The inputs the mode's required checks need and were not given (a waiver lifts its
    check's demand), each with the checks that need them."""
    grouped: dict[str, list[CheckId]] = {}
    for entry in checks_for(facts.mode):
        if entry.id in facts.waived or entry.runs(facts.given) or entry.needs is None:
            continue
        if entry.required_in(facts.mode, facts.given):
            grouped.setdefault(entry.needs.missing(facts.given), []).append(entry.id)
    return tuple(Demand(missing, tuple(ids)) for missing, ids in grouped.items())


def present(facts: PreflightFacts) -> tuple[str, ...]:
    """The inputs the mode's checks run on that were given, in table order."""
    names = [
        name
        for entry in checks_for(facts.mode)
        if entry.needs is not None and entry.id not in facts.waived
        for name in entry.needs.inputs()
        if name in facts.given
    ]
    return tuple(dict.fromkeys(names))


def shown_title(entry: CheckSpec, limits: Limits) -> str:
    """The entry's title with the inputs' values in place, as its judge function titles it."""
    return entry.title.replace("<ws-pair>", limits.ticker.pair).replace(
        "<canary-window>", str(limits.canary.window)
    )


def unseen(entry: CheckSpec, limits: Limits, recorded: bool = False) -> CheckResult | None:
    """The result of a check that does not run, or None when it is judged: waived by the
    user, failed as required and not run, or skipped as optional. A check whose inputs are
    missing but whose evidence was ``recorded`` is judged on it."""
    facts = limits.preflight
    title = shown_title(entry, limits)
    if entry.id in facts.waived:
        reason = "waived: accepted unseen (the waive input); it did not run"
        return CheckResult(entry.id, title, Verdict.WAIVED, reason)
    if entry.needs is None or entry.runs(facts.given) or recorded:
        return None
    missing = entry.needs.missing(facts.given)
    if entry.required_in(facts.mode, facts.given):
        reason = (
            f"did not run: {missing}; mode {facts.mode} requires it (fix: set "
            f"{entry.needs.to_set(facts.given)}, or waive: {entry.id})"
        )
        return CheckResult(entry.id, title, Verdict.FAIL, reason)
    return CheckResult(
        entry.id, title, Verdict.SKIPPED, f"skipped (optional): {entry.skipped_when}"
    )


def required_but_skipped(check: CheckResult, mode: Mode) -> CheckResult:
    """A required check whose judge found nothing to judge: never a silent skip."""
    reason = f"did not run, and mode {mode} requires it ({check.reason})"
    return CheckResult(
        check.id, check.title, Verdict.FAIL, reason, check.samples, check.metrics, check.thresholds
    )


def optional_absent(limits: Limits) -> tuple[str, ...]:
    """Inputs that would add evidence to the mode's checks and were not given, each with the
    checks it would add to: ``access-log (web-health, executor-health, 5xx-spike)``."""
    given = limits.preflight.given
    adding: dict[str, list[str]] = {}
    for entry in checks_for(limits.mode):
        for name in entry.adds:
            if name not in given and entry.id not in limits.preflight.waived:
                adding.setdefault(name, []).append(entry.id)
    return tuple(f"{name} ({', '.join(ids)})" for name, ids in adding.items())


def waiver_problem(check_id: str, mode: Mode, given: frozenset[str]) -> str | None:
    """Why ``check_id`` may not be waived in ``mode`` with these inputs, or None. A waiver
    names a check that would not run; one that would is refused, so that a waiver can never
    hide a result."""
    entry = _SPECS.get(check_id)
    if entry is None:
        known = [s.id for s in CHECKS if s.needs is not None and s.required]
        shown = one_line(json.dumps(check_id, ensure_ascii=True), 40)  # user text, made inert
        return f"{shown} is not a check (checks that may be waived: {', '.join(known)})"
    if mode not in entry.feeds:
        return f"check {check_id} is not judged in mode {mode}, so there is nothing to waive"
    if entry.needs is None:
        return f"check {check_id} always runs, so there is nothing to waive"
    if entry.runs(given):
        named = [n for n in entry.needs.inputs() if n in given]
        return (
            f"check {check_id} would run ({listed(named)} {'is' if len(named) == 1 else 'are'} "
            "given), and a waiver would hide its result"
        )
    if not entry.required_in(mode, given):
        return (
            f"check {check_id} is optional in mode {mode}: without its inputs it is skipped, "
            "never failed, so there is nothing to waive"
        )
    return None


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
        if spec.required != set(spec.feeds) and spec.needs is None:
            problems.append(f"check {spec.id} may be skipped but names no inputs it runs on")
        if spec.required_when_named and spec.needs is None:
            problems.append(f"check {spec.id} is required once named but names no inputs")
    for row in criteria:
        problems += [
            f"criterion {row.id} names check {c}, which no spec defines"
            for c in row.first
            if c not in ids
        ]
        if not any(row.id in spec.feeds.values() for spec in checks):
            problems.append(f"criterion {row.id} is fed by no check")
    problems += [
        f"check id {i} has no registry entry"
        for i in CHECK_IDS
        if i not in (GATE_ID, RUNNERS_ID) and i not in ids
    ]
    fired = [t.id for spec in checks for t in spec.triggers]
    problems += [f"trigger {t} is fired by no check" for t in TRIGGER_IDS if t not in fired]
    # A trigger fired by two checks fires when either does (ui-unresponsive: the page's
    # load, and the page in a browser); judge() makes them one. Their titles must agree.
    titles = {(t.id, t.title) for spec in checks for t in spec.triggers}
    problems += [
        f"trigger {t} has two titles"
        for t in sorted({t for t, _ in titles if sum(1 for u, _ in titles if u == t) > 1})
    ]
    return problems
