"""The trading page as the browser showed it: the checklist's manual checks (the status pill
and its colour, the latency tooltip, the Spread Card, after a rollback Canlı and no
WebSocket) and whether the page stays responsive. Pure functions of the browser
observation."""

from __future__ import annotations

import math
import re
from typing import Any

from golive_action.ids import CheckId, Mode
from golive_action.limits import BrowserLimits
from golive_action.model import BrowserObservation, CheckResult, Sighting, Verdict, WsState
from golive_action.text import fixed, one_line, plural

# One title in every mode: after a rollback the same check looks for Canlı, no WebSocket and
# prices that update by polling.
TITLE = "Trading page in a browser (status pill, latency tooltip, Spread Card)"
RESPONSIVE_TITLE = "Trading page responsive in a browser (long tasks, input delay)"

# The pill's text, as the checklist names it, for each state.
PILL_STATES: dict[str, WsState] = {"WS": "OPEN", "WS!": "DEGRADED", "WS✗": "CLOSED"}
_CLOSED_LOOKALIKES = ("WS✕", "WSx", "WSX", "WS×")
# The colour each state is drawn in.
STATE_COLOURS: dict[WsState, str] = {"OPEN": "green", "DEGRADED": "yellow", "CLOSED": "red"}
_LATENCY_RE = re.compile(r"(\d+(?:[.,]\d+)*)\s*(ms|s)\b", re.IGNORECASE)
# 1,234 ms or 1.234 ms: a thousands separator (no latency is shown to the microsecond).
_GROUPED_MS = re.compile(r"\d{1,3}(?:[.,]\d{3})+")
MIN_CLICKS = 5  # fewer clicks measured than this say nothing of the page's responsiveness
_RGB_RE = re.compile(r"rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:[,\s/]+([\d.]+%?))?\s*\)")
# The worst click delay, one in this many set aside (as Interaction to Next Paint does):
# one hiccup of a loaded runner is not an unresponsive page.
INPUT_DELAY_SET_ASIDE = 50
LONG_TASK_MS = 50.0  # a long task is a task over 50 ms (Long Tasks API)


def pill_state(text: str | None) -> WsState | None:
    if text is None:
        return None
    shown = text.strip()
    if shown in _CLOSED_LOOKALIKES:
        return "CLOSED"
    return PILL_STATES.get(shown)


def colour_name(css: str | None) -> str | None:
    """green, yellow, red, blue, grey or other for a computed CSS colour (rgb or rgba); None
    when it cannot be read."""
    if not css:
        return None
    match = _RGB_RE.search(css)
    if match is None:
        return None
    r, g, b = (min(max(float(v), 0.0), 255.0) / 255.0 for v in match.groups()[:3])
    high, low = max(r, g, b), min(r, g, b)
    if high - low < 0.12 or high < 0.15:
        return "grey"
    delta = high - low
    if high == r:
        hue = 60.0 * (((g - b) / delta) % 6)
    elif high == g:
        hue = 60.0 * ((b - r) / delta + 2)
    else:
        hue = 60.0 * ((r - g) / delta + 4)
    if hue < 20 or hue >= 330:
        return "red"
    if hue < 70:
        return "yellow"  # amber and orange-yellow alike: the checklist's warning colour
    if hue < 170:
        return "green"
    if hue < 260:
        return "blue"
    return "other"


def tooltip_latency_ms(text: str | None) -> float | None:
    """The first latency figure of a tooltip: ``123 ms`` or ``1.2 s``."""
    if not text:
        return None
    match = _LATENCY_RE.search(text)
    if match is None:
        return None
    figure, unit = match.group(1), match.group(2).lower()
    if unit == "ms" and _GROUPED_MS.fullmatch(figure):
        figure = figure.replace(",", "").replace(".", "")
    elif figure.count(",") + figure.count(".") > 1:
        return None  # 1.234,5: grouped and decimal at once, read no further
    value = float(figure.replace(",", "."))
    if not math.isfinite(value):
        return None
    return value * 1000.0 if unit == "s" else value


def _unseen(
    cid: CheckId,
    title: str,
    obs: BrowserObservation | None,
    error: str | None,
    thresholds: dict[str, str],
) -> CheckResult | None:
    """The error (or inconclusive) of a page that was not watched whole, or None."""
    if error is not None:
        return CheckResult(cid, title, Verdict.ERROR, error, thresholds=thresholds)
    if obs is None:
        reason = "the browser probe recorded nothing"
        return CheckResult(cid, title, Verdict.ERROR, reason, thresholds=thresholds)
    if obs.error is not None:
        return CheckResult(
            cid, title, Verdict.ERROR, obs.error, metrics=_about(obs), thresholds=thresholds
        )
    if obs.documents > 1:
        reason = (
            f"the page loaded {obs.documents} documents in the window (it reloaded or "
            "navigated away): what the earlier ones showed is not in the record"
        )
        return CheckResult(
            cid, title, Verdict.INCONCLUSIVE, reason, metrics=_about(obs), thresholds=thresholds
        )
    return None


def _about(obs: BrowserObservation) -> dict[str, Any]:
    return {
        "browser": obs.browser_version,
        "browser_source": obs.executable_source,
        "status": obs.status,
        "ttfb_ms": obs.ttfb_ms,
        "dom_content_loaded_ms": obs.dom_content_loaded_ms,
        "load_ms": obs.load_ms,
        "load_note": obs.load_note,
        "watched_s": round(obs.ended_ms / 1000.0, 2),
        "console_errors": obs.console_error_count,
        "uncaught_exceptions": obs.page_error_count,
        "sockets_opened": obs.sockets_opened,
        "frames_received": sum(s.frames_received for s in obs.sockets),
        "spread_changes": obs.spread_changes,
    }


def _frozen(obs: BrowserObservation) -> str:
    """``the page's main thread froze: a click sent at +4.2 s went unanswered for 5000 ms``."""
    at = (obs.frozen_at_ms or 0.0) / 1000.0
    return (
        f"the page's main thread froze: a {obs.frozen_step} sent at +{at:.1f} s went "
        f"unanswered for {obs.frozen_for_ms or 0.0:g} ms"
    )


def _page_problem(obs: BrowserObservation) -> str | None:
    if obs.status is not None and obs.status >= 400:
        return f"the page answered HTTP {obs.status}"
    if obs.page_error_count:
        first = obs.page_errors[0] if obs.page_errors else ""
        return f"{plural(obs.page_error_count, 'uncaught exception')} in the page ({first})"
    return None


def shares(sightings: list[Sighting], end_ms: float) -> dict[str, float]:
    """Percent of the time from the first sighting to ``end_ms`` spent in each state
    (OPEN, DEGRADED, CLOSED, and "missing" or "unknown" text), by the text shown."""
    if not sightings:
        return {}
    start = sightings[0].at_ms
    total = end_ms - start
    spent: dict[str, float] = {}
    for here, after in zip(sightings, [*sightings[1:], None], strict=True):
        until = end_ms if after is None else after.at_ms
        state = "missing" if here.text is None else (pill_state(here.text) or "unknown")
        spent[state] = spent.get(state, 0.0) + max(until - here.at_ms, 0.0)
    if total <= 0:
        last = sightings[-1]
        state = "missing" if last.text is None else (pill_state(last.text) or "unknown")
        return {state: 100.0}
    return {state: round(100.0 * ms / total, 1) for state, ms in spent.items()}


def pill_shares(obs: BrowserObservation) -> dict[str, float]:
    """Percent of the window spent in each state, from the page's DOMContentLoaded (or the
    pill's first showing, when that came first) to the end: before the pill shows, it is
    missing. From the page's own running totals when it kept them, else the sightings."""
    if not obs.pill:
        return {}
    first = obs.pill[0].at_ms
    start = min(first, obs.dom_content_loaded_ms or first)
    spent: dict[str, float] = {}
    if obs.pill_time_ms:
        for text, ms in obs.pill_time_ms:
            state = "missing" if text is None else (pill_state(text) or "unknown")
            spent[state] = spent.get(state, 0.0) + max(ms, 0.0)
    else:
        percent = shares(obs.pill, obs.ended_ms)
        watched = max(obs.ended_ms - first, 0.0)
        spent = {state: watched * p / 100.0 for state, p in percent.items()}
    spent["missing"] = spent.get("missing", 0.0) + max(first - start, 0.0)
    total = sum(spent.values())
    if total <= 0:
        return {next(iter(spent)): 100.0} if spent else {}
    return {state: round(100.0 * ms / total, 1) for state, ms in spent.items() if ms > 0}


def judge_ui_browser(
    obs: BrowserObservation | None, error: str | None, limits: BrowserLimits, mode: Mode
) -> CheckResult:
    if mode == "rollback":
        return _judge_rolled_back(obs, error, limits)
    cid: CheckId = "ui-browser"
    thresholds = {
        "pill": "WS (green) at the end",
        "pill_degraded_percent": f"<= {limits.degraded_max_percent:g}",
        "tooltip_latency_ms": f"<= {limits.latency_limit_ms:g}",
        "spread_changes": f">= {limits.min_spread_updates}",
        "uncaught_exceptions": "== 0",
    }
    unseen = _unseen(cid, TITLE, obs, error, thresholds)
    if unseen is not None:
        return unseen
    assert obs is not None
    metrics = _about(obs)
    if obs.frozen_step is not None:
        reason = f"{_frozen(obs)}: the pill was not read to the end of the window"
        return CheckResult(cid, TITLE, Verdict.INCONCLUSIVE, reason, 0, metrics, thresholds)
    problems: list[str] = []
    page = _page_problem(obs)
    if page:
        problems.append(page)
    if not obs.pill:
        problems.append(
            f"the status pill ({limits.pill_selector}, the browser-pill-selector input) never "
            f"showed in {fixed(obs.ended_ms / 1000.0)} s"
        )
        return CheckResult(cid, TITLE, Verdict.FAIL, "; ".join(problems), 0, metrics, thresholds)
    end = obs.pill[-1]
    state, colour = pill_state(end.text), colour_name(end.colour)
    spent = pill_shares(obs)
    degraded = round(sum(v for k, v in spent.items() if k != "OPEN"), 1)
    latency = tooltip_latency_ms(obs.tooltip)
    metrics.update(
        {
            "pill": end.text,
            "pill_state": state,
            "pill_colour": colour,
            "pill_changes": len(obs.pill) - 1,
            "pill_percent": spent,
            "pill_degraded_percent": degraded,
            "tooltip": obs.tooltip,
            "tooltip_source": obs.tooltip_source,
            "tooltip_latency_ms": latency,
        }
    )
    if end.text is None:
        problems.append("the status pill is gone at the end of the window")
    elif state != "OPEN":
        shown = f"{end.text} ({colour})" if colour else end.text
        problems.append(f"the pill reads {one_line(shown, 40)} at the end, not WS (green)")
    elif colour in ("yellow", "red"):
        problems.append(f"the pill reads WS but is drawn {colour}")
    if degraded > limits.degraded_max_percent:
        problems.append(
            f"the pill was not WS {degraded:g} % of the window (limit "
            f"{limits.degraded_max_percent:g} %)"
        )
    if latency is None and obs.cut_short:
        problems.append(f"the tooltip was not read: {obs.cut_short}")
    elif latency is None:
        said = f" (it read: {one_line(obs.tooltip, 60)})" if obs.tooltip else ""
        problems.append(f"the pill's tooltip showed no latency figure{said}")
    elif latency > limits.latency_limit_ms:
        problems.append(
            f"the tooltip's latency is {latency:g} ms (limit {limits.latency_limit_ms:g} ms)"
        )
    if obs.spread_changes < limits.min_spread_updates:
        problems.append(
            f"the Spread Card changed {plural(obs.spread_changes, 'time')} (at least "
            f"{limits.min_spread_updates} asked, ws-min-spread-updates)"
        )
    if obs.sockets_opened == 0:
        problems.append("the page opened no WebSocket connection")
    elif metrics["frames_received"] == 0:
        problems.append("the page's WebSocket connections received no frame")
    # Said only of a pass (with no problem, every figure in it was measured).
    passed = (
        None
        if problems
        else (
            f"pill WS (green) at the end, not WS {degraded:g} % of the window; tooltip "
            f"{latency:g} ms; Spread Card changed {plural(obs.spread_changes, 'time')}; "
            f"{plural(obs.sockets_opened, 'WebSocket')} with {metrics['frames_received']} frames"
        )
    )
    return _verdict(cid, problems, passed, len(obs.pill), metrics, thresholds)


def _judge_rolled_back(
    obs: BrowserObservation | None, error: str | None, limits: BrowserLimits
) -> CheckResult:
    cid: CheckId = "ui-browser"
    thresholds = {
        "polling_indicator": limits.polling_text,
        "sockets_opened": "== 0",
        "polled_requests": ">= 2",
        "spread_changes": ">= 1",
        "uncaught_exceptions": "== 0",
    }
    unseen = _unseen(cid, TITLE, obs, error, thresholds)
    if unseen is not None:
        return unseen
    assert obs is not None
    metrics = _about(obs)
    shown = obs.polling[-1].text if obs.polling else None
    pill = obs.pill[-1].text if obs.pill else None
    metrics.update(
        {"polling_indicator": shown, "pill": pill, "polled_requests": obs.requests_after_load}
    )
    problems: list[str] = []
    page = _page_problem(obs)
    if page:
        problems.append(page)
    if shown is None:
        problems.append(
            f"the polling indicator ({limits.polling_selector}, the browser-polling-selector "
            "input) is not on the page at the end"
        )
    elif not shows_polling_text(shown, limits):
        problems.append(
            f"the polling indicator reads {one_line(shown, 40)}, not {limits.polling_text}"
        )
    if shows_pill(pill, limits):
        # Any text at the pill's selector: a WS✗ drawn otherwise is still the pill.
        problems.append(f"the page still shows the WebSocket pill ({one_line(pill or '', 40)})")
    if obs.sockets_opened:
        where = obs.sockets[0].url if obs.sockets else ""
        problems.append(
            f"the page opened {plural(obs.sockets_opened, 'WebSocket connection')} ({where})"
        )
    if obs.requests_after_load < 2 or obs.spread_changes < 1:
        problems.append(
            f"the prices did not update by polling ({plural(obs.requests_after_load, 'request')} "
            f"after the load, the Spread Card changed {plural(obs.spread_changes, 'time')})"
        )
    passed = (
        f"{shown} shown, no WebSocket opened; prices updated by polling "
        f"({plural(obs.requests_after_load, 'request')}, the Spread Card changed "
        f"{plural(obs.spread_changes, 'time')})"
    )
    return _verdict(cid, problems, passed, len(obs.polling), metrics, thresholds)


def _verdict(
    cid: CheckId,
    problems: list[str],
    passed: str | None,
    samples: int,
    metrics: dict[str, Any],
    thresholds: dict[str, str],
) -> CheckResult:
    """FAIL for every problem found, in one reason; else PASS for what was seen."""
    if problems:
        reason = "; ".join(problems)
        return CheckResult(cid, TITLE, Verdict.FAIL, reason, samples, metrics, thresholds)
    return CheckResult(cid, TITLE, Verdict.PASS, passed or "", samples, metrics, thresholds)


def worst_input_delay_ms(delays: list[float]) -> float | None:
    """The worst click delay, one in INPUT_DELAY_SET_ASIDE set aside."""
    if not delays:
        return None
    ranked = sorted(delays, reverse=True)
    return ranked[min(len(ranked) // INPUT_DELAY_SET_ASIDE, len(ranked) - 1)]


def judge_ui_browser_responsive(
    obs: BrowserObservation | None, error: str | None, limits: BrowserLimits
) -> CheckResult:
    cid: CheckId = "ui-browser-responsive"
    thresholds = {
        "longest_task_ms": f"<= {limits.long_task_max_ms:g}",
        "input_delay_ms": f"<= {limits.input_delay_max_ms:g}",
    }
    unseen = _unseen(cid, RESPONSIVE_TITLE, obs, error, thresholds)
    if unseen is not None:
        return unseen
    assert obs is not None
    loaded = obs.load_ms or obs.dom_content_loaded_ms or 0.0
    # While the page loads, its timings say how long it takes; once loaded, it is the page the
    # user waits on.
    after = [(start, length) for start, length in obs.long_tasks if start >= loaded]
    longest = max((length for _, length in after), default=0.0)
    blocked = round(sum(max(length - LONG_TASK_MS, 0.0) for _, length in after), 1)
    delay = worst_input_delay_ms(obs.input_delays_ms)
    watched_s = max(obs.ended_ms - loaded, 0.0) / 1000.0
    metrics: dict[str, Any] = {
        "long_tasks": len(after),
        "long_tasks_all": obs.long_task_count,
        "longest_task_ms": round(longest, 1),
        "blocking_ms": blocked,
        "blocked_percent": round(100.0 * blocked / (watched_s * 1000.0), 1) if watched_s else None,
        "input_delay_ms": delay,
        "clicks": len(obs.input_delays_ms),
        "load_ms": obs.load_ms,
        "watched_s": round(watched_s, 2),
    }
    samples = len(obs.input_delays_ms)
    metrics["clicks_sent"] = obs.clicks_sent
    if obs.frozen_step is not None:
        frozen_ms = obs.frozen_for_ms or 0.0
        metrics.update({"frozen_step": obs.frozen_step, "frozen_for_ms": frozen_ms})
        if frozen_ms > limits.long_task_max_ms:
            reason = (
                f"{_frozen(obs)}, over the limit of {limits.long_task_max_ms:g} ms for a long "
                "task: the page does not answer its user"
            )
            verdict = Verdict.FAIL
        else:
            reason = (
                f"{_frozen(obs)}, within the limit of {limits.long_task_max_ms:g} ms for a long "
                "task when the window ended: observe longer (duration)"
            )
            verdict = Verdict.INCONCLUSIVE
        return CheckResult(cid, RESPONSIVE_TITLE, verdict, reason, samples, metrics, thresholds)
    if obs.status is not None and obs.status >= 400:
        reason = f"the page answered HTTP {obs.status}: its responsiveness says nothing"
        return CheckResult(
            cid, RESPONSIVE_TITLE, Verdict.INCONCLUSIVE, reason, samples, metrics, thresholds
        )
    problems: list[str] = []
    if longest > limits.long_task_max_ms:
        problems.append(
            f"a long task of {longest:g} ms after the load (limit {limits.long_task_max_ms:g} "
            f"ms; {plural(len(after), 'long task')}, {blocked:g} ms blocked in "
            f"{fixed(watched_s)} s)"
        )
    if delay is not None and delay > limits.input_delay_max_ms:
        problems.append(
            f"a click waited {delay:g} ms for its handler (limit "
            f"{limits.input_delay_max_ms:g} ms, worst of {samples} clicks)"
        )
    if problems:
        return CheckResult(
            cid, RESPONSIVE_TITLE, Verdict.FAIL, "; ".join(problems), samples, metrics, thresholds
        )
    if samples < MIN_CLICKS or not obs.long_tasks_supported:
        missing = (
            f"{plural(samples, 'click')} measured of {obs.clicks_sent} sent (at least "
            f"{MIN_CLICKS} needed)"
            if samples < MIN_CLICKS
            else "this browser reports no long tasks"
        )
        return CheckResult(
            cid, RESPONSIVE_TITLE, Verdict.INCONCLUSIVE, missing, samples, metrics, thresholds
        )
    reason = (
        f"longest task after the load {longest:g} ms, worst click delay {delay:g} ms of "
        f"{samples} clicks in {fixed(watched_s)} s"
    )
    return CheckResult(cid, RESPONSIVE_TITLE, Verdict.PASS, reason, samples, metrics, thresholds)


def shows_polling_text(text: str | None, limits: BrowserLimits) -> bool:
    """The polling indicator reads the polling text, whole (trimmed, any case)."""
    return text is not None and text.strip().casefold() == limits.polling_text.strip().casefold()


def shows_pill(text: str | None, limits: BrowserLimits) -> bool:
    """After a rollback, any text at the pill's selector but the polling text is the pill
    still shown (a WS✗ spelled otherwise too)."""
    return text is not None and not shows_polling_text(text, limits)


def drawn_polling(obs: BrowserObservation | None) -> tuple[str | None, str | None] | None:
    """What the browser drew at the end: (polling indicator's text, pill's text), or None
    when the page was not watched."""
    if obs is None or obs.error is not None:
        return None
    return (
        obs.polling[-1].text if obs.polling else None,
        obs.pill[-1].text if obs.pill else None,
    )
