"""Which probes a configuration asks for, each under its ``ProbeId``. Each records what it
saw (HTTP samples, the WebSocket observation, clock skew, the app's metrics, past runs); none
decides."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from golive_action.config import GateConfig, window_sampling
from golive_action.ids import ProbeId
from golive_action.model import CanaryHistory, HttpSample, ProbeResult, TrendHistory
from golive_action.observe.appmetrics import observe_app_metrics
from golive_action.observe.browser import BrowserSettings, observe_browser
from golive_action.observe.budget import Budget
from golive_action.observe.canary import read_canary_file, run_canary
from golive_action.observe.clock import estimate_skew
from golive_action.observe.history import fetch_history
from golive_action.observe.http import HttpLimits, fetch, new_session, sample_endpoint
from golive_action.observe.retrywait import WAIT_CAP_S
from golive_action.observe.trends import fetch_trends
from golive_action.observe.ws import WsSettings, observe_ws

# What the original validation script looked for: the flag, then true, in the page's HTML.
FLAG_PATTERN = re.compile(r"NEXT_PUBLIC_WS_ENABLED\W{0,20}?(true|false)\b", re.IGNORECASE)
# The status pill as rendered: WS, WS! or WS✗ in polling-free mode, Canlı in polling mode.
PAGE_PATTERNS = {
    "ws-pill": re.compile(r">\s*(WS[!✗]?)\s*<"),
    "canli": re.compile(r">\s*(Canlı)\s*<"),
}
# At most this long a wait for a Retry-After before a second try (the GitHub API's cap too).
RETRY_AFTER_CAP_S = WAIT_CAP_S


@dataclass(frozen=True)
class Probe:
    """``run(budget)`` returns what the probe recorded: a list of HttpSample for the HTTP
    probes, a WsObservation, ClockSkew, AppMetrics or CanaryHistory for the others
    (``Observations.record`` files each where the judge reads it). A probe stops at the
    budget's deadline, and soon after the budget is cancelled, with what it has."""

    id: ProbeId
    run: Callable[[Budget], ProbeResult]


def plan_probes(
    config: GateConfig, progress: Callable[[str], None] | None = None
) -> tuple[list[Probe], dict[ProbeId, str]]:
    """The probes this configuration asks for, and the ones it cannot run (with why)."""
    limits = HttpLimits(timeout_s=config.http_timeout, ca_bundle=config.ca_bundle)
    probes: list[Probe] = []
    missing: dict[ProbeId, str] = {}

    def need(probe_id: ProbeId, url: str | None, input_name: str) -> bool:
        if url is None:
            missing[probe_id] = (
                f"input {input_name} is not set; fix: pass --{input_name} or the {input_name} input"
            )
        return url is not None

    def sampled(
        probe_id: ProbeId,
        url: str,
        find: dict[str, re.Pattern[str]] | None = None,
        repeated_bodies: bool = True,
    ) -> Probe:
        # Through the observation window in go-live and monitor; a count in rollback.
        sampling = config.sampling

        def run(budget: Budget) -> list[HttpSample]:
            return sample_endpoint(
                probe_id,
                url,
                sampling.count,
                sampling.interval_s,
                limits,
                budget,
                find=find,
                repeated_bodies=repeated_bodies,
            )

        return Probe(probe_id, run)

    def once(probe_id: ProbeId, url: str, find: dict[str, re.Pattern[str]] | None = None) -> Probe:
        def run(budget: Budget) -> list[HttpSample]:
            return fetch_honouring_retry_after(probe_id, url, limits, budget, find)

        return Probe(probe_id, run)

    health: tuple[tuple[ProbeId, str | None, str], ...] = (
        ("web-health", config.web_health_url, "web-url"),
        ("executor-health", config.executor_health_url, "executor-url"),
    )
    for probe_id, url, input_name in health:
        if need(probe_id, url, input_name):
            assert url is not None
            probes.append(sampled(probe_id, url))
    if need("ui", config.ui_url, "web-url"):
        assert config.ui_url is not None
        # The page's judge reads its status and patterns: a repeated page is not kept whole.
        probes.append(sampled("ui", config.ui_url, PAGE_PATTERNS, repeated_bodies=False))
    if need("ticker", config.ticker_endpoint, "web-url"):
        assert config.ticker_endpoint is not None
        probes.append(once("ticker", config.ticker_endpoint))
    if config.ticker_url is None and config.orderbook_endpoint is not None:
        probes.append(once("orderbook", config.orderbook_endpoint))
    if config.mode == "rollback" and config.ticker_endpoint is not None:
        probes.append(_polling_probe(config.ticker_endpoint, config, limits))
    if config.ws_flag is None and need("ws-flag", config.ws_flag_source, "web-url"):
        assert config.ws_flag_source is not None
        find = None if config.ws_flag_pointer else {"ws-flag": FLAG_PATTERN}
        probes.append(once("ws-flag", config.ws_flag_source, find))
    probes += _ws_probes(config, limits, progress, missing)
    canary_file, canary_url = config.canary_file, config.canary_url
    token = config.spark_api_token.reveal() if config.spark_api_token else None
    if canary_file is not None:
        probes.append(Probe("canary", lambda budget: read_canary_file(canary_file)))
    elif canary_url is not None and config.mode != "rollback":
        body = config.canary_body
        probes.append(Probe("canary", lambda budget: run_canary(canary_url, body, token, limits)))
    if config.browser and need("browser", config.ui_url, "web-url"):
        assert config.ui_url is not None
        probes.append(_browser_probe(config.ui_url, config))
    history = _history_probe(config)
    if history is not None:
        probes.append(history)
    trends = _trends_probe(config)
    if trends is not None:
        probes.append(trends)
    return probes, missing


def _polling_probe(url: str, config: GateConfig, limits: HttpLimits) -> Probe:
    """After a rollback the page polls the ticker: read it through the observation window,
    as the page does, so the judge sees whether its prices move (two reads at the least)."""
    plan = window_sampling(config.window_s, 2, config.sample_interval)

    def run(budget: Budget) -> list[HttpSample]:
        return sample_endpoint("polling", url, plan.count, plan.interval_s, limits, budget)

    return Probe("polling", run)


def _browser_probe(url: str, config: GateConfig) -> Probe:
    """The trading page in a real browser, over the window (a few seconds in rollback, where
    the page must be seen to poll: as the polling probe reads the ticker)."""
    settings = BrowserSettings(
        url=url,
        duration_s=config.window_s,
        executable=config.browser_executable,
        pill_selector=config.browser_pill_selector,
        tooltip_selector=config.browser_tooltip_selector,
        spread_selector=config.browser_spread_selector,
        polling_selector=config.browser_polling_selector,
        navigation_timeout_s=max(config.http_timeout, 5.0),
    )
    return Probe("browser", lambda budget: observe_browser(settings, budget))


def _history_probe(config: GateConfig) -> Probe | None:
    """Past runs of the canary workflow, when there is a token, a repository and a workflow."""
    token, repository = config.github_token, config.github_repository
    workflow = config.canary_workflow_file
    if config.mode == "rollback" or token is None or repository is None or workflow is None:
        return None
    secret = token.reveal()
    # This run is counted by its own canary verdict, and so is kept out of the listing.
    window = config.canary_window - (1 if config.canary_url or config.canary_file else 0)

    def run(budget: Budget) -> CanaryHistory:
        return fetch_history(
            secret,
            repository,
            workflow,
            max(window, 1),
            config.github_api_url,
            config.canary_branch,
            config.canary_event,
            config.github_run_id,
            timeout_s=config.http_timeout,
            artifact=config.canary_artifact or None,
            budget=budget,
        )

    return Probe("canary-history", run)


def _trends_probe(config: GateConfig) -> Probe | None:
    """The workflow's past reports for the trends, in monitor mode (the trend check's)."""
    token, repository = config.github_token, config.github_repository
    workflow = config.trend_workflow_file
    if config.mode != "monitor" or token is None or repository is None or workflow is None:
        return None
    secret = token.reveal()

    def run(budget: Budget) -> TrendHistory:
        return fetch_trends(
            secret,
            repository,
            workflow,
            config.trend_runs,
            config.github_api_url,
            config.canary_branch,
            config.canary_event,
            config.github_run_id,
            timeout_s=config.http_timeout,
            artifact=config.canary_artifact or "golive-evidence",
            budget=budget,
        )

    return Probe("trend-history", run)


def _ws_probes(
    config: GateConfig,
    limits: HttpLimits,
    progress: Callable[[str], None] | None,
    missing: dict[ProbeId, str],
) -> list[Probe]:
    """The feed, the clock of its servers, and the executor's own metrics over the window."""
    if config.ws_url is None:
        if config.mode != "rollback":
            missing["ws"] = "input ws-url is not set; fix: pass --ws-url or the ws-url input"
        return []
    settings = WsSettings(
        url=config.ws_url,
        pair=config.ws_pair,
        duration_s=config.window_s,
        open_timeout_s=config.ws_open_max_s * 2,
        ping_interval_s=config.ws_ping_interval_s,
        ca_bundle=config.ca_bundle,
        max_frame_bytes=config.ws_max_frame_bytes,
    )
    probes = [Probe("ws", lambda budget: observe_ws(settings, budget, progress))]
    clock = config.clock_source
    if clock is not None:
        probes.append(Probe("clock", lambda budget: estimate_skew(clock, limits, budget)))
    metrics = config.metrics_url
    if metrics is not None:
        probes.append(
            Probe(
                "metrics",
                lambda budget: observe_app_metrics(metrics, config.window_s, limits, budget),
            )
        )
    return probes


def fetch_honouring_retry_after(
    probe_id: ProbeId,
    url: str,
    limits: HttpLimits,
    budget: Budget,
    find: dict[str, re.Pattern[str]] | None = None,
) -> list[HttpSample]:
    """One GET; on 429 (or 503) with a Retry-After that fits in the time budget, wait and try
    once more. Both answers are kept: the judge sees that the limit was hit."""
    with new_session(limits) as session:
        first = fetch(session, probe_id, url, limits, find=find)
        wait = first.retry_after_s
        if first.status not in (429, 503) or wait is None or wait > RETRY_AFTER_CAP_S:
            return [first]
        if wait + limits.timeout_s > budget.remaining() or budget.wait(wait):
            return [first]
        return [first, fetch(session, probe_id, url, limits, find=find)]
