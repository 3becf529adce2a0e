"""Estimate the skew between this machine's clock and a server's, from the instant the
server's HTTP Date header ticks over to the next second."""

from __future__ import annotations

import email.utils
import time

import requests

from golive_action.model import ClockSkew
from golive_action.observe.budget import Budget
from golive_action.observe.http import HttpLimits, describe_error, new_session
from golive_action.text import url_without_userinfo

SPACING_S = 0.04
MAX_TRIES = 40  # a tick-over comes within a second: 40 x 40 ms and more


def estimate_skew(url: str, limits: HttpLimits, budget: Budget) -> ClockSkew:
    # The request may carry the URL's credentials (ws-url's, by default); the record never.
    shown = url_without_userinfo(url)
    previous: tuple[float, float, int] | None = None
    with new_session(limits) as session:
        for _ in range(MAX_TRIES):
            if budget.remaining() < limits.timeout_s:
                break
            before = time.time()
            try:
                response = session.get(
                    url,
                    timeout=(limits.timeout_s, limits.timeout_s),
                    verify=limits.ca_bundle or True,
                    allow_redirects=False,
                    stream=True,
                )
                response.close()
            except requests.RequestException as exc:
                reason = describe_error(exc, limits, url)[1]
                return ClockSkew(shown, error=f"clock source {shown}: {reason}")
            after = time.time()
            stamp = _date(response.headers.get("Date"))
            if stamp is None:
                return ClockSkew(shown, error=f"clock source {shown} sends no usable Date header")
            if previous is not None and stamp == previous[2] + 1:
                # The server's second stamp+0.000 fell after the previous request began and
                # before this one ended.
                earliest, latest = previous[0], after
                tick = (earliest + latest) / 2
                return ClockSkew(
                    shown,
                    skew_ms=(tick - stamp) * 1000.0,
                    uncertainty_ms=(latest - earliest) * 500.0,
                )
            previous = (before, after, stamp)
            if budget.wait(SPACING_S):
                interrupted = f"interrupted before the Date header of {shown} ticked over"
                return ClockSkew(shown, error=interrupted)
    return ClockSkew(shown, error=f"the Date header of {shown} did not tick over in time")


def _date(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return int(email.utils.parsedate_to_datetime(value).timestamp())
    except (TypeError, ValueError):
        return None
