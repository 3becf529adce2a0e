"""Small text helpers shared by probes and renderers: one-line reasons and redaction."""

from __future__ import annotations

import base64
import dataclasses
import html
import json
import re
from collections.abc import Iterable
from enum import Enum
from typing import Any, TypeVar
from urllib.parse import quote, quote_plus, unquote, urlsplit, urlunsplit

_T = TypeVar("_T")

REDACTED = "***"
_SPACE_RE = re.compile(r"\s+")


def one_line(text: str, limit: int = 300) -> str:
    """Collapse whitespace (newlines included) and cut to ``limit`` characters."""
    flat = _SPACE_RE.sub(" ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``1 attempt``, ``2 attempts``: reasons are read by people."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"


def fixed(value: float, digits: int = 1) -> str:
    """A rounded figure without the ``-0.0`` that a tiny negative value rounds to."""
    text = f"{value:.{digits}f}"
    return text.lstrip("-") if float(text) == 0 else text


def listed(items: list[str], conjunction: str = "and") -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def labelled(label: str, reason: str) -> str:
    """``label: reason``, unless the reason already starts with the label (no "ticker:
    ticker:" where a check's reason names its own check)."""
    return reason if reason.startswith(f"{label}:") else f"{label}: {reason}"


class Redactor:
    """Replaces every secret with ***, in each form a text may carry it: as it is, escaped
    for JSON or by ``repr`` (a library's error message quotes a token with a newline as
    ``\\n``), URL-encoded and HTML-escaped. The longest form wins where one holds another.

    Applied to what the gate shows or stores, never to what the judge reads: a two-letter
    token must not turn ``{"ok": true}`` into ``{"***": true}`` before it is judged.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        forms = {form for secret in secrets if secret for form in _escaped_forms(secret)}
        ordered = sorted((f for f in forms if f), key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None
        # Heads of every form by length, longest first, for the cut ends below.
        heads: dict[int, set[str]] = {}
        for form in ordered:
            for size in range(_HEAD_MIN, len(form)):
                heads.setdefault(size, set()).add(form[:size])
        self._heads = sorted(heads.items(), reverse=True)

    def __call__(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._cut_heads(self._pattern.sub(REDACTED, text))

    def _cut_heads(self, text: str) -> str:
        """A text cut to a length (``one_line``'s ``...``, a body kept in part) may end in
        the head of a secret: a head of four characters or more right before the cut is
        starred too."""
        ends = sorted({*(m.start() for m in _CUT_RE.finditer(text)), len(text)}, reverse=True)
        for end in ends:
            head = next(
                (size for size, known in self._heads if text[max(end - size, 0) : end] in known),
                0,
            )
            if head:
                text = text[: end - head] + REDACTED + text[end:]
        return text

    def tree(self, value: _T) -> _T:
        """The same value with every string in it redacted: dataclasses (rebuilt, frozen or
        not), dicts (values; keys are the gate's own names), lists and tuples. Enums and the
        fields that hold the gate's own vocabulary (ids, verdicts, kinds) are left as they
        are, so that a report stays a valid report whatever the token."""
        if self._pattern is None:
            return value
        return self._tree(value)  # type: ignore[no-any-return]

    def _tree(self, value: Any) -> Any:
        if isinstance(value, Enum):
            return value
        if isinstance(value, str):
            return self(value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            changes = {
                f.name: self._tree(getattr(value, f.name))
                for f in dataclasses.fields(value)
                if f.init and not _own_words(f.name, getattr(value, f.name))
            }
            return dataclasses.replace(value, **changes)
        if isinstance(value, dict):
            return {key: self._tree(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            items = [self._tree(item) for item in value]
            return items if isinstance(value, list) else tuple(items)
        return value


_CUT_RE = re.compile(r"\.\.\.")
_HEAD_MIN = 4


# Fields whose text the gate writes itself (ids, titles, verdict words, error kinds): never
# a secret, and read back by the renderers and the schema, so never rewritten.
OWN_VOCABULARY = frozenset(
    {
        "id",
        "title",
        "probe",
        "checks",
        "error_kind",
        "mode",
        "profile",
        "version",
        "signal",
        "started_at",
        "ws_state",
        "label",
        "colour",
        "canary",
        "state",  # a pill change's OPEN, DEGRADED, CLOSED
        "failed_phase",  # dns, connect, tls, upgrade
    }
)


def _own_words(name: str, value: Any) -> bool:
    """A field of the gate's vocabulary holding words (a report's ``checks`` holds results,
    a criterion's ``checks`` holds ids: only the ids are words)."""
    if name not in OWN_VOCABULARY:
        return False
    items = value if isinstance(value, list | tuple) else [value]
    return all(item is None or isinstance(item, str) for item in items)


def _escaped_forms(secret: str) -> set[str]:
    """The secret as texts carry it, escaped once and twice (a server that JSON-encodes a
    string that already holds an escaped token, as a wrapper around an error does)."""
    once = _escaped_once(secret)
    return {twice for form in once for twice in _escaped_once(form)}


def _escaped_once(text: str) -> set[str]:
    return {
        text,
        json.dumps(text)[1:-1],
        json.dumps(text, ensure_ascii=False)[1:-1],
        repr(text)[1:-1],
        quote(text, safe=""),
        quote(text),
        quote_plus(text),
        html.escape(text),
    }


def url_without_userinfo(url: str) -> str:
    """The URL as it may be shown or stored: ``user:password@`` removed (the request itself
    may still use it)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return _USERINFO_RE.sub("//", url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=host))


def hide_userinfo(text: str) -> str:
    """For a text that may be a malformed URL (``http:/admin:pw@host``, ``admin:pw@host``),
    quoted in an error: whatever stands before the last ``@`` after the scheme is hidden,
    since no parser can say where its password ends."""
    if "@" not in text:
        return text
    head, _, tail = text.rpartition("@")
    scheme = _SCHEME_RE.match(head)
    return (scheme.group(0) if scheme else "") + "***@" + tail


_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[/\\]*")


def url_secrets(url: str) -> tuple[str, ...]:
    """The forms in which a URL's password travels, to redact like a token: as written
    (percent-encoded), decoded (as the request sends it) and inside the Basic credentials
    the request makes of it."""
    try:
        parts = urlsplit(url)
        user, password = parts.username, parts.password
    except ValueError:
        return ()
    if not password:
        return ()
    plain_user, plain = unquote(user or ""), unquote(password)
    basic = base64.b64encode(f"{plain_user}:{plain}".encode()).decode()
    return tuple(dict.fromkeys((password, plain, basic)))


_USERINFO_RE = re.compile(r"//[^/?#@\s]*@")


# Every character that is not drawn as itself: C0 and C1 controls (ESC, which starts the
# terminal's escape sequences, BEL, and CR, on which the runner also splits lines), the
# format characters (bidi overrides and isolates that reorder what is shown, zero-width
# characters that hide text, the BOM, tags), the line and paragraph separators, and lone
# surrogates. Unicode's categories Cc, Cf, Zl, Zp and Cs, listed here (tests/test_injection.py
# holds the list to the Unicode database of the Python that runs it).
_FORMAT_AND_SEPARATORS = (
    "\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ud800-\udfff\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f"
)
INVISIBLE = "\x00-\x1f" + _FORMAT_AND_SEPARATORS
_INVISIBLE_RE = re.compile(f"[{INVISIBLE}]")
# The same but LF and TAB, for a text of many lines.
_INVISIBLE_BUT_LINES_RE = re.compile(f"[\\x00-\\x08\\x0b-\\x1f{_FORMAT_AND_SEPARATORS}]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    named = _NAMED.get(char)
    if named is not None:
        return named
    point = ord(char)
    if point < 0x100:
        return f"\\x{point:02x}"
    return f"\\u{point:04x}" if point < 0x10000 else f"\\U{point:08x}"


def visible(text: str, *, lines: bool = False) -> str:
    """The one sanitiser of text from outside (bodies, headers, close reasons, page texts,
    API fields, file contents) on its way to a terminal, an annotation, the job summary or
    an output: each character that is not drawn as itself is shown as its escape (ESC as
    ``\\x1b``, CR as ``\\r``, U+202E as ``\\u202e``), so that nothing can move the cursor,
    colour the log, start a line of its own, reorder or hide what is shown. ``lines``: line
    breaks (LF) stay, for a text of many lines (tabs stay too). The report keeps the raw
    text (JSON escapes it)."""
    pattern = _INVISIBLE_BUT_LINES_RE if lines else _INVISIBLE_RE
    return pattern.sub(_escape, text)


def iso_time(unix: float) -> str:
    """A Unix time as ISO 8601 in UTC, to the millisecond: a report's ``started_at``."""
    from datetime import datetime, timezone

    return datetime.fromtimestamp(unix, tz=timezone.utc).isoformat(timespec="milliseconds")
