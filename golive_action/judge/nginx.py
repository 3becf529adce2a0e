"""nginx-ws: is the WebSocket proxy set up as the checklist says? Each missing piece is named
with the line to add."""

from __future__ import annotations

import re
from collections.abc import Iterator

from golive_action.ids import CheckId
from golive_action.model import CheckResult, Directive, NginxObservation, Verdict

CHECK_ID: CheckId = "nginx-ws"
TITLE = "nginx WebSocket upgrade configuration"
MAP_LINES = "map $http_upgrade $connection_upgrade { default upgrade; '' close; }"
DEFAULT_READ_TIMEOUT_S = 60.0  # nginx's own default for proxy_read_timeout
_UNITS = {
    "ms": 0.001,
    "s": 1,
    "m": 60,
    "h": 3600,
    "d": 86400,
    "w": 604800,
    "M": 2592000,
    "y": 31536000,
}


def _seconds(value: str) -> float | None:
    """nginx time syntax: 60, 60s, 1m, 1m30s, 500ms."""
    parts = re.findall(r"(\d+)(ms|s|m|h|d|w|M|y)?", value)
    if not parts or "".join(n + u for n, u in parts) != value:
        return None
    return sum(int(n) * _UNITS[u or "s"] for n, u in parts)


def _walk(
    nodes: list[Directive], parents: tuple[Directive, ...] = ()
) -> Iterator[tuple[Directive, tuple[Directive, ...]]]:
    for node in nodes:
        yield node, parents
        yield from _walk(node.children, (*parents, node))


def _effective(name: str, location: Directive, parents: tuple[Directive, ...]) -> list[Directive]:
    """The directives ``name`` in force in a location: its own, else the nearest parent's
    (nginx inherits a directive only when the inner level has none of it)."""
    for level in (location, *reversed(parents)):
        found = [c for c in level.children if c.name == name]
        if found:
            return found
    return []


def judge_nginx_ws(observation: NginxObservation | None, ws_location: str) -> CheckResult:
    thresholds = {
        "upgrade_map": "present",
        "proxy_http_version": "1.1",
        "proxy_read_timeout_s": f">={DEFAULT_READ_TIMEOUT_S:g}",
    }
    if observation is None:
        return CheckResult(
            CHECK_ID, TITLE, Verdict.SKIPPED, "skipped: no nginx-config given", 0, {}, thresholds
        )
    if observation.error is not None:
        return CheckResult(
            CHECK_ID,
            TITLE,
            Verdict.ERROR,
            observation.error,
            0,
            {"path": observation.path},
            thresholds,
        )
    tree = [Directive.from_dict(d) for d in observation.directives]
    nodes = list(_walk(tree))
    missing: list[str] = []
    maps = [
        d
        for d, _ in nodes
        if d.name == "map" and d.args[:2] == ["$http_upgrade", "$connection_upgrade"]
    ]
    if not maps:
        missing.append(f"the upgrade map: add in http {{}}: {MAP_LINES}")
    pattern = re.compile(ws_location)
    locations = [
        (d, parents)
        for d, parents in nodes
        if d.name == "location"
        and (
            any(c.name == "proxy_set_header" and c.args[:1] == ["Upgrade"] for c in d.children)
            or pattern.search(" ".join(d.args))
        )
    ]
    if not locations:
        missing.append(
            f"a location for the WebSocket (none has an Upgrade header or matches "
            f"{ws_location!r}): add proxy_http_version 1.1; proxy_set_header Upgrade "
            "$http_upgrade; proxy_set_header Connection $connection_upgrade;"
        )
    for location, parents in locations:
        where = f"location {' '.join(location.args)} (line {location.line})"
        version = _effective("proxy_http_version", location, parents)
        if not version or version[-1].args != ["1.1"]:
            missing.append(f"{where}: add proxy_http_version 1.1;")
        headers = {
            c.args[0].lower(): c
            for c in _effective("proxy_set_header", location, parents)
            if c.args
        }
        upgrade = headers.get("upgrade")
        if upgrade is None or upgrade.args[1:] != ["$http_upgrade"]:
            missing.append(f"{where}: add proxy_set_header Upgrade $http_upgrade;")
        connection = headers.get("connection")
        if connection is None or connection.args[1:] != ["$connection_upgrade"]:
            shown = " ".join(connection.args[1:]) if connection else "not set"
            missing.append(
                f"{where}: Connection is {shown}; use proxy_set_header Connection "
                "$connection_upgrade;"
            )
        timeout = _effective("proxy_read_timeout", location, parents)
        seconds = (
            _seconds(timeout[-1].args[0])
            if timeout and timeout[-1].args
            else (DEFAULT_READ_TIMEOUT_S if not timeout else None)
        )
        if seconds is None or seconds < DEFAULT_READ_TIMEOUT_S:
            missing.append(
                f"{where}: proxy_read_timeout is under 60 s; use proxy_read_timeout 60s; (or more)"
            )
    metrics = {"path": observation.path, "ws_locations": len(locations), "upgrade_map": bool(maps)}
    if missing:
        return CheckResult(
            CHECK_ID, TITLE, Verdict.FAIL, "; ".join(missing), len(locations), metrics, thresholds
        )
    names = ", ".join(" ".join(d.args) for d, _ in locations)
    return CheckResult(
        CHECK_ID,
        TITLE,
        Verdict.PASS,
        f"upgrade map present; {names}: HTTP/1.1, Upgrade and Connection headers, "
        "read timeout at least 60 s",
        len(locations),
        metrics,
        thresholds,
    )
