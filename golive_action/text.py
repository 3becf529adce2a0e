"""Small text helpers shared by probes and renderers: one-line reasons and redaction."""

from __future__ import annotations

import re
from collections.abc import Iterable

REDACTED = "***"
_SPACE_RE = re.compile(r"\s+")


def one_line(text: str, limit: int = 300) -> str:
    """Collapse whitespace (newlines included) and cut to ``limit`` characters."""
    flat = _SPACE_RE.sub(" ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


class Redactor:
    """Replaces every secret value in a text with ***, longest first (one may contain another)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text


_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """Replace control characters (an ANSI escape from a server, say) with U+FFFD."""
    return _CONTROL_RE.sub("\ufffd", text)
