"""JSON Pointer (RFC 6901) lookup: a few lines, not worth a dependency."""

from __future__ import annotations

from typing import Any

_MISSING = object()


class PointerError(ValueError):
    pass


def resolve(document: Any, pointer: str) -> Any:
    """The value at ``pointer`` ("" is the whole document); PointerError when absent."""
    if pointer == "":
        return document
    if not pointer.startswith("/"):
        raise PointerError(f"JSON pointer {pointer!r} must start with /")
    value = document
    for raw in pointer[1:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(value, dict):
            value = value.get(token, _MISSING)
        elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        else:
            value = _MISSING
        if value is _MISSING:
            raise PointerError(f"nothing at {pointer!r} (no {token!r})")
    return value
