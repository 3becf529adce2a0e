"""The embedded reference stack: web app, executor, BTCTurk REST and WebSocket feed, in one
process on loopback, behaving as the real web app, executor and BTCTurk feed do."""

from __future__ import annotations

from types import TracebackType

from golive_action.sandbox.apps import AppServer, btcturk_routes, executor_routes, web_routes
from golive_action.sandbox.feed import ExecutorMetrics, FeedServer
from golive_action.sandbox.market import Market
from golive_action.sandbox.scenarios import SCENARIOS, Scenario


class UnknownScenario(ValueError):
    pass


def get_scenario(name: str) -> Scenario:
    try:
        return SCENARIOS[name]
    except KeyError:
        raise UnknownScenario(
            f"unknown scenario '{name}'; fix: use one of {', '.join(SCENARIOS)}"
        ) from None


class ReferenceStack:
    """Start with ``with ReferenceStack("healthy") as stack:``; ``stack.urls`` names the parts.

    ``port`` 0 takes ephemeral ports; another value P puts the web app on P, the executor on
    P+1, the BTCTurk REST API on P+2 and the feed on P+3. With ``token`` set, the canary
    accepts only that bearer token; without it, any non-empty bearer token.
    """

    def __init__(
        self,
        scenario: str | Scenario = "healthy",
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
    ) -> None:
        self.scenario = scenario if isinstance(scenario, Scenario) else get_scenario(scenario)
        self.market = Market(trade_time_lag_ms=self.scenario.trade_time_lag_ms)
        self.metrics = ExecutorMetrics()
        delay = self.scenario.http_delay_s

        def at(offset: int) -> int:
            return port + offset if port else 0

        self.web = AppServer("web", web_routes(self.scenario, self.market), host, at(0), delay)
        self.executor = AppServer(
            "executor", executor_routes(self.scenario, self.metrics.text, token), host, at(1), delay
        )
        self.btcturk = AppServer("btcturk", btcturk_routes(self.market), host, at(2), delay)
        self.feed = FeedServer(self.scenario, self.market, self.metrics, host, at(3))
        self._started: list[AppServer | FeedServer] = []

    @property
    def urls(self) -> dict[str, str]:
        return {
            "web_url": self.web.url,
            "executor_url": self.executor.url,
            "btcturk_url": self.btcturk.url,
            "ws_url": self.feed.url,
        }

    def start(self) -> ReferenceStack:
        try:
            for part in (self.feed, self.web, self.executor, self.btcturk):
                part.start()
                self._started.append(part)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        while self._started:
            self._started.pop().stop()

    def __enter__(self) -> ReferenceStack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
