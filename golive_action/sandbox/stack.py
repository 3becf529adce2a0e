"""The embedded reference stack: web app, executor, BTCTurk REST and WebSocket feed, and a
stand-in of the GitHub API with the canary workflow's past runs, in one process on loopback,
behaving as the real web app, executor, BTCTurk feed and GitHub do."""

from __future__ import annotations

import secrets
import time
from types import TracebackType

from golive_action.sandbox import github_api
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
    P+1, the BTCTurk REST API on P+2, the feed on P+3, the GitHub API on P+4 and the storage
    its artifact downloads redirect to on P+5. With ``token`` set, the canary accepts only
    that bearer token; without it, any non-empty bearer token. ``github_token`` is the same
    for the GitHub API (default: ``token``); the repository and the workflow it serves are
    ``github_api.REPOSITORY`` and ``github_api.WORKFLOW_FILE``.
    """

    def __init__(
        self,
        scenario: str | Scenario = "healthy",
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        github_token: str | None = None,
    ) -> None:
        self.scenario = scenario if isinstance(scenario, Scenario) else get_scenario(scenario)
        self.market = Market(trade_time_lag_ms=self.scenario.trade_time_lag_ms)
        self.metrics = ExecutorMetrics()
        delay = self.scenario.http_delay_s

        def at(offset: int) -> int:
            return port + offset if port else 0

        self.feed = FeedServer(self.scenario, self.market, self.metrics, host, at(3))
        routes = web_routes(self.scenario, self.market, lambda: self.feed.url)
        self.web = AppServer("web", routes, host, at(0), delay)
        self.executor = AppServer(
            "executor", executor_routes(self.scenario, self.metrics.text, token), host, at(1), delay
        )
        self.btcturk = AppServer("btcturk", btcturk_routes(self.market), host, at(2), delay)
        # GitHub's side is not the deployment's: no scenario delay.
        history = github_api.build_history(
            self.scenario.canary_history, time.time(), self.scenario.past_reports
        )
        key = secrets.token_bytes(32)  # signs the storage's short-lived URLs
        self.github_storage = AppServer(
            "github-storage", {}, host, at(5), fallback=github_api.storage_route(history, key)
        )
        self.github = AppServer(
            "github-api",
            {},
            host,
            at(4),
            fallback=github_api.api_route(
                history,
                token if github_token is None else github_token,
                key,
                self.github_storage.url,
            ),
        )
        self._started: list[AppServer | FeedServer] = []

    @property
    def urls(self) -> dict[str, str]:
        return {
            "web_url": self.web.url,
            "executor_url": self.executor.url,
            "btcturk_url": self.btcturk.url,
            "ws_url": self.feed.url,
            "github_api_url": self.github.url,
        }

    def start(self) -> ReferenceStack:
        try:
            parts = (self.feed, self.web, self.executor, self.btcturk)
            for part in (*parts, self.github_storage, self.github):
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
