"""Read the last minutes of an nginx access log (combined format) into per-second counts of
answers and of 5xx answers: what the 5xx-spike check needs, and nothing of the requests."""

from __future__ import annotations

import re
from datetime import datetime

from golive_action.files import open_regular
from golive_action.model import AccessLogObservation

MAX_TAIL_BYTES = 32 * 1024 * 1024  # a busy log: read its end only
# $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent ...
_LINE = re.compile(r'^\S+ \S+ \S+ \[([^\]]+)\] "(?:[^"\\]|\\.)*" (\d{3}) ')


def parse_time(text: str) -> float | None:
    try:
        return datetime.strptime(text, "%d/%b/%Y:%H:%M:%S %z").timestamp()
    except ValueError:
        return None


def read_access_log(path: str, minutes: float, now: float) -> AccessLogObservation:
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
        counts = buckets.setdefault(int(at), [0, 0])
        counts[0] += 1
        counts[1] += 1 if match.group(2).startswith("5") else 0
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
    return AccessLogObservation(path, rows, len(lines), unparsed, since, now)
