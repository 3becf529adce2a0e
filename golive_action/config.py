"""One typed, frozen GateConfig from flags, environment, a config file and defaults.

The JSON Schema in ``schemas/config.schema.json`` is the single list of inputs: the CLI flags,
the environment names, the defaults and the validation all come from it, so an input is
declared once.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from types import MappingProxyType
from typing import Any, cast
from urllib.parse import urlsplit

from golive_action import jsondoc
from golive_action.ids import HEALTH_IDS, CheckId, Mode
from golive_action.limits import (
    DEFAULT_VERSION_POINTERS,
    BrowserLimits,
    CanaryLimits,
    HealthLimits,
    Limits,
    NginxLimits,
    PreflightFacts,
    SpikeLimits,
    TickerLimits,
    TrendLimits,
    UiLimits,
    WsFlagLimits,
    WsLimits,
)
from golive_action.regexcheck import backtracks_exponentially
from golive_action.text import hide_userinfo, plural, url_secrets
from golive_action.yamlconfig import strict_yaml_loader

# Default WebSocket latency limits of the checklist's "Performance Thresholds", by profile.
WS_LATENCY_DEFAULT_MS = {"local": 300.0, "prod": 800.0}

_URL_SCHEMES = {"http-url": ("http", "https"), "ws-url": ("ws", "wss")}


class ConfigError(Exception):
    """A bad input. The message is one line: the input, what is wrong, how to fix it."""


class Secret:
    """A token that prints as *** everywhere; only :meth:`reveal` gives the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class InputSpec:
    """One input as the config schema declares it."""

    name: str
    type: str
    nullable: bool
    default: Any
    description: str
    fix: str
    secret: bool
    env_names: tuple[str, ...]
    schema: Mapping[str, Any]
    # What a report keeps of it for judging again (``x-recorded``): "evidence" (how the
    # evidence was gathered: the report's value holds), "limit" (what it was judged against:
    # the report's value unless this invocation gives one), "run" (this invocation only).
    recorded: str = "run"

    @property
    def attr(self) -> str:
        return self.name.replace("-", "_")

    @property
    def flag(self) -> str:
        return f"--{self.name}"


@dataclass(frozen=True)
class GateConfig:
    """Every input of one gate run, validated. Tokens are :class:`Secret` and never shown."""

    mode: Mode = "go-live"
    profile: str = "local"
    web_url: str | None = None
    executor_url: str | None = None
    ticker_url: str | None = None
    ws_url: str | None = None
    ws_pair: str = "BTCTRY"
    duration: float | None = None
    samples: int = 5
    sample_interval: float = 1.0
    http_timeout: float = 10.0
    timeout: float = 600.0
    report: str = "golive-report.json"
    web_health_path: str = "/api/public/health"
    executor_health_path: str = "/health"
    spark_api_url: str | None = None
    spark_api_token: Secret | None = field(default=None, repr=False)
    canary_file: str | None = None
    github_token: Secret | None = field(default=None, repr=False)
    commit_status: bool = False
    ws_latency_max_ms: float | None = None
    ws_open_max_s: float = 5.0
    event_latency_p95_max_ms: float = 1000.0
    health_rate_min: float = 99.5
    canary_rate_min: float = 95.0
    canary_window: int = 7
    ws_reconnects_max_per_min: float = 10.0
    ws_rollback_latency_ms: float = 1000.0
    min_samples: int | None = None
    spike_window_s: float = 60.0
    spike_5xx_max_percent: float = 5.0
    spike_min_requests: int = 5
    latency_window_s: float = 10.0
    consistently_k: int = 3
    consistently_n: int = 5
    reconnect_window_s: float = 60.0
    ws_stuck_closed_s: float = 30.0
    ticker_max_age_s: float = 60.0
    ticker_spread_max_percent: float = 5.0
    ui_path: str = "/btcturk"
    ui_p95_max_ms: float = 2000.0
    browser: bool = False
    browser_executable: str | None = None
    browser_pill_selector: str = '[data-testid="ws-pill"]'
    browser_tooltip_selector: str = '[role="tooltip"]'
    browser_spread_selector: str = '[data-testid="spread-card"]'
    browser_polling_selector: str = '[data-testid="feed-pill"]'
    browser_polling_text: str = "Canlı"
    browser_degraded_max_percent: float = 10.0
    browser_long_task_max_ms: float = 200.0
    browser_input_delay_max_ms: float = 100.0
    ws_flag: bool | None = None
    ws_flag_url: str | None = None
    ws_flag_pointer: str | None = None
    nginx_config: str | None = None
    nginx_ws_location: str = "ws|socket|stream"
    health_pointer: str | None = None
    health_expect: str | None = None
    expect_version: str | None = None
    version_pointer: str | None = None
    ca_bundle: str | None = None
    access_log: str | None = None
    access_log_minutes: float = 15.0
    ws_ping_interval_s: float = 2.0
    ws_max_frame_bytes: int = 1024 * 1024
    ws_max_gap_s: float = 5.0
    ws_min_spread_updates: int = 3
    burst_disconnects: int = 3
    burst_window_s: float = 60.0
    metrics_url: str | None = None
    clock_url: str | None = None
    max_clock_skew_ms: float = 250.0
    canary_path: str = "/canary/run"
    canary_body: str = '{"name": "btcturk-ui-canary", "mode": "dry-run"}'
    canary_output: str = "canary_resp.json"
    canary_workflow: str | None = None
    canary_branch: str | None = None
    canary_event: str | None = None
    canary_min_runs: int | None = None
    github_repository: str | None = None
    github_api_url: str = "https://api.github.com"
    github_run_id: int | None = None
    status_context: str = "golive/gate"
    canary_artifact: str = "golive-evidence"
    trend_runs: int = 20
    trend_workflow: str | None = None
    regression_max_percent: float = 20.0
    trend_rising_runs: int = 4
    # Extra thresholds by metric id, each a list of expressions in the judge's grammar.
    thresholds: dict[str, tuple[str, ...]] | None = None
    # Check ids accepted unseen (the waive input), each one that would not run.
    waive: tuple[CheckId, ...] | None = None
    # The reports to merge instead of observing: paths or globs, one per runner or more.
    merge: tuple[str, ...] | None = None
    min_runners: int | None = None
    publish: bool = True

    @property
    def ws_latency_limit_ms(self) -> float:
        """The latency limit in force: the input, or the profile's default."""
        if self.ws_latency_max_ms is not None:
            return self.ws_latency_max_ms
        return WS_LATENCY_DEFAULT_MS[self.profile]

    @property
    def window_s(self) -> float:
        return observation_window(self.duration, self.mode)

    @property
    def sampling(self) -> Sampling:
        """How the health endpoints and the page are sampled in this mode."""
        return sampling_plan(self.mode, self.window_s, self.samples, self.sample_interval)

    @property
    def min_samples_required(self) -> int:
        return least_samples(self.min_samples, self.samples)

    @property
    def web_health_url(self) -> str | None:
        return _join(self.web_url, self.web_health_path)

    @property
    def executor_health_url(self) -> str | None:
        return _join(self.executor_url, self.executor_health_path)

    @property
    def health_expectation(self) -> tuple[str, Any] | None:
        """(JSON pointer, expected value) when the user set them, else None (ok rule)."""
        if self.health_pointer is None or self.health_expect is None:
            return None
        return self.health_pointer, jsondoc.loads(self.health_expect)

    @property
    def clock_source(self) -> str | None:
        """clock-url, else the feed's own host over HTTP(S)."""
        if self.clock_url or not self.ws_url:
            return self.clock_url
        return "http" + self.ws_url[2:] if self.ws_url.startswith("ws") else None

    @property
    def canary_workflow_file(self) -> str | None:
        """The workflow file: as given, or taken from GITHUB_WORKFLOW_REF, which reads
        owner/repo/.github/workflows/file.yml@refs/heads/main."""
        if self.canary_workflow is None:
            return None
        return self.canary_workflow.split("@", 1)[0].rsplit("/", 1)[-1]

    @property
    def trend_workflow_file(self) -> str | None:
        """The workflow the trends read, as a file name (as canary_workflow_file)."""
        if self.trend_workflow is None:
            return None
        return self.trend_workflow.split("@", 1)[0].rsplit("/", 1)[-1]

    @property
    def canary_runs_needed(self) -> int:
        return self.canary_min_runs if self.canary_min_runs is not None else self.canary_window

    @property
    def canary_url(self) -> str | None:
        return _join(self.spark_api_url, self.canary_path)

    @property
    def ui_url(self) -> str | None:
        return _join(self.web_url, self.ui_path)

    @property
    def ws_flag_source(self) -> str | None:
        """Where the flag is read from: ws-flag-url, else the web app's root page."""
        return self.ws_flag_url or _join(self.web_url, "/")

    @property
    def ws_flag_expected(self) -> bool:
        """go-live and monitor need WebSocket on; the rollback validation needs it off."""
        return self.mode != "rollback"

    @property
    def orderbook_endpoint(self) -> str | None:
        return _join(self.web_url, f"/api/public/btcturk/orderbook?symbol={self.ws_pair}&depth=50")

    @property
    def ticker_endpoint(self) -> str | None:
        if self.ticker_url:
            return self.ticker_url
        return _join(self.web_url, f"/api/public/btcturk/ticker?symbol={self.ws_pair}")

    def limits(self) -> Limits:
        """What the judge is held to: the one place the configuration becomes limits."""
        return Limits(
            mode=self.mode,
            preflight=PreflightFacts(
                mode=self.mode,
                given=self.given_inputs(),
                ws_flag=self.ws_flag,
                ws_flag_expected=self.ws_flag_expected,
                waived=frozenset(self.waive or ()),
            ),
            health=HealthLimits(
                self.health_rate_min,
                self.min_samples_required,
                MappingProxyType(dict(self.thresholds or {})),
                self.health_expectation,
                expect_version=self.expect_version.strip() if self.expect_version else None,
                version_pointers=(self.version_pointer,)
                if self.version_pointer
                else DEFAULT_VERSION_POINTERS,
            ),
            ui=UiLimits(self.ui_p95_max_ms, self.health_rate_min, self.min_samples_required),
            browser=BrowserLimits(
                latency_limit_ms=self.ws_latency_limit_ms,
                min_spread_updates=self.ws_min_spread_updates,
                degraded_max_percent=self.browser_degraded_max_percent,
                long_task_max_ms=self.browser_long_task_max_ms,
                input_delay_max_ms=self.browser_input_delay_max_ms,
                polling_text=self.browser_polling_text,
                pill_selector=self.browser_pill_selector,
                polling_selector=self.browser_polling_selector,
            ),
            ticker=TickerLimits(
                self.ws_pair, self.ticker_max_age_s, self.ticker_spread_max_percent
            ),
            ws_flag=WsFlagLimits(self.ws_flag, self.ws_flag_expected, self.ws_flag_pointer),
            nginx=NginxLimits(self.nginx_ws_location),
            canary=CanaryLimits(
                configured=self.canary_file is not None or self.spark_api_url is not None,
                window=self.canary_window,
                runs_needed=self.canary_runs_needed,
                rate_min_percent=self.canary_rate_min,
            ),
            ws=WsLimits(
                profile=self.profile,
                latency_limit_ms=self.ws_latency_limit_ms,
                open_max_s=self.ws_open_max_s,
                window_s=self.window_s,
                ping_interval_s=self.ws_ping_interval_s,
                min_samples=self.min_samples_required,
                max_gap_s=self.ws_max_gap_s,
                min_spread_updates=self.ws_min_spread_updates,
                event_latency_p95_max_ms=self.event_latency_p95_max_ms,
                max_clock_skew_ms=self.max_clock_skew_ms,
                burst_disconnects=self.burst_disconnects,
                burst_window_s=self.burst_window_s,
                reconnects_max=self.ws_reconnects_max_per_min,
                reconnect_window_s=self.reconnect_window_s,
                rollback_latency_ms=self.ws_rollback_latency_ms,
                latency_window_s=self.latency_window_s,
                consistently_k=self.consistently_k,
                consistently_n=self.consistently_n,
                stuck_closed_s=self.ws_stuck_closed_s,
            ),
            thresholds=MappingProxyType(dict(self.thresholds or {})),
            trend=TrendLimits(self.regression_max_percent, self.trend_rising_runs),
            trend_runs=self.trend_runs,
            spike=SpikeLimits(
                self.spike_window_s,
                self.spike_5xx_max_percent,
                # Fewer answers asked for than the minimum: the user chose a small run, and
                # it is judged on what it asked for (each health endpoint is sampled).
                min(self.spike_min_requests, self.sampling.count * len(HEALTH_IDS)),
            ),
        )

    def given_inputs(self) -> frozenset[str]:
        """The names of the inputs that have a value (the registry's rule of what runs)."""
        return frozenset(
            name
            for name, spec in input_specs().items()
            if is_given(getattr(self, spec.attr))
            # An input that switches a check on (browser): false is the check left off.
            and not (spec.schema.get("x-off-when-false") and getattr(self, spec.attr) is False)
        )

    def secrets(self) -> tuple[str, ...]:
        """The secret values, for redaction of anything the gate stores or prints: the tokens
        and the password of any URL given with one (``https://user:password@host``)."""
        tokens = [s.reveal() for s in (self.spark_api_token, self.github_token) if s]
        passwords = [form for url in self._given_urls() for form in url_secrets(url)]
        return tuple(dict.fromkeys([*tokens, *passwords]))

    def _given_urls(self) -> tuple[str, ...]:
        urls = (
            self.web_url,
            self.executor_url,
            self.ticker_url,
            self.ws_url,
            self.spark_api_url,
            self.ws_flag_url,
            self.metrics_url,
            self.clock_url,
            self.github_api_url,
        )
        return tuple(u for u in urls if u)


def observation_window(duration: float | None, mode: str) -> float:
    """The observation window in force: the input, or 30 s (300 s in mode monitor, whose
    windows are longer)."""
    if duration is not None:
        return duration
    return 300.0 if mode == "monitor" else 30.0


# In a window, samples of one endpoint are never closer than this (sample-interval 0 is no
# busy loop: ten requests a second at most), and never more than this many.
WINDOW_SPACING_MIN_S = 0.1
WINDOW_SAMPLES_MAX = 100_000


@dataclass(frozen=True)
class Sampling:
    """How often an endpoint is sampled: ``count`` GETs, ``interval_s`` apart."""

    count: int
    interval_s: float
    window_s: float | None  # the window they span; None: a count alone (rollback)


def sampling_plan(mode: str, window_s: float, samples: int, interval_s: float) -> Sampling:
    """In go-live and monitor, the health endpoints and the page are sampled throughout the
    observation window: from its start to its end, every ``interval_s`` (at least
    WINDOW_SPACING_MIN_S), and at least ``samples`` times (closer together when the window
    at that interval would give fewer). In rollback, where nothing watches a window,
    ``samples`` times, ``interval_s`` apart, as fast as that."""
    if mode == "rollback":
        return Sampling(samples, interval_s, None)
    return window_sampling(window_s, samples, interval_s)


def window_sampling(window_s: float, samples: int, interval_s: float) -> Sampling:
    """From the window's start to its end, every ``interval_s`` (at least
    WINDOW_SPACING_MIN_S), and at least ``samples`` times: the health endpoints' and the
    page's rhythm in go-live and monitor, the polled ticker's after a rollback."""
    step = max(interval_s, WINDOW_SPACING_MIN_S)
    by_interval = math.floor(window_s / step + 1e-9) + 1
    count = min(max(samples, by_interval), WINDOW_SAMPLES_MAX)
    if count == by_interval or count == 1:
        return Sampling(count, step, window_s)
    # More samples than the interval gives, or capped: spread evenly over the whole window.
    return Sampling(count, window_s / (count - 1), window_s)


def least_samples(min_samples: int | None, samples: int) -> int:
    """The minimum in force: the input, or 3 (or ``samples`` when fewer are asked for)."""
    return min_samples if min_samples is not None else min(3, samples)


def _join(base: str | None, path: str) -> str | None:
    if not base:
        return None
    return base.rstrip("/") + path


# --------------------------------------------------------------------------- the schema


def load_config_schema() -> dict[str, Any]:
    text = resources.files("golive_action").joinpath("schemas/config.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


def input_specs(schema: Mapping[str, Any] | None = None) -> dict[str, InputSpec]:
    """The inputs, in the schema's order."""
    schema = schema if schema is not None else load_config_schema()
    specs: dict[str, InputSpec] = {}
    for name, prop in schema["properties"].items():
        types = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
        primary = next(t for t in types if t != "null")
        specs[name] = InputSpec(
            name=name,
            type=primary,
            nullable="null" in types,
            default=prop.get("default"),
            description=prop.get("description", ""),
            fix=prop.get("x-fix", "see the input's description in the README"),
            secret=bool(prop.get("x-secret", False)),
            env_names=_env_names(name, prop.get("x-env", [])),
            schema=prop,
            recorded=prop.get("x-recorded", "run"),
        )
    return specs


def _env_names(name: str, extra: list[str]) -> tuple[str, ...]:
    upper = name.upper()
    snake = upper.replace("-", "_")
    # The runner keeps '-' in INPUT_ names for Docker actions; the composite action passes '_'.
    names = [f"INPUT_{snake}", f"INPUT_{upper}", f"GOLIVE_{snake}", *extra]
    return tuple(dict.fromkeys(names))


# --------------------------------------------------------------------------- sources


@dataclass(frozen=True)
class _Given:
    value: Any
    source: str


def _describe_value(spec: InputSpec | None, value: Any) -> str:
    if spec is not None and spec.secret:
        return "the given value"
    if isinstance(value, str):
        value = hide_userinfo(value)
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def _error(spec: InputSpec, given: _Given, problem: str) -> ConfigError:
    return ConfigError(f"input '{spec.name}' ({given.source}): {problem}; fix: {spec.fix}")


# No input needs more: a larger figure is a typo, and a longer text an attack on the parser.
_LARGEST_DIGITS = 15
_LARGEST_NUMBER = 10**_LARGEST_DIGITS
_NUMBER_TEXT_LIMIT = 40
_NOT_TOKEN_TEXT_RE = re.compile(r"[^\x20-\x7e]")
# ASCII digits only: \d would take other scripts' digits (١٢ as 12).
_NUMBER_RE = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$")


def _coerce_text(spec: InputSpec, given: _Given) -> Any:
    """Turn the text of a flag or environment variable into the input's type."""
    text = given.value
    assert isinstance(text, str)
    if not spec.secret:
        text = text.strip()
    value_text = _describe_value(spec, text)
    if spec.type == "boolean":
        if text in ("true", "false"):
            return text == "true"
        raise _error(spec, given, f"{value_text} is not a boolean (only true or false)")
    if spec.type in ("integer", "number") and len(text) > _NUMBER_TEXT_LIMIT:
        raise _error(spec, given, f"{value_text} has too many digits")
    if spec.type == "integer":
        if _NUMBER_RE.match(text):  # 3, 3.0 or 1e3: judged exactly, never through a float
            exact = Decimal(text)
            if not exact.is_zero() and exact.adjusted() >= _LARGEST_DIGITS:
                raise _error(spec, given, f"{value_text} is too large")
            if exact != exact.to_integral_value():
                raise _error(spec, given, f"{value_text} is not a whole number")
            return int(exact)
        raise _error(spec, given, f"{value_text} is not a whole number")
    if spec.type == "number":
        if _NUMBER_RE.match(text):
            return _typed_number(spec, given, float(text))
        raise _error(spec, given, f"{value_text} is not a number")
    return text.strip() if spec.secret else text


def _typed_number(spec: InputSpec, given: _Given, value: Any) -> Any:
    """A number from any source, made finite and of the input's kind, or refused.

    NaN compares false with every limit, so a NaN limit would pass anything (fail open);
    infinity (also 1e309, which float() rounds to it) is no limit either. A whole number
    written 3.0 is 3 for a whole-number input; 3.5 is refused there, never truncated.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value  # the schema names the wrong type
    if isinstance(value, int) and abs(value) > _LARGEST_NUMBER:
        raise _error(spec, given, "the number is too large")
    if value == 0:
        return 0 if spec.type == "integer" or isinstance(value, int) else 0.0  # never -0.0
    if isinstance(value, float) and not math.isfinite(value):
        if isinstance(given.value, str):
            shown = _describe_value(spec, given.value.strip())
        else:
            shown = "NaN" if math.isnan(value) else ("-" if value < 0 else "") + "infinity"
        raise _error(spec, given, f"{shown} is not a finite number")
    if spec.type == "integer" and isinstance(value, float):
        if not value.is_integer():
            raise _error(spec, given, f"{value!r} is not a whole number")
        if abs(value) > _LARGEST_NUMBER:
            raise _error(spec, given, "the number is too large")
        return int(value)
    return value


CONFIG_FILE_CAP = 1024 * 1024


def read_config_file(path: str) -> dict[str, Any]:
    where = f"config file '{path}'"
    fix = "give the path of a readable JSON or YAML file that maps input names to values"
    from golive_action.files import FileProblem, read_regular

    try:
        raw = read_regular(path, CONFIG_FILE_CAP)
        text = raw.decode("utf-8")
    except FileProblem as exc:
        raise ConfigError(f"config file {exc.strerror}; fix: {fix}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{where}: not UTF-8 text; fix: {fix}") from None
    if len(raw) > CONFIG_FILE_CAP:
        raise ConfigError(f"{where}: larger than {CONFIG_FILE_CAP} bytes; fix: {fix}")
    data: Any = None
    too_deep = False
    if path.endswith(".json"):
        try:
            data = json.loads(text)
        except RecursionError:
            too_deep = True
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"{where}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
                f"fix: correct the JSON syntax"
            ) from None
        except ValueError:  # a number of thousands of digits
            raise ConfigError(f"{where}: a number has too many digits; fix: {fix}") from None
    else:
        import yaml

        try:
            data = yaml.load(text, Loader=strict_yaml_loader())  # noqa: S506 - a SafeLoader
        except RecursionError:
            too_deep = True
        except (ValueError, OverflowError):  # a number of thousands of digits
            raise ConfigError(f"{where}: a number has too many digits; fix: {fix}") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            at = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
            problem = getattr(exc, "problem", None) or "syntax error"
            raise ConfigError(
                f"{where}: not valid YAML ({at}{problem}); fix: correct the YAML syntax"
            ) from None
    if too_deep or jsondoc.depth_exceeds(data, jsondoc.MAX_JSON_DEPTH):
        raise ConfigError(
            f"{where}: nested deeper than {jsondoc.MAX_JSON_DEPTH} levels; fix: {fix}"
        )
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{where}: the top level is a {type(data).__name__}, not a mapping; "
            f"fix: write one 'input-name: value' per line"
        )
    return data


def gather(
    flags: Mapping[str, str | None] | None = None,
    environ: Mapping[str, str] | None = None,
    config_file: str | None = None,
    schema: Mapping[str, Any] | None = None,
    flag_labels: Mapping[str, str] | None = None,
    defaults: Mapping[str, str] | None = None,
    gate_run: bool = True,
    step_inputs: bool = False,
    recorded: Recorded | None = None,
    ignored: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Merge the sources (flags, then environment, then config file, then defaults).

    Returns the typed mapping, not yet validated against the schema. With ``recorded`` (a
    report's inputs, judged again), its evidence inputs win over every source and its
    limits sit between the config file and the defaults. ``ignored`` inputs are not read
    from the environment or the config file (the evidence inputs, for golive judge).
    """
    specs = input_specs(schema)
    chosen: dict[str, _Given] = {}
    # A command's own defaults (the demo samples faster): below every source the user has.
    for name, default_text in (defaults or {}).items():
        chosen[name] = _Given(default_text, "this command's default")
    if recorded is not None:
        for name, value in recorded.inputs.items():
            if name in specs and specs[name].recorded == "limit":
                chosen[name] = _Given(value, recorded.source)

    if config_file:
        for key, value in read_config_file(config_file).items():
            key_text = str(key)
            if key_text not in specs:
                raise _unknown_input(key_text, f"config file '{config_file}'", specs)
            if ignored and key_text in ignored:
                continue
            chosen[key_text] = _Given(value, f"config file '{config_file}'")

    environ = environ or {}
    for spec in specs.values():
        if ignored and spec.name in ignored:
            continue
        for env_name in reversed(spec.env_names):  # the first name wins: applied last
            text = environ.get(env_name)
            if text is None or text.strip() == "":
                continue
            if (
                recorded is not None
                and step_inputs
                and env_name.startswith("INPUT_")
                and spec.recorded == "limit"
                and spec.name in recorded.inputs
                and text == action_default_text(spec)
            ):
                # action.yml sets every input, its default when the step leaves it out: a
                # default there is no limit the user gave, and the report's own stands.
                continue
            chosen[spec.name] = _Given(text, _env_source(env_name, step_inputs))

    for name, text in (flags or {}).items():
        if name not in specs:
            raise _unknown_input(name, "command line", specs)
        if text is not None and text.strip() != "":
            chosen[name] = _Given(text, f"flag {(flag_labels or {}).get(name, '--' + name)}")

    merged: dict[str, Any] = {name: spec.default for name, spec in specs.items()}
    sources: dict[str, str] = {}
    if recorded is not None:
        # How the evidence was gathered is what the report says, whatever is given now.
        for spec in specs.values():
            if spec.recorded == "evidence":
                chosen.pop(spec.name, None)
                if spec.name in recorded.inputs:
                    chosen[spec.name] = _Given(recorded.inputs[spec.name], recorded.source)
    for name, given in chosen.items():
        spec = specs[name]
        if given.value is None:
            merged[name] = None
            sources[name] = given.source
            continue
        is_text = isinstance(given.value, str)
        value = _coerce_text(spec, given) if is_text else given.value
        if spec.type in ("number", "integer"):
            value = _typed_number(spec, given, value)
        merged[name] = value
        sources[name] = given.source
    validate(merged, sources, schema, gate_run=gate_run)
    return merged


def action_default_text(spec: InputSpec) -> str:
    """An input's default as action.yml gives it to the gate (INPUT_<NAME>) when a step
    leaves the input out: ``true``/``false``, the number or text, or empty."""
    if isinstance(spec.default, bool):
        return str(spec.default).lower()
    return "" if spec.default is None else str(spec.default)


def _env_source(env_name: str, step_inputs: bool) -> str:
    """Where a value read from ``env_name`` came from, as the user wrote it: with
    ``step_inputs`` (the caller runs in an Actions step), an INPUT_ variable is the step's
    ``with:`` (action.yml maps each input to one)."""
    if step_inputs and env_name.startswith("INPUT_"):
        return "given in with:"
    return f"environment {env_name}"


def raw_secrets(args: Sequence[str], environ: Mapping[str, str]) -> tuple[str, ...]:
    """The secrets among the inputs as given, before anything parses them (so that they can
    be masked even when the inputs are refused): the values of the token inputs, as flags
    (``--flag V``, ``--flag=V``) and in the environment, and the password of any URL."""
    specs = input_specs()
    secret_flags = {spec.flag for spec in specs.values() if spec.secret}
    found: list[str] = []
    for index, word in enumerate(args):
        flag, equals, value = word.partition("=")
        if flag in secret_flags:
            if equals:
                found.append(value)
            elif index + 1 < len(args):
                found.append(args[index + 1])
        # A URL's own query may hold '=': the word is tried whole too.
        found.extend(url_secrets(word.strip()))
        if equals:
            found.extend(url_secrets(value.strip()))
    for spec in specs.values():
        for env_name in spec.env_names:
            text = environ.get(env_name) or ""
            if spec.secret:
                found.append(text)
            found.extend(url_secrets(text.strip()))
    return tuple(dict.fromkeys(v.strip() for v in found if v.strip()))


def _unknown_input(name: str, where: str, specs: Mapping[str, InputSpec]) -> ConfigError:
    close = difflib.get_close_matches(name, list(specs), n=1)
    hint = f"did you mean '{close[0]}'?" if close else "see the inputs listed in the README"
    return ConfigError(f"unknown input '{name}' ({where}); fix: {hint}")


# --------------------------------------------------------------------------- validation


def _format_checker() -> Any:
    from jsonschema import FormatChecker

    checker = FormatChecker(formats=())
    for fmt, schemes in _URL_SCHEMES.items():
        checker.checks(fmt)(_url_check(schemes))
    return checker


def _url_check(schemes: tuple[str, ...]) -> Any:
    def check(value: object) -> bool:
        if not isinstance(value, str):
            return True
        # A backslash: urllib.parse and urllib3 (which connects) read the host apart.
        if any(c.isspace() for c in value) or "\\" in value:
            return False
        try:
            parts = urlsplit(value)
            host = parts.hostname
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError:
            return False
        # A fragment is never sent, and the paths the gate adds would land inside it
        # (https://h/#x + /health is https://h/#x/health: the page itself, not its health).
        return parts.scheme in schemes and bool(host) and "#" not in value

    return check


def _problem(spec: InputSpec, error: Any) -> str:
    value = _describe_value(spec, error.instance)
    kind = error.validator
    limit = error.validator_value
    if kind == "type":
        wanted = spec.type if spec.type != "integer" else "whole number"
        return f"{value} is not a {wanted}"
    if kind == "enum":
        return f"{value} is not one of {', '.join(map(str, limit))}"
    if kind == "minimum":
        return f"{value} is below the minimum of {limit}"
    if kind == "exclusiveMinimum":
        return f"{value} must be greater than {limit}"
    if kind == "maximum":
        return f"{value} is above the maximum of {limit}"
    if kind == "minLength":
        return "the value is empty"
    if kind == "pattern":
        return f"{value} does not have the expected form"
    if kind == "format":
        schemes = " or ".join(f"{s}://" for s in _URL_SCHEMES.get(limit, ()))
        if isinstance(error.instance, str) and "#" in error.instance:
            return (
                f"{value} has a #fragment, which is never sent and would swallow the paths "
                "the gate adds to it"
            )
        return f"{value} is not a valid {schemes} URL"
    return f"{value} is not valid ({kind})"


def validate(
    merged: Mapping[str, Any],
    sources: Mapping[str, str] | None = None,
    schema: Mapping[str, Any] | None = None,
    gate_run: bool = True,
) -> None:
    """Check the merged mapping against the schema; raise ConfigError on the first problem.
    ``gate_run`` adds the checks that only a gate run needs (its time budget, its files)."""
    from jsonschema import Draft202012Validator

    schema = schema if schema is not None else load_config_schema()
    specs = input_specs(schema)
    validator = Draft202012Validator(schema, format_checker=_format_checker())
    errors = sorted(validator.iter_errors(dict(merged)), key=lambda e: list(e.path))
    if not errors:
        _check_relations(merged, sources or {}, specs)
        if gate_run:
            _check_time_budget(merged, sources or {}, specs)
            _check_files(merged, sources or {}, specs)
        return
    error = errors[0]
    if error.validator == "additionalProperties":
        extra = sorted(set(merged) - set(specs))
        raise _unknown_input(extra[0] if extra else "?", "configuration", specs)
    name = str(error.path[0]) if error.path else "?"
    spec = specs.get(name)
    if spec is None:
        raise ConfigError(f"configuration: {error.message}")
    source = (sources or {}).get(name, "default")
    raise _error(spec, _Given(error.instance, source), _problem(spec, error))


def _check_relations(
    merged: Mapping[str, Any], sources: Mapping[str, str], specs: Mapping[str, InputSpec]
) -> None:
    """Rules that join two inputs, or that the schema cannot say."""

    def refused(name: str, problem: str) -> ConfigError:
        return _error(specs[name], _Given(merged[name], sources.get(name, "default")), problem)

    if merged["min-samples"] is not None and merged["min-samples"] > merged["samples"]:
        raise refused(
            "min-samples",
            f"{merged['min-samples']} is more than samples ({merged['samples']}), "
            "so no check could ever pass",
        )
    if merged["mode"] != "rollback":
        window = observation_window(merged["duration"], merged["mode"])
        room = math.floor(window / WINDOW_SPACING_MIN_S + 1e-9) + 1
        if merged["samples"] > room:
            # Name the input the user gave: the one to change.
            blamed = "duration" if "duration" in sources and "samples" not in sources else "samples"
            raise ConfigError(
                f"input '{blamed}' ({sources.get(blamed, 'default')}): {merged['samples']} "
                f"samples do not fit in the observation window of {window:g} s, even "
                f"{WINDOW_SPACING_MIN_S:g} s apart; fix: ask for at most {room} samples, or "
                f"observe for at least {(merged['samples'] - 1) * WINDOW_SPACING_MIN_S:g} s"
            )
    if merged["consistently-k"] > merged["consistently-n"]:
        k, n = merged["consistently-k"], merged["consistently-n"]
        if "consistently-k" in sources or "consistently-n" not in sources:
            problem = f"{k} is more than consistently-n ({n}), so the trigger could never fire"
            raise refused("consistently-k", problem)
        # Name the input the user gave.
        problem = f"{n} is less than consistently-k ({k}), so the trigger could never fire"
        raise refused("consistently-n", problem)
    for spec in specs.values():
        value = merged[spec.name]
        if spec.secret and isinstance(value, str) and _NOT_TOKEN_TEXT_RE.search(value):
            # A line break in a token would reach a header or a log line as two lines, its
            # escaped form would slip past a plain search for it, and a header cannot carry
            # a non-ASCII letter (the error would quote where in the token it sits).
            raise ConfigError(
                f"input '{spec.name}' ({sources.get(spec.name, 'default')}): the token holds a "
                "control character or a character outside printable ASCII (a line break, a "
                "tab, an accented letter); fix: give the token on one line, as the service "
                "issued it"
            )
    if (merged["health-pointer"] is None) != (merged["health-expect"] is None):
        name = "health-expect" if merged["health-pointer"] else "health-pointer"
        other = "health-pointer" if name == "health-expect" else "health-expect"
        raise ConfigError(
            f"input '{name}': missing while {other} is set; fix: give both, e.g. "
            'health-pointer /status and health-expect "ok"'
        )
    if merged["health-expect"] is not None:
        try:
            jsondoc.loads(merged["health-expect"])
        except ValueError as exc:
            shown = str(exc) if isinstance(exc, jsondoc.JsonTooDeep) else "not a JSON value"
            raise refused("health-expect", f"is {shown}") from None
    try:
        if not isinstance(jsondoc.loads(merged["canary-body"]), dict):
            raise refused("canary-body", "is not a JSON object")
    except jsondoc.JsonTooDeep as exc:
        raise refused("canary-body", f"is {exc}") from None
    except ValueError:
        raise refused("canary-body", "is not a JSON object") from None
    try:
        re.compile(merged["nginx-ws-location"])
    except re.error as exc:
        raise refused("nginx-ws-location", f"not a regular expression ({exc})") from None
    if backtracks_exponentially(merged["nginx-ws-location"]):  # after it compiled
        raise refused(
            "nginx-ws-location",
            "repeats a group that itself repeats or alternates, which can take exponential "
            "time (and no signal or timeout interrupts a running match)",
        )
    if merged.get("thresholds") is not None:
        source = sources.get("thresholds", "default")
        given = _Given(merged["thresholds"], source)
        from golive_action.judge.registry import checks_for

        judged = {spec.id for spec in checks_for(merged["mode"])}
        for metric in parse_threshold_input(merged["thresholds"], given):
            check = metric.split(".", 1)[0]
            if check not in judged:
                problem = (
                    f"metric '{metric}' is recorded by the check {check}, which mode "
                    f"{merged['mode']} does not judge, so the threshold would never be held"
                )
                raise _error(specs["thresholds"], given, problem)
    _check_waivers(merged, sources, specs)
    merge = merged.get("merge")
    if is_given(merge) and not parse_merge_input(merge):
        raise _error(
            specs["merge"], _Given(merge, sources.get("merge", "default")), "names no file"
        )


def is_given(value: Any) -> bool:
    """An input has a value: not unset, not an empty text or list (an empty ``with:`` entry
    of a workflow reaches the gate as an empty text)."""
    return value is not None and value not in ("", (), [])


def parse_waive_input(value: Any) -> tuple[str, ...]:
    """``canary, nginx-ws`` (commas or spaces) or a list: the ids, once each, in order."""
    if value is None:
        return ()
    items = value.replace(",", " ").split() if isinstance(value, str) else value
    return tuple(dict.fromkeys(str(item).strip() for item in items if str(item).strip()))


def parse_merge_input(value: Any) -> tuple[str, ...]:
    """One path or glob per line (or comma separated), or a list: each once, in order."""
    if value is None:
        return ()
    items = value.replace(",", "\n").splitlines() if isinstance(value, str) else value
    return tuple(dict.fromkeys(str(item).strip() for item in items if str(item).strip()))


def _check_waivers(
    merged: Mapping[str, Any], sources: Mapping[str, str], specs: Mapping[str, InputSpec]
) -> None:
    """A waiver names a check of the mode that would not run; any other is refused, so a
    waiver can never hide a result (the registry says what runs on which inputs)."""
    from golive_action.judge.registry import waiver_problem

    waived = parse_waive_input(merged.get("waive"))
    given = frozenset(name for name, value in merged.items() if is_given(value))
    for check_id in waived:
        problem = waiver_problem(check_id, merged["mode"], given)
        if problem is not None:
            given_as = _Given(merged["waive"], sources.get("waive", "default"))
            raise _error(specs["waive"], given_as, problem)


# File inputs the gate reads, and the outputs it writes; checked before anything runs.
_INPUT_FILES = ("canary-file", "nginx-config", "access-log")
_OUTPUT_FILES = ("report", "canary-output")


def _check_files(
    merged: Mapping[str, Any], sources: Mapping[str, str], specs: Mapping[str, InputSpec]
) -> None:
    """Missing inputs and forbidden outputs are refused at start, not found at run time as
    a string of probe errors (or as a report written over a device)."""
    from golive_action.files import input_file_problem, output_problem, pem_bundle_problem

    def refuse(name: str, problem: str, fix: str) -> ConfigError:
        return ConfigError(
            f"input '{name}' ({sources.get(name, 'default')}): {problem}; fix: {fix}"
        )

    for name in _INPUT_FILES:
        if merged[name] is not None:
            problem = input_file_problem(merged[name])
            if problem is not None:
                raise refuse(name, problem, "give the path of a readable regular file")
    if merged["ca-bundle"] is not None:
        problem = pem_bundle_problem(merged["ca-bundle"])
        if problem is not None:
            raise refuse("ca-bundle", problem, "give a PEM file of CA certificates")
    for name in _OUTPUT_FILES:
        problem = output_problem(merged[name])
        if problem is not None:
            raise refuse(name, problem, f"give --{name} a writable path of a regular file")
    same = os.path.realpath(merged["report"]) == os.path.realpath(merged["canary-output"])
    if same:
        raise refuse(
            "canary-output",
            f"'{merged['canary-output']}' is also the report's path, so one would overwrite "
            "the other",
            "give the report and the canary response different paths",
        )
    if merged["browser"] is True:
        _check_browser_files(merged, refuse)


def _check_browser_files(
    merged: Mapping[str, Any], refuse: Callable[[str, str, str], ConfigError]
) -> None:
    """The screenshot goes beside the report: a path that may not be written, or that is the
    canary response's, is refused now, not after the window; so is a browser-executable
    that is not one."""
    from golive_action.files import executable, output_problem, screenshot_path

    shot = screenshot_path(merged["report"])
    problem = output_problem(shot)
    if problem is not None:
        raise refuse(
            "report",
            f"the browser's screenshot goes beside the report, at '{shot}': {problem}",
            "give --report a path in a folder where a regular file beside it may be written",
        )
    if os.path.realpath(shot) == os.path.realpath(merged["canary-output"]):
        raise refuse(
            "canary-output",
            f"'{merged['canary-output']}' is also the browser's screenshot, so one would "
            "overwrite the other",
            "give the canary response another path",
        )
    given = merged["browser-executable"]
    if given and executable(given) is None:
        raise refuse(
            "browser-executable",
            f"{given!r} is not an executable file",
            "give the path of a Chrome or Chromium (e.g. /usr/bin/chromium), or leave "
            "it empty to find one",
        )


# Seconds the gate keeps for judging and publishing after its observations (runner.py).
REPORT_RESERVE_S = 1.0


def _check_time_budget(
    merged: Mapping[str, Any], sources: Mapping[str, str], specs: Mapping[str, InputSpec]
) -> None:
    """An observation longer than the whole run's timeout can never finish: the gate would
    cut every run short and never judge a full window (or take the samples a check needs),
    so it is refused at start."""
    timeout = merged["timeout"]
    needs: list[tuple[tuple[str, ...], float, str]] = []
    mode = merged["mode"]
    window = observation_window(merged["duration"], mode)
    sampled = merged["web-url"] is not None or merged["executor-url"] is not None
    # The WebSocket probe watches the window, and so does health sampling outside rollback.
    watched = sampled and mode != "rollback"
    if merged["duration"] is not None or merged["ws-url"] is not None or watched:
        needs.append((("duration",), window, f"an observation window of {window:g} s"))
    if sampled:
        least = least_samples(merged["min-samples"], merged["samples"])
        plan = sampling_plan(mode, window, merged["samples"], merged["sample-interval"])
        interval, wait = plan.interval_s, merged["http-timeout"]
        sampling = (least - 1) * interval + wait
        needs.append(
            (
                ("min-samples", "samples", "sample-interval", "http-timeout"),
                sampling,
                f"the {plural(least, 'sample')} a check needs, every {interval:g} s and each "
                f"allowed http-timeout {wait:g} s ({sampling:g} s)",
            )
        )
    for names, seconds, what in needs:
        if seconds + REPORT_RESERVE_S < timeout:
            continue
        # Name the input the user gave: the one to change.
        blamed = next((n for n in ("timeout", *names) if n in sources), "timeout")
        raise ConfigError(
            f"input '{blamed}' ({sources.get(blamed, 'default')}): {what} does not fit in "
            f"timeout ({timeout:g} s), so the gate could never finish a run; fix: raise "
            f"timeout above {seconds + REPORT_RESERVE_S:g} s or observe for less"
        )


def parse_threshold_input(value: Any, given: _Given | None = None) -> dict[str, tuple[str, ...]]:
    """``metric: expr, expr`` lines, or a mapping of metric to expressions, checked in full."""
    from golive_action.catalog import METRICS
    from golive_action.thresholds import ThresholdError, parse_thresholds

    spec = input_specs()["thresholds"]
    given = given or _Given(value, "default")
    pairs: list[tuple[str, Any]] = []
    if isinstance(value, str):
        for number, line in enumerate(value.splitlines(), 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            metric, colon, expressions = line.partition(":")
            if not colon:
                raise _error(spec, given, f"line {number} has no ':' between metric and thresholds")
            pairs.append((metric.strip(), expressions))
    elif isinstance(value, dict):
        pairs = [(str(k), v) for k, v in value.items()]
    parsed: dict[str, tuple[str, ...]] = {}
    for metric, expressions in pairs:
        if metric not in METRICS:
            close = difflib.get_close_matches(metric, list(METRICS), n=3, cutoff=0.5)
            hint = (
                f" (did you mean {' or '.join(repr(c) for c in close)}?)"
                if close
                else " (the README lists every metric)"
            )
            raise _error(spec, given, f"unknown metric '{metric}'{hint}")
        is_list = isinstance(expressions, list) and all(isinstance(e, str) for e in expressions)
        if not (isinstance(expressions, str) or is_list):
            raise _error(spec, given, f"metric '{metric}': give a list of expressions")
        try:
            found = parse_thresholds(expressions)
        except ThresholdError as exc:
            raise _error(spec, given, str(exc)) from None
        parsed[metric] = parsed.get(metric, ()) + tuple(str(t) for t in found)
    return parsed


# --------------------------------------------------------------------------- building


@dataclass(frozen=True)
class Recorded:
    """The inputs a report was judged with (``GateConfig.recorded_inputs``): the evidence
    inputs and the limits, by input name, tokens left out; ``secrets_given`` names the
    tokens that were given. ``source`` names the report in errors."""

    inputs: Mapping[str, Any]
    secrets_given: tuple[str, ...] = ()
    source: str = "the report"


def recorded_inputs(config: GateConfig) -> dict[str, Any]:
    """What a report keeps of its inputs to be judged again (README "Judging again"): every
    evidence input and limit by name, as JSON, and the names of the tokens given (never
    their values)."""
    inputs: dict[str, Any] = {}
    secrets_given: list[str] = []
    for spec in input_specs().values():
        if spec.recorded == "run":
            continue
        value = getattr(config, spec.attr)
        if spec.secret:
            if value is not None:
                secrets_given.append(spec.name)
            continue
        if isinstance(value, str) and spec.schema.get("format"):
            value = hide_userinfo(value)  # a URL's user and password are no one's business
        elif isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, dict):
            value = {key: list(items) for key, items in value.items()}
        inputs[spec.name] = value
    return {"inputs": inputs, "secrets_given": secrets_given}


def judging_config(
    recorded: Recorded,
    flags: Mapping[str, str | None] | None = None,
    environ: Mapping[str, str] | None = None,
    config_file: str | None = None,
    step_inputs: bool = False,
) -> GateConfig:
    """The configuration recorded evidence is judged again with: the report's evidence
    inputs as they were, this invocation's limits over the report's. A token that was given
    stands as a fresh random one, which nothing holds: the judge only asks whether it was
    given. Raises ConfigError."""
    import secrets as token_source

    specs = input_specs()
    # A token is never recorded, only its name: a value under a token's name is no token.
    inputs = {k: v for k, v in recorded.inputs.items() if not (k in specs and specs[k].secret)}
    for name in recorded.secrets_given:
        if name in specs and specs[name].secret:
            inputs[name] = token_source.token_urlsafe(24)
    merged = gather(
        flags,
        environ,
        config_file,
        gate_run=False,
        step_inputs=step_inputs,
        recorded=dataclasses.replace(recorded, inputs=inputs),
    )
    return config_from_mapping(merged)


def config_from_mapping(merged: Mapping[str, Any]) -> GateConfig:
    """Build the GateConfig from a validated mapping of input names to typed values."""
    specs = input_specs()
    kwargs: dict[str, Any] = {}
    for name, value in merged.items():
        spec = specs[name]
        if spec.secret and value is not None:
            value = Secret(str(value))
        elif name == "thresholds" and value is not None:
            value = parse_threshold_input(value)
        elif name == "waive":
            # Each id was refused by validate() unless it names a check of the registry.
            value = cast("tuple[CheckId, ...]", parse_waive_input(value)) or None
        elif name == "merge":
            value = parse_merge_input(value) or None
        elif spec.type == "number" and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        kwargs[spec.attr] = value
    return GateConfig(**kwargs)


def load_config(
    flags: Mapping[str, str | None] | None = None,
    environ: Mapping[str, str] | None = None,
    config_file: str | None = None,
    flag_labels: Mapping[str, str] | None = None,
    defaults: Mapping[str, str] | None = None,
    gate_run: bool = True,
    step_inputs: bool = False,
    ignored: frozenset[str] = frozenset(),
) -> GateConfig:
    """The one entry point: merge, coerce, validate and build. Raises ConfigError.
    ``flag_labels`` names the flag the user typed for an input, where it has another;
    ``defaults`` replaces the schema's defaults of some inputs (as text); ``gate_run=False``
    leaves out what only a gate run needs (``golive canary rate`` writes no report);
    ``step_inputs`` says that INPUT_ variables are an Actions step's ``with:``, and names
    them so in errors."""
    return config_from_mapping(
        gather(
            flags,
            environ,
            config_file,
            flag_labels=flag_labels,
            defaults=defaults,
            gate_run=gate_run,
            step_inputs=step_inputs,
            ignored=ignored,
        )
    )


def config_fields() -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(GateConfig))
