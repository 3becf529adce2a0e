"""The browser probe: the trading page in a real headless Chromium, driven by Playwright.

It records what a person checking the page by hand would see (the checklist's "Manual
Checks"): the status pill's text and colour over the window, the latency in its tooltip,
the Spread Card's changes, the WebSocket connections the page opened, console errors and
uncaught exceptions, the navigation timings, and how responsive the page is (long tasks,
and the delay of a synthetic click to its handler). It decides nothing.

What happens in the page is recorded by the page itself (a script added before the page's
own, ``_RECORDER``), on the page's clock: a MutationObserver notes each change of the
elements the selectors name (and the time each pill text showed), a PerformanceObserver the
long tasks, and capture listeners on the window, the first of all, the clicks the probe
sends to a corner point, where every mouse event of the probe stops before the page sees it
(no control of the app is ever clicked). Python reads that record once, at the end.

Playwright is an optional extra (``golive-action[browser]``): without it, or without a
browser to drive, the observation says why and how to fix it, and the check is an error,
never a pass.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import random
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from golive_action.files import executable
from golive_action.model import BrowserObservation, PageSocket, Sighting
from golive_action.observe.budget import Budget
from golive_action.observe.watchdog import Steps, Watched, watch
from golive_action.text import one_line, url_without_userinfo

# Chromium's own connections (updates, sync, field trials) are no part of the page, and a
# closed network refuses them by the dozen; the gate runs as root in containers, where the
# sandbox cannot start (Playwright turns it off: chromiumSandbox is false by default).
CHROMIUM_ARGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--no-first-run",
    "--disable-gpu",
    "--disable-quic",
)
# Where a system Chrome or Chromium usually is, after the names on PATH.
SYSTEM_BROWSERS = (
    "google-chrome",
    "google-chrome-stable",
    "chromium",
    "chromium-browser",
    "chrome",
)
SYSTEM_PATHS = (
    "/usr/bin/chromium",
    "/usr/bin/google-chrome",
    "/opt/google/chrome/chrome",
    "/snap/bin/chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
)
INSTALL_FIX = (
    "fix: set browser-executable to a Chrome or Chromium, or install one "
    "(apt-get install chromium, or python -m playwright install chromium)"
)
# A synthetic click every 0.15 to 0.65 s once the page has loaded: at random, for a click
# returns when the page has handled it, and a fixed pause would fall in step with a page
# that blocks on a timer, and always land between its blocks.
CLICK_INTERVAL_S = (0.15, 0.65)
MIN_WATCH_S = 3.0  # watched at least this long after the load, whatever the window left
CLOSE_RESERVE_S = 3.0  # kept from the budget for the tooltip, the screenshot and the close
TOOLTIP_WAIT_MS = 1000
LAUNCH_TIMEOUT_S = 30.0
# A step that waits on the page's main thread (a click, a read of the record) answered
# within STEP_ANSWER_S, or by the window's end but at least MIN_ANSWER_S: else the page is
# frozen. Steps with a timeout of their own get STEP_SLACK_S past it.
STEP_ANSWER_S = 5.0
MIN_ANSWER_S = 3.0  # a loaded machine's Playwright round trip is not a frozen page
STEP_SLACK_S = 5.0
PAGE_STEPS = frozenset({"click", "record", "selector check"})
VIEWPORT = {"width": 1280, "height": 800}
CLICK_POINT = (1278.0, 798.0)  # the viewport's bottom right corner, as the recorder knows it


def _reached(page: Any, state: str, deadline: float, budget: Budget, timeout_error: Any) -> bool:
    """Wait for the page's ``state`` until ``deadline``, in slices that look at the budget."""
    while not budget.cancelled():
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        try:
            page.wait_for_load_state(state, timeout=max(min(left, 0.25), 0.01) * 1000)
            return True
        except timeout_error:
            continue
    return False


def _selectors(settings: BrowserSettings) -> dict[str, str]:
    return {
        "browser-pill-selector": settings.pill_selector,
        "browser-tooltip-selector": settings.tooltip_selector,
        "browser-spread-selector": settings.spread_selector,
        "browser-polling-selector": settings.polling_selector,
    }


# The first input whose selector the page's querySelector refuses, or null.
_SELECTOR_CHECK = """(selectors) => {
  for (const [name, selector] of Object.entries(selectors)) {
    try { document.querySelector(selector); } catch (e) { return name + " (" + selector + ")"; }
  }
  return null;
}"""


@dataclass(frozen=True)
class BrowserSettings:
    url: str
    duration_s: float
    executable: str | None = None  # browser-executable; else Playwright's own, else a system one
    pill_selector: str = '[data-testid="ws-pill"]'
    tooltip_selector: str = '[role="tooltip"]'
    spread_selector: str = '[data-testid="spread-card"]'
    polling_selector: str = '[data-testid="feed-pill"]'
    navigation_timeout_s: float = 10.0
    screenshot: bool = True


class BrowserUnavailable(Exception):
    """No browser can be started: the message says why, and how to fix it."""


@dataclass(frozen=True)
class FoundBrowser:
    path: str | None  # None: Playwright's own, where Playwright looks for it
    source: str  # browser-executable, playwright or system


def find_browser(
    explicit: str | None,
    playwright_path: Callable[[], str],
    which: Callable[[str], str | None] = shutil.which,
) -> FoundBrowser:
    """The browser to drive: ``explicit`` (the browser-executable input), else Playwright's
    own download, else a system Chrome or Chromium (GitHub's Ubuntu runners have Chrome)."""
    if explicit:
        path = executable(explicit)
        if path is None:
            raise BrowserUnavailable(
                f"input browser-executable: {explicit!r} is not an executable file; fix: give "
                "the path of a Chrome or Chromium (e.g. /usr/bin/chromium), or leave it empty "
                "to find one"
            )
        return FoundBrowser(path, "browser-executable")
    try:
        own = playwright_path()
    except Exception:  # Playwright knows no browser of its own for this platform
        own = ""
    if own and _executable(own):
        return FoundBrowser(None, "playwright")
    for name in SYSTEM_BROWSERS:
        found = which(name)
        if found and _executable(found):
            return FoundBrowser(found, "system")
    for path in SYSTEM_PATHS:
        if _executable(path):
            return FoundBrowser(path, "system")
    raise BrowserUnavailable(f"no Chrome or Chromium found to run the page in; {INSTALL_FIX}")


def locate(explicit: str | None = None) -> FoundBrowser:
    """The browser the probe would drive (Playwright must be installed), or
    BrowserUnavailable: for a setup script to ask before the tests."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        return find_browser(explicit, lambda: playwright.chromium.executable_path)


def _executable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def observe_browser(settings: BrowserSettings, budget: Budget) -> BrowserObservation:
    """Load the page, watch it until the window ends (at least MIN_WATCH_S after its load),
    then hover the pill for its tooltip and take a screenshot. Stops at the budget's
    deadline and soon after a cancellation, with what it has.

    The session runs under a watchdog (``observe/watchdog.py``): each step has its own
    deadline, and a page whose main thread stops answering (a click or a read of the record
    that never returns) is recorded as frozen, with what was seen up to then, by the end of
    the window; the session is left behind."""
    window_end = time.monotonic() + settings.duration_s
    obs = BrowserObservation(url=url_without_userinfo(settings.url), started_at=time.time())
    steps = Steps()
    session = _Session(settings, budget, window_end, obs, steps)
    outcome = watch(session.run, steps, budget, "golive-browser")
    if outcome.overrun is None and not outcome.cancelled:
        return obs
    return session.left_behind(outcome)


class _Session:
    """One browser session and what it has seen; :meth:`left_behind` is what the watcher
    keeps of it when it does not end in time."""

    def __init__(
        self,
        settings: BrowserSettings,
        budget: Budget,
        window_end: float,
        obs: BrowserObservation,
        steps: Steps,
    ) -> None:
        self.settings = settings
        self.budget = budget
        self.window_end = window_end
        self.obs = obs
        self.steps = steps
        self.events: _PageEvents | None = None

    def run(self) -> None:
        try:
            _session(self)
        except Exception as exc:  # a fault of the probe: the check's error, never a traceback
            self.obs.error = self.obs.error or one_line(
                f"the browser probe failed: {type(exc).__name__}: {_first_line(exc)}"
            )

    def left_behind(self, outcome: Watched) -> BrowserObservation:
        """A copy of what the session saw, as it stands (the session goes on in its thread,
        on its own observation), with why it was left."""
        obs = _snapshot(self.obs)
        now = time.time()
        if self.events is not None:
            obs.sockets = [_on_page_clock(s, obs.started_at) for s in list(self.events.sockets)]
        obs.ended_ms = max(obs.ended_ms, round((now - obs.started_at) * 1000.0, 1))
        step = outcome.overrun
        if step is None:
            obs.cut_short = "the run was interrupted while the page did not answer"
        elif step.name in PAGE_STEPS:
            obs.frozen_step = step.name
            obs.frozen_at_ms = round((step.began_unix - obs.started_at) * 1000.0, 1)
            obs.frozen_for_ms = outcome.waited_ms
        else:
            fix = f"; {INSTALL_FIX}" if step.name in ("driver", "launch") else ""
            obs.error = obs.error or one_line(
                f"the browser did not answer ({step.name}) within "
                f"{outcome.waited_ms / 1000.0:.1f} s{fix}"
            )
        return obs


def _snapshot(obs: BrowserObservation) -> BrowserObservation:
    """The observation as it stands, its lists copied: the session may still add to its own."""
    copied = copy.copy(obs)
    for name, value in vars(obs).items():
        if isinstance(value, list):
            setattr(copied, name, list(value))
    return copied


def _session(session: _Session) -> None:
    settings, budget, obs, steps = session.settings, session.budget, session.obs, session.steps
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        obs.error = (
            "Playwright is not installed (the browser check's optional extra); fix: pip install "
            "'golive-action[browser]' (the action installs it when browser is true)"
        )
        return
    steps.begin("driver", LAUNCH_TIMEOUT_S)
    try:
        with sync_playwright() as playwright:
            found = find_browser(settings.executable, lambda: playwright.chromium.executable_path)
            obs.executable_source = found.source
            obs.executable = found.path or playwright.chromium.executable_path
            launch_s = max(1.0, min(LAUNCH_TIMEOUT_S, budget.remaining() - CLOSE_RESERVE_S))
            steps.begin("launch", launch_s + STEP_SLACK_S)
            try:
                browser = playwright.chromium.launch(
                    executable_path=found.path,
                    headless=True,
                    args=list(CHROMIUM_ARGS),
                    timeout=launch_s * 1000,
                    handle_sigint=False,
                    handle_sigterm=False,
                    handle_sighup=False,
                )
            except PlaywrightError as exc:
                raise BrowserUnavailable(
                    f"{found.source} browser {obs.executable} did not start: "
                    f"{_first_line(exc)}; {INSTALL_FIX}"
                ) from None
            obs.browser_version = browser.version
            try:
                _watch(browser, session)
            finally:
                # Already gone (the driver stopped): the record is what counts.
                steps.begin("close", LAUNCH_TIMEOUT_S)
                with contextlib.suppress(PlaywrightError):
                    browser.close()
    except BrowserUnavailable as exc:
        obs.error = one_line(str(exc))
    except PlaywrightError as exc:
        obs.error = one_line(f"the browser failed while watching the page: {_first_line(exc)}")


def _first_line(exc: BaseException) -> str:
    # Playwright's messages carry a call log over many lines: the first says what happened.
    text = str(getattr(exc, "message", None) or exc).strip()
    return one_line(text.splitlines()[0] if text else type(exc).__name__, 240)


def _watch(browser: Any, session: _Session) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    settings, budget, window_end, obs = (
        session.settings,
        session.budget,
        session.window_end,
        session.obs,
    )
    steps = session.steps

    parts = urlsplit(settings.url)
    credentials = None
    if parts.username or parts.password:
        # As the browser would be given them, never in the URL the page and the report see.
        # For the page's own origin only: a page that sends the browser elsewhere (a
        # redirect, a link) must not hand them to another site that asks.
        host = parts.hostname or ""
        host = f"[{host}]" if ":" in host else host
        credentials = {
            "username": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "origin": f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else ""),
        }
    context = browser.new_context(
        viewport=VIEWPORT, http_credentials=credentials, service_workers="block"
    )
    context.add_init_script(script=_recorder(settings))
    page = context.new_page()
    events = _PageEvents(obs)
    session.events = events
    page.on("websocket", events.socket)
    page.on("console", events.console)
    page.on("pageerror", events.page_error)
    page.on("request", events.request)
    page.on("domcontentloaded", events.document)
    nav_timeout_s = min(settings.navigation_timeout_s, max(budget.remaining() - CLOSE_RESERVE_S, 1))
    nav_deadline = time.monotonic() + nav_timeout_s
    steps.begin("navigation", nav_timeout_s + STEP_SLACK_S)
    try:
        # Until the answer starts, then the page's states in short waits: a cancelled run
        # must not sit in a navigation that Playwright cannot cancel.
        response = page.goto(
            url_without_userinfo(settings.url), wait_until="commit", timeout=nav_timeout_s * 1000
        )
        if not _reached(page, "domcontentloaded", nav_deadline, budget, PlaywrightTimeout):
            raise PlaywrightTimeout(
                "cancelled"
                if budget.cancelled()
                else f"Timeout {nav_timeout_s * 1000:g} ms exceeded waiting for DOMContentLoaded"
            )
    except Exception as exc:
        obs.error = one_line(f"the page did not load: {_first_line(exc)}")
        steps.begin("record", STEP_ANSWER_S)
        _read_record(page, obs, events)
        return
    obs.status = response.status if response is not None else None
    steps.begin("selector check", STEP_ANSWER_S)
    problem = page.evaluate(_SELECTOR_CHECK, _selectors(settings))
    if problem:
        obs.error = one_line(
            f"input {problem}: not a CSS selector the page accepts; fix: give a valid CSS "
            "selector (as document.querySelector takes it)"
        )
        return
    # The load event, within the navigation's time: a page whose load never ends (a resource
    # that hangs) is still watched, from its DOMContentLoaded, and says so (load_ms None).
    steps.begin("navigation", max(nav_deadline - time.monotonic(), 0.0) + STEP_SLACK_S)
    if not _reached(page, "load", nav_deadline, budget, PlaywrightTimeout):
        if budget.cancelled():
            obs.cut_short = "the run was interrupted while the page loaded"
            steps.begin("record", STEP_ANSWER_S)
            _read_record(page, obs, events)
            return
        obs.load_note = f"the load event did not fire within {nav_timeout_s:g} s"
    events.loaded = True
    loaded_at = time.monotonic()
    watch_until = min(max(window_end, loaded_at + MIN_WATCH_S), budget.deadline - CLOSE_RESERVE_S)
    pauses = random.Random(settings.url)
    # Never asked of the page: asking waits for its main thread, and a click sent right after
    # would never meet a busy one. Whatever is under the point, the recorder stops the
    # probe's mouse events there before anything of the page sees them.
    x, y = CLICK_POINT
    while not budget.cancelled():
        now = time.monotonic()
        if now >= watch_until:
            break
        # A click returns once the page has taken it: one its main thread never takes is
        # a frozen page, known by the window's end (or a moment after the last click).
        steps.begin("click", max(min(STEP_ANSWER_S, watch_until - now), MIN_ANSWER_S))
        page.mouse.click(x, y)
        obs.clicks_sent += 1
        pause = min(pauses.uniform(*CLICK_INTERVAL_S), watch_until - time.monotonic())
        steps.begin("pause", max(0.0, pause) + STEP_SLACK_S)
        page.wait_for_timeout(max(0.0, pause) * 1000)
    steps.begin("record", STEP_ANSWER_S)
    _read_record(page, obs, events)
    if budget.cancelled():
        # What was seen is recorded; a cancelled run has no time for the rest.
        obs.cut_short = "the run was interrupted before the pill was hovered"
        return
    steps.begin("tooltip", 4 * TOOLTIP_WAIT_MS / 1000.0 + STEP_SLACK_S)
    _read_tooltip(page, settings, obs)
    if settings.screenshot:
        steps.begin("screenshot", 5.0 + STEP_SLACK_S)
        try:
            obs.screenshot = page.screenshot(type="png", timeout=5000)
        except Exception as exc:
            obs.screenshot_error = one_line(f"no screenshot: {_first_line(exc)}")


class _PageEvents:
    """Playwright's events of the page, counted into the observation as they come."""

    def __init__(self, obs: BrowserObservation) -> None:
        self.obs = obs
        self.loaded = False
        self.sockets: list[dict[str, Any]] = []

    def document(self, _page: Any) -> None:
        self.obs.documents += 1

    def socket(self, ws: Any) -> None:
        self.obs.sockets_opened += 1
        if len(self.sockets) >= BrowserObservation.MAX_SOCKETS:
            return
        entry: dict[str, Any] = {
            "url": url_without_userinfo(str(ws.url)),
            "opened_at_ms": time.time(),  # Unix time until the page's origin is known
            "frames_received": 0,
            "frames_sent": 0,
            "closed_at_ms": None,
            "error": None,
        }
        self.sockets.append(entry)

        def received(_payload: Any) -> None:
            entry["frames_received"] += 1

        def sent(_payload: Any) -> None:
            entry["frames_sent"] += 1

        def closed(_ws: Any) -> None:
            entry["closed_at_ms"] = time.time()

        def failed(error: Any) -> None:
            entry["error"] = one_line(str(error), 200)

        ws.on("framereceived", received)
        ws.on("framesent", sent)
        ws.on("close", closed)
        ws.on("socketerror", failed)

    def console(self, message: Any) -> None:
        if message.type != "error":
            return
        self.obs.console_error_count += 1
        if len(self.obs.console_errors) < BrowserObservation.MAX_MESSAGES:
            self.obs.console_errors.append(one_line(str(message.text), 300))

    def page_error(self, error: Any) -> None:
        self.obs.page_error_count += 1
        if len(self.obs.page_errors) < BrowserObservation.MAX_MESSAGES:
            name = getattr(error, "name", "") or "Error"
            self.obs.page_errors.append(
                one_line(f"{name}: {getattr(error, 'message', error)}", 300)
            )

    def request(self, request: Any) -> None:
        if not self.loaded or request.resource_type not in ("fetch", "xhr"):
            return
        self.obs.requests_after_load += 1
        url = url_without_userinfo(str(request.url))
        if len(self.obs.polled) < BrowserObservation.MAX_POLLED and url not in self.obs.polled:
            self.obs.polled.append(url)


def _read_record(page: Any, obs: BrowserObservation, events: _PageEvents) -> None:
    """The page's own record and its navigation timing, into the observation."""
    try:
        record = page.evaluate("window.__goliveProbe ? window.__goliveProbe.read() : null")
    except Exception as exc:
        obs.error = obs.error or one_line(
            f"the page's record could not be read: {_first_line(exc)}"
        )
        record = None
    if isinstance(record, dict) and _ms(record.get("origin")) is not None:
        obs.started_at = float(record["origin"]) / 1000.0  # the page's clock starts here
    obs.sockets = [_on_page_clock(s, obs.started_at) for s in events.sockets]
    if not isinstance(record, dict):
        return
    obs.ended_ms = _ms(record.get("now")) or 0.0
    nav = record.get("navigation") or {}
    obs.ttfb_ms = _ms(nav.get("responseStart"))
    obs.dom_content_loaded_ms = _ms(nav.get("domContentLoadedEventEnd"))
    obs.load_ms = _ms(nav.get("loadEventEnd"))
    for name in ("pill", "polling", "spread"):
        getattr(obs, name).extend(_sightings(record.get(name)))
    obs.spread_changes = int(record.get("spreadChanges") or 0)
    obs.pill_time_ms = [
        (None if text is None else one_line(str(text), 200), round(float(ms), 1))
        for text, ms in (record.get("pillTime") or [])[: BrowserObservation.MAX_SIGHTINGS]
    ]
    tasks = record.get("longTasks") or []
    obs.long_tasks = [
        (round(float(start), 1), round(float(duration), 1))
        for start, duration in tasks[: BrowserObservation.MAX_LONG_TASKS]
    ]
    obs.long_task_count = int(record.get("longTaskCount") or len(tasks))
    obs.long_tasks_supported = bool(record.get("longTasksSupported", True))
    clicks = record.get("clicks") or []
    obs.input_delays_ms = [round(max(float(d), 0.0), 1) for d in clicks][
        : BrowserObservation.MAX_CLICKS
    ]


def _on_page_clock(socket: dict[str, Any], origin: float) -> PageSocket:
    closed = socket["closed_at_ms"]
    return PageSocket(
        **{
            **socket,
            "opened_at_ms": round((socket["opened_at_ms"] - origin) * 1000.0, 1),
            "closed_at_ms": None if closed is None else round((closed - origin) * 1000.0, 1),
        }
    )


def _ms(value: Any) -> float | None:
    if isinstance(value, (int, float)) and value == value and value > 0:
        return round(float(value), 1)
    return None


def _sightings(rows: Any) -> list[Sighting]:
    out = []
    for row in (rows or [])[: BrowserObservation.MAX_SIGHTINGS]:
        at, text, colour = row
        out.append(
            Sighting(
                round(float(at), 1),
                None if text is None else one_line(str(text), 200),
                None if colour is None else one_line(str(colour), 60),
            )
        )
    return out


def _read_tooltip(page: Any, settings: BrowserSettings, obs: BrowserObservation) -> None:
    """Hover the pill as a person would; the tooltip is the element that then shows, else
    the pill's title."""
    pill = page.locator(settings.pill_selector).first
    try:
        if pill.count() == 0 or not pill.is_visible():
            return
        pill.hover(timeout=TOOLTIP_WAIT_MS)
        tip = page.locator(settings.tooltip_selector).first
        try:
            tip.wait_for(state="visible", timeout=TOOLTIP_WAIT_MS)
            text = tip.inner_text(timeout=TOOLTIP_WAIT_MS)
            source = "element"
        except Exception:
            text = pill.get_attribute("title", timeout=TOOLTIP_WAIT_MS) or ""
            source = "title"
    except Exception:
        return  # the page went away under the hover: no tooltip seen
    if text.strip():
        obs.tooltip = one_line(text, 300)
        obs.tooltip_source = source


def _recorder(settings: BrowserSettings) -> str:
    config = {
        "pill": settings.pill_selector,
        "polling": settings.polling_selector,
        "spread": settings.spread_selector,
        "max": BrowserObservation.MAX_SIGHTINGS,
        "maxTasks": BrowserObservation.MAX_LONG_TASKS,
        "maxClicks": BrowserObservation.MAX_CLICKS,
        "x": CLICK_POINT[0],
        "y": CLICK_POINT[1],
    }
    return _RECORDER.replace("__CONFIG__", json.dumps(config))


_RECORDER = r"""
(() => {
  if (window.__goliveProbe) return;
  const cfg = __CONFIG__;
  const rec = { pill: [], polling: [], spread: [], spreadChanges: 0, longTasks: [],
                longTaskCount: 0, longTasksSupported: true, clicks: [] };
  function find(selector) {
    let el = null;
    try { el = document.querySelector(selector); } catch (e) { return null; }
    if (!el) return null;
    if (el.checkVisibility && !el.checkVisibility()) return null;
    return el;
  }
  function colourOf(el) {
    const style = getComputedStyle(el);
    const bg = style.backgroundColor;
    const clear = !bg || bg === "transparent" || /rgba\(.*,\s*0(\.0+)?\)$/.test(bg);
    return clear ? style.color : bg;
  }
  // Time spent showing each text, kept whole however many changes the list can hold.
  const spent = { pill: new Map(), since: null, shown: undefined };
  function note(list, selector, withColour) {
    const el = find(selector);
    const text = el ? (el.textContent || "").trim().slice(0, 200) : null;
    const colour = el && withColour ? colourOf(el) : null;
    const last = list[list.length - 1];
    if (last ? last[1] === text && last[2] === colour : text === null) return false;
    const row = [performance.now(), text, colour];
    if (list === rec.pill) account(row[0], text);
    if (list.length < cfg.max) list.push(row); else list[list.length - 1] = row;
    return last !== undefined && last[1] !== null && text !== null;
  }
  function account(now, text) {
    if (spent.since !== null) {
      const key = JSON.stringify(spent.shown);
      spent.pill.set(key, (spent.pill.get(key) || 0) + now - spent.since);
    }
    spent.since = now;
    spent.shown = text;
  }
  function look() {
    note(rec.pill, cfg.pill, true);
    note(rec.polling, cfg.polling, true);
    if (note(rec.spread, cfg.spread, false)) rec.spreadChanges += 1;
  }
  new MutationObserver(look).observe(document, {
    subtree: true, childList: true, characterData: true, attributes: true });
  function tasks(entries) {
    for (const entry of entries) {
      rec.longTaskCount += 1;
      const row = [entry.startTime, entry.duration];
      // Past the cap the last row keeps the longest of the rest: a late freeze is not lost.
      if (rec.longTasks.length < cfg.maxTasks) rec.longTasks.push(row);
      else if (row[1] > rec.longTasks[rec.longTasks.length - 1][1]) {
        rec.longTasks[rec.longTasks.length - 1] = row;
      }
    }
  }
  let longTasks = null;
  try {
    longTasks = new PerformanceObserver((list) => tasks(list.getEntries()));
    longTasks.observe({ type: "longtask", buffered: true });
  } catch (e) { rec.longTasksSupported = false; }
  // The probe's mouse events, at its point, stop at the first listener of all (the window's,
  // capturing): no control of the page under the point ever sees them.
  const at = (e) => e.isTrusted && e.clientX === cfg.x && e.clientY === cfg.y;
  for (const type of ["pointerover", "pointerenter", "pointermove", "pointerdown", "pointerup",
                      "mouseover", "mouseenter", "mousemove", "mousedown", "mouseup", "click",
                      "auxclick", "dblclick", "contextmenu", "pointerout", "pointerleave",
                      "mouseout", "mouseleave"]) {
    window.addEventListener(type, (event) => {
      if (!at(event)) return;
      if (type === "click") {
        const delay = performance.now() - event.timeStamp;
        if (rec.clicks.length < cfg.maxClicks) rec.clicks.push(delay);
        else rec.clicks[rec.clicks.length - 1] = Math.max(rec.clicks[rec.clicks.length - 1], delay);
      }
      event.stopImmediatePropagation();
      event.preventDefault();
    }, true);
  }
  function read() {
    look();
    account(performance.now(), spent.shown);
    if (longTasks) tasks(longTasks.takeRecords());  // those not yet handed to the callback
    const nav = performance.getEntriesByType("navigation")[0];
    return { pill: rec.pill, polling: rec.polling, spread: rec.spread,
             spreadChanges: rec.spreadChanges, longTasks: rec.longTasks,
             longTaskCount: rec.longTaskCount, longTasksSupported: rec.longTasksSupported,
             clicks: rec.clicks, now: performance.now(), origin: performance.timeOrigin,
             pillTime: Array.from(spent.pill, ([k, ms]) => [JSON.parse(k), ms]),
             navigation: nav ? nav.toJSON() : null };
  }
  Object.defineProperty(window, "__goliveProbe", { value: { read }, enumerable: false });
})();
"""
