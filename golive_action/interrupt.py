"""Cancelling a gate run: by SIGINT or SIGTERM (GitHub cancels a job with SIGINT, then SIGTERM,
then kills it), or by a library caller. The run stops observing and still publishes a NO-GO
with the evidence recorded up to then."""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from types import FrameType

CAUGHT_SIGNALS = (signal.SIGINT, signal.SIGTERM)

# The commands that run the gate, and so catch SIGINT and SIGTERM to publish what they saw.
GATE_COMMANDS = frozenset({"run", "demo", "judge", "merge"})


def command_word(args: Sequence[str]) -> str | None:
    """The command, as the parser will find it: the first word that is not an option (the
    top level has none that take a value)."""
    return next((a for a in args if not a.startswith("-")), None)


_Handler = Callable[[int, FrameType | None], object] | int | signal.Handlers | None


class Cancellation(threading.Event):
    """A ``threading.Event`` that also keeps what cancelled first and when: a second signal
    (GitHub's SIGTERM after its SIGINT) changes neither."""

    def __init__(self) -> None:
        super().__init__()
        self._first: tuple[str | None, float] | None = None

    def cancel(self, signal_name: str | None = None) -> None:
        if self._first is None:
            # One assignment: the signal's name and its time never come from two causes.
            self._first = (signal_name, time.monotonic())
        self.set()

    @property
    def signal_name(self) -> str | None:
        """SIGINT or SIGTERM; None when a caller cancelled, or nothing did."""
        return self._first[0] if self._first is not None else None

    @property
    def cancelled_at(self) -> float | None:
        """When the first cancellation came, on time.monotonic()."""
        return self._first[1] if self._first is not None else None

    def exit_code(self) -> int | None:
        """128 + the signal's number, as a shell reports a process a signal ended: 130 after
        SIGINT, 143 after SIGTERM. None when no signal cancelled the run."""
        name = self.signal_name
        if name is None or name not in signal.Signals.__members__:
            return None
        return 128 + signal.Signals[name].value


@contextlib.contextmanager
def catch_signals(cancellation: Cancellation, restore: bool = True) -> Iterator[bool]:
    """While inside, SIGINT and SIGTERM cancel ``cancellation`` instead of raising
    KeyboardInterrupt or ending the process; the previous handlers come back on the way out.
    Yields whether the handlers are installed: only the main thread may install them, and
    ``main()`` is also called from other threads (tests). ``restore=False`` leaves them in
    place: for a process that ends right after, where a late signal must change nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield False
        return

    def handle(signum: int, frame: FrameType | None) -> None:
        # It never raises: a KeyboardInterrupt would unwind the run past its publishing. It
        # runs in the main thread between two bytecodes, and set() takes the event's lock, so
        # the main thread must poll is_set() and never sit in the event's wait().
        cancellation.cancel(signal.Signals(signum).name)

    previous: dict[signal.Signals, _Handler] = {}
    try:
        for signum in CAUGHT_SIGNALS:
            previous[signum] = signal.signal(signum, handle)
        yield True
    finally:
        for signum, handler in previous.items() if restore else ():
            if handler is not None:  # None: set outside Python, and it cannot be put back
                signal.signal(signum, handler)
