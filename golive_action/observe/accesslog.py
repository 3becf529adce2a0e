"""Read the last minutes of an nginx access log (combined format) into per-second counts of
answers and of 5xx answers (what the 5xx-spike check needs), and, for each health path, its
lines and those answered 200 (what the health checks add): nothing else of the requests."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urlsplit

from golive_action.files import open_regular
from golive_action.ids import HealthId
from golive_action.model import AccessLogObservation, HealthLines

MAX_TAIL_BYTES = 32 * 1024 * 1024  # a busy log: read its end only
# $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent ...
_LINE = re.compile(r'^\S+ \S+ \S+ \[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\d{3}) ')


def request_path(request: str) -> str | None:
    """The path of a logged request line (``GET /health?x=1 HTTP/1.1`` -> ``/health``),
    without its query string; None for a line that holds no request (``-``, junk)."""
    parts = request.split(" ")
    if len(parts) < 2:
        return None
    target = parts[1]
    if target.startswith(("http://", "https://")):  # the absolute form a proxy may log
        target = urlsplit(target).path or "/"
    return target.split("?", 1)[0]


def parse_time(text: str) -> float | None:
    try:
        return datetime.strptime(text, "%d/%b/%Y:%H:%M:%S %z").timestamp()
    except ValueError:
        return None


def read_access_log(
    path: str,
    minutes: float,
    now: float,
    health_paths: Mapping[HealthId, str] | None = None,
) -> AccessLogObservation:
    """The log's lines of the last ``minutes`` before ``now``; with ``health_paths`` (each
    health probe's path), the lines of each path (matched exactly, the query string left
    out on both sides) and how many of them answered 200."""
    wanted = {probe: p.split("?", 1)[0] for probe, p in (health_paths or {}).items()}
    health = {probe: [0, 0] for probe in wanted}
    try:
        with open_regular(path) as handle:
            handle.seek(0, 2)
            size = handle.tell()
            handle.seek(max(0, size - MAX_TAIL_BYTES))
            data = handle.read()
    except OSError as exc:
        return AccessLogObservation(path, error=str(exc.strerror or exc))
    lines = data.decode("utf-8", errors="replace").splitlines()
    if size > MAX_TAIL_BYTES and lines:
        lines = lines[1:]  # the first line read is likely cut
    since = now - minutes * 60
    buckets: dict[int, list[int]] = {}
    unparsed = 0
    for line in lines:
        match = _LINE.match(line)
        at = parse_time(match.group(1)) if match else None
        if match is None or at is None:
            unparsed += 1 if line.strip() else 0
            continue
        if not since <= at <= now + 1:
            continue
        status = match.group(3)
        counts = buckets.setdefault(int(at), [0, 0])
        counts[0] += 1
        counts[1] += 1 if status.startswith("5") else 0
        if wanted:
            logged = request_path(match.group(2))
            for probe, health_path in wanted.items():
                if logged == health_path:
                    health[probe][0] += 1
                    health[probe][1] += int(status == "200")
    written = sum(1 for line in lines if line.strip())
    if written and unparsed * 2 > written:
        # Mostly not an access log: judging what little parsed would be a PASS on nothing.
        which = "none" if unparsed == written else f"only {written - unparsed}"
        return AccessLogObservation(
            path,
            error=f"{which} of the {written} lines of {path} read as access log lines (nginx "
            "combined format); fix: give access-log the path of the proxy's access log",
        )
    rows = tuple((second, total, bad) for second, (total, bad) in sorted(buckets.items()))
    paths = tuple(
        HealthLines(probe, wanted[probe], lines_of, ok) for probe, (lines_of, ok) in health.items()
    )
    return AccessLogObservation(path, rows, len(lines), unparsed, since, now, health=paths)
