"""Regular expressions given as inputs are matched by Python's own engine, which holds the
interpreter while it runs: no timeout and no signal can stop a match that backtracks
exponentially. Such patterns are recognised by their shape and refused before any match."""

from __future__ import annotations

from typing import Any

_REPEATS = frozenset({"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"})
# Nodes whose argument ends with the subpattern they hold.
_GROUPS = frozenset({"SUBPATTERN", "ASSERT", "ASSERT_NOT"})


def backtracks_exponentially(pattern: str) -> bool:
    """Whether a (compiling) regular expression repeats something that itself repeats or
    alternates, such as ``(a+)+`` or ``(a|aa)*``: the shape whose matches can take
    exponential time. Conservative: ``(ws|stream)+`` is refused too (write ``(ws|stream)``)."""
    try:
        import re._parser as sre_parser  # type: ignore[import-not-found,unused-ignore]
    except ImportError:  # Python 3.10
        import sre_parse as sre_parser  # type: ignore[no-redef,unused-ignore]
    try:
        return _risky(list(sre_parser.parse(pattern)), inside_repeat=False)
    except Exception:  # a parse tree of a shape this walk does not know: refuse, never crash
        return True


def _risky(items: list[Any], inside_repeat: bool) -> bool:
    for op, argument in items:
        name = str(op)
        if name in _REPEATS:
            _, most, body = argument
            repeats = most > 1
            if repeats and inside_repeat:
                return True
            if _risky(list(body), inside_repeat or repeats):
                return True
        elif name == "BRANCH":
            if inside_repeat:
                return True
            if any(_risky(list(branch), inside_repeat) for branch in argument[1]):
                return True
        elif name == "GROUPREF_EXISTS":  # (?(1)yes|no): two branches
            _, yes, no = argument
            if inside_repeat or any(_risky(list(b), False) for b in (yes, no) if b is not None):
                return True
        elif name == "ATOMIC_GROUP":  # its argument is the subpattern itself
            if _risky(list(argument), inside_repeat):
                return True
        elif name in _GROUPS and _risky(list(argument[-1]), inside_repeat):
            return True
    return False
