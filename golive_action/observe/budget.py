"""How long a probe may go on: until the gate's deadline, or until the gate is cancelled (a
signal, or the library caller). Probes pause with ``wait`` instead of ``time.sleep``, so that a
cancellation wakes them at once and they return what they have recorded so far."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

_T = TypeVar("_T")


@dataclass(frozen=True)
class Budget:
    deadline: float  # on time.monotonic()
    cancel: threading.Event = field(default_factory=threading.Event, compare=False)

    @classmethod
    def lasting(cls, seconds: float, cancel: threading.Event | None = None) -> Budget:
        return cls(time.monotonic() + seconds, cancel if cancel is not None else threading.Event())

    def remaining(self) -> float:
        """Seconds left to the deadline (0 when past it); a cancellation does not change it."""
        return max(0.0, self.deadline - time.monotonic())

    def cancelled(self) -> bool:
        return self.cancel.is_set()

    def wait(self, seconds: float) -> bool:
        """Pause ``seconds``, never past the deadline; True as soon as the gate is cancelled
        (like ``threading.Event.wait``), False when the pause ran its course."""
        return self.cancel.wait(max(0.0, min(seconds, self.remaining())))


def within(budget: Budget, work: Callable[[], _T], grace_s: float = 1.0) -> _T | None:
    """``work()`` in a thread of its own, given until the budget's deadline and ``grace_s``
    more (a probe that looks at the budget ends by then by itself): its result, or None
    when it is still running, left behind as a daemon (as the runner leaves a probe past
    the gate's budget). For a command outside the gate's window whose calls no timeout
    reaches: a name resolution (getaddrinfo has none). An exception of ``work`` is raised
    here."""
    outcome: list[_T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as exc:  # handed to the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=run, name="golive-within-budget", daemon=True)
    thread.start()
    thread.join(budget.remaining() + grace_s)
    if failure:
        raise failure[0]
    return outcome[0] if outcome else None
