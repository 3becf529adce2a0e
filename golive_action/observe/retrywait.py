"""How long a server asks the gate to wait before it tries again, and the one cap every such
wait is held to. GitHub's rules ("Rate limits for the REST API"): a ``Retry-After`` first;
else, with ``x-ratelimit-remaining: 0``, until ``x-ratelimit-reset``; a rate limit that names
no time, at least a minute. A server error without ``Retry-After`` gets a short backoff.

Pure: the answer's status, headers and message and the time go in, the wait comes out. The
caller decides what a wait over the cap means (no wait: the call is rate-limited)."""

from __future__ import annotations

import email.utils
import re
from collections.abc import Mapping
from dataclasses import dataclass

# No Retry-After or rate-limit wait of the gate is longer (README): a gate that slept until
# an hourly reset would hold the deployment for an hour.
WAIT_CAP_S = 30.0
# A server error's first backoff, doubled on each later try.
BACKOFF_S = 0.5
# GitHub's advice for a rate limit that names no time: wait at least a minute.
UNNAMED_LIMIT_WAIT_S = 60.0
SERVER_ERRORS = frozenset({500, 502, 503, 504})
_SECONDS_RE = re.compile(r"\s*(\d{1,12})\s*")


@dataclass(frozen=True)
class Wait:
    seconds: float
    source: str  # what asked for it: Retry-After, x-ratelimit-reset, a rate limit, backoff

    @property
    def over_cap(self) -> bool:
        return self.seconds > WAIT_CAP_S


def retry_wait(
    status: int, headers: Mapping[str, str], message: str, attempt: int, now: float
) -> Wait | None:
    """The wait before trying again an answer worth another try (429, a 403 that is a rate
    limit, a server error), None for any other. ``attempt`` counts from 0; ``now`` is Unix
    time (``x-ratelimit-reset`` is one)."""
    limited = rate_limited(status, headers, message)
    if not limited and status not in SERVER_ERRORS:
        return None
    retry_after = _retry_after(headers.get("retry-after"), now)
    if retry_after is not None:
        return Wait(retry_after, "Retry-After")
    reset = _SECONDS_RE.fullmatch(headers.get("x-ratelimit-reset") or "")
    if limited and _exhausted(headers) and reset is not None:
        return Wait(max(0.0, int(reset.group(1)) - now), "x-ratelimit-reset")
    if limited:
        return Wait(UNNAMED_LIMIT_WAIT_S, "a rate limit that names no time")
    return Wait(BACKOFF_S * 2**attempt, "backoff")


def rate_limited(status: int, headers: Mapping[str, str], message: str) -> bool:
    """A 429, or a 403 that is a rate limit (GitHub answers its limits with either): one
    that says when to come back, or that the limit is spent, or says so in its message."""
    if status == 429:
        return True
    return status == 403 and (
        "retry-after" in headers or _exhausted(headers) or "rate limit" in message.lower()
    )


def _exhausted(headers: Mapping[str, str]) -> bool:
    return (headers.get("x-ratelimit-remaining") or "").strip() == "0"


def _retry_after(value: str | None, now: float) -> float | None:
    """Seconds, or an HTTP date (RFC 9110); None when absent or unreadable."""
    if value is None:
        return None
    seconds = _SECONDS_RE.fullmatch(value)
    if seconds is not None:
        return float(int(seconds.group(1)))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # an HTTP date is GMT
        return None
    return max(0.0, when.timestamp() - now)
