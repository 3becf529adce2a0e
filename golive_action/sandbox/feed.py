"""The BTCTurk-compatible WebSocket feed of the reference stack, on the `websockets` library.

Frames are JSON arrays ``[type, payload]``: 991 welcome, 151 subscribe answered by 100,
402 ticker about once a second, 431 full book once a second (``orderbook``), 431 then 432
diffs (``obdiff``), 421 recent trades then 422 per trade (``trade``). WebSocket pings are
answered by the library. The feed runs its own event loop in a thread of the stack.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from golive_action import jsondoc
from golive_action.sandbox.market import Market, Step
from golive_action.sandbox.scenarios import Scenario

TICK_S = 0.1
STOP_GRACE_S = 0.25  # for the clients' close handshakes when the feed stops
CHANNELS = ("ticker", "orderbook", "obdiff", "trade")
WELCOME = {"type": 991, "current": "6.0.0", "min": "2.3.0"}


class ExecutorMetrics:
    """The executor's Prometheus metrics: ws_msgs_total and the ingest_latency_ms histogram."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.registry = CollectorRegistry()
        self.messages = Counter(
            "ws_msgs", "WebSocket feed messages ingested", registry=self.registry
        )
        self.ingest_latency = Histogram(
            "ingest_latency_ms",
            "Event to store latency in milliseconds",
            buckets=(5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000),
            registry=self.registry,
        )

    def text(self) -> bytes:
        from prometheus_client import generate_latest

        data: bytes = generate_latest(self.registry)
        return data


@dataclass(eq=False)  # kept in a set by identity
class _Client:
    subscriptions: set[tuple[str, str]] = field(default_factory=set)
    queue: asyncio.Queue[str] = field(default_factory=lambda: asyncio.Queue(maxsize=2000))


def frame(kind: int, payload: dict[str, Any]) -> str:
    return json.dumps([kind, {**payload, "type": kind}], separators=(",", ":"))


class _SlowConnection(ServerConnection):
    """Delays everything the server reads (the handshake, messages and pings) by a fixed time,
    as a slow link would; pongs come back that much later. Order is kept."""

    inbound_delay_s = 0.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pending: collections.deque[tuple[float, bytes | None]] = collections.deque()

    def data_received(self, data: bytes) -> None:
        self._hold(data)

    def eof_received(self) -> None:
        self._hold(None)

    def connection_lost(self, exc: Exception | None) -> None:
        # The link is gone: what it still held never arrives (fed after the end, websockets
        # would raise "stream ended" from a timer).
        self._pending.clear()
        super().connection_lost(exc)

    # The event loop wakes up to a millisecond late (epoll counts whole milliseconds): wake
    # this much early and sleep the rest, so that the delay injected is exact.
    EARLY_S = 0.002

    def _hold(self, data: bytes | None) -> None:
        due = self.loop.time() + self.inbound_delay_s
        self._pending.append((due, data))
        if len(self._pending) == 1:
            self.loop.call_at(due - self.EARLY_S, self._release)

    def _release(self) -> None:
        if not self._pending:
            return
        ahead = self._pending[0][0] - self.loop.time() if self._pending else 0.0
        if 0 < ahead <= self.EARLY_S:
            time.sleep(ahead)
        now = self.loop.time()
        while self._pending and self._pending[0][0] <= now:
            _, data = self._pending.popleft()
            if data is None:
                super().eof_received()
            else:
                super().data_received(data)
        if self._pending:
            self.loop.call_at(self._pending[0][0] - self.EARLY_S, self._release)


def _slow_connection_class(delay_s: float) -> type[ServerConnection]:
    return type("SlowConnection", (_SlowConnection,), {"inbound_delay_s": delay_s})


class FeedServer:
    def __init__(
        self,
        scenario: Scenario,
        market: Market,
        metrics: ExecutorMetrics,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 11,
    ) -> None:
        self.scenario = scenario
        self.market = market
        self.metrics = metrics
        self.host = host
        self.port = port
        self._rng = random.Random(seed)
        self._clients: set[_Client] = set()
        self._connections: set[ServerConnection] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="sandbox-feed", daemon=True)
        self._logger = logging.getLogger("golive_action.sandbox.feed")
        self._logger.addHandler(logging.NullHandler())
        self._logger.propagate = False

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"ws://{host}:{self.port}"

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(10)
        if self._error is not None:
            raise self._error
        if not self._ready.is_set():
            raise RuntimeError("the WebSocket feed did not start within 10 s")

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=10)

    # ------------------------------------------------------------------ event loop

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:
            self._error = exc
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        options: dict[str, Any] = {}
        if self.scenario.ws_inbound_delay_s > 0:
            options["create_connection"] = _slow_connection_class(self.scenario.ws_inbound_delay_s)
        server: Server = await serve(
            self._handle,
            self.host,
            self.port,
            process_request=self._process_request,
            logger=self._logger,
            compression=None,
            max_size=64 * 1024,
            close_timeout=1,
            **options,
        )
        self.port = next(iter(server.sockets)).getsockname()[1]
        ticker = asyncio.create_task(self._tick())
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            ticker.cancel()
            server.close()
            # A client that never answers the close frame would hold the stop for the whole
            # close_timeout; `golive sandbox` must be gone within a second of SIGTERM.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), STOP_GRACE_S)
            for connection in list(self._connections):
                connection.transport.abort()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 1)

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        status = self.scenario.ws_upgrade_status
        if status is None:
            return None
        body = "Upgrade Required: this server did not switch protocols\n"
        return Response(
            status,
            "Upgrade Required" if status == 426 else "Bad Request",
            Headers([("Content-Type", "text/plain"), ("Content-Length", str(len(body)))]),
            body.encode(),
        )

    async def _tick(self) -> None:
        """The market's clock: one step every 100 ms, fanned out to subscribers."""
        count = 0
        while True:
            await asyncio.sleep(TICK_S)
            count += 1
            now_ms = int(time.time() * 1000)
            step = self.market.step(now_ms)
            self._ingest(step)
            every_second = count % round(1 / TICK_S) == 0
            for client in list(self._clients):
                self._fan_out(client, step, every_second)

    def _ingest(self, step: Step) -> None:
        """The executor stores what the feed sends; its latency lands in the histogram."""
        centre = self.scenario.ingest_latency_ms
        for _ in step.trades:
            self.metrics.messages.inc()
            self.metrics.ingest_latency.observe(max(0.5, self._rng.gauss(centre, centre / 4)))

    def _fan_out(self, client: _Client, step: Step, every_second: bool) -> None:
        frames: list[str] = []
        subs = client.subscriptions
        for trade in step.trades:
            if ("trade", trade.pair) in subs:
                frames.append(
                    frame(
                        422,
                        {**self.market.trade_row(trade), "channel": "trade", "event": trade.pair},
                    )
                )
        for diff in step.diffs:
            if ("obdiff", diff.pair) in subs:
                frames.append(
                    frame(
                        432,
                        {**self.market.diff_payload(diff), "channel": "obdiff", "event": diff.pair},
                    )
                )
        if every_second:
            for channel, event in sorted(subs):
                if channel == "ticker" and event == "all":
                    for pair in self.market.pairs():
                        frames.append(self._ticker_frame(401, pair, "all"))
                elif channel == "ticker":
                    frames.append(self._ticker_frame(402, event, event))
                elif channel == "orderbook":
                    frames.append(self._book_frame("orderbook", event))
        for text in frames:
            try:
                client.queue.put_nowait(text)
            except asyncio.QueueFull:
                self._clients.discard(client)  # a consumer this slow is dropped, as BTCTurk would
                break

    def _ticker_frame(self, kind: int, pair: str, event: str) -> str:
        return frame(
            kind, {**self.market.ticker_payload(pair), "channel": "ticker", "event": event}
        )

    def _book_frame(self, channel: str, pair: str) -> str:
        return frame(431, {**self.market.book_payload(pair), "channel": channel, "event": pair})

    # ------------------------------------------------------------------ one connection

    async def _handle(self, connection: ServerConnection) -> None:
        client = _Client()
        closer = None
        if self.scenario.ws_close_after_s is not None:
            closer = asyncio.get_running_loop().call_later(
                self.scenario.ws_close_after_s,
                lambda: asyncio.ensure_future(connection.close(1011, "feed restarting")),
            )
        writer = asyncio.create_task(self._write(connection, client))
        self._connections.add(connection)
        try:
            await connection.send(frame(991, WELCOME))
            async for message in connection:
                await self._on_message(connection, client, message)
        except ConnectionClosed:
            pass
        finally:
            self._connections.discard(connection)
            self._clients.discard(client)
            writer.cancel()
            if closer is not None:
                closer.cancel()

    async def _write(self, connection: ServerConnection, client: _Client) -> None:
        with contextlib.suppress(ConnectionClosed):
            while True:
                await connection.send(await client.queue.get())

    async def _on_message(
        self, connection: ServerConnection, client: _Client, message: str | bytes
    ) -> None:
        try:
            kind, payload = jsondoc.loads(message)
            assert isinstance(payload, dict)
        except (ValueError, TypeError, AssertionError):
            await connection.send(frame(100, {"ok": False, "message": "invalid message"}))
            return
        if kind != 151:
            await connection.send(frame(100, {"ok": False, "message": f"unsupported type {kind}"}))
            return
        channel = str(payload.get("channel", ""))
        event = str(payload.get("event", "")).upper()
        event = "all" if event == "ALL" else event
        join = payload.get("join", True) is not False
        valid_event = event in self.market.pairs() or (channel == "ticker" and event == "all")
        if channel not in CHANNELS or not valid_event:
            await connection.send(
                frame(100, {"ok": False, "message": f"invalid channel or event {channel}:{event}"})
            )
            return
        word = "join" if join else "leave"
        await connection.send(frame(100, {"ok": True, "message": f"{word}|{channel}:{event}"}))
        if not join:
            client.subscriptions.discard((channel, event))
            return
        client.subscriptions.add((channel, event))
        if self.scenario.ws_silent:
            return  # the stale feed: subscriptions answered, and then nothing
        self._clients.add(client)
        if channel == "trade":
            items = self.market.recent_trades(event)
            await client.queue.put(
                frame(421, {"symbol": event, "items": items, "channel": "trade", "event": event})
            )
        elif channel in ("orderbook", "obdiff"):
            await client.queue.put(self._book_frame(channel, event))
