"""stdout and stderr that cannot end a gate run: a stream that is closed, a pipe whose reader
went away (``golive run | head -1``) or a terminal that cannot show a character never
raises into the gate. The first failure is kept, so that publishing can turn it into a
NO-GO published everywhere else (an exit other than 0 never leaves ``decision=go``)."""

from __future__ import annotations

import contextlib
import io
import os
from typing import TextIO, cast


class GuardedStream(io.TextIOBase):
    """A text stream over ``stream`` (None: a standard stream closed before the process
    started, as ``>&-`` leaves it). A character the stream cannot encode is written as its
    escape (``\\xb1``); a write or flush that fails is kept in :attr:`failure` and every
    later write is dropped."""

    def __init__(self, stream: TextIO | None, name: str) -> None:
        super().__init__()
        self._stream = stream
        self.stream_name = name
        self.failure: str | None = None if stream is not None else "is closed"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        if self.failure is not None or self._stream is None:
            return False
        try:
            return self._stream.isatty()
        except (OSError, ValueError):
            return False

    def write(self, text: str) -> int:
        if self.failure is not None or self._stream is None:
            return len(text)
        try:
            try:
                self._stream.write(text)
            except UnicodeEncodeError:
                encoding = getattr(self._stream, "encoding", None) or "ascii"
                self._stream.write(text.encode(encoding, "backslashreplace").decode(encoding))
        except (OSError, ValueError) as exc:  # ValueError: I/O on a closed file
            self._failed(exc)
        return len(text)

    def flush(self) -> None:
        if self.failure is not None or self._stream is None:
            return
        try:
            self._stream.flush()
        except (OSError, ValueError) as exc:
            self._failed(exc)

    def _failed(self, exc: OSError | ValueError) -> None:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        self.failure = f"cannot be written ({reason})"
        # What the stream still buffers would fail again when the interpreter flushes it on
        # its way out ("Exception ignored ... BrokenPipeError").
        if self._stream is not None:
            silence(self._stream)


def silence(stream: TextIO) -> None:
    """Lead the stream's descriptor to /dev/null, as Python's documentation advises for a
    pipe whose reader went away: what it still buffers is then flushed without failing."""
    with contextlib.suppress(OSError, ValueError, AttributeError, io.UnsupportedOperation):
        fd = stream.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, fd)
        finally:
            os.close(devnull)


def guarded(stream: TextIO | None, name: str) -> TextIO:
    """``stream`` as a :class:`GuardedStream` (itself when it already is one)."""
    given: object = stream  # a GuardedStream passed on as a TextIO
    if isinstance(given, GuardedStream):
        return cast(TextIO, given)
    return cast(TextIO, GuardedStream(stream, name))


def failure(stream: TextIO) -> str | None:
    """How ``stream`` failed ("stdout cannot be written (Broken pipe)"), or None."""
    given: object = stream
    if isinstance(given, GuardedStream) and given.failure is not None:
        return f"{given.stream_name} {given.failure}"
    return None
