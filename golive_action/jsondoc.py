"""JSON from untrusted or careless sources, with its nesting bounded at parse time.

A body nested thousands of levels deep makes the standard parser, and every recursive walk
after it (schema validation, serialization), raise RecursionError: one hostile answer would
end the whole gate. :func:`loads` refuses such a document as bad JSON (a ``ValueError``), so
it becomes the error of the check that read it, never of the gate.
"""

from __future__ import annotations

import json
from typing import Any

# Deeper than any health, canary, ticker or order book document; far below the interpreter's
# recursion limit, so that the validators and serializers after the parse stay safe.
MAX_JSON_DEPTH = 64


class JsonTooDeep(ValueError):
    """The document nests arrays and objects deeper than :data:`MAX_JSON_DEPTH`."""

    def __init__(self, limit: int | None) -> None:
        if limit is None:
            super().__init__("JSON nested deeper than the parser can follow")
        else:
            super().__init__(f"JSON nested deeper than {limit} levels")


def loads(text: str | bytes, max_depth: int | None = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` that raises :class:`JsonTooDeep` (a ValueError) past ``max_depth``.

    ``max_depth=None`` keeps only the parser's own bound (its RecursionError, told as
    JsonTooDeep): for documents read in place and never walked recursively, such as the
    feed's frames, where a walk per frame would cost more than the parse."""
    try:
        document = json.loads(text)
    except RecursionError:
        raise JsonTooDeep(max_depth) from None
    if max_depth is None:
        return document
    # Only a text with more opening brackets than the limit can be too deep: most bodies
    # skip the walk.
    if isinstance(text, str):
        opened = text.count("[") + text.count("{")
    else:
        opened = text.count(b"[") + text.count(b"{")
    if opened > max_depth and depth_exceeds(document, max_depth):
        raise JsonTooDeep(max_depth)
    return document


def depth_exceeds(document: Any, max_depth: int = MAX_JSON_DEPTH) -> bool:
    """Whether arrays and objects nest deeper than ``max_depth`` (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(document, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth + 1 > max_depth:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def problem(exc: ValueError) -> str:
    """What was wrong with the text, in a few words, for a check's reason."""
    return str(exc) if isinstance(exc, JsonTooDeep) else "not JSON"
