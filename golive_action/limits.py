"""What the judge is held to: small frozen limit objects, one per family of checks.

The judge gets these, never the whole configuration: a check reads the few figures it is
judged against, and a run recorded earlier can be judged again with other limits. They are
built from a ``GateConfig`` in one place, ``GateConfig.limits()`` (config.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from golive_action.ids import CheckId, Mode


@dataclass(frozen=True)
class PreflightFacts:
    """Which inputs the run was given (their names, never their values), for the preflight
    check and for the registry's rule of which checks run."""

    mode: Mode
    given: frozenset[str]  # the names of the inputs given a value
    ws_flag: bool | None  # the ws-flag input, when the user stated the flag
    ws_flag_expected: bool
    # The checks the user accepts unseen (the waive input).
    waived: frozenset[CheckId] = frozenset()


# Where a health body's version is looked for, in order, unless version-pointer says.
DEFAULT_VERSION_POINTERS = ("/version", "/commit", "/sha", "/gitSha")


@dataclass(frozen=True)
class HealthLimits:
    rate_min_percent: float
    min_samples: int
    # Extra thresholds by metric id (``web-health.latency_ms``), in the threshold grammar.
    extra: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    # (JSON pointer, expected value) when the user set them; None: the "ok" rule.
    expect: tuple[str, Any] | None = None
    # The version the bodies must name (expect-version), and where to look for one.
    expect_version: str | None = None
    version_pointers: tuple[str, ...] = DEFAULT_VERSION_POINTERS


@dataclass(frozen=True)
class UiLimits:
    p95_max_ms: float
    rate_min_percent: float
    min_samples: int


@dataclass(frozen=True)
class BrowserLimits:
    """The trading page in a browser: what the pill, its tooltip and the Spread Card must
    show, and how responsive the page must stay. The defaults are the inputs' own."""

    latency_limit_ms: float = 300.0  # the tooltip's latency: the profile's WebSocket limit
    min_spread_updates: int = 3
    degraded_max_percent: float = 10.0
    long_task_max_ms: float = 200.0
    input_delay_max_ms: float = 100.0
    polling_text: str = "Canlı"
    # Named in reasons, so that a user sees which element was looked for.
    pill_selector: str = '[data-testid="ws-pill"]'
    polling_selector: str = '[data-testid="feed-pill"]'


@dataclass(frozen=True)
class TickerLimits:
    pair: str
    max_age_s: float
    spread_max_percent: float = 5.0  # of the mid price: a wider spread is no market quote


@dataclass(frozen=True)
class WsFlagLimits:
    given: bool | None  # the ws-flag input: the flag is then not read from the page
    expected: bool
    pointer: str | None


@dataclass(frozen=True)
class NginxLimits:
    ws_location: str  # a regular expression the WebSocket location must match


@dataclass(frozen=True)
class CanaryLimits:
    configured: bool  # a canary-file or spark-api-url was given
    window: int
    runs_needed: int
    rate_min_percent: float


@dataclass(frozen=True)
class WsLimits:
    profile: str
    latency_limit_ms: float  # the ping p95 limit in force (input, or the profile's)
    open_max_s: float
    window_s: float
    ping_interval_s: float
    min_samples: int
    max_gap_s: float
    min_spread_updates: int
    event_latency_p95_max_ms: float
    max_clock_skew_ms: float
    burst_disconnects: int
    burst_window_s: float
    reconnects_max: float  # per reconnect_window_s
    reconnect_window_s: float
    rollback_latency_ms: float
    latency_window_s: float
    consistently_k: int
    consistently_n: int
    stuck_closed_s: float


@dataclass(frozen=True)
class SpikeLimits:
    window_s: float
    max_percent: float
    min_requests: int


@dataclass(frozen=True)
class TrendLimits:
    """The trend check's: a figure worse than at the last GO by more than this percent, or
    worse in each of this many runs in a row, this one included."""

    regression_max_percent: float = 20.0
    rising_runs: int = 4


@dataclass(frozen=True)
class Limits:
    """Everything the judge needs besides the observations."""

    mode: Mode
    preflight: PreflightFacts
    health: HealthLimits
    ui: UiLimits
    ticker: TickerLimits
    ws_flag: WsFlagLimits
    nginx: NginxLimits
    canary: CanaryLimits
    ws: WsLimits
    spike: SpikeLimits
    browser: BrowserLimits = field(default_factory=BrowserLimits)
    # The thresholds input: expressions by metric id (catalog.METRICS), held by the checks.
    thresholds: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    trend: TrendLimits = field(default_factory=TrendLimits)
    trend_runs: int = 20  # how many past runs were asked for (a reason names it)
