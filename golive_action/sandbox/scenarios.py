"""Scenarios of the reference stack (the README's scenario table): each a fault that a real
deployment has."""

from __future__ import annotations

from dataclasses import dataclass

# The canary workflow's past runs, newest first, as the GitHub stand-in serves them: True a
# run whose canary passed (concluded success, its evidence artifact's canary_resp.json says
# ok: true), False one whose canary failed (failure, ok: false), None a cancelled run (no
# artifact; the pass rate does not count it). Seven runs count, one was cancelled.
PASSING_HISTORY: tuple[bool | None, ...] = (True, True, None, True, True, True, True, True)

# The gate's past reports in those runs' artifacts, newest first, for the trends (monitor):
# each run's decision and headline figures. Steady, and a little worse than the stack now
# answers, so that a monitor run of a healthy stack finds no regression.
STEADY_REPORTS: tuple[tuple[str, dict[str, float | None]], ...] = tuple(
    (
        "go",
        {
            "ws_latency_p95_ms": 10.0,
            "event_latency_p95_ms": 100.0,
            "health_rate_percent": 100.0,
            "canary_pass_rate_percent": 100.0,
            "reconnects_per_min": 0.0,
            "ui_load_p95_ms": 10.0,
        },
    )
    for _ in range(6)
)


def creeping_reports() -> tuple[tuple[str, dict[str, float | None]], ...]:
    """Six GO runs whose ping p95 rose by 5 ms each time (45 ms the newest, 20 the oldest):
    a run at about 60 ms makes it worse four runs in a row, and worse than the last GO."""
    return tuple(
        ("go", {**STEADY_REPORTS[0][1], "ws_latency_p95_ms": 45.0 - 5.0 * index})
        for index in range(6)
    )


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    # What `golive demo` must decide, by mode ("go-live" and "rollback").
    expect_go_live: str = "no-go"
    expect_rollback: str = "no-go"
    # Web app
    ws_enabled: bool = True  # NEXT_PUBLIC_WS_ENABLED as built
    web_5xx_every: int = 0  # every n-th request of each web route answers 500 (0: never)
    ticker_mock: bool = False  # the ticker proxy serves {"mock": true, ...}
    ticker_frozen: bool = False  # the ticker proxy serves its first answer ever after
    # Executor
    executor_status: int = 200  # status of /health, /canary/run and /metrics
    canary_ok: bool = True
    ingest_latency_ms: float = 40.0  # centre of the executor's event-to-store latency
    # WebSocket feed
    ws_upgrade_status: int | None = None  # answer the upgrade with this status instead of 101
    ws_inbound_delay_s: float = 0.0  # delay of everything the server reads (pings included)
    ws_close_after_s: float | None = None  # close every connection this long after it opens
    ws_silent: bool = False  # answer subscriptions, then send no feed message at all
    trade_time_lag_ms: float = 0.0  # trades carry a time D this far in the past
    # GitHub (the API stand-in): the canary workflow's past runs (PASSING_HISTORY's terms)
    canary_history: tuple[bool | None, ...] = PASSING_HISTORY
    past_reports: tuple[tuple[str, dict[str, float | None]], ...] = STEADY_REPORTS
    # The trading page's client (in a browser): its main thread busy this many ms, every
    # ui_block_every_ms (0: never), as a render loop gone wrong keeps it
    ui_block_ms: int = 0
    ui_block_every_ms: int = 1000
    # Only a browser sees this fault: the demo turns the browser checks on (browser: true)
    # unless the user says otherwise.
    needs_browser: bool = False
    # Any HTTP answer of the deployment (web app, executor, BTCTurk REST; not GitHub's)
    http_delay_s: float = 0.0


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("healthy", "everything up and fast", expect_go_live="go"),
        Scenario(
            "slow-ws",
            "the feed answers pings after 1.2 s (latency over the limit)",
            ws_inbound_delay_s=1.2,
        ),
        Scenario(
            "flapping",
            "the feed drops every connection half a second after it opens (reconnect storm)",
            ws_close_after_s=0.5,
        ),
        Scenario(
            "stale-feed",
            "the feed accepts subscriptions, then sends nothing",
            ws_silent=True,
        ),
        Scenario(
            "outage",
            "the executor answers 503 on health, canary and metrics",
            executor_status=503,
        ),
        Scenario(
            "error-burst",
            "one request in four to the web app answers 500",
            web_5xx_every=4,
        ),
        Scenario(
            "mock-ticker",
            'the ticker proxy serves mock data ("mock": true)',
            ticker_mock=True,
        ),
        Scenario(
            "no-upgrade",
            "the WebSocket upgrade is refused (426), as behind a proxy without the upgrade map",
            ws_upgrade_status=426,
        ),
        Scenario(
            "canary-fail",
            "the canary answers ok: false",
            canary_ok=False,
        ),
        Scenario(
            "canary-history",
            "5 of the canary workflow's last 7 runs passed (2 failed): the pass rate is under 95 %",
            # This run's canary passes: the rate over 7 counts it and the 6 newest past runs,
            # 2 of them failed, 5 of 7 PASS.
            canary_history=(True, False, None, True, True, False, True, True),
        ),
        Scenario(
            "frozen-ui",
            "the trading page's main thread is blocked 400 ms of every second (long tasks),"
            " while every endpoint stays healthy: only a browser sees it",
            ui_block_ms=400,
            needs_browser=True,
        ),
        Scenario(
            "creeping-latency",
            "the feed's latency creeps up run after run (about 60 ms now, within every limit):"
            " only the trends of a monitor run see it",
            expect_go_live="go",
            ws_inbound_delay_s=0.06,
            past_reports=creeping_reports(),
        ),
        Scenario(
            "rollback",
            "WebSocket flag off: the UI polls and shows Canlı",
            ws_enabled=False,
            expect_rollback="go",
        ),
    )
}


def scenario_names() -> list[str]:
    return list(SCENARIOS)
