"""The web app's checks beyond health: ticker data, the WebSocket feature flag as built, the
page's responsiveness, and the polling UI of a rollback. Pure functions of the samples."""

from __future__ import annotations

import json
import math
from collections import Counter
from functools import cache
from importlib import resources
from typing import Any

from golive_action.ids import CheckId
from golive_action.judge.browser import shows_pill, shows_polling_text
from golive_action.judge.pointer import PointerError, resolve
from golive_action.limits import BrowserLimits
from golive_action.model import CheckResult, HttpSample, Verdict
from golive_action.stats import latency_summary, lower_bound_percent, percentile, rate_with_bound
from golive_action.text import fixed, one_line, plural

# --------------------------------------------------------------------------- ticker


TICKER_TITLE = "BTCTurk ticker ({pair}): valid JSON with data"
WS_FLAG_TITLE = "WebSocket feature flag as built (NEXT_PUBLIC_WS_ENABLED)"
UI_TITLE = "UI responsive (the trading page loads)"
POLLING_TITLE = "Polling UI after rollback (Canlı, no WS pill)"


@cache
def _ticker_validator() -> Any:
    # Static package data: the same bytes every run, so the judge stays deterministic.
    from jsonschema import Draft202012Validator

    text = resources.files("golive_action").joinpath("schemas/ticker.schema.json").read_text()
    return Draft202012Validator(json.loads(text))


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None  # NaN or an infinity is not a price


def quote_problem(bid: float, ask: float, spread_max_percent: float) -> str | None:
    """Why a bid and an ask are no market quote, or None: each must be above 0, the bid
    below the ask, and the spread at most ``spread_max_percent`` of the mid price (a price
    of 0, a negative one or 1e300 beside a real one is junk, not a market)."""
    if bid <= 0 or ask <= 0:
        return f"a price is not above 0 (bid {bid:.10g}, ask {ask:.10g})"
    if bid >= ask:
        return f"crossed prices, bid {bid:.10g} >= ask {ask:.10g}"
    spread_percent = 100.0 * (ask - bid) / ((ask + bid) / 2.0)
    if not spread_percent <= spread_max_percent:
        return (
            f"the spread is {spread_percent:.3g} % of the mid price (bid {bid:.10g}, ask "
            f"{ask:.10g}), over ticker-spread-max-percent {spread_max_percent:g} %"
        )
    return None


def _http_problem(sample: HttpSample, what: str) -> tuple[Verdict, str] | None:
    """The verdict for a sample that is not a 200, or None for a 200."""
    if sample.error:
        return Verdict.ERROR, f"{what}: {sample.error} at {sample.url}"
    if sample.status == 429:
        wait = sample.retry_after_s
        told = f", Retry-After {wait:g} s" if wait is not None else ""
        return Verdict.ERROR, f"{what}: rate limited (HTTP 429{told}) beyond the time budget"
    if sample.status == 503:
        return (
            Verdict.ERROR,
            f"{what}: HTTP 503 (upstream data delayed or unavailable){_detail(sample)}",
        )
    if sample.status != 200:
        return Verdict.FAIL, f"{what}: HTTP {sample.status}{_detail(sample)}"
    return None


def _detail(sample: HttpSample) -> str:
    try:
        body = sample.body_json()
    except ValueError:
        return ""
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return f" (error: {one_line(body['error'], 120)})"
    return ""


def _btcturk_body(body: dict[str, Any]) -> dict[str, Any]:
    """The BTCTurk ticker body of a schema-valid answer: as sent, or inside the app's
    wrapper (``{"ok": ..., "data": <BTCTurk body>}``)."""
    raw: dict[str, Any] = body["data"] if "ok" in body else body
    return raw


def _pair_row(raw: dict[str, Any], pair: str) -> dict[str, Any] | None:
    """The ticker row of ``pair`` (by its name or its normalized name), if any."""
    return next((r for r in raw["data"] if pair in (r.get("pair"), r.get("pairNormalized"))), None)


def judge_ticker(
    samples: list[HttpSample],
    orderbook: list[HttpSample],
    probe_error: str | None,
    pair: str,
    max_age_s: float,
    spread_max_percent: float = 5.0,
) -> CheckResult:
    """Valid JSON with data: the raw BTCTurk body or the app's wrapper, success/ok true, the
    pair present, prices above 0 and finite with the bid below the ask and a plausible
    spread (:func:`quote_problem`), a fresh timestamp; mock data is not real data."""
    cid: CheckId = "ticker"
    title = TICKER_TITLE.format(pair=pair)
    thresholds = {
        "age_s": f"<={max_age_s:g}",
        "bid_ask": "0<bid<ask",
        "spread_percent": f"<={spread_max_percent:g}",
    }

    def result(verdict: Verdict, reason: str, metrics: dict[str, Any] | None = None) -> CheckResult:
        return CheckResult(cid, title, verdict, reason, len(samples), metrics or {}, thresholds)

    if probe_error is not None:
        return result(Verdict.ERROR, probe_error)
    if not samples:
        return result(
            Verdict.INCONCLUSIVE, "no ticker request was made; check web-url or ticker-url"
        )
    sample = samples[-1]
    metrics: dict[str, Any] = {
        "url": sample.url,
        "latency_ms": sample.elapsed_ms,
        "status": sample.status,
        "attempts": len(samples),
    }
    problem = _http_problem(sample, "ticker")
    if problem is not None:
        return result(*problem, metrics)
    try:
        body = sample.body_json()
    except ValueError:
        kind = (sample.content_type or "unknown type").split(";")[0]
        return result(Verdict.FAIL, f"ticker: HTTP 200 but the body is not JSON ({kind})", metrics)
    if sample.body_truncated:
        return result(Verdict.ERROR, "ticker: the body is longer than the part kept", metrics)
    errors = sorted(_ticker_validator().iter_errors(body), key=lambda e: list(e.path))
    if isinstance(body, dict) and body.get("mock") is True:
        return result(
            Verdict.FAIL,
            'ticker serves mock data ("mock": true), not BTCTurk data',
            {**metrics, "mock": True},
        )
    if errors:
        return result(
            Verdict.FAIL,
            "ticker: the body is not a BTCTurk ticker or the app's wrapper around one",
            metrics,
        )
    raw = _btcturk_body(body)
    if "ok" in body and body["ok"] is not True:
        return result(Verdict.FAIL, f"ticker: ok is {json.dumps(body['ok'])}", metrics)
    if raw.get("success") is not True:
        message = raw.get("message")
        return result(Verdict.FAIL, f"ticker: success is false (message: {message})", metrics)
    row = _pair_row(raw, pair)
    if row is None:
        return result(Verdict.FAIL, f"ticker: pair {pair} is not in the data", metrics)
    bid, ask = _number(row["bid"]), _number(row["ask"])
    age_s = (sample.at + (sample.elapsed_ms or 0) / 1000) - row["timestamp"] / 1000
    metrics.update({"bid": bid, "ask": ask, "age_s": round(age_s, 3)})
    if bid is None or ask is None:
        return result(Verdict.FAIL, f"ticker: bid or ask of {pair} is not a finite number", metrics)
    junk = quote_problem(bid, ask, spread_max_percent)
    if junk is None and "last" in row:
        last = _number(row["last"])
        if last is None or last <= 0:
            junk = f"the last price {one_line(json.dumps(row['last']), 40)} is no price above 0"
    if junk is not None:
        return result(Verdict.FAIL, f"ticker: {junk}", metrics)
    if abs(age_s) > max_age_s:
        when = "old" if age_s > 0 else "in the future (clock skew?)"
        return result(
            Verdict.FAIL,
            f"ticker: timestamp {abs(age_s):.0f} s {when}, limit {max_age_s:g} s",
            metrics,
        )
    book = _judge_orderbook(orderbook)
    if book is not None:
        return result(book[0], book[1], metrics)
    spread = ask - bid
    return result(
        Verdict.PASS,
        f"{pair} bid {bid:.10g} < ask {ask:.10g} (spread {spread:.10g}), {fixed(age_s)} s old",
        {**metrics, "spread": spread},
    )


def _judge_orderbook(samples: list[HttpSample]) -> tuple[Verdict, str] | None:
    if not samples:
        return None
    problem = _http_problem(samples[-1], "orderbook")
    if problem is not None:
        return problem
    try:
        body = samples[-1].body_json()
        levels = body["data"]["bids"], body["data"]["asks"]
    except (ValueError, KeyError, TypeError):
        return Verdict.FAIL, "orderbook: the body is not a BTCTurk order book"
    if not all(isinstance(side, list) and side for side in levels):
        return Verdict.FAIL, "orderbook: no bids or no asks"
    return None


# --------------------------------------------------------------------------- ws-flag


def judge_ws_flag(
    samples: list[HttpSample],
    probe_error: str | None,
    given: bool | None,
    expected: bool,
    pointer: str | None,
) -> CheckResult:
    """NEXT_PUBLIC_WS_ENABLED as built: on for go-live, off after a rollback."""
    cid: CheckId = "ws-flag"
    title = WS_FLAG_TITLE
    thresholds = {"flag": f"=={str(expected).lower()}"}
    want = "enabled" if expected else "disabled"

    def result(verdict: Verdict, reason: str, source: str, flag: bool | None) -> CheckResult:
        metrics = {"source": source, "flag": flag, "expected": expected}
        return CheckResult(cid, title, verdict, reason, len(samples), metrics, thresholds)

    def decide(flag: bool, source: str) -> CheckResult:
        state = "enabled" if flag else "disabled"
        if flag == expected:
            return result(Verdict.PASS, f"{state} in the build ({source})", source, flag)
        return result(
            Verdict.FAIL, f"{state} in the build ({source}); expected {want}", source, flag
        )

    if given is not None:
        return decide(given, "given as input ws-flag")
    if probe_error is not None:
        return result(Verdict.ERROR, probe_error, "", None)
    if not samples:
        reason = "the flag was not read; give ws-flag (true or false) or ws-flag-url"
        return result(Verdict.INCONCLUSIVE, reason, "", None)
    sample = samples[-1]
    problem = _http_problem(sample, "ws-flag")
    if problem is not None:
        return result(*problem, sample.url, None)
    if pointer is None:
        found = sample.found.get("ws-flag")
        if found is None:
            return result(
                Verdict.FAIL,
                f"NEXT_PUBLIC_WS_ENABLED followed by true or false is not "
                f"in the page at {sample.url}",
                sample.url,
                None,
            )
        return decide(found.lower() == "true", f"page {sample.url}")
    try:
        value = resolve(sample.body_json(), pointer)
    except (ValueError, PointerError) as exc:
        return result(
            Verdict.FAIL,
            f"cannot read the flag at {pointer} of {sample.url}: {one_line(str(exc), 120)}",
            sample.url,
            None,
        )
    if isinstance(value, bool) or value in ("true", "false"):
        return decide(value in (True, "true"), f"{sample.url} at {pointer}")
    return result(
        Verdict.FAIL,
        f"the value at {pointer} of {sample.url} is {json.dumps(value)[:40]}, not true or false",
        sample.url,
        None,
    )


# --------------------------------------------------------------------------- the page


def judge_ui_responsive(
    samples: list[HttpSample],
    probe_error: str | None,
    p95_max_ms: float,
    rate_min_percent: float,
    min_samples: int,
) -> CheckResult:
    """The trading page answers 200, with a p95 load time under the limit."""
    cid: CheckId = "ui-responsive"
    title = UI_TITLE
    thresholds = {
        "latency_ms": f"p(95)<{p95_max_ms:g}",
        "ok": f"rate>={rate_min_percent / 100:g}",
        "samples": f"count>={min_samples}",
    }
    if probe_error is not None:
        return CheckResult(cid, title, Verdict.ERROR, probe_error, 0, {}, thresholds)
    answered = [s for s in samples if s.error is None]
    ok = [s for s in answered if s.status == 200]
    latencies = [s.elapsed_ms for s in ok if s.elapsed_ms is not None]
    n = len(samples)
    rate = 100.0 * len(ok) / n if n else 0.0
    metrics: dict[str, Any] = {
        "samples": n,
        "rate_percent": round(rate, 3),
        "rate_lower_95_percent": lower_bound_percent(len(ok), n),
        **latency_summary(latencies),
        "statuses": dict(Counter(str(s.status) for s in answered)),
        "url": samples[0].url if samples else "",
    }
    if samples and not answered:
        reason = f"{samples[0].error} at {samples[0].url} ({n} of {n} samples)"
        return CheckResult(cid, title, Verdict.ERROR, reason, n, metrics, thresholds)
    if n < min_samples:
        reason = (
            f"only {plural(n, 'sample')}, fewer than the {min_samples} needed to judge; "
            "sample longer (duration, sample-interval) or set "
            f"min-samples: {max(1, n)} to judge on fewer"
        )
        return CheckResult(cid, title, Verdict.INCONCLUSIVE, reason, n, metrics, thresholds)
    p95 = percentile(latencies, 95)
    problems = []
    if rate < rate_min_percent:
        worst = Counter(
            str(s.status) if s.error is None else s.error for s in samples if s.status != 200
        ).most_common(1)[0][0]
        problems.append(
            f"{n - len(ok)} of {n} loads failed (most often {worst}): {len(ok)} of {n} "
            f"answered 200 ({rate_with_bound(len(ok), n)}), under {rate_min_percent:g} %"
        )
    if p95 is None or p95 >= p95_max_ms:
        shown = "no load completed" if p95 is None else f"p95 load time {p95:.0f} ms"
        problems.append(f"{shown}, limit {p95_max_ms:g} ms")
    if problems:
        return CheckResult(cid, title, Verdict.FAIL, "; ".join(problems), n, metrics, thresholds)
    assert p95 is not None
    reason = (
        f"{len(ok)} of {n} loads answered 200 ({rate_with_bound(len(ok), n)}), "
        f"p95 {p95:.0f} ms < {p95_max_ms:g} ms"
    )
    return CheckResult(cid, title, Verdict.PASS, reason, n, metrics, thresholds)


def judge_polling_ui(
    samples: list[HttpSample],
    probe_error: str | None,
    drawn: tuple[str | None, str | None] | None = None,
    browser: BrowserLimits | None = None,
) -> CheckResult:
    """After a rollback the page polls: it shows Canlı and no WS pill. Where a browser
    watched the page (``drawn``: the polling indicator's and the pill's text at the end),
    what it drew is judged, not the server's HTML: a page may draw its pill in its script."""
    cid: CheckId = "polling-ui"
    title = POLLING_TITLE
    thresholds = {"pill": "Canlı", "ws_pill": "absent"}
    if drawn is not None:
        return _drawn_polling(samples, drawn, browser or BrowserLimits(), thresholds)
    if probe_error is not None:
        return CheckResult(cid, title, Verdict.ERROR, probe_error, 0, {}, thresholds)
    pages = [s for s in samples if s.error is None and s.status == 200]
    if not pages:
        return CheckResult(
            cid,
            title,
            Verdict.INCONCLUSIVE,
            "no page loaded to look at",
            len(samples),
            {},
            thresholds,
        )
    with_ws = sum(1 for s in pages if s.found.get("ws-pill"))
    with_live = sum(1 for s in pages if s.found.get("canli"))
    metrics = {"pages": len(pages), "with_ws_pill": with_ws, "with_canli": with_live}
    n = len(pages)
    if with_ws:
        pill = next(s.found["ws-pill"] for s in pages if s.found.get("ws-pill"))
        reason = f"the page shows the WebSocket pill ({pill}) on {with_ws} of {n} loads"
        return CheckResult(cid, title, Verdict.FAIL, reason, n, metrics, thresholds)
    if with_live < n:
        reason = f"the page does not show Canlı on {n - with_live} of {n} loads"
        return CheckResult(cid, title, Verdict.FAIL, reason, n, metrics, thresholds)
    return CheckResult(
        cid,
        title,
        Verdict.PASS,
        f"Canlı and no WS pill on {n} of {n} loads",
        n,
        metrics,
        thresholds,
    )


def _drawn_polling(
    samples: list[HttpSample],
    drawn: tuple[str | None, str | None],
    limits: BrowserLimits,
    thresholds: dict[str, str],
) -> CheckResult:
    cid: CheckId = "polling-ui"
    shown, pill = drawn
    pages = [s for s in samples if s.error is None and s.status == 200]
    in_html = sum(1 for s in pages if s.found.get("canli"))
    metrics = {"drawn": shown, "drawn_pill": pill, "pages": len(pages), "with_canli": in_html}
    thresholds = {**thresholds, "pill": limits.polling_text}
    if shows_pill(pill, limits):
        reason = f"the page, as the browser drew it, shows the WebSocket pill ({pill})"
        return CheckResult(cid, POLLING_TITLE, Verdict.FAIL, reason, 1, metrics, thresholds)
    if not shows_polling_text(shown, limits):
        what = "nothing" if shown is None else one_line(shown, 40)
        reason = (
            f"the page, as the browser drew it, shows {what} where {limits.polling_text} belongs"
        )
        return CheckResult(cid, POLLING_TITLE, Verdict.FAIL, reason, 1, metrics, thresholds)
    reason = (
        f"{shown} and no WS pill, as the browser drew the page (in the server's HTML on "
        f"{in_html} of {len(pages)} loads)"
    )
    return CheckResult(cid, POLLING_TITLE, Verdict.PASS, reason, 1, metrics, thresholds)


# --------------------------------------------------------------------------- polled data

POLLED_TITLE = "Prices update by polling (the ticker moves)"


def _polled_quote(
    sample: HttpSample, pair: str, spread_max_percent: float
) -> tuple[Any, ...] | None:
    """What a polling page shows of one ticker read (time, last, bid, ask), or None when the
    read is no ticker of the pair, or its prices are no market quote."""
    if sample.error or sample.status != 200 or sample.body_truncated:
        return None
    try:
        body = sample.body_json()
    except ValueError:
        return None
    if not isinstance(body, dict) or body.get("mock") is True:
        return None
    if next(_ticker_validator().iter_errors(body), None) is not None:
        return None
    row = _pair_row(_btcturk_body(body), pair)
    if row is None:
        return None
    bid, ask = _number(row.get("bid")), _number(row.get("ask"))
    if bid is None or ask is None or quote_problem(bid, ask, spread_max_percent) is not None:
        return None
    return (row.get("timestamp"), row.get("last"), row.get("bid"), row.get("ask"))


def judge_polled_ticker(
    samples: list[HttpSample],
    probe_error: str | None,
    pair: str,
    max_still_s: float,
    rate_min_percent: float,
    spread_max_percent: float = 5.0,
) -> CheckResult:
    """After a rollback the page's prices come from polling the ticker. Over the window:
    nearly every read is a readable ticker (``health-rate-min``), none is older than
    ``ticker-max-age-s``, and the ticker moves forward (a newer timestamp, or new prices at
    the same one), never standing still longer than ``ticker-max-age-s``. A timestamp that
    goes back (answers from caches of different ages) is no move."""
    cid: CheckId = "polling-data"
    thresholds = {
        "readable_percent": f">={rate_min_percent:g}",
        "age_s": f"<={max_still_s:g}",
        "changes": "count>=1",
        "longest_still_s": f"<={max_still_s:g}",
    }

    def result(verdict: Verdict, reason: str, metrics: dict[str, Any]) -> CheckResult:
        return CheckResult(cid, POLLED_TITLE, verdict, reason, len(samples), metrics, thresholds)

    if probe_error is not None:
        return result(Verdict.ERROR, probe_error, {})
    reads = [
        (s, q) for s in samples if (q := _polled_quote(s, pair, spread_max_percent)) is not None
    ]
    readable = 100.0 * len(reads) / len(samples) if samples else 0.0
    metrics: dict[str, Any] = {
        "reads": len(samples),
        "readable": len(reads),
        "readable_percent": round(readable, 2),
    }
    if len(reads) < 2:
        return result(
            Verdict.INCONCLUSIVE,
            f"only {plural(len(reads), 'readable ticker read')} of {len(samples)}, fewer than "
            "the 2 that can show a change; observe longer (duration) or poll more often "
            "(sample-interval)",
            metrics,
        )
    if readable < rate_min_percent:
        return result(
            Verdict.FAIL,
            f"only {len(reads)} of {len(samples)} polled reads were a readable {pair} ticker "
            f"({fixed(readable)} %, under {rate_min_percent:g} %): the page shows errors",
            metrics,
        )
    ages = [s.at - q[0] / 1000.0 for s, q in reads if isinstance(q[0], int | float) and q[0] > 0]
    oldest = max(ages, default=None)
    metrics["oldest_age_s"] = None if oldest is None else round(oldest, 3)
    if oldest is not None and oldest > max_still_s:
        stale = sum(1 for age in ages if age > max_still_s)
        return result(
            Verdict.FAIL,
            f"{stale} of {len(reads)} polled reads were older than ticker-max-age-s "
            f"{max_still_s:g} s (the oldest {fixed(oldest)} s): stale data",
            metrics,
        )
    changes, backwards, longest = 0, 0, 0.0
    since, newest = reads[0][0].at, reads[0][1]
    for sample, quote in reads[1:]:
        step = _step(newest, quote)
        backwards += step < 0
        if step > 0:
            changes += 1
            longest, since, newest = max(longest, sample.at - since), sample.at, quote
    longest = max(longest, reads[-1][0].at - since)
    span = reads[-1][0].at - reads[0][0].at
    metrics.update(
        {
            "changes": changes,
            "went_back": backwards,
            "longest_still_s": round(longest, 3),
            "span_s": round(span, 3),
        }
    )
    back = f"; the timestamp went back {plural(backwards, 'time')}" if backwards else ""
    if changes == 0:
        stamp, last = reads[-1][1][0], reads[-1][1][1]
        return result(
            Verdict.FAIL,
            f"the ticker stood still for {fixed(span)} s over {len(reads)} reads (timestamp "
            f"{one_line(str(stamp), 40)}, last {one_line(str(last), 40)} unchanged){back}: "
            "the polling page's prices do not update",
            metrics,
        )
    if longest > max_still_s:
        return result(
            Verdict.FAIL,
            f"the ticker stood still for {fixed(longest)} s at once, over ticker-max-age-s "
            f"{max_still_s:g} s ({changes} changes over {len(reads)} reads){back}",
            metrics,
        )
    return result(
        Verdict.PASS,
        f"the ticker moved {changes} times over {len(reads)} reads in {fixed(span)} s "
        f"(longest still {fixed(longest)} s){back}",
        metrics,
    )


def _step(newest: tuple[Any, ...], quote: tuple[Any, ...]) -> int:
    """1 when ``quote`` is a move forward from ``newest`` (a newer timestamp, or new prices
    at the same one), -1 when its timestamp is older, 0 when nothing changed."""
    before, now = newest[0], quote[0]
    timed = isinstance(before, int | float) and isinstance(now, int | float)
    if timed and now != before:
        return 1 if now > before else -1
    return 0 if quote == newest else 1
