"""The data of a gate run: observations (what was seen), results (what was judged), the report.

Observations serialize to JSON and back without loss, so a run can be judged again with
other thresholds, or merged with the runs of other runners.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from enum import Enum
from typing import Any, Literal

from golive_action import jsondoc
from golive_action.ids import (
    CheckId,
    CriterionId,
    HealthId,
    HttpProbeId,
    ProbeId,
    TriggerId,
    is_http_probe,
)
from golive_action.text import one_line

REPORT_SCHEMA_ID = "golive-report/1"
REASON_LIMIT = 1000


def _number(value: Any) -> float:
    """A number of a report read back: a JSON number, finite (never a string such as "nan",
    which float() would take). Raises TypeError or ValueError: the report does not read
    back."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{value!r} is not a number")
    if not math.isfinite(value):
        raise ValueError(f"{value!r} is not a finite number")
    return float(value)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{value!r} is not a string")
    return value


def _one_line_reason(obj: Any) -> None:
    """Reasons are one line by contract, whatever text a server put into them."""
    object.__setattr__(obj, "reason", one_line(obj.reason, REASON_LIMIT))


class Verdict(str, Enum):
    """Six verdicts: the four of Argo Rollouts analysis (pass, fail, inconclusive, error),
    where inconclusive and error are never a pass, and two for a check that did not run:
    skipped (an optional check the configuration leaves off) and waived (a required check
    the user named in the ``waive`` input: accepted unseen, and said so)."""

    PASS = "pass"  # noqa: S105 - a verdict, not a password
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"
    ERROR = "error"
    SKIPPED = "skipped"
    WAIVED = "waived"

    def __str__(self) -> str:
        return self.value


# Which verdict a group takes when its members disagree: a definite failure first.
_SEVERITY = {
    Verdict.FAIL: 5,
    Verdict.ERROR: 4,
    Verdict.INCONCLUSIVE: 3,
    # A waived check is seen by nobody: a row with one is not a plain pass.
    Verdict.WAIVED: 2,
    Verdict.SKIPPED: 1,
    Verdict.PASS: 0,
}


# A criterion with one of these verdicts does not hold a GO back: passed, an optional check
# left off, or a required one waived by name.
LETS_GO = frozenset({Verdict.PASS, Verdict.SKIPPED, Verdict.WAIVED})


def worst(verdicts: list[Verdict]) -> Verdict:
    """The most severe verdict; an empty group is inconclusive (never a pass on no data)."""
    if not verdicts:
        return Verdict.INCONCLUSIVE
    return max(verdicts, key=_SEVERITY.__getitem__)


class Decision(str, Enum):
    GO = "go"
    NO_GO = "no-go"

    def __str__(self) -> str:
        return self.value


# --------------------------------------------------------------------------- observations


# Where an HTTP sample came from: its probe, or a canary answer read from a file.
SampleSource = ProbeId | Literal["canary-file"]


@dataclass(frozen=True)
class HttpSample:
    """One HTTP request as the probe saw it. ``error`` is set when no full response came."""

    probe: SampleSource
    url: str
    at: float  # Unix time at which the request started, in seconds
    elapsed_ms: float | None  # request start to the end of the body
    status: int | None = None
    content_type: str | None = None
    body: str = ""  # decoded text as sent (the report stores it redacted), cut to the keep limit
    body_bytes: int = 0
    body_truncated: bool = False
    error: str | None = None  # one line
    error_kind: str | None = None  # refused, dns, tls, timeout, too-large, redirect, closed, ...
    # What the probe's patterns found in the whole body (a page can be longer than the part
    # kept): pattern name -> the matched text (its first group, if any), or None.
    found: dict[str, str | None] = field(default_factory=dict)
    retry_after_s: float | None = None  # the Retry-After of a 429 or 503, in seconds
    # A second try right after a refused connection: it confirms or clears the refusal,
    # and never replaces it (the raw rate counts the first try only).
    confirmation: bool = False
    # False: the body answered as the sample before it did and was not kept (a page, whose
    # judge reads its status and ``found``; its first, last and changed bodies are kept).
    body_kept: bool = True

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HttpSample:
        return cls(**data)

    def body_json(self) -> Any:
        """The body as JSON (``jsondoc.loads``: bounded nesting, plain numbers), parsed once
        however many checks read it. Raises ValueError as ``jsondoc.loads`` does."""
        parsed: tuple[bool, Any] | None = self.__dict__.get("_body_json")
        if parsed is None:
            # Samples read back from a report share one parse of each body they repeat
            # (a health endpoint answers the same all window): ``share_parses``.
            shared: dict[str, tuple[bool, Any]] | None = self.__dict__.get("_parses")
            parsed = shared.get(self.body) if shared is not None else None
            if parsed is None:
                try:
                    parsed = (True, jsondoc.loads(self.body))
                except ValueError as exc:
                    parsed = (False, exc)
                if shared is not None:
                    shared[self.body] = parsed
            # Not a field: a cache of the frozen sample, never compared, copied or written.
            object.__setattr__(self, "_body_json", parsed)
        ok, value = parsed
        if not ok:
            raise value.with_traceback(None)
        return value


@dataclass
class Directive:
    name: str
    args: list[str]
    line: int
    children: list[Directive] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "args": list(self.args),
            "line": self.line,
            "children": [c.to_dict() for c in self.children],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Directive:
        return cls(
            data["name"],
            list(data["args"]),
            int(data["line"]),
            [cls.from_dict(c) for c in data["children"]],
        )


@dataclass(frozen=True)
class NginxObservation:
    path: str
    directives: tuple[dict[str, Any], ...] = ()
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "directives": list(self.directives), "error": self.error}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NginxObservation:
        return cls(data["path"], tuple(data["directives"]), data.get("error"))


@dataclass(frozen=True)
class HealthLines:
    """An access log's lines of one health path (the path of ``probe``) in its last minutes,
    and how many of them answered 200."""

    probe: HealthId
    path: str
    lines: int = 0
    answered_200: int = 0


@dataclass(frozen=True)
class AccessLogObservation:
    """An access log's last minutes as (second, answers, 5xx answers) rows, and the lines of
    each health path."""

    path: str
    seconds: tuple[tuple[int, int, int], ...] = ()
    lines: int = 0
    unparsed: int = 0
    since: float = 0.0
    until: float = 0.0
    error: str | None = None
    # Empty in a report of a version that did not count them.
    health: tuple[HealthLines, ...] = ()

    def health_lines(self, probe: HealthId) -> HealthLines | None:
        return next((h for h in self.health if h.probe == probe), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "seconds": [list(r) for r in self.seconds],
            "lines": self.lines,
            "unparsed": self.unparsed,
            "since": self.since,
            "until": self.until,
            "error": self.error,
            "health": [asdict(h) for h in self.health],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AccessLogObservation:
        rows = tuple((int(a), int(b), int(c)) for a, b, c in data["seconds"])
        return cls(
            data["path"],
            rows,
            data["lines"],
            data["unparsed"],
            data["since"],
            data["until"],
            data.get("error"),
            tuple(HealthLines(**h) for h in data.get("health", ())),
        )


@dataclass
class WsConnection:
    """One connection attempt to the feed, from the attempt to the close."""

    attempt_at: float  # Unix time
    opened_at: float | None = None
    open_ms: float | None = None  # this attempt, from its start to OPEN (all its phases)
    closed_at: float | None = None
    close_code: int | None = None
    close_reason: str | None = None
    error: str | None = None  # one line
    error_kind: str | None = None  # upgrade, refused, dns, tls, timeout, closed, proxy, ...
    http_status: int | None = None  # the answer to the upgrade when it was not 101
    # The phases of the opening, in ms, each timed on its own: name resolution, TCP connect
    # (with the proxy's CONNECT, when there is a proxy), the TLS handshake (None for ws://)
    # and the upgrade to 101. A phase that failed or was not reached is None.
    dns_ms: float | None = None
    connect_ms: float | None = None
    tls_ms: float | None = None
    upgrade_ms: float | None = None
    failed_phase: str | None = None  # dns, connect, tls or upgrade: where the attempt stopped
    proxy: str | None = None  # host:port of the HTTP proxy the attempt went through
    # A frame ("frame"), or a message of continuation frames ("message"), longer than the
    # probe's cap (ws-max-frame-bytes), and its size: a frame's as its header announced it,
    # a message's up to the frame that passed the cap. The probe read none of it past that
    # header and closed the connection with 1009 (message too big).
    too_big: str | None = None
    too_big_bytes: int | None = None


# The phases of an opening: WsConnection's fields, and their names in reasons and reports.
OPEN_PHASES: tuple[tuple[str, str], ...] = (
    ("dns_ms", "DNS"),
    ("connect_ms", "TCP"),
    ("tls_ms", "TLS"),
    ("upgrade_ms", "upgrade"),
)


def open_split(figures: Mapping[str, Any]) -> str:
    """``DNS 0.1 ms, TCP 0.3 ms, TLS 4.1 ms, upgrade 2.0 ms``: the phases ``figures`` (a
    check's metrics) has; none for ws://'s TLS, or a report from before the split."""
    return ", ".join(
        f"{label} {figures[key]:.1f} ms"
        for key, label in OPEN_PHASES
        if isinstance(figures.get(key), int | float)
    )


@dataclass
class LatencyHistogram:
    """A sparse histogram of four significant digits: 0.1 ms buckets up to 1 s, 1 ms to
    10 s, 10 ms to 100 s, 100 ms to 600 s. Memory stays bounded however long the window (at
    most 33,000 buckets), percentiles are exact to the bucket (0.05 ms below 1 s, 0.05 %
    above), and histograms of any runs merge bucket by bucket."""

    # Bucket lower bounds, in tenths of a millisecond.
    counts: dict[int, int] = field(default_factory=dict)
    count: int = 0
    below_zero: int = 0  # negative latencies: the clocks disagree
    overflow: int = 0  # over MAX_MS
    min_ms: float | None = None
    max_ms: float | None = None

    MAX_MS = 600_000
    _UNITS_PER_MS = 10

    @classmethod
    def bucket_of(cls, ms: float) -> int:
        """The lower bound of the bucket that holds ``ms`` (0 <= ms < MAX_MS), in tenths."""
        return cls._floor(int(ms * cls._UNITS_PER_MS))

    @classmethod
    def _floor(cls, units: int) -> int:
        return units - units % cls._width(units)

    @staticmethod
    def _width(units: int) -> int:
        """The width of the bucket of four significant digits that ``units`` falls in."""
        if units < 10_000:
            return 1
        if units < 100_000:
            return 10
        if units < 1_000_000:
            return 100
        return 1_000  # up to MAX_MS: 6,000,000 tenths

    def add(self, ms: float) -> None:
        self.count += 1
        self.min_ms = ms if self.min_ms is None else min(self.min_ms, ms)
        self.max_ms = ms if self.max_ms is None else max(self.max_ms, ms)
        if ms < 0:
            self.below_zero += 1
        elif ms >= self.MAX_MS:
            self.overflow += 1
        else:
            bucket = self.bucket_of(ms)
            self.counts[bucket] = self.counts.get(bucket, 0) + 1

    def merge(self, other: LatencyHistogram) -> None:
        """Add another run's histogram, bucket by bucket: the percentiles of the sum are
        those of the pooled samples, to the bucket."""
        for bucket, count in other.counts.items():
            self.counts[bucket] = self.counts.get(bucket, 0) + count
        self.count += other.count
        self.below_zero += other.below_zero
        self.overflow += other.overflow
        lows = [v for v in (self.min_ms, other.min_ms) if v is not None]
        highs = [v for v in (self.max_ms, other.max_ms) if v is not None]
        self.min_ms = min(lows) if lows else None
        self.max_ms = max(highs) if highs else None

    def midpoints(self) -> list[tuple[float, int]]:
        """(bucket centre in ms, count), lowest first."""
        per_ms = self._UNITS_PER_MS
        return [
            ((bucket + self._width(bucket) / 2) / per_ms, self.counts[bucket])
            for bucket in sorted(self.counts)
        ]

    def percentile(self, q: float) -> float | None:
        """The q-th percentile (0..100) at its bucket's centre, within what was seen;
        negatives count as 0 ms."""
        if not self.count:
            return None
        rank = max(1, math.ceil(self.count * q / 100.0))
        seen = self.below_zero
        if seen >= rank:
            return 0.0
        if rank == self.count and not self.overflow and self.max_ms is not None:
            return self.max_ms  # the top is known exactly
        for centre, count in self.midpoints():
            seen += count
            if seen >= rank:
                low = max(0.0, self.min_ms if self.min_ms is not None else centre)
                return min(max(centre, low), self.max_ms if self.max_ms is not None else centre)
        return float(self.MAX_MS)

    def to_dict(self) -> dict[str, Any]:
        return {
            # Keyed by each bucket's lower bound in ms ("12.3"), lowest first.
            "counts": {_ms_key(k): v for k, v in sorted(self.counts.items())},
            "count": self.count,
            "below_zero": self.below_zero,
            "overflow": self.overflow,
            "min_ms": self.min_ms,
            "max_ms": self.max_ms,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LatencyHistogram:
        return cls(
            # round, not floor: "4.3" is 42.99999... tenths as a float
            {
                cls._floor(round(float(k) * cls._UNITS_PER_MS)): int(v)
                for k, v in data["counts"].items()
            },
            data["count"],
            data["below_zero"],
            data["overflow"],
            data["min_ms"],
            data["max_ms"],
        )


def _ms_key(bucket: int) -> str:
    whole, tenths = divmod(bucket, 10)
    return f"{whole}.{tenths}"


@dataclass(frozen=True)
class ClockSkew:
    """Local clock minus the server's, from the instant its Date header ticks over."""

    url: str
    skew_ms: float | None = None
    uncertainty_ms: float | None = None
    error: str | None = None


@dataclass(frozen=True)
class AppMetrics:
    """The executor's ingest_latency_ms histogram, scraped at the start and end of the
    window: cumulative bucket counts by upper bound ("+Inf" last)."""

    url: str
    start: tuple[tuple[str, float], ...] = ()
    end: tuple[tuple[str, float], ...] = ()
    messages_start: float | None = None
    messages_end: float | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "start": [list(b) for b in self.start],
            "end": [list(b) for b in self.end],
            "messages_start": self.messages_start,
            "messages_end": self.messages_end,
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AppMetrics:
        return cls(
            data["url"],
            tuple((_text(a), _number(b)) for a, b in data["start"]),
            tuple((_text(a), _number(b)) for a, b in data["end"]),
            data["messages_start"],
            data["messages_end"],
            data.get("error"),
        )


@dataclass
class WsObservation:
    """What the WebSocket probe saw over its window. Bounded: pings are capped, latencies
    go to a histogram, messages are counted, not kept."""

    url: str
    pair: str
    started_at: float
    ended_at: float = 0.0
    connections: list[WsConnection] = field(default_factory=list)
    pings: list[tuple[float, float]] = field(default_factory=list)  # (sent at, round trip ms)
    pings_sent: int = 0
    pongs_missing: int = 0
    pings_in_flight_ms: list[float] = field(default_factory=list)  # ages at the end
    # The same pings as (sent at, Unix time; age at its session's end, ms): when each was
    # known to be over a limit (the pill over time, the ws-latency trigger's windows).
    pings_unanswered: list[tuple[float, float]] = field(default_factory=list)
    subscriptions: dict[str, bool] = field(default_factory=dict)  # channel -> acknowledged ok
    subscription_errors: list[str] = field(default_factory=list)
    messages: dict[str, int] = field(default_factory=dict)  # type -> count
    problems: dict[str, int] = field(default_factory=dict)  # "not JSON", "binary frame", ...
    max_gap_s: dict[str, float] = field(default_factory=dict)  # channel -> longest silence
    last_at: dict[str, float] = field(default_factory=dict)  # channel -> last message
    # Each silence of a channel of at least SILENCE_FLOOR_S, as (channel, from, to): when
    # the pill went stale (judge/pill.py). Bounded by MAX_SILENCES.
    silences: list[tuple[str, float, float]] = field(default_factory=list)
    spread_updates: int = 0
    crossed_books: int = 0
    last_spread: float | None = None
    event_latency: LatencyHistogram = field(default_factory=LatencyHistogram)
    # How long until a user would have seen OPEN: from the first connection attempt (Unix
    # time) to the first OPEN, failed attempts and the pauses between them included. None
    # when no attempt was made, or none opened.
    first_attempt_at: float | None = None
    time_to_open_s: float | None = None
    # The longest frame or message the probe read (ws-max-frame-bytes); None in a report
    # from before the cap was an input.
    frame_cap_bytes: int | None = None

    MAX_PINGS = 20_000
    MAX_SILENCES = 2_000
    SILENCE_FLOOR_S = 1.0
    # Refused subscriptions kept as text, and channels tracked: a server may send endless ones.
    MAX_ERRORS = 20

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["event_latency"] = self.event_latency.to_dict()
        data["pings"] = [list(p) for p in self.pings]
        data["silences"] = [list(s) for s in self.silences]
        data["pings_unanswered"] = [list(p) for p in self.pings_unanswered]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WsObservation:
        values = dict(data)
        values["connections"] = [WsConnection(**c) for c in data["connections"]]
        values["pings"] = [(_number(a), _number(b)) for a, b in data["pings"]]
        values["pings_unanswered"] = [
            (_number(a), _number(b)) for a, b in data.get("pings_unanswered", [])
        ]
        values["silences"] = [
            (_text(c), _number(a), _number(b)) for c, a, b in data.get("silences", [])
        ]
        values["event_latency"] = LatencyHistogram.from_dict(data["event_latency"])
        return cls(**values)


@dataclass(frozen=True)
class Sighting:
    """What an element of the page showed from ``at_ms`` on (ms since the navigation
    started): its text and computed colour, or None for both while it was not there."""

    at_ms: float
    text: str | None
    colour: str | None = None  # a CSS colour as computed, e.g. rgb(22, 163, 74)


@dataclass(frozen=True)
class PageSocket:
    """A WebSocket connection the page opened, as the browser saw it."""

    url: str
    opened_at_ms: float
    frames_received: int = 0
    frames_sent: int = 0
    closed_at_ms: float | None = None
    error: str | None = None


@dataclass
class BrowserObservation:
    """What the browser probe saw of the trading page over its window, in a real Chromium.
    Times are ms since the navigation started (the page's own clock, performance.now()).
    Bounded: sightings, long tasks, clicks and messages are capped (their counts are not).
    The screenshot's bytes are not part of the report: publishing writes them beside it."""

    url: str
    started_at: float  # Unix time of the navigation's start
    executable: str | None = None
    executable_source: str | None = None  # browser-executable, playwright or system
    browser_version: str | None = None
    error: str | None = None  # the page could not be watched (no browser, no page): why, fix
    status: int | None = None  # HTTP status of the page
    ended_ms: float = 0.0  # the window's end
    load_ms: float | None = None  # the load event's end (navigation timing)
    load_note: str | None = None  # why there is no load_ms, when the load did not end
    ttfb_ms: float | None = None
    dom_content_loaded_ms: float | None = None
    pill: list[Sighting] = field(default_factory=list)
    polling: list[Sighting] = field(default_factory=list)
    spread: list[Sighting] = field(default_factory=list)
    spread_changes: int = 0
    # Time the pill showed each text (None: not there), kept whole past MAX_SIGHTINGS.
    pill_time_ms: list[tuple[str | None, float]] = field(default_factory=list)
    documents: int = 0  # documents the page loaded in the window (more than 1: it navigated)
    clicks_sent: int = 0
    tooltip: str | None = None
    tooltip_source: str | None = None  # element (tooltip-selector) or title (the pill's)
    sockets: list[PageSocket] = field(default_factory=list)
    sockets_opened: int = 0
    requests_after_load: int = 0  # fetch and XHR requests once the page had loaded
    polled: list[str] = field(default_factory=list)  # their URLs, the first few
    console_errors: list[str] = field(default_factory=list)
    console_error_count: int = 0
    page_errors: list[str] = field(default_factory=list)  # uncaught exceptions
    page_error_count: int = 0
    long_tasks: list[tuple[float, float]] = field(default_factory=list)  # (start, duration)
    long_task_count: int = 0
    long_tasks_supported: bool = True
    input_delays_ms: list[float] = field(default_factory=list)  # synthetic clicks
    screenshot_error: str | None = None
    # Why the watch ended before the hover and the screenshot (the run was interrupted).
    cut_short: str | None = None
    # The page's main thread stopped answering: the step it never answered (a click, a read
    # of the record), when that was sent (ms on the page's clock) and how long it waited.
    frozen_step: str | None = None
    frozen_at_ms: float | None = None
    frozen_for_ms: float | None = None
    screenshot: bytes | None = field(default=None, repr=False, compare=False)

    MAX_SIGHTINGS = 500
    MAX_LONG_TASKS = 1_000
    MAX_CLICKS = 2_000
    MAX_MESSAGES = 20
    MAX_SOCKETS = 50
    MAX_POLLED = 10

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("screenshot")
        data["long_tasks"] = [list(t) for t in self.long_tasks]
        data["pill_time_ms"] = [list(t) for t in self.pill_time_ms]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BrowserObservation:
        values = dict(data)
        for name in ("pill", "polling", "spread"):
            values[name] = [Sighting(**s) for s in data.get(name, [])]
        values["sockets"] = [PageSocket(**s) for s in data.get("sockets", [])]
        values["long_tasks"] = [(_number(a), _number(b)) for a, b in data.get("long_tasks", [])]
        values["pill_time_ms"] = [
            (None if t is None else _text(t), _number(ms)) for t, ms in data.get("pill_time_ms", [])
        ]
        return cls(**values)


@dataclass(frozen=True)
class PastRun:
    """One completed run of the canary workflow, as the GitHub API lists it."""

    id: int
    conclusion: str | None
    created_at: str
    url: str
    event: str
    branch: str | None
    # From the run's evidence artifact, when there is one: which member was read and its
    # text (redacted in the report), or why it could not be used.
    artifact_member: str | None = None
    artifact_body: str | None = None
    artifact_note: str | None = None


@dataclass(frozen=True)
class CanaryHistory:
    """Recent completed runs of the canary workflow, newest first."""

    repository: str
    workflow: str
    runs: tuple[PastRun, ...] = ()
    requests: int = 0
    error: str | None = None
    error_kind: str | None = None  # forbidden, not-found, rate-limited, network, malformed, api

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "runs": [asdict(r) for r in self.runs]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CanaryHistory:
        return cls(**{**data, "runs": tuple(PastRun(**r) for r in data["runs"])})


@dataclass(frozen=True)
class TrendPoint:
    """One past run of the gate's workflow, for the trends: its decision and headline
    figures as its report says them (``figures``: Headline's names), or why none were read."""

    run_id: int
    created_at: str
    url: str
    conclusion: str | None
    decision: str | None = None  # go or no-go, from the run's report
    figures: Mapping[str, float | None] = field(default_factory=dict)
    note: str | None = None  # why the run has no figures (no report, expired, unreadable)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "figures": dict(self.figures)}


@dataclass(frozen=True)
class TrendHistory:
    """The gate workflow's recent completed runs, newest first, with their figures."""

    repository: str
    workflow: str
    points: tuple[TrendPoint, ...] = ()
    error: str | None = None
    error_kind: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "points": [p.to_dict() for p in self.points]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrendHistory:
        points = tuple(TrendPoint(**{**p, "figures": dict(p["figures"])}) for p in data["points"])
        return cls(**{**data, "points": points})


@dataclass(frozen=True)
class Interruption:
    """The run was cancelled before its observation ended: the observations hold what was
    recorded up to then. An interrupted run is never a GO."""

    signal: str | None  # SIGINT or SIGTERM; None when the library caller cancelled it
    after_s: float  # from the start of the run to the cancellation

    def describe(self) -> str:
        by = self.signal or "its caller"
        return (
            f"interrupted by {by} after {self.after_s:.1f} s: "
            "the evidence up to then is in the report"
        )


# What one probe hands in: HTTP samples, or one of the other kinds of evidence.
ProbeResult = (
    list[HttpSample]
    | WsObservation
    | ClockSkew
    | AppMetrics
    | CanaryHistory
    | BrowserObservation
    | TrendHistory
)


@dataclass
class Observations:
    """Everything the probes recorded. The judge needs nothing else but the limits."""

    started_at: float
    finished_at: float
    http: dict[HttpProbeId, list[HttpSample]] = field(default_factory=dict)
    # Probes that could not run or did not finish, with the reason (one line each).
    probe_errors: dict[ProbeId, str] = field(default_factory=dict)
    nginx: NginxObservation | None = None
    access_log: AccessLogObservation | None = None
    ws: WsObservation | None = None
    clock: ClockSkew | None = None
    app_metrics: AppMetrics | None = None
    canary_history: CanaryHistory | None = None
    browser: BrowserObservation | None = None
    trends: TrendHistory | None = None
    interrupted: Interruption | None = None

    def record(self, probe_id: ProbeId, result: ProbeResult) -> None:
        """File what a probe recorded where the judge looks for it: HTTP samples under the
        probe's id, the other kinds of evidence in their own field."""
        if isinstance(result, list):
            if not is_http_probe(probe_id):
                raise TypeError(f"probe {probe_id} handed in HTTP samples; it is not an HTTP probe")
            self.http[probe_id] = list(result)
        elif isinstance(result, WsObservation):
            self.ws = result
        elif isinstance(result, ClockSkew):
            self.clock = result
        elif isinstance(result, AppMetrics):
            self.app_metrics = result
        elif isinstance(result, BrowserObservation):
            self.browser = result
        elif isinstance(result, TrendHistory):
            self.trends = result
        else:
            self.canary_history = result

    def to_dict(self) -> dict[str, Any]:
        return {
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "http": {k: _http_columns(v) for k, v in self.http.items()},
            "probe_errors": dict(self.probe_errors),
            "nginx": self.nginx.to_dict() if self.nginx else None,
            "access_log": self.access_log.to_dict() if self.access_log else None,
            "ws": self.ws.to_dict() if self.ws else None,
            "clock": asdict(self.clock) if self.clock else None,
            "app_metrics": self.app_metrics.to_dict() if self.app_metrics else None,
            "canary_history": self.canary_history.to_dict() if self.canary_history else None,
            "browser": self.browser.to_dict() if self.browser else None,
            "trends": self.trends.to_dict() if self.trends else None,
            "interrupted": asdict(self.interrupted) if self.interrupted else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Observations:
        return cls(
            started_at=float(data["started_at"]),
            finished_at=float(data["finished_at"]),
            http={k: _http_rows(v) for k, v in data["http"].items()},
            probe_errors=dict(data.get("probe_errors", {})),
            nginx=NginxObservation.from_dict(data["nginx"]) if data.get("nginx") else None,
            access_log=AccessLogObservation.from_dict(data["access_log"])
            if data.get("access_log")
            else None,
            ws=WsObservation.from_dict(data["ws"]) if data.get("ws") else None,
            clock=ClockSkew(**data["clock"]) if data.get("clock") else None,
            app_metrics=AppMetrics.from_dict(data["app_metrics"])
            if data.get("app_metrics")
            else None,
            canary_history=CanaryHistory.from_dict(data["canary_history"])
            if data.get("canary_history")
            else None,
            browser=BrowserObservation.from_dict(data["browser"]) if data.get("browser") else None,
            trends=TrendHistory.from_dict(data["trends"]) if data.get("trends") else None,
            interrupted=Interruption(**data["interrupted"]) if data.get("interrupted") else None,
        )


# An endpoint's samples in a report: one array per field, the i-th sample the i-th of each
# (compact, and quick to read back: a long window holds thousands).
HTTP_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(HttpSample))


def _http_columns(samples: list[HttpSample]) -> dict[str, list[Any]]:
    columns: dict[str, list[Any]] = {name: [] for name in HTTP_COLUMNS}
    for sample in samples:
        for name in HTTP_COLUMNS:
            value = getattr(sample, name)
            # found: null when nothing was looked for or found (most samples), else its map.
            columns[name].append((dict(value) or None) if isinstance(value, dict) else value)
    return columns


def _http_rows(columns: dict[str, list[Any]]) -> list[HttpSample]:
    """The samples back from their columns; an unknown column, or columns of unequal length,
    are refused (ValueError)."""
    unknown = sorted(set(columns) - set(HTTP_COLUMNS))
    if unknown:
        raise ValueError(f"an endpoint's samples have a column {unknown[0]!r}")
    lengths = {len(values) for values in columns.values()}
    if len(lengths) > 1:
        raise ValueError(
            f"the columns of an endpoint's samples differ in length ({sorted(lengths)})"
        )
    count = lengths.pop() if lengths else 0
    # A column the report does not have holds the field's default (body_kept, say).
    filled = [
        columns[f.name] if f.name in columns else [f.default] * count for f in fields(HttpSample)
    ]
    found = HTTP_COLUMNS.index("found")
    filled[found] = [value if value is not None else {} for value in filled[found]]
    samples = [HttpSample(*values) for values in zip(*filled, strict=True)]
    shared: dict[str, tuple[bool, Any]] = {}
    for sample in samples:
        # Not a field: the endpoint's parses, one per body it repeats (body_json).
        object.__setattr__(sample, "_parses", shared)
    return samples


# --------------------------------------------------------------------------- judgements


@dataclass(frozen=True)
class CheckResult:
    """The verdict on one named check, with the figures and thresholds behind it."""

    id: CheckId
    title: str
    verdict: Verdict
    reason: str  # one line a person can act on
    samples: int = 0
    metrics: dict[str, Any] = field(default_factory=dict)
    thresholds: dict[str, str] = field(default_factory=dict)
    # False: the check did not run (waived, or its inputs not given), whatever its verdict.
    ran: bool = True

    def __post_init__(self) -> None:
        _one_line_reason(self)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "verdict": self.verdict.value,
            "reason": self.reason,
            "samples": self.samples,
            "metrics": dict(self.metrics),
            "thresholds": dict(self.thresholds),
            "ran": self.ran,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        return cls(
            id=data["id"],
            title=data["title"],
            verdict=Verdict(data["verdict"]),
            reason=data["reason"],
            samples=int(data["samples"]),
            metrics=dict(data["metrics"]),
            thresholds=dict(data["thresholds"]),
            ran=bool(data.get("ran", True)),
        )


@dataclass(frozen=True)
class Criterion:
    """One row of the checklist's Go/No-Go matrix, drawn from named checks."""

    id: CriterionId
    title: str
    verdict: Verdict
    reason: str
    checks: tuple[CheckId, ...] = ()

    def __post_init__(self) -> None:
        _one_line_reason(self)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "verdict": self.verdict.value,
            "reason": self.reason,
            "checks": list(self.checks),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Criterion:
        return cls(
            id=data["id"],
            title=data["title"],
            verdict=Verdict(data["verdict"]),
            reason=data["reason"],
            checks=tuple(data["checks"]),
        )


@dataclass(frozen=True)
class RollbackTrigger:
    """One emergency rollback trigger of the checklist, and the evidence that fired it."""

    id: TriggerId
    fired: bool
    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _one_line_reason(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RollbackTrigger:
        """From the report's ``rollback.evaluated`` (or, fired, from ``rollback.reasons``)."""
        return cls(
            id=data["id"],
            fired=bool(data["fired"]),
            reason=data["reason"],
            evidence=dict(data.get("evidence", {})),
        )


# The WebSocket state as the trading page's pill shows it, and the pill for each state.
WsState = Literal["OPEN", "DEGRADED", "CLOSED", "DISABLED"]
PillLabel = Literal["WS", "WS!", "WS✗", "Canlı"]
PillColour = Literal["green", "yellow", "red", "none"]
PILLS: dict[WsState, tuple[PillLabel, PillColour]] = {
    "OPEN": ("WS", "green"),
    "DEGRADED": ("WS!", "yellow"),
    "CLOSED": ("WS✗", "red"),
    "DISABLED": ("Canlı", "none"),  # polling mode: no WebSocket, no colour
}
CanaryWord = Literal["PASS", "FAIL", "ERROR", "SKIPPED", "WAIVED"]


@dataclass(frozen=True)
class Pill:
    """The status pill of the trading page as the judged evidence says it must show:
    ``WS`` green when OPEN, ``WS!`` yellow when DEGRADED, ``WS✗`` red when CLOSED, and
    ``Canlı`` when the page polls (WebSocket DISABLED)."""

    label: PillLabel
    colour: PillColour
    latency_ms: float | None  # the tooltip's figure: the ping p95 behind the state

    @classmethod
    def of(cls, state: WsState, latency_ms: float | None) -> Pill:
        label, colour = PILLS[state]
        return cls(label, colour, None if state == "DISABLED" else latency_ms)

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "colour": self.colour, "latency_ms": self.latency_ms}


@dataclass(frozen=True)
class PillChange:
    """One change of the pill: when (Unix time, and seconds into the window), to which
    state, and why."""

    at: float
    offset_s: float
    state: WsState
    cause: str

    def to_dict(self) -> dict[str, Any]:
        return {"at": self.at, "offset_s": self.offset_s, "state": self.state, "cause": self.cause}


@dataclass(frozen=True)
class PillTimeline:
    """The pill through the window: its changes (the first ``MAX_CHANGES``; ``more`` counts
    the rest) and the share of the window spent in each state, in percent."""

    changes: tuple[PillChange, ...]
    shares_percent: Mapping[WsState, float]
    more: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "changes": [c.to_dict() for c in self.changes],
            "shares_percent": dict(self.shares_percent),
            "more": self.more,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PillTimeline:
        return cls(
            tuple(PillChange(**c) for c in data["changes"]),
            dict(data["shares_percent"]),
            int(data["more"]),
        )


@dataclass(frozen=True)
class Headline:
    """The few figures the outputs, the summary and trends lead with, each None when the
    run did not measure it."""

    ws_latency_p95_ms: float | None = None  # ping round trip, any verdict
    event_latency_p95_ms: float | None = None  # the event-to-store P95 the ws row judged
    health_rate_percent: float | None = None  # health samples that answered 200 and ok
    canary: CanaryWord = "SKIPPED"
    canary_pass_rate_percent: float | None = None  # only when the rate was judged
    reconnects_per_min: float | None = None  # over the window the feed was watched
    ui_load_p95_ms: float | None = None  # the page's loads (ui-responsive)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RunnerRecord:
    """One runner of a merge as its report says (README "Merging runners"): its name, the
    file its report was read from (or the path or glob that found none, with ``problem``),
    and its own judgement with the merge's limits: the decision, each check's verdict, the
    triggers it fired, its headline figures."""

    name: str
    source: str
    decision: Decision | None = None  # None: no report from it
    reason: str = ""
    started_at: str | None = None
    checks: Mapping[str, Verdict] = field(default_factory=dict)
    fired: tuple[str, ...] = ()
    headline: Headline = field(default_factory=Headline)
    problem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": self.source,
            "decision": self.decision.value if self.decision else None,
            "reason": self.reason,
            "started_at": self.started_at,
            "checks": {k: v.value for k, v in self.checks.items()},
            "fired": list(self.fired),
            "headline": self.headline.to_dict(),
            "problem": self.problem,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunnerRecord:
        return cls(
            data["name"],
            data["source"],
            Decision(data["decision"]) if data["decision"] else None,
            data["reason"],
            data["started_at"],
            {k: Verdict(v) for k, v in data["checks"].items()},
            tuple(data["fired"]),
            Headline(**data["headline"]),
            data["problem"],
        )


@dataclass(frozen=True)
class MergeRecord:
    """What a merged report adds: its runners and the figures pooled over their samples."""

    runners: tuple[RunnerRecord, ...]
    min_runners: int
    pooled: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "runners": [r.to_dict() for r in self.runners],
            "min_runners": self.min_runners,
            "pooled": dict(self.pooled),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MergeRecord:
        return cls(
            tuple(RunnerRecord.from_dict(r) for r in data["runners"]),
            int(data["min_runners"]),
            dict(data["pooled"]),
        )


@dataclass(frozen=True)
class GateReport:
    """The finished run: decision, why, matrix, checks, triggers and the evidence."""

    decision: Decision
    reason: str
    mode: str
    profile: str
    started_at: str  # ISO 8601, UTC
    duration_s: float
    criteria: tuple[Criterion, ...]
    checks: tuple[CheckResult, ...]
    triggers: tuple[RollbackTrigger, ...]
    observations: Observations
    version: str
    # The WebSocket state as the pill shows it (OPEN, DEGRADED, CLOSED, DISABLED), the pill,
    # and the headline figures: judged, so that no renderer digs them out of metrics.
    ws_state: WsState | None = None
    pill: Pill | None = None
    headline: Headline = field(default_factory=Headline)
    pill_timeline: PillTimeline | None = None
    # Where the browser check's screenshot was saved (publishing sets it), if it was.
    screenshot: str | None = None
    # The inputs it was judged with, to judge it again (config.recorded_inputs): evidence
    # inputs and limits by name, and the names of the tokens given. None: not recorded.
    config: Mapping[str, Any] | None = None
    # A merge of many runners' reports: the runners and the pooled figures.
    merge: MergeRecord | None = None

    def __post_init__(self) -> None:
        _one_line_reason(self)

    @property
    def rollback(self) -> bool:
        return any(t.fired for t in self.triggers)

    @property
    def fired_triggers(self) -> tuple[RollbackTrigger, ...]:
        return tuple(t for t in self.triggers if t.fired)

    def check(self, check_id: CheckId) -> CheckResult | None:
        return next((c for c in self.checks if c.id == check_id), None)

    def to_dict(self) -> dict[str, Any]:
        """The JSON report (README "The JSON report"; schemas/report.schema.json)."""
        return {
            "schema": REPORT_SCHEMA_ID,
            "version": self.version,
            "decision": self.decision.value,
            "reason": self.reason,
            "mode": self.mode,
            "profile": self.profile,
            "started_at": self.started_at,
            "duration_s": round(self.duration_s, 3),
            "ws_state": self.ws_state,
            "pill": self.pill.to_dict() if self.pill else None,
            "headline": self.headline.to_dict(),
            "pill_timeline": self.pill_timeline.to_dict() if self.pill_timeline else None,
            "screenshot": self.screenshot,
            "config": dict(self.config) if self.config is not None else None,
            "merge": self.merge.to_dict() if self.merge else None,
            "criteria": [c.to_dict() for c in self.criteria],
            "checks": [c.to_dict() for c in self.checks],
            "rollback": {
                "triggered": self.rollback,
                "reasons": [
                    {"id": t.id, "reason": t.reason, "evidence": dict(t.evidence)}
                    for t in self.fired_triggers
                ],
                # Every trigger that was evaluated, fired or not: the report reads back whole.
                "evaluated": [
                    {"id": t.id, "fired": t.fired, "reason": t.reason, "evidence": dict(t.evidence)}
                    for t in self.triggers
                ],
            },
            "observations": self.observations.to_dict(),
        }

    @classmethod
    def from_dict(
        cls, data: dict[str, Any], observations: Observations | None = None
    ) -> GateReport:
        """The report back from its JSON (``to_dict()``), once it is valid against the report
        schema (``report.jsonreport.read_report`` checks it, and refuses a report older than
        the fields read here). ``observations``, when given, stands for the report's own,
        which are then not read (a merge that only needs the judgement)."""
        return cls(
            decision=Decision(data["decision"]),
            reason=data["reason"],
            mode=data["mode"],
            profile=data["profile"],
            started_at=data["started_at"],
            duration_s=float(data["duration_s"]),
            criteria=tuple(Criterion.from_dict(c) for c in data["criteria"]),
            checks=tuple(CheckResult.from_dict(c) for c in data["checks"]),
            triggers=tuple(RollbackTrigger.from_dict(t) for t in data["rollback"]["evaluated"]),
            observations=observations or Observations.from_dict(data["observations"]),
            version=data["version"],
            ws_state=data["ws_state"],
            pill=Pill(**data["pill"]) if data["pill"] is not None else None,
            headline=Headline(**data["headline"]),
            pill_timeline=PillTimeline.from_dict(data["pill_timeline"])
            if data.get("pill_timeline") is not None
            else None,
            screenshot=data.get("screenshot"),
            config=data.get("config"),
            merge=MergeRecord.from_dict(data["merge"]) if data.get("merge") else None,
        )
