"""The GitHub REST API as the gate calls it (a workflow's runs, artifacts and their zips, a
commit status), every call bounded, and the token kept with the API:

- ``Authorization`` goes only to the API's own origin: the scheme, host and port of
  ``github-api-url``. Any other origin gets no credentials, whether a payload names it (an
  artifact's ``archive_download_url``, a listing's next page) or a redirect leads there.
  Redirects are followed here, one hop at a time (at most ``MAX_REDIRECTS``), each hop's
  headers chosen for its own origin; ``~/.netrc`` is never read.
- Every wait before another try (``Retry-After``, a rate limit's reset, a server error's
  backoff: ``retrywait``) is at most ``retrywait.WAIT_CAP_S`` and fits the budget: a longer
  one is not waited (:class:`RateLimited`), one past the budget ends the call
  (:class:`BudgetSpent`), as does a request that would start past it. Each request's
  timeouts are cut to the budget left, and a body is read a socket read at a time, so a
  slow drip ends at the budget too.
- A listing is read at most ``PAGE_CAP`` pages (:class:`TooManyPages`), its next page only
  on the API's origin; a body at most its cap, a JSON body to jsondoc's nesting bound.

PyGithub's requester, which the gate used before, could not be held to these from outside:
it sends the token to any host under the API's domain (``*.github.com``), waits out a
``Retry-After`` as long as the server asks (urllib3 stops at six hours), waits 2 s on every
202 without end, and follows ``Link: next`` as long as there is one."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import requests
import urllib3
from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from golive_action import jsondoc
from golive_action.observe import neterrors
from golive_action.observe.budget import Budget
from golive_action.observe.retrywait import (
    BACKOFF_S,
    WAIT_CAP_S,
    Wait,
    rate_limited,
    retry_wait,
)
from golive_action.text import fixed, one_line

API_VERSION = "2022-11-28"
USER_AGENT = "golive-action"
RETRIES = 3  # tries after the first, for 429, rate limits, 5xx, resets and timeouts
MAX_REDIRECTS = 5
# A listing of 100 runs is about 1 MB; a run whose listing goes on past this many pages is
# a server that does not stop (a next page on every page).
PAGE_CAP = 10
BODY_CAP = 8 * 1024 * 1024  # a JSON answer
_READ = 64 * 1024
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_DEFAULT_PORTS = {"http": 80, "https": 443}


class GitHubError(Exception):
    """A call that ended without its answer. ``kind`` is the history's ``error_kind``; the
    message is one line, with no text of the server's but what passed ``one_line``."""

    kind = "api"


class Refused(GitHubError):
    """The API's last answer was not a success (after the tries a 429 or a 5xx is given)."""

    def __init__(self, status: int, message: str, tries: int, limited: bool) -> None:
        self.status = status
        self.message = message  # the API's own words, one line
        self.tries = tries
        self.limited = limited  # a 429 or a 403 that is a rate limit
        super().__init__(f"GitHub API answered HTTP {status}" + (f": {message}" if message else ""))


class RateLimited(GitHubError):
    kind = "rate-limited"


class BudgetSpent(GitHubError):
    kind = "budget"


class Malformed(GitHubError):
    kind = "malformed"


class TooManyPages(GitHubError):
    kind = "pages"


class TooLarge(GitHubError):
    kind = "too-large"

    def __init__(self, cap: int) -> None:
        self.cap = cap
        super().__init__(f"answer over the cap of {cap} bytes")


class Unreachable(GitHubError):
    kind = "network"

    def __init__(self, reason: str, transient: bool) -> None:
        self.transient = transient  # a reset or a timeout, worth another try
        super().__init__(reason)


@dataclass(frozen=True)
class Origin:
    scheme: str
    host: str
    port: int


# Characters on which URL parsers part ways (urllib.parse takes a backslash as part of the
# userinfo where urllib3, which makes the connection, ends the host there): a URL holding
# one has no origin the token could be sent to.
_AMBIGUOUS = frozenset("\\") | frozenset(chr(c) for c in range(0x21)) | {"\x7f"}


def origin_of(url: str) -> Origin | None:
    """The origin of an http(s) URL (the default port spelled out), None for anything else,
    and for a URL that the two parsers involved (urllib.parse here, urllib3 where requests
    connects) do not read alike: the origin judged must be the host connected to."""
    if any(c in _AMBIGUOUS for c in url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
        connected = parse_url(url)
    except (ValueError, LocationParseError):  # a port that is no number, say
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    port = port if port is not None else _DEFAULT_PORTS[scheme]
    host = (connected.host or "").lower().strip("[]")
    if (connected.scheme or "").lower() != scheme or host != parts.hostname.lower():
        return None
    if (connected.port if connected.port is not None else _DEFAULT_PORTS[scheme]) != port:
        return None
    return Origin(scheme, parts.hostname, port)


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]  # case-insensitive (requests' own)
    body: bytes
    url: str  # where it came from, after the redirects


def _no_credentials(request: requests.PreparedRequest) -> requests.PreparedRequest:
    """A session's auth that adds nothing: requests looks ``~/.netrc`` up only without one."""
    return request


class GitHubApi:
    """One client of the API at ``api_url`` for one job (a history, a commit status): its
    token, its budget (deadline and cancellation; every wait goes through ``budget.wait``),
    and ``timeout_s`` for each request's connect and each read."""

    def __init__(
        self,
        token: str,
        api_url: str,
        budget: Budget,
        timeout_s: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.base = api_url.rstrip("/")
        self.origin = origin_of(self.base)
        self.budget = budget
        self.requests = 0  # requests sent, every hop and try counted
        self._token = token
        self._timeout_s = timeout_s
        self._clock = clock
        self._tries = 0  # of the last call
        session = requests.Session()
        session.auth = _no_credentials
        session.trust_env = True  # HTTPS_PROXY, NO_PROXY, REQUESTS_CA_BUNDLE, as the probes
        session.headers["User-Agent"] = USER_AGENT
        self._session = session

    def __enter__(self) -> GitHubApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()

    def url(self, path: str) -> str:
        """The API's URL of ``path`` (``/repos/...``), under the base's own path (GHES)."""
        return self.base + path

    def headers_for(self, url: str) -> dict[str, str]:
        """The token, and the API's own headers, for the API's origin; nothing for any other."""
        if self.origin is None or origin_of(url) != self.origin:
            return {}
        return {
            "Authorization": f"Bearer {self._token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
        }

    # ----------------------------------------------------------------------- JSON calls

    def get_json(self, url: str, params: Mapping[str, str] | None = None) -> tuple[Any, Answer]:
        answer = self.request("GET", url, params=params)
        return self._json(answer), answer

    def post_json(self, url: str, body: Mapping[str, Any]) -> Any:
        return self._json(self.request("POST", url, body=body))

    def pages(self, path: str, params: Mapping[str, str], key: str) -> Iterator[Any]:
        """The items of a listing (under ``key`` of each page), page after page by the
        ``Link: next`` header, while the caller reads on: at most ``PAGE_CAP`` pages, and a
        next page only on the API's origin."""
        url: str = self.url(path)
        query: Mapping[str, str] | None = params
        for _ in range(PAGE_CAP):
            page, answer = self.get_json(url, query)
            items = page.get(key) if isinstance(page, dict) else None
            if not isinstance(items, list):
                raise Malformed(f"a page without a list of {key}")
            yield from items
            following = _next_link(answer)
            if following is None:
                return
            if origin_of(following) != self.origin:
                raise Malformed(
                    "its next page is on another origin ("
                    + one_line(following, 120)
                    + "), which the token does not go to"
                )
            url, query = following, None  # the link carries the query
        raise TooManyPages(f"the listing went on past {PAGE_CAP} pages")

    def _json(self, answer: Answer) -> Any:
        if not 200 <= answer.status <= 299:
            message = _message(answer.body)
            limited = rate_limited(answer.status, answer.headers, message)
            raise Refused(answer.status, message, self._tries, limited)
        try:
            return jsondoc.loads(answer.body)
        except ValueError as exc:
            raise Malformed(f"the answer is {jsondoc.problem(exc)}") from None

    # ----------------------------------------------------------------------- requests

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        cap: int = BODY_CAP,
    ) -> Answer:
        """One call, tried again while the answer asks for it (``retrywait``) and the wait
        is allowed; the last answer, whatever its status."""
        self._tries = 0
        for attempt in range(RETRIES + 1):
            self._tries = attempt + 1
            try:
                answer = self._follow(method, url, params, body, cap)
            except Unreachable as exc:
                if attempt >= RETRIES or not exc.transient:
                    raise
                backoff = Wait(BACKOFF_S * 2**attempt, "backoff")
                if backoff.seconds >= self.budget.remaining():
                    # The request's timeout was the budget's rest: the budget it is that ran out.
                    raise BudgetSpent(f"the time budget ran out ({exc})") from exc
                self._pause(backoff)
                continue
            message = _message(answer.body) if answer.status == 403 else ""
            wait = retry_wait(answer.status, answer.headers, message, attempt, self._clock())
            if wait is None or attempt >= RETRIES:
                return answer
            self._pause(wait)
        raise AssertionError("the loop returns or raises")  # pragma: no cover

    def _pause(self, wait: Wait) -> None:
        """Wait before another try, or say why not."""
        shown = fixed(wait.seconds, 0 if wait.seconds >= 10 else 1)
        if wait.over_cap:
            raise RateLimited(
                f"GitHub API asked to wait {shown} s ({wait.source}), longer than the "
                f"gate waits ({WAIT_CAP_S:g} s)"
            )
        if wait.seconds >= self.budget.remaining():
            raise BudgetSpent(f"a wait of {shown} s ({wait.source}) would pass the time budget")
        if self.budget.wait(wait.seconds):
            raise BudgetSpent("interrupted while waiting to try again")

    def _time_left(self) -> float:
        """The timeout of the next read or request: the client's, cut to the budget left."""
        if self.budget.cancelled():
            raise BudgetSpent("interrupted")
        left = self.budget.remaining()
        if left <= 0:
            raise BudgetSpent("the time budget ran out")
        return min(self._timeout_s, left)

    def _follow(
        self,
        method: str,
        url: str,
        params: Mapping[str, str] | None,
        body: Mapping[str, Any] | None,
        cap: int,
    ) -> Answer:
        """The answer at the end of the redirects, each hop with its own origin's headers."""
        for _ in range(MAX_REDIRECTS + 1):
            answer = self._once(method, url, params, body, cap)
            location = answer.headers.get("location")
            if answer.status not in _REDIRECTS or not location or method != "GET":
                return answer
            url, params = urljoin(answer.url, location), None
        raise Malformed(f"more than {MAX_REDIRECTS} redirects")

    def _once(
        self,
        method: str,
        url: str,
        params: Mapping[str, str] | None,
        body: Mapping[str, Any] | None,
        cap: int,
    ) -> Answer:
        if origin_of(url) is None:
            raise Malformed(f"{one_line(url, 120)!r} is not an http(s) URL")
        timeout = self._time_left()
        self.requests += 1
        try:
            with self._session.request(
                method,
                url,
                params=dict(params) if params else None,
                json=body,
                headers=self.headers_for(url),
                timeout=(timeout, timeout),
                stream=True,
                allow_redirects=False,
            ) as response:
                return Answer(
                    response.status_code, response.headers, self._read(response, cap),
                    response.url,
                )  # fmt: skip
        except (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema) as exc:
            raise Malformed(one_line(f"{type(exc).__name__}: {exc}", 160)) from None
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            # urllib3's own for the body's reads (read1 is below requests)
            known = neterrors.classify(exc, round(timeout, 1))
            why = known.reason if known is not None else type(exc).__name__
            # A refused connection, a name that does not resolve, a refused certificate:
            # another try in a second would meet the same.
            raise Unreachable(why, known is not None and not known.decisive) from exc

    def _read(self, response: requests.Response, cap: int) -> bytes:
        """The body, one socket read at a time (``read1``): the budget is looked at after
        each, so a body that drips ends with it."""
        body = bytearray()
        while chunk := response.raw.read1(_READ, decode_content=True):
            body += chunk
            if len(body) > cap:
                raise TooLarge(cap)
            self._time_left()
        return bytes(body)


def repo_path(repository: str) -> str:
    """``/repos/owner/name``, each part escaped (an input is no path of its own)."""
    return "/repos/" + "/".join(quote(part, safe="") for part in repository.split("/", 1))


def _next_link(answer: Answer) -> str | None:
    link = answer.headers.get("link")
    if not link:
        return None
    for item in requests.utils.parse_header_links(link):
        if item.get("rel") == "next" and item.get("url"):
            return urljoin(answer.url, item["url"])
    return None


def _message(body: bytes) -> str:
    """The ``message`` of an error in GitHub's shape, one line; empty for any other body."""
    try:
        document = jsondoc.loads(body[:BODY_CAP])
    except ValueError:
        return ""
    message = document.get("message") if isinstance(document, dict) else None
    return one_line(message, 200) if isinstance(message, str) else ""
