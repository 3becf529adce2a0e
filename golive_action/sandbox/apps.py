"""The HTTP side of the reference stack: web app, executor and BTCTurk REST, on loopback.

Each app is a route table served by the standard library's threading HTTP server: the
stack must stay a single process that starts in a blink and needs no framework.
"""

from __future__ import annotations

import html
import json
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

from golive_action import jsondoc
from golive_action.sandbox.market import Market
from golive_action.sandbox.scenarios import Scenario

MAX_REQUEST_BODY = 64 * 1024


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def json_reply(status: int, document: Any, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, json.dumps(document).encode(), "application/json", headers or {})


Route = Callable[[Request], Reply]


class _HttpServer6(ThreadingHTTPServer):
    address_family = socket.AF_INET6


def _http_server_class(host: str) -> type[ThreadingHTTPServer]:
    """IPv4 or IPv6, as the host is: ThreadingHTTPServer listens on IPv4 only (``::1``
    would fail), and a name may stand for either."""
    try:
        family = socket.getaddrinfo(host, 0, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0][0]
    except (OSError, UnicodeError):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return _HttpServer6 if family == socket.AF_INET6 else ThreadingHTTPServer


class AppServer:
    """A route table on a ThreadingHTTPServer bound to an ephemeral loopback port.

    ``fallback`` answers every request no route names: an API whose paths carry names and
    ids (the GitHub stand-in) routes them itself."""

    def __init__(
        self,
        name: str,
        routes: dict[tuple[str, str], Route],
        host: str,
        port: int = 0,
        delay_s: float = 0.0,
        fallback: Route | None = None,
    ) -> None:
        self.name = name
        handler = _handler_class(routes, delay_s, fallback)
        self._server = _http_server_class(host)((host, port), handler)
        self._server.daemon_threads = True
        # A short poll interval: shutdown() waits for one poll, and tests start many stacks.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name=f"sandbox-{name}", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        host_text = host if isinstance(host, str) else host.decode()
        if ":" in host_text:
            host_text = f"[{host_text}]"
        return f"http://{host_text}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def hold(seconds: float) -> None:
    """Wait exactly ``seconds``: sleep most of it, spin the last 2 ms (a sleeping thread
    wakes up to a millisecond late, and the benchmarks inject delays to the millisecond)."""
    until = time.perf_counter() + seconds
    if seconds > 0.002:
        time.sleep(seconds - 0.002)
    while time.perf_counter() < until:
        pass


def _handler_class(
    routes: dict[tuple[str, str], Route], delay_s: float, fallback: Route | None = None
) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "golive-sandbox"
        # Headers and body leave in two writes: with Nagle on, the second waits for the
        # client's delayed ACK (40 ms), a latency no real server adds.
        disable_nagle_algorithm = True

        def _dispatch(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_REQUEST_BODY:
                self._send(json_reply(413, {"error": "payload_too_large"}))
                return
            body = self.rfile.read(length) if length else b""
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            request = Request(
                self.command,
                parts.path,
                query,
                {k.lower(): v for k, v in self.headers.items()},
                body,
            )
            route = routes.get((self.command, parts.path), fallback)
            if route is None:
                known = any(path == parts.path for _, path in routes)
                status = 405 if known else 404
                reply = json_reply(
                    status, {"error": "method_not_allowed" if known else "not_found"}
                )
            else:
                reply = route(request)
            if delay_s:
                hold(delay_s)
            self._send(reply)

        def _send(self, reply: Reply) -> None:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(reply.body)

        do_GET = _dispatch
        do_POST = _dispatch
        do_HEAD = _dispatch

        def log_message(self, format: str, *args: Any) -> None:
            return  # the sandbox is quiet; the gate records what matters

    return Handler


class _Counter:
    """Per-route request counters, for faults that hit every n-th request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}

    def next(self, key: str) -> int:
        with self._lock:
            n = self._counts.get(key, 0)
            self._counts[key] = n + 1
            return n


# The build the stack's web app and executor say they run, in their health bodies: a fixed
# commit sha, so that the demo shows a version (and `--expect-version` can be tried on it).
DEMO_VERSION = "5f3c2a1e9b7d4c6a8e0f1b2d3c4e5f6a7b8c9d0e"


def _now_ms() -> int:
    return int(time.time() * 1000)


# --------------------------------------------------------------------------- web app


def web_routes(
    scenario: Scenario, market: Market, feed_url: Callable[[], str] = lambda: ""
) -> dict[tuple[str, str], Route]:
    """The web app's routes; ``feed_url`` names the feed its page's client opens (the feed
    takes its port when it starts, after these routes are made)."""
    counter = _Counter()
    frozen: dict[str, dict[str, Any]] = {}  # a frozen ticker's one answer, by pair

    def faulty(key: str) -> bool:
        every = scenario.web_5xx_every
        return bool(every) and counter.next(key) % every == 0

    def health(request: Request) -> Reply:
        if faulty("health"):
            return json_reply(500, {"ok": False, "error": "upstream request timed out"})
        return json_reply(
            200,
            {
                "ok": True,
                "service": "web-next",
                "version": DEMO_VERSION,
                "now": _now_ms(),
                "runtime": "nodejs",
            },
        )

    def healthz(request: Request) -> Reply:
        if faulty("healthz"):
            return json_reply(500, {"ok": False, "error": "upstream request timed out"})
        return json_reply(200, {"ok": True, "ts": _now_ms()})

    def page(request: Request) -> Reply:
        if faulty("page"):
            return Reply(500, b"<!doctype html><h1>500 - Internal Server Error</h1>", "text/html")
        return Reply(
            200, render_page(scenario, market, feed_url()).encode(), "text/html; charset=utf-8"
        )

    def flags(request: Request) -> Reply:
        return json_reply(200, {"NEXT_PUBLIC_WS_ENABLED": scenario.ws_enabled})

    def ticker(request: Request) -> Reply:
        symbol = request.query.get("symbol", "BTCTRY").upper()
        if faulty("ticker"):
            return json_reply(502, {"error": "upstream_failed", "status": 500, "symbol": symbol})
        if symbol not in market.pairs():
            return json_reply(400, {"error": "invalid_symbol"})
        now = _now_ms()
        raw = market.rest_ticker(symbol, now)
        if scenario.ticker_frozen:  # the first answer, again and again
            raw = frozen.setdefault(symbol, raw)
        if scenario.ticker_mock:
            return json_reply(
                200,
                {
                    "ok": True,
                    "mock": True,
                    "symbol": symbol,
                    "bid": raw["bid"],
                    "ask": raw["ask"],
                    "last": raw["last"],
                    "ts": now,
                },
            )
        body = {"data": [raw], "success": True, "message": None, "code": 0}
        return json_reply(
            200,
            {"ok": True, "symbol": symbol, "data": body, "source": "btcturk", "timestamp": now},
        )

    def orderbook(request: Request) -> Reply:
        symbol = request.query.get("symbol", "BTCTRY").upper()
        if symbol not in market.pairs():
            return json_reply(400, {"error": "invalid_symbol"})
        depth = _int_param(request.query.get("depth"), 50, 1, 1000)
        data = market.rest_orderbook(symbol, depth, _now_ms())
        return json_reply(200, {"success": True, "message": None, "code": 0, "data": data})

    return {
        ("GET", "/"): page,
        ("GET", "/btcturk"): page,
        ("GET", "/api/public/health"): health,
        ("GET", "/api/public/healthz"): healthz,
        ("GET", "/api/public/flags"): flags,
        ("GET", "/api/public/btcturk/ticker"): ticker,
        ("GET", "/api/public/btcturk/orderbook"): orderbook,
        ("GET", "/static/btcturk.js"): lambda request: client_script(),
        # A browser asks for it: a page without one logs a 404 in the console.
        ("GET", "/favicon.ico"): lambda request: Reply(204, b"", "image/x-icon"),
    }


# The page's client (static/btcturk.js) and its look: served by the web app, no build step.
_STATIC = resources.files("golive_action.sandbox").joinpath("static")
PAGE_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; background: #fff; color: #111; }
header { display: flex; gap: .5rem; align-items: center; position: relative; min-height: 2rem; }
.pill { display: inline-block; padding: .2rem .7rem; border-radius: 1rem; font-weight: 600;
        color: #fff; cursor: default; }
.pill-green { background: #16a34a; } .pill-yellow { background: #eab308; color: #111; }
.pill-red { background: #dc2626; } .pill-live { background: #2563eb; }
.tooltip { display: none; position: absolute; top: 2.2rem; left: 0; padding: .3rem .6rem;
           background: #111; color: #fff; border-radius: .3rem; font-size: .85rem; }
.pill:hover + .tooltip, .pill:focus + .tooltip { display: block; }
section { margin-top: 2rem; padding: 1rem; border: 1px solid #ddd; border-radius: .5rem;
          display: inline-grid; grid-template-columns: auto auto; gap: .3rem 1.5rem; }
"""
# The page's own rule for DEGRADED: a feed round trip over this (the local profile's limit).
PAGE_LATENCY_LIMIT_MS = 300
PAGE_POLL_MS = 1000


def render_page(scenario: Scenario, market: Market, feed_url: str = "") -> str:
    """The /btcturk page as the server renders it: the inlined flag, the status pill as it
    stands before the client runs (server-rendered, as the real app's is), the Spread Card,
    and the client (static/btcturk.js) that takes over in a browser."""
    flag = "true" if scenario.ws_enabled else "false"
    ticker = market.rest_ticker("BTCTRY", _now_ms())
    if scenario.ws_enabled:
        pill = (
            '<span class="pill pill-green" data-testid="ws-pill" data-ws-status="OPEN" '
            'title="WebSocket latency: measured in the browser">WS</span>'
        )
        mode = "ws"
    else:
        pill = (
            '<span class="pill pill-live" data-testid="feed-pill" data-feed-mode="polling">'
            "Canlı</span>"
        )
        mode = "polling"
    env = json.dumps({"NEXT_PUBLIC_WS_ENABLED": flag})
    page_config = {
        "wsEnabled": scenario.ws_enabled,
        "wsUrl": feed_url,
        "wsPort": urlsplit(feed_url).port if feed_url else None,
        "pair": "BTCTRY",
        "tickerPath": "/api/public/btcturk/ticker?symbol=BTCTRY",
        "pollMs": PAGE_POLL_MS,
        "latencyLimitMs": PAGE_LATENCY_LIMIT_MS,
        "blockMs": scenario.ui_block_ms,
        "blockEveryMs": scenario.ui_block_every_ms,
    }
    # Inside a script element, "</" would end it: JSON allows "<" escaped.
    config_text = json.dumps(page_config).replace("<", "\\u003c")
    spread = ticker["ask"] - ticker["bid"]
    return (
        '<!doctype html>\n<html lang="tr"><head><meta charset="utf-8">'
        f"<title>BTCTurk | Spark</title><style>{PAGE_STYLE}</style></head>\n<body>\n"
        f'<script id="__NEXT_DATA__" type="application/json">{{"runtimeConfig":{env}}}</script>\n'
        f'<script id="golive-page-config" type="application/json">{config_text}</script>\n'
        f'<header data-feed-mode="{mode}">{pill}</header>\n'
        '<section data-testid="spread-card">'
        f'<span>Bid</span><span data-field="bid">{html.escape(str(ticker["bid"]))}</span> '
        f'<span>Ask</span><span data-field="ask">{html.escape(str(ticker["ask"]))}</span> '
        f'<span>Spread</span><span data-field="spread">{spread:g}</span></section>\n'
        '<script src="/static/btcturk.js"></script>\n'
        "</body></html>\n"
    )


def client_script() -> Reply:
    body = _STATIC.joinpath("btcturk.js").read_bytes()
    return Reply(200, body, "text/javascript; charset=utf-8", {"Cache-Control": "no-store"})


def _int_param(text: str | None, default: int, low: int, high: int) -> int:
    try:
        value = int(text) if text is not None else default
    except ValueError:
        value = default
    return max(low, min(high, value))


# --------------------------------------------------------------------------- executor


def executor_routes(
    scenario: Scenario, metrics_text: Callable[[], bytes], token: str | None
) -> dict[tuple[str, str], Route]:
    started = time.monotonic()
    down = scenario.executor_status != 200

    def unavailable() -> Reply:
        return json_reply(
            scenario.executor_status,
            {"ok": False, "error": "executor unavailable: database connection refused"},
        )

    def health(request: Request) -> Reply:
        if down:
            return unavailable()
        return json_reply(
            200,
            {
                "ok": True,
                "service": "executor",
                "version": DEMO_VERSION,
                "pid": os.getpid(),
                "uptimeSec": round(time.monotonic() - started, 1),
                "now": _now_ms(),
            },
        )

    def canary(request: Request) -> Reply:
        auth = request.headers.get("authorization", "")
        given = auth[7:] if auth.startswith("Bearer ") else ""
        if not given or (token is not None and given != token):
            return json_reply(
                401, {"error": "Unauthorized", "message": "missing or invalid bearer token"}
            )
        if down:
            return unavailable()
        try:
            body = jsondoc.loads(request.body or b"{}")
        except ValueError:
            return json_reply(400, {"error": "ValidationError", "message": "body is not JSON"})
        if not isinstance(body, dict) or not body.get("name"):
            return json_reply(
                400, {"error": "ValidationError", "message": "Missing required fields: name"}
            )
        return json_reply(200, canary_result(scenario))

    def metrics(request: Request) -> Reply:
        if down:
            return unavailable()
        return Reply(200, metrics_text(), "text/plain; version=0.0.4; charset=utf-8")

    return {
        ("GET", "/health"): health,
        ("POST", "/canary/run"): canary,
        ("GET", "/metrics"): metrics,
    }


def canary_result(scenario: Scenario) -> dict[str, Any]:
    return canary_body(scenario.canary_ok)


def canary_body(ok: bool) -> dict[str, Any]:
    """What the canary answers (and a run keeps as canary_resp.json): passing, or with two
    of its checks failed."""
    names = ("ticker-fresh", "orderbook-depth", "ws-subscribe", "spread-sane", "order-dry-run")
    failing = set() if ok else {"ws-subscribe", "spread-sane"}
    results = [
        {"name": n, "ok": n not in failing, "latencyMs": 12.0 + 7 * i}
        | ({"error": f"{n} did not complete"} if n in failing else {})
        for i, n in enumerate(names)
    ]
    body: dict[str, Any] = {"ok": not failing, "n": len(results), "results": results}
    if failing:
        body["error"] = f"{len(failing)} of {len(results)} canary checks failed: " + ", ".join(
            sorted(failing)
        )
    return body


# --------------------------------------------------------------------------- BTCTurk REST


def btcturk_routes(market: Market) -> dict[tuple[str, str], Route]:
    def ticker(request: Request) -> Reply:
        now = _now_ms()
        pair = request.query.get("pairSymbol")
        if pair is None:
            data = [market.rest_ticker(p, now) for p in market.pairs()]
        elif pair.upper() in market.pairs():
            data = [market.rest_ticker(pair.upper(), now)]
        else:
            return json_reply(
                400, {"data": None, "success": False, "message": "Invalid pair symbol", "code": 1}
            )
        return json_reply(200, {"data": data, "success": True, "message": None, "code": 0})

    def orderbook(request: Request) -> Reply:
        pair = (request.query.get("pairSymbol") or "").upper()
        if pair not in market.pairs():
            return json_reply(
                400, {"data": None, "success": False, "message": "Invalid pair symbol", "code": 1}
            )
        limit = _int_param(request.query.get("limit"), 100, 1, 1000)
        data = market.rest_orderbook(pair, limit, _now_ms())
        return json_reply(200, {"success": True, "message": None, "code": 0, "data": data})

    return {("GET", "/api/v2/ticker"): ticker, ("GET", "/api/v2/orderbook"): orderbook}
