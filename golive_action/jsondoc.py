"""JSON from untrusted or careless sources, with its nesting bounded at parse time.

A body nested thousands of levels deep makes the standard parser, and every recursive walk
after it (schema validation, serialization), raise RecursionError: one hostile answer would
end the whole gate. :func:`loads` refuses such a document as bad JSON (a ``ValueError``), so
it becomes the error of the check that read it, never of the gate.
"""

from __future__ import annotations

import json
import math
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


class JsonNotPlain(ValueError):
    """Valid to Python's parser, but not plain JSON: NaN or an infinity, a number of endless
    digits, or a key twice in one object (where the last would silently win)."""


# A number longer than this is no figure the gate writes (Python would refuse it near 4,300
# digits anyway, with a hint about its own settings).
_MAX_NUMBER_CHARS = 40


def _plain_number(text: str) -> float:
    if len(text) > _MAX_NUMBER_CHARS:
        raise JsonNotPlain(f"a number of more than {_MAX_NUMBER_CHARS} characters")
    value = float(text)
    if not math.isfinite(value):
        raise JsonNotPlain(f"the number {text}, which is out of range")
    return value


def _plain_integer(text: str) -> int:
    if len(text) > _MAX_NUMBER_CHARS:
        raise JsonNotPlain(f"a number of more than {_MAX_NUMBER_CHARS} characters")
    return int(text)


def _no_constant(name: str) -> Any:
    raise JsonNotPlain(f"{name}, which is not a JSON number")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise JsonNotPlain(f"the key {key!r} twice in one object")
            seen.add(key)
    return document


def loads(text: str | bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` that raises :class:`JsonTooDeep` (a ValueError) past ``max_depth``,
    and refuses what is not plain JSON (:class:`JsonNotPlain`): a NaN compares false with
    every limit, so a body that carries one would pass any check (and could not be written
    back as JSON), and of a key given twice the parser would keep the last one silently.
    (The feed's frames are read by btcturk.parse_frame, at the feed's rate, and their
    figures checked one by one.)"""
    try:
        document = json.loads(
            text,
            parse_float=_plain_number,
            parse_int=_plain_integer,
            parse_constant=_no_constant,
            object_pairs_hook=_unique_keys,
        )
    except RecursionError:
        raise JsonTooDeep(max_depth) from None
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
        # A column of numbers or texts (a report's samples) is passed at C speed.
        if _CONTAINERS.isdisjoint(set(map(type, children))):
            continue
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


_CONTAINERS = frozenset({dict, list})


def problem(exc: ValueError) -> str:
    """What was wrong with the text, in a few words, for a check's reason."""
    if isinstance(exc, JsonNotPlain):
        return f"not plain JSON ({exc})"
    return str(exc) if isinstance(exc, JsonTooDeep) else "not JSON"


def finite(document: Any) -> Any:
    """The document with every NaN and infinity made null: what is written as JSON is JSON
    (a figure that is no number is no figure). Walked without recursion."""
    if isinstance(document, float):
        return document if math.isfinite(document) else None
    if not isinstance(document, dict | list):
        return document
    # A copy, container by container.
    out = _shallow(document)
    stack: list[tuple[Any, Any]] = [(document, out)]
    while stack:
        source, target = stack.pop()
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for key, value in items:
            if isinstance(value, float) and not math.isfinite(value):
                target[key] = None
            elif isinstance(value, dict | list):
                child = _shallow(value)
                target[key] = child
                stack.append((value, child))
    return out


def _shallow(container: Any) -> Any:
    return dict(container) if isinstance(container, dict) else list(container)
